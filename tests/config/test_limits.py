"""Google's limits on derived names: each at its edge, the reserved prefixes, and the loader and CLI reporting them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import get_args

import pytest

from components.platform import Platform
from estaleiro.config.environment import load_environment
from estaleiro.config.limits import LIMITS, MAX_LABELS, Kind, check_names, derived_names, violation
from estaleiro.monitoring_ids import monitor_id
from estaleiro.plan.engine import run_program
from tests.config.conftest import REPO, problems, refused_by_plan
from tests.rollout.edits import sha256

STACK = """config:
  gcp:project: acme-ml-dev
  gcp:region: us-central1
  estaleiro:prefix: {prefix}
  estaleiro:team: ml-platform
  estaleiro:notificationEmails: [oncall@acme.example.com]
  estaleiro:ciRepository: acme/estaleiro
"""


def write_stack(root: Path, stack: str, prefix: str = "acme-ml", extra: str = "") -> None:
    folder = root / "stacks" / stack
    folder.mkdir(parents=True)
    (folder / f"Pulumi.{stack}.yaml").write_text(STACK.format(prefix=prefix) + extra)


def add_model(root: Path, stack: str, name: str) -> None:
    """Dev's churn manifest and cards under another model name, so only the name differs."""
    (root / "stacks" / stack / "models").mkdir(exist_ok=True)
    manifest = (REPO / "stacks/dev/models/churn.yaml").read_text().replace("model_cards/churn/", f"model_cards/{name}/")
    (root / "model_cards" / name).mkdir(parents=True)
    if not (root / "pipeline_specs").exists():  # the compiled pipeline its training block runs
        shutil.copytree(REPO / "pipeline_specs", root / "pipeline_specs")
    for card in (REPO / "model_cards/churn").glob("v*.yaml"):
        text = card.read_text().replace("  name: churn\n", f"  name: {name}\n", 1)
        (root / "model_cards" / name / card.name).write_text(text)
        manifest = manifest.replace(
            sha256(REPO, f"model_cards/churn/{card.name}"), sha256(root, f"model_cards/{name}/{card.name}")
        )
    (root / "stacks" / stack / "models" / f"{name}.yaml").write_text(manifest)


@pytest.mark.parametrize("kind", get_args(Kind))
def test_each_limit_holds_exactly_at_its_edges(kind: Kind) -> None:
    limit = LIMITS[kind]
    assert violation(kind, "a" * limit.max_length) is None
    assert violation(kind, "a" * (limit.max_length + 1)) == (
        f"{limit.max_length + 1} characters, over the limit of {limit.max_length}"
    )
    assert violation(kind, "a" * limit.min_length) is None
    if limit.min_length:
        assert violation(kind, "a" * (limit.min_length - 1)) == (
            f"{limit.min_length - 1} characters, under the minimum of {limit.min_length}"
        )


@pytest.mark.parametrize(
    ("kind", "minimum", "maximum"),
    [
        ("bucket name", 3, 63),
        ("Artifact Registry repository id", 1, 63),
        ("Cloud Build trigger name", 1, 64),
        ("service account id", 6, 30),
        ("Workload Identity pool id", 4, 32),
        ("Workload Identity provider id", 4, 32),
        ("Vertex AI model id", 1, 63),
        ("Vertex AI endpoint display name", 1, 128),
        ("Vertex AI model display name", 1, 128),
        ("label key", 1, 63),
        ("label value", 0, 63),
        ("Model Monitoring monitor id", 1, 63),
        ("Vertex AI schedule display name", 1, 128),
        ("Vertex AI pipeline job display name", 1, 128),
        ("IAM custom role id", 3, 64),
    ],
)
def test_the_table_holds_googles_documented_numbers(kind: Kind, minimum: int, maximum: int) -> None:
    assert (LIMITS[kind].min_length, LIMITS[kind].max_length) == (minimum, maximum)


