"""Bad model manifests and cards: one line each (file, line, key path, problem), all in one run."""

from __future__ import annotations

from pathlib import Path

from estaleiro.config.environment import load_environment
from tests.config.conftest import problems
from tests.rollout.edits import edit


def test_the_examples_load(root: Path) -> None:
    dev = load_environment(root, "dev")
    [churn] = dev.models
    assert churn.manifest.traffic == {"v6": 90, "v7": 10}
    assert churn.cards["v7"].card.metric("auc") == 0.874


def test_split_and_undeclared_versions_are_reported_at_the_traffic_key(root: Path) -> None:
    edit(root, "stacks/dev/models/churn.yaml", "  v7: 10", "  v7: 10\n  v9: 5")
    assert problems(root) == [
        "stacks/dev/models/churn.yaml:27: traffic: traffic names undeclared version(s) v9; declared: v6, v7"
    ]
    edit(root, "stacks/dev/models/churn.yaml", "  v9: 5", "")
    edit(root, "stacks/dev/models/churn.yaml", "v6: 90", "v6: 80")
    assert problems(root) == ["stacks/dev/models/churn.yaml:27: traffic: traffic split sums to 90, must be 100"]


def test_all_problems_of_a_manifest_in_one_run(root: Path) -> None:
    edit(root, "stacks/dev/models/churn.yaml", "maxReplicas: 3", "maxReplicas: 0\n  gpus: 1")
    edit(root, "stacks/dev/models/churn.yaml", "apiVersion: estaleiro/v1", "apiVersion: estaleiro/v2")
    assert problems(root) == [
        "stacks/dev/models/churn.yaml:3: apiVersion: got 'estaleiro/v2', expected 'estaleiro/v1'",
        "stacks/dev/models/churn.yaml:13: serving.gpus: unknown key; allowed keys: machineType, minReplicas, "
        "maxReplicas",
        "stacks/dev/models/churn.yaml:12: serving.maxReplicas: input should be greater than or equal to 1 (got int 0)",
    ]


def test_model_name_must_be_a_dns_label(root: Path) -> None:
    (root / "stacks/dev/models/churn.yaml").rename(root / "stacks/dev/models/Churn_Model.yaml")
    assert problems(root) == [
        "stacks/dev/models/Churn_Model.yaml: model name 'Churn_Model' is not a DNS label: lowercase letters, "
        "digits and hyphens, starting with a letter, at most 63"
    ]


def test_lookalike_unicode_names_are_refused(root: Path) -> None:
    """A Cyrillic es for `c`, an Arabic-Indic seven for `7`: ASCII `[a-z0-9-]` only, whatever `\\w` would take."""
    (root / "stacks/dev/models/churn.yaml").rename(root / "stacks/dev/models/\u0441hurn.yaml")
    assert problems(root) == [
        "stacks/dev/models/\u0441hurn.yaml: model name '\u0441hurn' is not a DNS label: lowercase letters, "
        "digits and hyphens, starting with a letter, at most 63"
    ]
    (root / "stacks/dev/models/\u0441hurn.yaml").rename(root / "stacks/dev/models/churn.yaml")
    edit(root, "stacks/dev/models/churn.yaml", "  v7: 10\n", "  v\u0667: 10\n")
    assert problems(root) == [
        "stacks/dev/models/churn.yaml:29: traffic.v\u0667.[key]: got 'v\u0667', expected a model version such as v7"
    ]
    (root / "stacks/\u0441i").mkdir()
    (root / "stacks/\u0441i/Pulumi.\u0441i.yaml").write_text("config: {}\n")
    assert problems(root, "\u0441i") == [
        "stacks/\u0441i: stack name '\u0441i' is not a stack name: 2-12 lowercase letters, digits or hyphens, "
        "starting with a letter"
    ]


def test_card_outside_the_repository_or_missing(root: Path) -> None:
    edit(root, "stacks/dev/models/churn.yaml", "card: model_cards/churn/v6.yaml", "card: ../../etc/passwd")
    edit(root, "stacks/dev/models/churn.yaml", "card: model_cards/churn/v7.yaml", "card: model_cards/churn/v77.yaml")
    assert problems(root) == [
        "stacks/dev/models/churn.yaml: versions.v6.card: '../../etc/passwd' is not a card of churn: a card lives in "
        "model_cards/churn/ (no '..', no symlink, no other model's folder)",
        "stacks/dev/models/churn.yaml: versions.v7.card: 'model_cards/churn/v77.yaml' does not exist; every "
        "deployed version needs a model card",
    ]


def test_a_card_cannot_be_borrowed_from_another_version(root: Path) -> None:
    edit(root, "stacks/dev/models/churn.yaml", "card: model_cards/churn/v7.yaml", "card: model_cards/churn/v6.yaml")
    assert problems(root) == ["model_cards/churn/v6.yaml: model_details: card is for churn v6, not churn v7"]


def test_a_malformed_card_names_its_own_file(root: Path) -> None:
    edit(root, "model_cards/churn/v7.yaml", "model_architecture:", "model_architectur:")
    assert problems(root) == [
        "model_cards/churn/v7.yaml:17: model_parameters.model_architectur: unknown key; allowed keys: "
        "model_architecture, training_data, evaluation_data, input_format, output_format",
        "model_cards/churn/v7.yaml:16: model_parameters.model_architecture: required key is missing",
    ]
