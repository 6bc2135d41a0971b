"""A model manifest `stacks/<env>/models/<model>.yaml`: the desired serving state of one model.

The file name is the model's key (a DNS label). Bumping a version or the traffic here, in
a reviewed pull request, is the only way a model reaches an environment.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt, ValidationInfo, field_validator

from estaleiro.config.monitoring import Monitoring
from estaleiro.config.training import Training
from estaleiro.config.types import Email, Frozen, GcsUri, Image, MachineType, Sha256, Text, Threshold, Version

DIGEST_PIN = "@sha256:"


class ServingSpec(Frozen):
    """Compute for every deployed version of the model."""

    machine_type: MachineType = Field(alias="machineType")
    min_replicas: Annotated[StrictInt, Field(ge=1, le=100)] = Field(alias="minReplicas")
    max_replicas: Annotated[StrictInt, Field(ge=1, le=100)] = Field(alias="maxReplicas")

    @field_validator("max_replicas")
    @classmethod
    def _bounds(cls, max_replicas: int, info: ValidationInfo) -> int:
        min_replicas = info.data.get("min_replicas")
        if min_replicas is not None and max_replicas < min_replicas:
            raise ValueError(f"maxReplicas ({max_replicas}) is below minReplicas ({min_replicas})")
        return max_replicas


class VersionSpec(Frozen):
    """One registered model version and the evidence it cites."""

    artifact_uri: GcsUri = Field(alias="artifactUri")
    image: Image = Field(description="serving container image; prod requires @sha256: pinning")
    card: Text = Field(description="repository-relative path of the version's model card: model_cards/<model>/...")
    card_sha256: Sha256 = Field(
        alias="cardSha256",
        description="sha256 of the card's bytes, recorded when the version is declared: the card never changes after",
    )

    @property
    def pinned(self) -> bool:
        """A digest names one image forever; a tag can be moved to another."""
        return DIGEST_PIN in self.image


class ModelManifest(Frozen):
    """What serves, with how much traffic, on what compute, owned by whom."""

    api_version: Literal["estaleiro/v1"] = Field(alias="apiVersion")
    display_name: Text = Field(alias="displayName")
    description: str = ""
    owners: tuple[Email, ...] = Field(min_length=1)
    serving: ServingSpec
    versions: dict[Version, VersionSpec] = Field(min_length=1)
    traffic: dict[Version, Annotated[StrictInt, Field(ge=0, le=100)]] = Field(
        description="percent of requests per version; sums to 100"
    )
    thresholds: dict[Text, Threshold] = Field(
        default_factory=dict, description="metric name -> bounds every version's card must meet"
    )
    canary_limit_percent: Annotated[StrictInt, Field(ge=1, le=100)] | None = Field(
        default=None,
        alias="canaryLimitPercent",
        description="overrides the stack's canary limit for this model",
    )
    monitoring: Monitoring = Field(default_factory=Monitoring)
    training: Training | None = Field(default=None, description="continuous training; absent: never retrained")

    @field_validator("traffic")
    @classmethod
    def _split(cls, traffic: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        """Checked where the split is written, so the error names the `traffic` key and its line."""
        versions = info.data.get("versions")
        undeclared = sorted(set(traffic) - set(versions or traffic))
        if undeclared:
            raise ValueError(
                f"traffic names undeclared version(s) {', '.join(undeclared)}; declared: {', '.join(versions or [])}"
            )
        total = sum(traffic.values())
        if total != 100:
            raise ValueError(f"traffic split sums to {total}, must be 100")
        return traffic
