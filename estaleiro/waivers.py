"""Deliberate waivers of policy, in one reviewed file: `policies/waivers.yaml`.

A finding that matches a waiver stays in the report, marked waived with the written reason;
it no longer fails the check. Matching is by rule id and globs on the resource and the file;
the resource glob may name a plan resource by its checkov address, its Pulumi name or its URN.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated

from pydantic import Field, StrictStr

from estaleiro.config.types import Frozen, Text
from estaleiro.config.validation import in_repository, load_file
from estaleiro.errors import InvalidInput, Problem
from estaleiro.findings import Finding

WAIVERS_FILE = "policies/waivers.yaml"


class Waiver(Frozen):
    rule: Text = Field(description="the rule id, e.g. CKV_GCP_62 or promotion/pinned-images")
    resource: Text = Field(
        default="*",
        description="glob on the resource: a checkov address, a Pulumi name or URN, or model/version",
    )
    file: Text = Field(default="*", description="glob on the repository file the finding is in")
    reason: Annotated[StrictStr, Field(min_length=20, description="why this is acceptable, for reviewers and auditors")]

    def covers(self, finding: Finding) -> bool:
        names = (finding.resource, finding.pulumi_name, finding.urn)
        return (
            self.rule == finding.rule
            and any(name and fnmatchcase(name, self.resource) for name in names)
            and fnmatchcase(finding.file, self.file)
        )


class WaiversFile(Frozen):
    waivers: tuple[Waiver, ...] = ()


@dataclass(frozen=True)
class Waivers:
    entries: tuple[Waiver, ...]

    def apply(self, findings: Sequence[Finding]) -> list[Finding]:
        return [self._mark(f) for f in findings]

    def _mark(self, finding: Finding) -> Finding:
        for entry in self.entries:
            if entry.covers(finding):
                return replace(finding, waived_reason=entry.reason)
        return finding


def load_waivers(root: Path) -> Waivers:
    """The waivers file itself, never a link: a link hands the waivers to whoever may edit its target,
    which CODEOWNERS does not give to the platform team."""
    path = root / WAIVERS_FILE
    if path.is_symlink():
        message = (
            f"a symlink (to {os.readlink(path)}); waivers are read from this file only, reviewed where it lies: "
            "put the file itself here"
        )
        raise InvalidInput([Problem(WAIVERS_FILE, "", message)])
    if not path.is_file():
        return Waivers(())
    return Waivers(load_file(WaiversFile, in_repository(root, path, WAIVERS_FILE), WAIVERS_FILE).waivers)
