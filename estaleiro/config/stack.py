"""The stack config file `stacks/<env>/Pulumi.<env>.yaml`, in Pulumi's own format.

Real CI passes the same file to `pulumi up --config-file`, so keys are Pulumi config keys
(`gcp:*` for the provider, `estaleiro:*` for this project). Precedence: values in the
file > the defaults written here.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt, StrictStr, field_validator, model_validator

from estaleiro.config.types import (
    Email,
    Frozen,
    GcsUri,
    GithubRepo,
    IamPrincipal,
    LabelKey,
    LabelValue,
    Network,
    Prefix,
    ProjectId,
    Region,
    StackName,
)

RESERVED_LABELS = ("env", "team", "managed-by")


class PrivateServiceConnect(Frozen):
    """Private endpoints reached through Private Service Connect: several versions, canaries, splits."""

    project_allowlist: tuple[ProjectId, ...] = Field(
        alias="projectAllowlist",
        min_length=1,
        description="projects allowed to create a Private Service Connect endpoint (forwarding rule) to the endpoints",
    )
    callers: tuple[IamPrincipal, ...] = Field(
        min_length=1,
        description=(
            "principals that may send predictions: the endpoints use secure Private Service Connect, which "
            "authorises each request with IAM, and these are granted the predict role on each endpoint"
        ),
    )


class Serving(Frozen):
    """How this environment serves models: public (neither key), Private Service Connect, or VPC peering."""

    private_service_connect: PrivateServiceConnect | None = Field(
        default=None,
        alias="privateServiceConnect",
        description="serve privately through Private Service Connect (supports canaries and traffic splits)",
    )
    private_network: Network | None = Field(
        default=None,
        alias="privateNetwork",
        description=(
            "serve privately through private services access (VPC peering with this network); such endpoints serve "
            "one version and cannot split traffic, so each model here may declare only one version"
        ),
    )

    @model_validator(mode="after")
    def _one_kind_of_private(self) -> Serving:
        if self.private_service_connect and self.private_network:
            raise ValueError("set privateServiceConnect or privateNetwork, not both: an endpoint is reached one way")
        return self


class Promotion(Frozen):
    """Where versions must have served before they may come here, and how they enter."""

    from_stack: StackName | None = Field(
        default=None, alias="from", description="stack a version must be serving in before it is promoted here"
    )
    canary_limit_percent: Annotated[StrictInt, Field(ge=1, le=100)] = Field(
        default=100, alias="canaryLimitPercent", description="most traffic a newly promoted version may start with"
    )


class StackConfig(Frozen):
    """The `config:` block: everything an environment needs, nothing read from elsewhere."""

    project: ProjectId = Field(alias="gcp:project")
    region: Region = Field(alias="gcp:region")
    prefix: Prefix = Field(alias="estaleiro:prefix", description="first part of every resource name")
    team: LabelValue = Field(alias="estaleiro:team", description="owning team, the `team` label")
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, alias="estaleiro:labels", description="extra labels on every resource"
    )
    notification_emails: tuple[Email, ...] = Field(alias="estaleiro:notificationEmails", min_length=1)
    ci_repository: GithubRepo = Field(
        alias="estaleiro:ciRepository", description="the only repository whose CI may deploy (owner/name)"
    )
    kms_rotation_days: Annotated[StrictInt, Field(ge=1, le=90)] = Field(default=90, alias="estaleiro:kmsRotationDays")
    allowed_artifact_buckets: tuple[GcsUri, ...] = Field(
        default=(),
        alias="estaleiro:allowedArtifactBuckets",
        description="buckets model artifacts may come from, besides this environment's own model bucket",
    )
    serving: Serving = Field(default_factory=Serving, alias="estaleiro:serving")
    promotion: Promotion = Field(default_factory=Promotion, alias="estaleiro:promotion")

    @field_validator("labels")
    @classmethod
    def _no_reserved_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        clash = sorted(set(labels) & set(RESERVED_LABELS))
        if clash:
            raise ValueError(f"reserved label(s) {', '.join(clash)} are set by Estaleiro; remove them here")
        return labels


class StackFile(Frozen):
    """The whole file: Pulumi's secrets-provider keys may sit beside `config`."""

    config: StackConfig
    secretsprovider: StrictStr | None = None
    encryptedkey: StrictStr | None = None
    encryptionsalt: StrictStr | None = None