@pytest.mark.parametrize(
    ("kind", "name", "reason"),
    [
        ("Workload Identity pool id", "gcp-ci", "it starts with 'gcp-', which Google reserves"),
        ("Workload Identity provider id", "gcp-github", "it starts with 'gcp-', which Google reserves"),
        ("bucket name", "goog-ml-dev-models", "it starts with 'goog', which Google reserves"),
        ("bucket name", "acme-google-dev-models", "it contains 'google', which Google refuses"),
        ("bucket name", "acme-g00gle-dev-models", "it contains 'g00gle', which Google refuses"),
        ("bucket name", "acme-ml-", "a character or its shape is not allowed"),
        ("Vertex AI model id", "7-up", "a character or its shape is not allowed"),
        ("Vertex AI model id", "-churn", "a character or its shape is not allowed"),
        ("service account id", "dev-runner-", "a character or its shape is not allowed"),
        ("Artifact Registry repository id", "1-containers", "a character or its shape is not allowed"),
        ("Cloud Build trigger name", "acme_ml_pr", "a character or its shape is not allowed"),
        ("label key", "Team", "a character or its shape is not allowed"),
        ("label value", "ML Platform", "a character or its shape is not allowed"),
        ("Model Monitoring monitor id", "churn-v6-", "a character or its shape is not allowed"),
        ("Model Monitoring monitor id", "6-churn", "a character or its shape is not allowed"),
        ("IAM custom role id", "estaleiro-retrainer", "a character or its shape is not allowed"),
    ],
)
def test_reserved_prefixes_forbidden_words_and_characters(kind: Kind, name: str, reason: str) -> None:
    assert violation(kind, name) == reason


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("Workload Identity pool id", "gcpx-ci"),
        ("bucket name", "acme-ml-dev-pipeline-root"),
        ("Vertex AI model id", "_churn"),
        ("Vertex AI endpoint display name", "Churn: 30-day probability (é)"),
        ("label value", ""),
    ],
)
def test_names_google_accepts_pass(kind: Kind, name: str) -> None:
    assert violation(kind, name) is None


def test_the_example_stacks_derive_only_names_google_accepts() -> None:
    for stack in ("dev", "prod"):
        env = load_environment(REPO, stack)
        assert check_names(env.config, env.name, env.config_file, env.models, env.builds_model_image) == []


def test_a_model_name_that_makes_a_63_character_model_id_passes(tmp_path: Path) -> None:
    write_stack(tmp_path, "dev")
    add_model(tmp_path, "dev", "m" * 51)  # acme-ml-dev- is 12
    assert [m.name for m in load_environment(tmp_path, "dev").models] == ["m" * 51]


def test_one_character_more_is_refused_naming_file_key_name_and_limit(tmp_path: Path) -> None:
    write_stack(tmp_path, "dev")
    add_model(tmp_path, "dev", "m" * 52)
    assert problems(tmp_path, "dev") == [
        f"stacks/dev/models/{'m' * 52}.yaml: model name: makes Vertex AI model id 'acme-ml-dev-{'m' * 52}': "
        "64 characters, over the limit of 63 (allowed: 1-63 lowercase letters, digits, '_' or '-', "
        "not starting with a digit or '-')"
    ]


def test_every_name_problem_of_the_stack_in_one_run(tmp_path: Path) -> None:
    """A 61-character model: its id, and the card label of each version; a card problem beside them."""
    write_stack(tmp_path, "dev")
    name = "m" * 61
    add_model(tmp_path, "dev", name)
    (tmp_path / "model_cards" / name / "v7.yaml").unlink()
    assert problems(tmp_path, "dev") == [
        f"stacks/dev/models/{name}.yaml: model name: makes Vertex AI model id 'acme-ml-dev-{name}': "
        "73 characters, over the limit of 63 (allowed: 1-63 lowercase letters, digits, '_' or '-', "
        "not starting with a digit or '-')",
        f"stacks/dev/models/{name}.yaml: versions.v6: makes label 'card' value '{name}-v6': 64 characters, "
        "over the limit of 63 (allowed: 0-63 lowercase letters, digits, '_' or '-')",
        f"stacks/dev/models/{name}.yaml: versions.v7.card: 'model_cards/{name}/v7.yaml' does not exist; "
        "every deployed version needs a model card",
    ]


@pytest.mark.parametrize("stack", ["gcp", "gcp-eu"])
def test_a_stack_named_gcp_would_make_a_reserved_pool_id(tmp_path: Path, stack: str) -> None:
    write_stack(tmp_path, stack)
    assert problems(tmp_path, stack) == [
        f"stacks/{stack}/Pulumi.{stack}.yaml: stack name: makes Workload Identity pool id '{stack}-ci': "
        "it starts with 'gcp-', which Google reserves "
        "(allowed: 4-32 lowercase letters, digits or '-', not starting with 'gcp-')"
    ]


def test_a_stack_named_gcpx_is_fine(tmp_path: Path) -> None:
    write_stack(tmp_path, "gcpx")
    assert load_environment(tmp_path, "gcpx").name == "gcpx"


def test_a_prefix_google_refuses_in_bucket_names_names_every_bucket(tmp_path: Path) -> None:
    write_stack(tmp_path, "dev", prefix="goog-ml")
    rule = (
        "(allowed: 3-63 lowercase letters, digits, '-' or '_', starting and ending with a letter or digit, "
        "not starting with 'goog', without 'google')"
    )
    assert problems(tmp_path, "dev") == [
        f"stacks/dev/Pulumi.dev.yaml: config.estaleiro:prefix: makes bucket name '{bucket}': "
        f"it starts with 'goog', which Google reserves {rule}"
        for bucket in (
            "goog-ml-dev-access-logs",
            "goog-ml-dev-build-logs",
            "goog-ml-dev-models",
            "goog-ml-dev-pipeline-root",
            "goog-ml-pulumi-state",
        )
    ]


