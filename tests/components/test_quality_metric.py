"""The quality MetricDescriptors: declared where quality is measured, parsing into the real API message."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.api import metric_pb2
from google.protobuf import json_format

from estaleiro.plan.model import Plan
from estaleiro.quality.series import DECLINED, QUALITY
from tests.components.test_monitoring import plan_edited

DESCRIPTOR = "gcp:monitoring/metricDescriptor:MetricDescriptor"


@pytest.mark.parametrize(("metric", "value_type"), [(QUALITY, "DOUBLE"), (DECLINED, "INT64")])
def test_the_stack_declares_the_quality_metrics_with_their_four_labels(
    plan: Plan, metric: str, value_type: str
) -> None:
    [descriptor] = [d for d in plan.of_type(DESCRIPTOR) if d.inputs["type"] == metric]
    inputs = descriptor.inputs
    assert (inputs["metricKind"], inputs["valueType"]) == ("GAUGE", value_type)
    assert inputs["project"] == f"acme-ml-{plan.stack}"
    message = json_format.ParseDict(
        {k: inputs[k] for k in ("type", "metricKind", "valueType", "unit", "description", "displayName", "labels")},
        metric_pb2.MetricDescriptor(),  # what metricDescriptors.create takes
    )
    assert [label.key for label in message.labels] == ["model", "version", "stack", "metric"]
    assert message.type.startswith("custom.googleapis.com/")  # creating-metrics: custom types' prefix


def test_a_stack_that_measures_no_quality_declares_no_metric(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "stacks/dev/models/churn.yaml").read_text()
    block = text[text.index("  quality:") : text.index("training:")]
    assert not plan_edited(tmp_path, "dev", block, "").of_type(DESCRIPTOR)
