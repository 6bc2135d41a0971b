from checkov.common.models.consts import ANY_VALUE
from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.base_resource_value_check import BaseResourceValueCheck


class AlertPolicyNotificationChannel(BaseResourceValueCheck):
    """An alert nobody receives is a dashboard nobody watches."""

    def __init__(self) -> None:
        super().__init__(
            name="Ensure every alert policy notifies at least one channel",
            id="CKV_EST_2",
            categories=[CheckCategories.LOGGING],
            supported_resources=["google_monitoring_alert_policy"],
        )

    def get_inspected_key(self) -> str:
        return "notification_channels"

    def get_expected_value(self) -> object:
        return ANY_VALUE


check = AlertPolicyNotificationChannel()
