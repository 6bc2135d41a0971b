"""What one continuous-training run decides with: the manifest's values, as one pipeline parameter.

Built from the manifest when the run is submitted (by the schedule Pulumi declares, or by
`estaleiro pipeline run`) and validated again inside each step, so a template never holds a
value of its own and every stack runs the same template with its own manifest.
"""

from __future__ import annotations

from pydantic import Field, StrictFloat, StrictInt

from estaleiro.config.environment import Environment, Model
from estaleiro.config.monitoring import Monitoring
from estaleiro.config.training import Training
from estaleiro.config.types import Email, Frozen, Text, Threshold


class Champion(Frozen):
    """The version serving most traffic, and the overall metrics its card reports."""

    version: Text
    card: Text
    metrics: dict[Text, StrictFloat | StrictInt]


class TrainingSpec(Frozen):
    model: Text
    stack: Text
    project: Text = Field(description="the stack's GCP project (its Secret Manager holds the GitHub token)")
    serve_image: Text = Field(description="the model image's serve target a proposed version runs")
    monitoring: Monitoring = Field(
        description="the manifest's monitoring block: features, their types, drift thresholds"
    )
    thresholds: dict[Text, Threshold]
    owners: tuple[Email, ...]
    training: Training
    champion: Champion | None

    @property
    def features(self) -> dict[str, str]:
        return dict(self.monitoring.features)

    def parameter(self) -> str:
        """JSON text: a pipeline's dict parameters are protobuf Structs, which turn every integer into a float."""
        return self.model_dump_json(by_alias=True, exclude_none=True)


def spec_for(env: Environment, model: Model, serve_image: str) -> TrainingSpec:
    """The run's values for `model` in `env`: the caller has checked that it has a training block."""
    manifest = model.manifest
    assert manifest.training is not None and manifest.monitoring is not None
    monitoring = manifest.monitoring
    return TrainingSpec(
        model=model.name,
        stack=env.name,
        project=env.config.project,
        serve_image=serve_image,
        monitoring=monitoring,
        thresholds=dict(manifest.thresholds),
        owners=manifest.owners,
        training=manifest.training,
        champion=champion(model),
    )


def champion(model: Model) -> Champion | None:
    """The version taking the most traffic (the newest among equals), with its card's overall metrics."""
    serving = {v: p for v, p in model.manifest.traffic.items() if p > 0}
    if not serving:
        return None
    version = max(serving, key=lambda v: (serving[v], int(v[1:])))
    card = model.cards[version]
    metrics = {m.type: m.value for m in card.card.quantitative_analysis.performance_metrics if not m.slice}
    return Champion(version=version, card=card.file, metrics=metrics)
