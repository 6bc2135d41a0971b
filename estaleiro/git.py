"""The one way Estaleiro runs git: every failure is an `EstaleiroError` naming the command and git's words."""

from __future__ import annotations

import subprocess
import tarfile
from collections.abc import Mapping
from pathlib import Path

from estaleiro.errors import InvalidInput, Problem


class GitFailed(InvalidInput):
    """git refused: the repository (the input of every command) is not as the command needs it."""

    def __init__(self, args: tuple[str, ...], stderr: str) -> None:
        self.command = f"git {' '.join(args)}"
        self.stderr = stderr
        super().__init__([Problem(self.command, "", "; ".join(stderr.split("\n")) or "failed")])


def run_bytes(root: Path, *args: str, stdin: bytes | None = None, env: Mapping[str, str] | None = None) -> bytes:
    """`git ARGS` in `root` (with `env`, e.g. credentials, instead of ours); its standard output, or `GitFailed`."""
    try:
        result = subprocess.run(["git", *args], cwd=root, input=stdin, env=env, capture_output=True, check=False)
    except FileNotFoundError as err:
        raise GitFailed(args, "git is not installed (or not on PATH)") from err
    if result.returncode != 0:
        raise GitFailed(args, result.stderr.decode("utf-8", errors="replace").strip())
    return result.stdout


def run(root: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """`git ARGS` in `root`, its output as text."""
    return run_bytes(root, *args, env=env).decode("utf-8", errors="replace")


def succeeds(root: Path, *args: str) -> bool:
    """Whether `git ARGS` exits 0: for the questions git answers with its exit code."""
    try:
        run_bytes(root, *args)
        return True
    except GitFailed:
        return False


def toplevel(start: Path) -> Path | None:
    """The root of the git work tree holding `start`, or None outside one."""
    try:
        return Path(run(start, "rev-parse", "--show-toplevel").strip())
    except GitFailed:
        return None


def commit(root: Path, ref: str, where: str) -> str:
    """The commit `ref` names; an unknown ref is bad input reported at `where` (the option that gave it)."""
    try:
        return run(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
    except GitFailed:
        raise InvalidInput([Problem(where, "", f"{ref!r} is not a commit, branch or tag of this repository")]) from None


def merge_base(root: Path, ref: str, where: str) -> str:
    """The commit `ref` and HEAD share last."""
    return run(root, "merge-base", commit(root, ref, where), "HEAD").strip()


def changed_files(root: Path, ref: str, where: str) -> set[str]:
    """Files changed since the merge base of `ref` and HEAD, committed or not, plus untracked ones."""
    changed = run(root, "diff", "--name-only", merge_base(root, ref, where), "--").splitlines()
    untracked = run(root, "ls-files", "--others", "--exclude-standard").splitlines()
    return set(changed) | set(untracked)


def export(root: Path, ref: str, where: str, into: Path) -> Path:
    """The tracked files of `ref` in a new folder `into/tree` (`git archive`): the checkout is never touched."""
    archive = into / "ref.tar"
    run(root, "archive", "--format=tar", "-o", str(archive), commit(root, ref, where))
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        try:
            tar.extractall(tree, filter="data")
        except tarfile.FilterError as err:  # a symlink out of the repository, committed at `ref`
            raise InvalidInput([Problem(err.tarinfo.name, "", f"at {ref}: {err}")]) from err
    return tree


def history(root: Path, relative: str, start: str = "HEAD") -> list[tuple[str, bytes]]:
    """(commit, content) of `relative` at every commit reachable from `start` that touched it, newest first.

    Two processes in all. Commits that deleted the file are left out.
    """
    commits = run(root, "log", "--format=%H", "--end-of-options", start, "--", relative).split()
    if not commits:
        return []
    out = run_bytes(root, "cat-file", "--batch", stdin="".join(f"{c}:{relative}\n" for c in commits).encode())
    texts = []
    for name in commits:
        header, _, out = out.partition(b"\n")
        fields = header.split()
        if len(fields) == 3 and fields[1] == b"blob":  # "<name> missing" where the commit deleted the file
            size = int(fields[2])
            texts.append((name, out[:size]))
            out = out[size + 1 :]
    return texts
