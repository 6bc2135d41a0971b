from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

DEFAULT_ACCOUNTS = ("@cloudbuild.gserviceaccount.com", "-compute@developer.gserviceaccount.com")


class CloudBuildTriggerDedicatedServiceAccount(BaseResourceCheck):
    """The default Cloud Build account is shared and over-privileged: triggers name their own."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure Cloud Build triggers run as a dedicated service account, not the default",
            id="CKV_EST_1",
            categories=[CheckCategories.IAM],
            supported_resources=["google_cloudbuild_trigger"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        account = (conf.get("service_account") or [None])[0]
        if not account or str(account).endswith(DEFAULT_ACCOUNTS):
            return CheckResult.FAILED
        return CheckResult.PASSED


check = CloudBuildTriggerDedicatedServiceAccount()
