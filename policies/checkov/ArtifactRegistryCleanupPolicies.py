from checkov.common.models.consts import ANY_VALUE
from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.base_resource_value_check import BaseResourceValueCheck


class ArtifactRegistryCleanupPolicies(BaseResourceValueCheck):
    """Every training run pushes images: without cleanup policies storage grows without bound."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure Artifact Registry repositories have cleanup policies",
            id="CKV_EST_4",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["google_artifact_registry_repository"],
        )

    def get_inspected_key(self) -> str:
        return "cleanup_policies"

    def get_expected_value(self) -> object:
        return ANY_VALUE


check = ArtifactRegistryCleanupPolicies()
