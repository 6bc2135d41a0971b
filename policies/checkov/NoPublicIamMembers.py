from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

PUBLIC = ("allUsers", "allAuthenticatedUsers")
# Only where checkov has no check of its own: public grants on storage buckets (CKV_GCP_28), Pub/Sub
# topics (CKV_GCP_99), Artifact Registry repositories (CKV_GCP_101), Cloud Run services (CKV_GCP_102)
# and KMS crypto keys (CKV_GCP_112) fail those built-ins; judging them here too would report one
# grant twice. CKV2_GCP_8 (key rings) judges a key ring only through a graph connection to its grant,
# which a plan converted from Pulumi does not have, so key-ring grants stay here.
GRANTED_ON = (
    "bigquery_dataset",
    "kms_key_ring",
    "project",
    "secret_manager_secret",
    "service_account",
    "vertex_ai_endpoint",
)


class NoPublicIamMembers(BaseResourceCheck):
    """Nothing of an ML platform is for everyone: no IAM grant to allUsers or allAuthenticatedUsers
    on the resources checkov's built-in public-access checks leave out."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure no IAM member or binding grants access to allUsers or allAuthenticatedUsers",
            id="CKV_EST_7",
            categories=[CheckCategories.IAM],
            supported_resources=[f"google_{t}_iam_{kind}" for t in GRANTED_ON for kind in ("member", "binding")],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        members = list(conf.get("member") or []) + [m for group in conf.get("members") or [] for m in group or []]
        return CheckResult.FAILED if any(m in PUBLIC for m in members) else CheckResult.PASSED


check = NoPublicIamMembers()
