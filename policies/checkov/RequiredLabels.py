from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

REQUIRED = ("env", "team", "managed-by")
# Resource type -> the attribute that holds its labels (kept explicit: only types that take labels).
LABEL_ATTRIBUTE = {
    "google_artifact_registry_repository": "labels",
    "google_kms_crypto_key": "labels",
    "google_monitoring_alert_policy": "user_labels",
    "google_monitoring_notification_channel": "user_labels",
    "google_storage_bucket": "labels",
    "google_vertex_ai_endpoint": "labels",
}


class RequiredLabels(BaseResourceCheck):
    """Cost, ownership and cleanup all start from labels: env, team and managed-by on everything."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure resources carry the env, team and managed-by labels",
            id="CKV_EST_5",
            categories=[CheckCategories.CONVENTION],
            supported_resources=list(LABEL_ATTRIBUTE),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        labels = (conf.get(LABEL_ATTRIBUTE[self.entity_type]) or [{}])[0] or {}
        missing = [key for key in REQUIRED if not labels.get(key)]
        self.details = [f"missing labels: {', '.join(missing)}"] if missing else []
        return CheckResult.FAILED if missing else CheckResult.PASSED


check = RequiredLabels()
