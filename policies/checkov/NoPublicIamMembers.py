from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

PUBLIC = ("allUsers", "allAuthenticatedUsers")
GRANTED_ON = (
    "artifact_registry_repository",
    "bigquery_dataset",
    "cloud_run_service",
    "kms_crypto_key",
    "kms_key_ring",
    "project",
    "pubsub_topic",
    "secret_manager_secret",
    "service_account",
    "storage_bucket",
    "vertex_ai_endpoint",
)


class NoPublicIamMembers(BaseResourceCheck):
    """Nothing of an ML platform is for everyone: no IAM grant to allUsers or allAuthenticatedUsers."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure no IAM member or binding grants access to allUsers or allAuthenticatedUsers",
            id="CKV_EST_7",
            categories=[CheckCategories.IAM],
            supported_resources=[f"google_{t}_iam_{kind}" for t in GRANTED_ON for kind in ("member", "binding")],
        )

    def scan_resource_conf(self, conf):
        members = list(conf.get("member") or []) + [m for group in conf.get("members") or [] for m in group or []]
        return CheckResult.FAILED if any(m in PUBLIC for m in members) else CheckResult.PASSED


check = NoPublicIamMembers()
