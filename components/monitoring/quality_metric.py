"""The custom metrics served quality is written to: the quality itself and the decline verdict.

Declared once per stack whose manifests measure quality (`monitoring.quality`), so each metric has
its labels and description before the first point, rather than being auto-created from whatever a
first write carries (Cloud Monitoring, "Create user-defined metrics with the API":
https://cloud.google.com/monitoring/custom-metrics/creating-metrics); the accuracy-decline policy
waits for them, as a policy cannot read a metric type that does not exist yet. One series per
model, version, stack and metric, both GAUGEs written once per run of the model-quality pipeline:
`model_quality` (DOUBLE), the metric over the latest measured window, and `quality_declined`
(INT64), 1 when the N-of-M rule (estaleiro/quality/decline.py) holds for that version, else 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp.monitoring as monitoring

from estaleiro.config.environment import Environment
from estaleiro.quality.series import DECLINED, LABELS, QUALITY


def measured(env: Environment) -> bool:
    """Whether some model of the stack measures served quality."""
    return any(m.manifest.monitoring.quality is not None for m in env.models)


@dataclass(frozen=True)
class Series:
    role: str  # in the resource name
    type: str
    value_type: str
    display_name: str
    description: str


SERIES = (
    Series(
        "model-quality",
        QUALITY,
        "DOUBLE",
        "Estaleiro model quality",
        "Served quality of a model version measured from late ground truth (estaleiro/quality): the "
        "manifest's monitoring.quality.metric over the latest window whose labels have arrived.",
    ),
    Series(
        "quality-declined",
        DECLINED,
        "INT64",
        "Estaleiro quality declined",
        "1 when a model version's quality missed the manifest's threshold in N of its last M countable "
        "windows (monitoring.quality.decline, estaleiro/quality/decline.py), else 0: what the "
        "accuracy-decline alert policy reads.",
    ),
)


def quality_descriptors(
    name: str, env: Environment, opts: pulumi.ResourceOptions | None = None
) -> list[monitoring.MetricDescriptor]:
    """The stack's quality metric descriptors, none when no model measures quality."""
    if not measured(env):
        return []
    return [
        monitoring.MetricDescriptor(
            f"{name}-{series.role}",
            project=env.config.project,
            type=series.type,
            metric_kind="GAUGE",
            value_type=series.value_type,
            unit="1",
            display_name=series.display_name,
            description=series.description,
            labels=[
                monitoring.MetricDescriptorLabelArgs(key=key, value_type="STRING", description=text)
                for key, text in LABELS.items()
            ],
            opts=opts,
        )
        for series in SERIES
    ]
