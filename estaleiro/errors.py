"""The one family of expected failures; the CLI turns each into its exit code in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one input: where (file and key path) and what."""

    file: str
    path: str
    message: str
    line: int = 0  # 1-based line in `file` where `path` starts, when known

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return ": ".join(part for part in (where, self.path, self.message) if part)


class EstaleiroError(Exception):
    """An expected failure: the message is for the user; `exit_code` is the contract."""

    exit_code = 1


class InvalidInput(EstaleiroError):
    """Bad input (files, names, arguments): exit 2, and nothing was written."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", "", problems)]
        self.problems = tuple(sorted(set(problems)))
        super().__init__("\n".join(map(str, self.problems)))


class Refused(EstaleiroError):
    """A valid request that a policy refuses (exit 1), e.g. promoting to prod what dev never served."""

    exit_code = 1


class MissingTool(EstaleiroError):
    """A tool the project installs (checkov) is not there: exit 4, the install command fixes it."""

    exit_code = 4
