"""Resource names: prefix + environment + role, never random, so plans diff and humans recognise them.

Every cloud-side name and label the program derives is built here: the components build their
resources with these functions, and `estaleiro.config.limits` judges the very same names against
Google's limits when the stack is loaded. One definition, two readers.
"""

from __future__ import annotations

from estaleiro.config.stack import StackConfig

MANAGED_BY = "estaleiro"
# The roles of each kind of named resource an environment has; the components create one per role.
BUCKETS = ("pipeline-root", "models", "access-logs", "build-logs")
REPOSITORIES = ("containers", "pipelines")
IMAGE_BUILDER = "image-builder"  # the account and trigger of the model image build exist only where it is built:
MODEL_IMAGE = "model-image"  # in the stack whose containers repository images/model/image.yaml names
ACCOUNTS = ("pipeline-runner", "model-serving", "monitoring", "ci-deployer", "pr-builder", IMAGE_BUILDER, "retrainer")
TRIGGERS = ("pr", "deploy", MODEL_IMAGE)
KEYS = ("storage", "artifacts", "vertex", "bigquery", "pubsub")
# The secret holding the GitHub token: CI builds (cloudbuild/*.yaml) and the training pipeline read it.
GITHUB_CREDENTIALS = "github-token"
CI_PROVIDER_ID = "github"  # the Workload Identity provider of the stack's CI pool


def global_name(config: StackConfig, env: str, role: str) -> str:
    """Names that must be unique across all of Google Cloud, or that travel between projects."""
    return f"{config.prefix}-{env}-{role}"


def project_name(env: str, role: str) -> str:
    """Names that only need to be unique within the environment's project (accounts, pools)."""
    return f"{env}-{role}"


def bucket_name(config: StackConfig, env: str, role: str) -> str:
    return global_name(config, env, role)


def models_bucket(config: StackConfig, env: str) -> str:
    """The bucket whose model artifacts an environment always trusts."""
    return bucket_name(config, env, "models")


def state_bucket(config: StackConfig) -> str:
    """Pulumi's state, one bucket for all stacks, so a stack can read its upstream stack's history."""
    return f"{config.prefix}-pulumi-state"


def repository_id(config: StackConfig, env: str, role: str) -> str:
    """Artifact Registry ids travel like bucket names: image and template URLs carry them."""
    return global_name(config, env, role)


def docker_registry(config: StackConfig, env: str) -> str:
    """The stack's containers repository as image references name it: <region>-docker.pkg.dev/<project>/<id>."""
    return f"{config.region}-docker.pkg.dev/{config.project}/{repository_id(config, env, 'containers')}"


def pipeline_registry(config: StackConfig, env: str) -> str:
    """The stack's KFP repository as template URLs name it: <region>-kfp.pkg.dev/<project>/<id>."""
    return f"{config.region}-kfp.pkg.dev/{config.project}/{repository_id(config, env, 'pipelines')}"


def builds_model_image(config: StackConfig, env: str, image_registry: str | None) -> bool:
    """The model image is built once, into one registry: by the stack whose containers repository it is."""
    return image_registry == docker_registry(config, env)


def stack_roles(roles: tuple[str, ...], builds_image: bool) -> tuple[str, ...]:
    """Of these account or trigger roles, those a stack has: the image build's only where it builds the image."""
    return tuple(r for r in roles if builds_image or r not in (IMAGE_BUILDER, MODEL_IMAGE))


def trigger_name(config: StackConfig, env: str, role: str) -> str:
    return global_name(config, env, role)


def account_id(env: str, role: str) -> str:
    return project_name(env, role)


def key_ring_name(env: str) -> str:
    return project_name(env, "keys")


def ci_pool_id(env: str) -> str:
    return project_name(env, "ci")


def serving_name(config: StackConfig, env: str, model: str) -> str:
    """A served model's Vertex model id and its endpoint's display name."""
    return global_name(config, env, model)


def job_display_name(model: str, pipeline: str) -> str:
    """The display name of every run a schedule (or an alert) starts of `pipeline` for `model`."""
    return f"{model}-{pipeline}"


def schedule_display_name(config: StackConfig, env: str, model: str, pipeline: str) -> str:
    """The display name of the schedule that runs `pipeline` for `model`."""
    return global_name(config, env, job_display_name(model, pipeline))


def function_name(config: StackConfig, env: str) -> str:
    """The retraining function's name."""
    return global_name(config, env, "retrain")


def retrainer_role_id(env: str) -> str:
    """The retrainer's custom role: role ids take no '-'."""
    return f"estaleiro_retrainer_{env.replace('-', '_')}"


def labels(config: StackConfig, env: str, **extra: str) -> dict[str, str]:
    """Labels every labelled resource carries: the stack's own, then the three Estaleiro sets."""
    return {**config.labels, **extra, "env": env, "team": config.team, "managed-by": MANAGED_BY}


def model_labels(config: StackConfig, env: str, model: str) -> dict[str, str]:
    """The labels of a served model's endpoint."""
    return labels(config, env, model=model)


def pipeline_job_labels(config: StackConfig, env: str, model: str, pipeline: str) -> dict[str, str]:
    """The labels of a model's pipeline runs: what the retraining function's rate limit filters on."""
    return labels(config, env, model=model, pipeline=pipeline)


def version_labels(config: StackConfig, env: str, model: str, version: str, card_blob: str) -> dict[str, str]:
    """A registered version's labels: its model's, and the card it cites (name and git blob id)."""
    return {**model_labels(config, env, model), "card": f"{model}-{version}", "card-git-blob": card_blob}
