from checkov.common.models.consts import ANY_VALUE
from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.base_resource_value_check import BaseResourceValueCheck


class AlertPolicyDocumentation(BaseResourceValueCheck):
    """On-call needs to know what fired and what to do: the documentation carries the runbook."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure every alert policy has documentation for on-call",
            id="CKV_EST_3",
            categories=[CheckCategories.LOGGING],
            supported_resources=["google_monitoring_alert_policy"],
        )

    def get_inspected_key(self) -> str:
        return "documentation/[0]/content"

    def get_expected_value(self) -> object:
        return ANY_VALUE


check = AlertPolicyDocumentation()
