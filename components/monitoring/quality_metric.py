"""The custom metric served quality is written to: `custom.googleapis.com/estaleiro/model_quality`.

Declared once per stack whose manifests measure quality (`monitoring.quality`), so the metric has
its labels and description before the first point, rather than being auto-created from whatever a
first write carries (Cloud Monitoring, "Create user-defined metrics with the API":
https://cloud.google.com/monitoring/custom-metrics/creating-metrics). One series per model,
version, stack and metric; a GAUGE of DOUBLE, the metric's value over the latest measured window.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp.monitoring as monitoring

from estaleiro.config.environment import Environment
from estaleiro.quality.series import LABELS, QUALITY


def measured(env: Environment) -> bool:
    """Whether some model of the stack measures served quality."""
    return any(m.manifest.monitoring.quality is not None for m in env.models)


def quality_descriptor(
    name: str, env: Environment, opts: pulumi.ResourceOptions | None = None
) -> monitoring.MetricDescriptor:
    return monitoring.MetricDescriptor(
        f"{name}-model-quality",
        project=env.config.project,
        type=QUALITY,
        metric_kind="GAUGE",
        value_type="DOUBLE",
        unit="1",
        display_name="Estaleiro model quality",
        description=(
            "Served quality of a model version measured from late ground truth (estaleiro/quality): the "
            "manifest's monitoring.quality.metric over the latest window whose labels have arrived."
        ),
        labels=[
            monitoring.MetricDescriptorLabelArgs(key=key, value_type="STRING", description=text)
            for key, text in LABELS.items()
        ],
        opts=opts,
    )
