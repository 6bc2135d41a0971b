from __future__ import annotations

from pathlib import Path

import pytest

from estaleiro.config.environment import load_environment, load_stack_config
from tests.config.conftest import problems

GOOD = """config:
  gcp:project: acme-ml-dev
  gcp:region: us-central1
  estaleiro:prefix: acme-ml
  estaleiro:team: ml-platform
  estaleiro:notificationEmails: [oncall@acme.example.com]
  estaleiro:ciRepository: acme/estaleiro
"""


def write_stack(root: Path, text: str, stack: str = "dev") -> None:
    folder = root / "stacks" / stack
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"Pulumi.{stack}.yaml").write_text(text)


def test_example_stacks_load_with_defaults_applied() -> None:
    root = Path(__file__).resolve().parents[2]
    dev, prod = load_stack_config(root, "dev"), load_stack_config(root, "prod")
    assert (dev.project, dev.region, dev.prefix) == ("acme-ml-dev", "us-central1", "acme-ml")
    assert dev.kms_rotation_days == 90 and dev.serving.private_network is None
    assert prod.promotion.from_stack == "dev" and prod.promotion.canary_limit_percent == 10
    assert prod.serving.private_network is None
    assert prod.serving.private_service_connect is not None
    assert prod.serving.private_service_connect.project_allowlist == ("acme-ml-prod", "acme-apps-prod")


def test_minimal_stack_gets_defaults(tmp_path: Path) -> None:
    write_stack(tmp_path, GOOD)
    env = load_environment(tmp_path, "dev")
    assert env.name == "dev" and env.models == ()
    assert env.config.kms_rotation_days == 90 and env.config.labels == {}
    assert env.config.promotion.canary_limit_percent == 100


def test_config_is_immutable(tmp_path: Path) -> None:
    write_stack(tmp_path, GOOD)
    config = load_environment(tmp_path, "dev").config
    with pytest.raises(ValueError, match="frozen"):
        config.project = "other-project"  # type: ignore[misc]


def test_every_error_of_the_file_in_one_run(tmp_path: Path) -> None:
    write_stack(
        tmp_path,
        """config:
  gcp:project: Acme
  gcp:region: us-central1
  estaleiro:prefix: acme-ml
  estaleiro:team: ml-platform
  estaleiro:labels: {env: x}
  estaleiro:notificationEmails: [not-an-email]
  estaleiro:kmsRotationDays: 365
  estaleiro:colour: blue
""",
    )
    assert problems(tmp_path) == [
        "stacks/dev/Pulumi.dev.yaml:1: config.estaleiro:ciRepository: required key is missing",
        "stacks/dev/Pulumi.dev.yaml:9: config.estaleiro:colour: unknown key; allowed keys: gcp:project, gcp:region, "
        "estaleiro:prefix, estaleiro:team, estaleiro:labels, estaleiro:notificationEmails, estaleiro:ciRepository, "
        "estaleiro:kmsRotationDays, estaleiro:allowedArtifactBuckets, estaleiro:serving, estaleiro:promotion",
        "stacks/dev/Pulumi.dev.yaml:8: config.estaleiro:kmsRotationDays: input should be less than or equal to 90 "
        "(got int 365)",
        "stacks/dev/Pulumi.dev.yaml:6: config.estaleiro:labels: reserved label(s) env are set by Estaleiro; "
        "remove them here",
        "stacks/dev/Pulumi.dev.yaml:7: config.estaleiro:notificationEmails.0: got 'not-an-email', "
        "expected an e-mail address",
        "stacks/dev/Pulumi.dev.yaml:2: config.gcp:project: got 'Acme', expected a GCP project id: 6-30 lowercase "
        "letters, digits or hyphens, starting with a letter",
    ]


def test_wrong_types_name_what_was_given(tmp_path: Path) -> None:
    write_stack(tmp_path, GOOD.replace("[oncall@acme.example.com]", "oncall@acme.example.com"))
    assert problems(tmp_path) == [
        "stacks/dev/Pulumi.dev.yaml:6: config.estaleiro:notificationEmails: input should be a valid tuple "
        "(got a string 'oncall@acme.example.com')"
    ]


def test_nested_unknown_key_lists_what_is_allowed(tmp_path: Path) -> None:
    write_stack(tmp_path, GOOD + "  estaleiro:serving: {network: default}\n")
    assert problems(tmp_path) == [
        "stacks/dev/Pulumi.dev.yaml:8: config.estaleiro:serving.network: unknown key; "
        "allowed keys: privateServiceConnect, privateNetwork"
    ]


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    write_stack(tmp_path, "config:\n  gcp:project: [acme\n")
    [message] = problems(tmp_path)
    assert message.startswith("stacks/dev/Pulumi.dev.yaml: line 3, column 1: malformed YAML:")


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    write_stack(tmp_path, "- just\n- a list\n")
    assert problems(tmp_path) == ["stacks/dev/Pulumi.dev.yaml: expected a mapping at the top, got a list"]


def test_missing_stack_lists_existing_ones(tmp_path: Path) -> None:
    write_stack(tmp_path, GOOD)
    assert problems(tmp_path, "qa") == ["stacks/qa: no such stack; existing stacks: dev"]


@pytest.mark.parametrize("name", ["Dev", "a", "x" * 13, "-dev", "dev_1", "../dev"])
def test_invalid_stack_names_are_refused(tmp_path: Path, name: str) -> None:
    [message] = problems(tmp_path, name)
    assert message == (
        f"stacks/{name}: stack name {name!r} is not a stack name: 2-12 lowercase letters, digits or hyphens, "
        "starting with a letter"
    )
