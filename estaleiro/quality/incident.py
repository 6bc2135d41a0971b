"""The incident Cloud Monitoring would publish when the accuracy-decline policy opens: what `--local` writes.

A Pub/Sub notification, schema version 1.2 (https://cloud.google.com/monitoring/support/notification-options,
"Schema structure"), for the DECLINED series of one version: the condition's display name and the
policy's user labels are the ones the stack declares, so functions/retrain reads it as it reads the
cloud's (`estaleiro retrain INCIDENT --in STACK --local` consumes it).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from estaleiro.config.monitoring import Quality
from estaleiro.config.stack import StackConfig
from estaleiro.naming import labels
from estaleiro.quality.series import DECLINED, RETRAIN, decline_condition


def incident(
    config: StackConfig, stack: str, model: str, version: str, quality: Quality, now: datetime
) -> dict[str, Any]:
    """The notification for `version` of `model` in `stack` declining, opened at `now`."""
    condition = decline_condition(model, quality)
    digest = hashlib.sha256(f"{stack}/{model}/{version}/{now.isoformat()}".encode()).hexdigest()[:24]
    series_labels = {"model": model, "version": version, "stack": stack, "metric": quality.metric}
    return {
        "version": "1.2",
        "incident": {
            "incident_id": f"0.{digest}",
            "scoping_project_id": config.project,
            "started_at": int(now.timestamp()),
            "ended_at": None,
            "state": "open",
            "summary": f"{condition} (version {version}, stack {stack})",
            "condition_name": condition,
            "policy_user_labels": {**labels(config, stack, model=model), "retrain": RETRAIN},
            "metric": {"type": DECLINED, "labels": series_labels},
            "resource": {"type": "global", "labels": {"project_id": config.project}},
            "observed_value": "1",
            "threshold_value": "0",
        },
    }