def labels_block(count: int) -> str:
    return "  estaleiro:labels:\n" + "".join(f"    l{i}: v\n" for i in range(count))


def test_labels_up_to_googles_count_pass_one_more_fails(tmp_path: Path) -> None:
    estaleiro_labels = 4  # purpose, env, team, managed-by
    write_stack(tmp_path, "ok", extra=labels_block(MAX_LABELS - estaleiro_labels))
    assert load_environment(tmp_path, "ok").name == "ok"
    write_stack(tmp_path, "over", extra=labels_block(MAX_LABELS - estaleiro_labels + 1))
    assert problems(tmp_path, "over") == [
        "stacks/over/Pulumi.over.yaml: config.estaleiro:labels: makes 65 labels on one resource, "
        "over Google's limit of 64"
    ]


def test_a_long_model_name_is_exit_2_through_the_cli_and_nothing_is_written(repo: Path, cli, tmp_path: Path) -> None:
    name = "m" * 52
    add_model(repo, "dev", name)
    assert refused_by_plan(repo, cli, tmp_path / "plan.json") == (
        f"stacks/dev/models/{name}.yaml: model name: makes Vertex AI model id 'acme-ml-dev-{name}': "
        "64 characters, over the limit of 63 (allowed: 1-63 lowercase letters, digits, '_' or '-', "
        "not starting with a digit or '-')\n"
    )
    code, report, _ = cli(repo, "check", "dev", "--format", "text")
    assert code == 2
    assert f"VIOLATION schema/invalid-input stacks/dev/models/{name}.yaml: model name: makes Vertex AI" in report


def test_clone_refuses_a_stack_name_google_would_refuse_before_writing(repo: Path, cli) -> None:
    code, out, err = cli(repo, "env", "clone", "dev", "gcp", "--project", "acme-gcp-ml")
    assert (code, out) == (2, "")
    assert err.startswith("stacks/gcp/Pulumi.gcp.yaml: stack name: makes Workload Identity pool id 'gcp-ci': ")
    assert sorted(p.name for p in (repo / "stacks").iterdir()) == ["dev", "prod"]


def test_clone_with_models_checks_their_ids_under_the_new_name(repo: Path, cli) -> None:
    name = "m" * 51  # fits in dev (63), one over in a four-letter stack
    add_model(repo, "dev", name)
    code, _, err = cli(repo, "env", "clone", "dev", "eu01", "--project", "acme-eu-ml", "--with-models")
    assert code == 2
    assert re.match(rf"stacks/eu01/models/{name}\.yaml: model name: makes Vertex AI model id 'acme-ml-eu01-", err)
    assert not (repo / "stacks" / "eu01").exists()


def test_the_stack_derives_monitor_ids_schedule_and_job_names_and_the_retrainer_role() -> None:
    env = load_environment(REPO, "dev")
    derived = {(d.kind, d.name) for d in derived_names(env.config, env.name, env.config_file, env.models, False)}
    assert {
        ("Model Monitoring monitor id", "acme-ml-dev-churn-v6"),
        ("Model Monitoring monitor id", "acme-ml-dev-churn-v7"),
        ("Vertex AI schedule display name", "acme-ml-dev-churn-continuous-training"),
        ("Vertex AI schedule display name", "acme-ml-dev-churn-model-quality"),
        ("Vertex AI pipeline job display name", "churn-continuous-training"),
        ("Vertex AI pipeline job display name", "churn-model-quality"),
        ("IAM custom role id", "estaleiro_retrainer_dev"),
        ("label value", "continuous-training"),  # the `pipeline` label of the runs
    } <= derived


@pytest.mark.parametrize("length", [49, 50, 51])  # model ids of 61, 62 and 63 characters
def test_a_watched_model_whose_id_fits_also_has_monitors_and_plans(tmp_path: Path, length: int) -> None:
    """Such a model passed the load and failed ModelMonitors' registration check at `pulumi up`."""
    write_stack(tmp_path, "dev")
    add_model(tmp_path, "dev", "m" * length)  # churn's manifest: drift features, two versions
    env = load_environment(tmp_path, "dev")
    served = f"acme-ml-dev-{'m' * length}"
    monitors = {d.name for d in derived_names(env.config, "dev", env.config_file, env.models, False)}
    assert {monitor_id(served, "v6"), monitor_id(served, "v7")} <= monitors
    assert all(violation("Model Monitoring monitor id", monitor_id(served, v)) is None for v in ("v6", "v7"))
    plan = run_program(lambda: Platform("acme-ml-dev", env), "dev", env.config.project, env.config.region)
    assert len(plan.of_type("pulumi-python:dynamic/vertex:ModelMonitors")) == 1
