"""A finding: one rule that failed (or was deliberately suppressed) somewhere in the repo.

Every checker (schema validation, promotion rules, checkov) reports in this one shape so
that `estaleiro check` renders a single report in text, markdown, JSON or SARIF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Source = Literal["schema", "promotion", "checkov"]


@dataclass(frozen=True, order=True)
class Finding:
    file: str  # repo-relative path of what the finding is about
    rule: str  # rule id, e.g. "CKV_GCP_62", "CKV_EST_3", "promotion/card-metrics"
    message: str  # what is wrong and, where possible, how to fix it
    source: Source
    resource: str = ""  # resource address or model/version the finding is about
    suppressed_reason: str = ""  # non-empty: a deliberate, documented exception
    line: int = 0  # 1-based line in `file`, when known

    @property
    def suppressed(self) -> bool:
        return bool(self.suppressed_reason)
