"""Deliberate exceptions to policy, in one reviewed file: `policies/exceptions.yaml`.

A finding that matches an exception stays in the report, marked with the written reason;
it no longer fails the check. Matching is by rule id and globs on the resource and the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated

from pydantic import Field, StrictStr

from estaleiro.config.types import Frozen, Text
from estaleiro.config.validation import load_file
from estaleiro.findings import Finding

EXCEPTIONS_FILE = "policies/exceptions.yaml"


class PolicyException(Frozen):
    rule: Text = Field(description="the rule id, e.g. CKV_GCP_62 or promotion/pinned-images")
    resource: Text = Field(default="*", description="glob on the resource: a Terraform address or model/version")
    file: Text = Field(default="*", description="glob on the repository file the finding is in")
    reason: Annotated[StrictStr, Field(min_length=20, description="why this is acceptable, for reviewers and auditors")]


class ExceptionsFile(Frozen):
    exceptions: tuple[PolicyException, ...] = ()


@dataclass(frozen=True)
class Exceptions:
    entries: tuple[PolicyException, ...]

    def apply(self, findings: Sequence[Finding]) -> list[Finding]:
        return [self._mark(f) for f in findings]

    def _mark(self, finding: Finding) -> Finding:
        for entry in self.entries:
            if (
                entry.rule == finding.rule
                and fnmatchcase(finding.resource, entry.resource)
                and fnmatchcase(finding.file, entry.file)
            ):
                return replace(finding, suppressed_reason=entry.reason)
        return finding


def load_exceptions(root: Path) -> Exceptions:
    path = root / EXCEPTIONS_FILE
    if not path.is_file():
        return Exceptions(())
    return Exceptions(load_file(ExceptionsFile, path, EXCEPTIONS_FILE).exceptions)
