from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, commit_all


def test_all_stacks_upstream_first(repo: Path, cli) -> None:
    assert cli(repo, "stacks") == (0, "dev\nprod\n", "")


def test_upstream_orders_before_alphabet(repo: Path, cli) -> None:
    assert cli(repo, "env", "clone", "dev", "aaa", "--project", "acme-aaa-ml")[0] == 0
    config = repo / "stacks/aaa/Pulumi.aaa.yaml"
    config.write_text(config.read_text() + "  estaleiro:promotion:\n    from: prod\n")
    assert cli(repo, "stacks")[1] == "dev\nprod\naaa\n"


def test_changed_since_follows_stack_files_and_cards(repo: Path, cli) -> None:
    base = "HEAD"
    assert cli(repo, "stacks", "--changed-since", base)[1] == ""
    config = repo / "stacks/prod/Pulumi.prod.yaml"
    config.write_text(config.read_text().replace("kmsRotationDays: 30", "kmsRotationDays: 60"))
    assert cli(repo, "stacks", "--changed-since", base)[1] == "prod\n"
    commit_all(repo, "prod rotation")
    assert cli(repo, "stacks", "--changed-since", "HEAD~1")[1] == "prod\n"


def test_a_card_change_touches_every_stack_serving_the_model(repo: Path, cli) -> None:
    card = next((repo / "model_cards").rglob("*.yaml"))
    card.write_text(card.read_text() + "\n")
    assert cli(repo, "stacks", "--changed-since", "HEAD")[1] == "dev\nprod\n"


def changed(repo: Path, cli, path: str) -> str:
    """The stacks `stacks --changed-since HEAD` names once `path` has a line more."""
    with (repo / path).open("a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    code, out, err = cli(repo, "stacks", "--changed-since", "HEAD")
    assert (code, err) == (0, "")
    return out


@pytest.mark.parametrize(
    ("path", "stacks"),
    [
        ("components/serving.py", "dev\nprod\n"),  # the program, run by every plan
        ("estaleiro/config/manifest.py", "dev\nprod\n"),  # the loader every plan runs
        ("images/model/image.yaml", "dev\nprod\n"),  # the model image both stacks' pipelines run
        # Built by the image's own trigger; stacks run it by the tag `pipeline compile` writes into the compiled
        # pipelines (read by both), so a change reaches a stack only once they are recompiled.
        ("images/model/server.py", ""),
        ("pipeline_specs/compiled/continuous-training.yaml", "dev\nprod\n"),
        ("functions/retrain/main.py", "dev\n"),  # uploaded by dev's retraining, which prod does not deploy
        ("README.md", ""),
        ("estaleiro/gate/traffic.py", ""),  # the gate's, not a plan's (a governance change, judged apart)
    ],
)
def test_a_change_touches_the_stacks_whose_plan_reads_it(repo: Path, cli, path: str, stacks: str) -> None:
    (repo / "images").mkdir(exist_ok=True)
    shutil.copytree(REPO / "images", repo / "images", dirs_exist_ok=True)
    (repo / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    (repo / "README.md").write_text("# a fork\n")
    commit_all(repo, "the image and the README")
    assert changed(repo, cli, path) == stacks


def test_a_module_no_plan_imports_touches_no_stack(repo: Path, cli) -> None:
    (repo / "components" / "extra.py").write_text('"""new module"""\n')
    assert cli(repo, "stacks", "--changed-since", "HEAD")[1] == ""


def test_a_manifest_reached_through_a_link_is_the_stack_of_the_link(repo: Path, cli) -> None:
    (repo / "shared").mkdir()
    manifest = repo / "stacks/prod/models/churn.yaml"
    (repo / "shared/churn-prod.yaml").write_text(manifest.read_text())
    manifest.unlink()
    manifest.symlink_to("../../../shared/churn-prod.yaml")
    commit_all(repo, "prod's manifest kept elsewhere")
    assert changed(repo, cli, "shared/churn-prod.yaml") == "prod\n"


def test_a_deleted_manifest_touches_the_stack_that_read_it(repo: Path, cli) -> None:
    (repo / "stacks/prod/models/churn.yaml").unlink()
    assert cli(repo, "stacks", "--changed-since", "HEAD")[1] == "prod\n"


def test_unknown_ref(repo: Path, cli) -> None:
    assert cli(repo, "stacks", "--changed-since", "nope") == (
        2,
        "",
        "--changed-since: 'nope' is not a commit, branch or tag of this repository\n",
    )
