"""A stack serving through private services access (VPC peering) cannot log requests, so nothing may need the log.

Google's endpoint-type comparison (https://cloud.google.com/vertex-ai/docs/predictions/choose-endpoint-type,
the "Request-response logging" row) answers "No" for the private endpoint reached through private services
access (VPC Network Peering), and "Yes" for Private Service Connect and public endpoints. Drift monitoring
reads that log: googleapis google/cloud/aiplatform/v1beta1/model_monitoring_spec.proto:215, VertexEndpointLogs
"The endpoints must enable the logging with the [Endpoint].[request_response_logging_config]"; the quality
query reads the same table (estaleiro/quality/query.sql).
"""

from __future__ import annotations

import re
from pathlib import Path

from estaleiro.config.environment import load_environment
from tests.config.conftest import problems

PEERED = "  estaleiro:serving:\n    privateNetwork: projects/412345678901/global/networks/ml-serving\n"
REASON = (
    "stacks/prod/Pulumi.prod.yaml serves through private services access (estaleiro:serving.privateNetwork), "
    "whose endpoints cannot log requests and responses (Google's endpoint-type comparison)"
)
PROD = "stacks/prod/models/churn.yaml"


def peer(root: Path) -> None:
    """Switch the copied prod stack from Private Service Connect to private services access (VPC peering)."""
    path = root / "stacks/prod/Pulumi.prod.yaml"
    path.write_text(re.sub(r"  estaleiro:serving:.*?(?=  estaleiro:promotion:)", PEERED, path.read_text(), flags=re.S))


def without_log_readers(root: Path, logging: str = "false") -> None:
    """Prod's churn with its monitoring block replaced: no features, no quality, logging as given."""
    path = root / PROD
    text = path.read_text().split("monitoring:\n", 1)[0]
    path.write_text(text + f"monitoring:\n  requestLogging: {logging}\n")


def test_the_bundled_prod_stack_uses_private_service_connect_and_logs(root: Path) -> None:
    env = load_environment(root, "prod")
    assert env.config.serving.private_service_connect is not None
    assert env.model("churn").manifest.monitoring.request_logging is True  # type: ignore[union-attr]


def test_a_peered_stack_refuses_logging_drift_and_quality_each_on_its_key(root: Path) -> None:
    peer(root)
    assert problems(root, "prod") == [
        f"{PROD}: monitoring.features: drift monitoring reads the request log: {REASON}; "
        "remove monitoring.features, or serve the stack through privateServiceConnect",
        f"{PROD}: monitoring.quality: quality measurement reads the request log: {REASON}; "
        "remove monitoring.quality, or serve the stack through privateServiceConnect",
        f"{PROD}: monitoring.requestLogging: request-response logging is on (the default): {REASON}; "
        "set monitoring.requestLogging: false, or serve the stack through privateServiceConnect",
    ]


def test_a_peered_stack_with_logging_off_and_nothing_reading_the_log_loads(root: Path) -> None:
    peer(root)
    without_log_readers(root)
    assert load_environment(root, "prod").model("churn").manifest.monitoring.request_logging is False  # type: ignore[union-attr]


def test_a_peered_stack_refuses_logging_asked_for_explicitly(root: Path) -> None:
    peer(root)
    without_log_readers(root, logging="true")
    assert problems(root, "prod") == [
        f"{PROD}: monitoring.requestLogging: request-response logging is on: {REASON}; "
        "set monitoring.requestLogging: false, or serve the stack through privateServiceConnect",
    ]


def test_drift_and_quality_need_the_log_a_public_stack_turned_off(root: Path) -> None:
    path = root / "stacks/dev/models/churn.yaml"
    path.write_text(path.read_text().replace("  samplingRate:", "  requestLogging: false\n  samplingRate:", 1))
    off = "monitoring.requestLogging is false, so no request log is written"
    assert problems(root, "dev") == [
        f"stacks/dev/models/churn.yaml: monitoring.features: drift monitoring reads the request log: {off}; "
        "remove monitoring.features, or set monitoring.requestLogging: true",
        f"stacks/dev/models/churn.yaml: monitoring.quality: quality measurement reads the request log: {off}; "
        "remove monitoring.quality, or set monitoring.requestLogging: true",
    ]
