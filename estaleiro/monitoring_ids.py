"""The id of a model version's drift monitor, and the rule Vertex holds it to.

google/cloud/aiplatform/v1beta1/model_monitoring_service.proto:188-193 (googleapis
f8291d2b89f0017ab078a4c7378069bae5686f6f), CreateModelMonitorRequest.model_monitor_id: "The maximum
length is 63 characters, and valid characters are `/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/`". The
provider (components/providers/model_monitor.py) creates each monitor under this id and owns it by
it; the stack's load-time checks judge the same ids, so a manifest whose ids Vertex would refuse
fails at load, not at `pulumi up`.
"""

from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 63
PATTERN = r"[a-z]([a-z0-9-]{0,61}[a-z0-9])?"
RULE = "1-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit"


def monitor_id(prefix: str, version: str) -> str:
    """`<prefix>-<version>`, the prefix being `<stack prefix>-<env>-<model>`.

    A prefix too long for 63 characters keeps its start and a hash of the whole prefix, so two
    long model names still make two ids, and the same name always makes the same id.
    """
    wanted = f"{prefix}-{version}"
    if len(wanted) <= MAX_LENGTH:
        return wanted
    digest = hashlib.sha256(prefix.encode()).hexdigest()[:8]
    return f"{prefix[: MAX_LENGTH - 1 - len(version) - 9].rstrip('-')}-{digest}-{version}"


def monitor_id_problem(prefix: str, version: str) -> str | None:
    """Why Vertex would refuse the monitor id of `version` under `prefix`, or None when it accepts it."""
    derived = monitor_id(prefix, version)
    if re.fullmatch(PATTERN, derived):
        return None
    return f"makes Model Monitoring id {derived!r}, which Vertex refuses (allowed: {RULE})"
