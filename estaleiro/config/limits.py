"""Google's limits on every name and label the program derives, checked when a stack is loaded.

A name that Google would refuse (too long, a reserved prefix, a forbidden word) fails here, at
exit 2, naming the file and key it comes from, instead of halfway through `pulumi up`. The names
are the ones the components use: `estaleiro.naming` builds both.

Not listed, because what the loader already allows keeps them far inside Google's limits: BigQuery
dataset ids `<prefix>_<env>_<role>` (at most 20 + 12 + 14 of [a-z0-9_]; up to 1,024 of [A-Za-z0-9_],
https://cloud.google.com/bigquery/docs/datasets#dataset-naming), table ids (a model name with '_' for
'-', at most 63; up to 1,024 bytes, https://cloud.google.com/bigquery/docs/tables#table_naming), and the
retraining function's job ids `<model>-retrain-<16 hex>` (at most 88 of [a-z0-9-]; v1
pipeline_service.proto:357-358, "less than 128 characters").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from estaleiro import monitoring_ids, naming
from estaleiro.config.pipelines import QUALITY_PIPELINE
from estaleiro.config.stack import StackConfig
from estaleiro.errors import Problem

if TYPE_CHECKING:
    from estaleiro.config.environment import Model

Kind = Literal[
    "bucket name",
    "Artifact Registry repository id",
    "Cloud Build trigger name",
    "service account id",
    "Workload Identity pool id",
    "Workload Identity provider id",
    "Vertex AI model id",
    "Vertex AI endpoint display name",
    "Vertex AI model display name",
    "label key",
    "label value",
    "Model Monitoring monitor id",
    "Vertex AI schedule display name",
    "Vertex AI pipeline job display name",
    "IAM custom role id",
]


@dataclass(frozen=True)
class Limit:
    """What Google accepts for one kind of name; `rule` says it in words for the error."""

    max_length: int
    pattern: str  # the characters and shape, over the whole name
    rule: str
    min_length: int = 1
    reserved_prefixes: tuple[str, ...] = ()
    forbidden_words: tuple[str, ...] = ()


LIMITS: Mapping[Kind, Limit] = {
    # https://cloud.google.com/storage/docs/buckets#naming (names without dots): 3-63 of [a-z0-9_.-],
    # start and end with a letter or digit, no "goog" prefix, no "google" or close misspellings.
    "bucket name": Limit(
        63,
        r"[a-z0-9][a-z0-9_-]*[a-z0-9]",
        "3-63 lowercase letters, digits, '-' or '_', starting and ending with a letter or digit, "
        "not starting with 'goog', without 'google'",
        min_length=3,
        reserved_prefixes=("goog",),
        forbidden_words=("google", "g00gle"),
    ),
    # gcloud's check of repository names (googlecloudsdk/command_lib/artifacts/util.py, _REPO_REGEX
    # ^[a-z]([a-z0-9-]*[a-z0-9])?$); 63 characters, the last segment of a resource name as a DNS label.
    "Artifact Registry repository id": Limit(
        63,
        r"[a-z]([a-z0-9-]*[a-z0-9])?",
        "1-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit",
    ),
    # https://cloud.google.com/build/docs/api/reference/rest/v1/projects.triggers (BuildTrigger.name):
    # 1-64 alphanumeric characters and dashes, beginning and ending with an alphanumeric character.
    "Cloud Build trigger name": Limit(
        64,
        r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?",
        "1-64 letters, digits or '-', starting and ending with a letter or digit",
    ),
    # https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create (accountId):
    # 6-30 characters matching [a-z]([-a-z0-9]*[a-z0-9]) (RFC 1035).
    "service account id": Limit(
        30,
        r"[a-z]([-a-z0-9]*[a-z0-9])",
        "6-30 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit",
        min_length=6,
    ),
    # https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create
    # (workloadIdentityPoolId): 4-32 of [a-z0-9-]; the prefix gcp- is reserved for use by Google.
    "Workload Identity pool id": Limit(
        32, r"[a-z0-9-]+", "4-32 lowercase letters, digits or '-', not starting with 'gcp-'", 4, ("gcp-",)
    ),
    # https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers/create
    # (workloadIdentityPoolProviderId): 4-32 of [a-z0-9-]; the prefix gcp- is reserved for use by Google.
    "Workload Identity provider id": Limit(
        32, r"[a-z0-9-]+", "4-32 lowercase letters, digits or '-', not starting with 'gcp-'", 4, ("gcp-",)
    ),
    # https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models/upload (modelId):
    # up to 63 characters of [a-z0-9_-]; the first character cannot be a number or hyphen.
    "Vertex AI model id": Limit(
        63,
        r"[a-z_][a-z0-9_-]*",
        "1-63 lowercase letters, digits, '_' or '-', not starting with a digit or '-'",
    ),
    # google.cloud.aiplatform_v1 Endpoint.display_name: up to 128 characters, any UTF-8 characters.
    "Vertex AI endpoint display name": Limit(128, r".+", "1-128 characters"),
    # google.cloud.aiplatform_v1 Model.display_name: up to 128 characters, any UTF-8 characters.
    "Vertex AI model display name": Limit(128, r".+", "1-128 characters"),
    # https://cloud.google.com/resource-manager/docs/labels-overview#requirements, the strictest of the
    # labelled services (Vertex AI allows 64): keys 1-63, starting with a lowercase letter; keys and
    # values of lowercase letters, digits, '_' and '-'; values 0-63.
    "label key": Limit(
        63,
        r"[a-z][a-z0-9_-]*",
        "1-63 lowercase letters, digits, '_' or '-', starting with a letter",
    ),
    "label value": Limit(63, r"[a-z0-9_-]*", "0-63 lowercase letters, digits, '_' or '-'", min_length=0),
    # CreateModelMonitorRequest.model_monitor_id, quoted in estaleiro/monitoring_ids.py.
    "Model Monitoring monitor id": Limit(monitoring_ids.MAX_LENGTH, monitoring_ids.PATTERN, monitoring_ids.RULE),
    # v1beta1/schedule.proto:104-107 (Schedule.display_name): "can be up to 128 characters long and can
    # consist of any UTF-8 characters". Monitoring schedules are named by their monitor's id.
    "Vertex AI schedule display name": Limit(128, r".+", "1-128 characters"),
    # v1/pipeline_job.proto:110-112 (PipelineJob.display_name): "up to 128 characters ... any UTF-8 characters".
    "Vertex AI pipeline job display name": Limit(128, r".+", "1-128 characters"),
    # google/iam/admin/v1/iam.proto:1300-1303 (CreateRoleRequest.role_id): "alphanumeric characters,
    # underscores (_), and periods (.). It must contain a minimum of 3 characters and a maximum of 64".
    "IAM custom role id": Limit(64, r"[A-Za-z0-9_.]+", "3-64 letters, digits, '_' or '.'", min_length=3),
}
# Same page: no more than 64 labels on one resource.
MAX_LABELS = 64


def violation(kind: Kind, name: str) -> str | None:
    """Why Google refuses `name` as a `kind`, or None if it accepts it."""
    limit = LIMITS[kind]
    if len(name) > limit.max_length:
        return f"{len(name)} characters, over the limit of {limit.max_length}"
    if len(name) < limit.min_length:
        return f"{len(name)} characters, under the minimum of {limit.min_length}"
    prefix = next((p for p in limit.reserved_prefixes if name.startswith(p)), None)
    if prefix is not None:
        return f"it starts with {prefix!r}, which Google reserves"
    word = next((w for w in limit.forbidden_words if w in name), None)
    if word is not None:
        return f"it contains {word!r}, which Google refuses"
    if not re.fullmatch(limit.pattern, name):
        return "a character or its shape is not allowed"
    return None


@dataclass(frozen=True)
class Derived:
    """One name the program derives, and the file and key a user changes to change it."""

    file: str
    key: str
    kind: Kind
    name: str
    subject: str = ""  # what the name is, when more than its kind (which label)


def check_names(
    config: StackConfig, stack: str, config_file: str, models: Sequence[Model], builds_image: bool
) -> list[Problem]:
    """Every derived name and label Google would refuse, each named with its file, key and limit."""
    problems = []
    for derived in derived_names(config, stack, config_file, models, builds_image):
        reason = violation(derived.kind, derived.name)
        if reason is not None:
            subject, limit = derived.subject or derived.kind, LIMITS[derived.kind]
            message = f"makes {subject} {derived.name!r}: {reason} (allowed: {limit.rule})"
            problems.append(Problem(derived.file, derived.key, message))
    for file, key, labels in label_sets(config, stack, config_file, models):
        if len(labels) > MAX_LABELS:
            message = f"makes {len(labels)} labels on one resource, over Google's limit of {MAX_LABELS}"
            problems.append(Problem(file, key, message))
    return problems


def derived_names(
    config: StackConfig, stack: str, config_file: str, models: Sequence[Model], builds_image: bool
) -> Iterator[Derived]:
    """`builds_image`: the stack builds the model image, so it has that build's account and trigger."""
    prefix = "config.estaleiro:prefix"
    for role in naming.BUCKETS:
        yield Derived(config_file, prefix, "bucket name", naming.bucket_name(config, stack, role))
    yield Derived(config_file, prefix, "bucket name", naming.state_bucket(config))
    for role in naming.REPOSITORIES:
        yield Derived(config_file, prefix, "Artifact Registry repository id", naming.repository_id(config, stack, role))
    for role in naming.stack_roles(naming.TRIGGERS, builds_image):
        yield Derived(config_file, prefix, "Cloud Build trigger name", naming.trigger_name(config, stack, role))
    for role in naming.stack_roles(naming.ACCOUNTS, builds_image):
        yield Derived(config_file, "stack name", "service account id", naming.account_id(stack, role))
    yield Derived(config_file, "stack name", "Workload Identity pool id", naming.ci_pool_id(stack))
    yield Derived(config_file, "stack name", "Workload Identity provider id", naming.CI_PROVIDER_ID)
    yield Derived(config_file, "stack name", "IAM custom role id", naming.retrainer_role_id(stack))
    for model in models:
        served = naming.serving_name(config, stack, model.name)
        yield Derived(model.file, "model name", "Vertex AI model id", served)
        yield Derived(model.file, "model name", "Vertex AI endpoint display name", served)
        yield Derived(model.file, "displayName", "Vertex AI model display name", model.manifest.display_name)
        if model.manifest.monitoring.features:  # a monitor, and its schedule of the same name, per version
            for version in model.manifest.versions:
                yield Derived(
                    model.file, "model name", "Model Monitoring monitor id", monitoring_ids.monitor_id(served, version)
                )
        for key, pipeline in scheduled_pipelines(model):
            schedule = naming.schedule_display_name(config, stack, model.name, pipeline)
            yield Derived(model.file, key, "Vertex AI schedule display name", schedule)
            job = naming.job_display_name(model.name, pipeline)
            yield Derived(model.file, key, "Vertex AI pipeline job display name", job)
    for file, key, labels in label_sets(config, stack, config_file, models):
        for label, value in labels.items():
            yield Derived(file, key, "label key", label)
            yield Derived(file, key, "label value", value, subject=f"label {label!r} value")


def label_sets(
    config: StackConfig, stack: str, config_file: str, models: Sequence[Model]
) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(file, key, labels) of every labelled resource."""
    for purpose in (*naming.BUCKETS, *naming.REPOSITORIES, *naming.KEYS):
        yield config_file, "config.estaleiro:labels", naming.labels(config, stack, purpose=purpose)
    for model in models:
        yield model.file, "model name", naming.model_labels(config, stack, model.name)
        for version, card in model.cards.items():
            labels = naming.version_labels(config, stack, model.name, version, card.git_blob)
            yield model.file, f"versions.{version}", labels
        for key, pipeline in scheduled_pipelines(model):
            yield model.file, key, naming.pipeline_job_labels(config, stack, model.name, pipeline)


def scheduled_pipelines(model: Model) -> Iterator[tuple[str, str]]:
    """(manifest key, pipeline) of each pipeline a schedule runs for the model: training, quality."""
    if model.manifest.training is not None:
        yield "training.pipeline", model.manifest.training.pipeline
    if model.manifest.monitoring.quality is not None:
        yield "monitoring.quality", QUALITY_PIPELINE
