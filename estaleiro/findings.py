"""A finding: one rule that failed (or was deliberately waived) somewhere in the repo.

Every checker (schema validation, promotion rules, checkov) reports in this one shape so
that `estaleiro check` renders a single report in text, markdown, JSON or SARIF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Source = Literal["schema", "promotion", "governance", "checkov", "access"]
# A notice informs reviewers (a governance change and who must review it); it never fails the check.
Severity = Literal["error", "notice"]


@dataclass(frozen=True, order=True)
class Finding:
    file: str  # repo-relative path of what the finding is about
    rule: str  # rule id, e.g. "CKV_GCP_62", "CKV_EST_3", "promotion/card-metrics"
    message: str  # what is wrong and, where possible, how to fix it
    source: Source
    resource: str = ""  # what the rule names: checkov's resource address, or model/version
    waived_reason: str = ""  # non-empty: waived in policies/waivers.yaml, for this reason
    line: int = 0  # 1-based line in `file`, when known
    pulumi_name: str = ""  # a planned resource as the program names it (what to grep for) ...
    urn: str = ""  # ... and its Pulumi URN
    severity: Severity = "error"

    @property
    def waived(self) -> bool:
        return bool(self.waived_reason)

    @property
    def fails(self) -> bool:
        """Whether this finding fails the check: an error nobody waived."""
        return self.severity == "error" and not self.waived


@dataclass(frozen=True)
class Judged:
    """What checkov judged in one target (a stack's plan, or the repository's files), counted as its summary counts.

    `failures` are the failed checks as findings; waivers mark some of them, so failed and
    waived are counted from them. checkov's own skips (`checkov:skip` comments) count as waived.
    """

    target: str
    resources: int
    passed: int
    skipped: int
    failures: tuple[Finding, ...]

    @property
    def failed(self) -> int:
        return sum(1 for f in self.failures if not f.waived)

    @property
    def waived(self) -> int:
        return self.skipped + sum(1 for f in self.failures if f.waived)
