from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class NoServiceAccountKeys(BaseResourceCheck):
    """Keys leak and never expire on their own: workloads and CI use identities, not keys."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure no service-account keys are created",
            id="CKV_EST_6",
            categories=[CheckCategories.IAM],
            supported_resources=["google_service_account_key"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return CheckResult.FAILED


check = NoServiceAccountKeys()
