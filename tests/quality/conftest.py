from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from google.api import label_pb2, metric_pb2
from google.cloud import monitoring_v3 as v3
from google.cloud.monitoring_v3.services.metric_service.transports.grpc import MetricServiceGrpcTransport

from estaleiro.quality.series import DECLINED, LABELS, QUALITY
from tests.providers.grpc_fake import gapic_client, running
from tests.quality.fake_metric_service import FakeMetricService

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
Kind, Value = metric_pb2.MetricDescriptor.MetricKind, metric_pb2.MetricDescriptor.ValueType


def descriptor(metric_type: str, value_type: int) -> metric_pb2.MetricDescriptor:
    """As the stack declares them: GAUGE, string labels model, version, stack, metric."""
    return metric_pb2.MetricDescriptor(
        type=metric_type,
        metric_kind=Kind.GAUGE,
        value_type=value_type,  # type: ignore[arg-type]
        labels=[label_pb2.LabelDescriptor(key=key, value_type=label_pb2.LabelDescriptor.STRING) for key in LABELS],
    )


@pytest.fixture
def fake() -> Iterator[FakeMetricService]:
    yield from running(
        FakeMetricService([descriptor(QUALITY, Value.DOUBLE), descriptor(DECLINED, Value.INT64)], lambda: NOW)
    )


@pytest.fixture
def client(fake: FakeMetricService) -> Iterator[v3.MetricServiceClient]:
    yield from gapic_client(fake, v3.MetricServiceClient, MetricServiceGrpcTransport)
