from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from estaleiro.config.environment import load_environment
from tests.conftest import git


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "stacks").rglob("*")) if p.is_file()}


def test_clone_rewrites_project_region_team_and_drops_source_bound_values(repo: Path, cli) -> None:
    code, out, _ = cli(repo, "env", "clone", "prod", "fraud", "--project", "acme-fraud-ml", "--region", "europe-west4")
    assert code == 0
    env = load_environment(repo, "fraud")
    config = env.config
    assert (config.project, config.region, config.team, config.prefix) == (
        "acme-fraud-ml",
        "europe-west4",
        "fraud",
        "acme-ml",
    )
    assert config.serving.private_network is None and config.serving.private_service_connect is None
    assert config.allowed_artifact_buckets == ()
    assert config.promotion.from_stack is None and config.promotion.canary_limit_percent == 10
    assert env.models == ()
    text = (repo / "stacks/fraud/Pulumi.fraud.yaml").read_text()
    assert "acme-ml-prod" not in text and "--stack fraud --config-file stacks/fraud/Pulumi.fraud.yaml" in text
    assert "Open a pull request" in out and "pulumi up --stack fraud" in out


def test_clone_never_copies_secrets(repo: Path, cli) -> None:
    source = repo / "stacks/dev/Pulumi.dev.yaml"
    source.write_text("encryptionsalt: v1:abc:def\n" + source.read_text())
    assert cli(repo, "env", "clone", "dev", "fraud", "--project", "acme-fraud-ml")[0] == 0
    assert "encryptionsalt" not in (repo / "stacks/fraud/Pulumi.fraud.yaml").read_text()


def test_models_are_copied_only_when_asked(repo: Path, cli) -> None:
    assert cli(repo, "env", "clone", "dev", "team-a", "--project", "acme-team-a")[0] == 0
    assert not (repo / "stacks/team-a/models").exists()
    assert cli(repo, "env", "clone", "dev", "team-b", "--project", "acme-team-b", "--with-models")[0] == 0
    assert sorted(p.name for p in (repo / "stacks/team-b/models").iterdir()) == sorted(
        p.name for p in (repo / "stacks/dev/models").iterdir()
    )


def test_refusals_write_nothing(repo: Path, cli) -> None:
    before = tree(repo)
    cases = {
        ("dev", "prod", "acme-new-ml"): "stacks/prod: already exists; clone never overwrites: pick another name",
        ("dev", "Bad_Name", "acme-new-ml"): "stacks/Bad_Name: stack name 'Bad_Name' is not a stack name",
        ("dev", "fraud", "X"): "--project: project 'X' is not a GCP project id",
        ("nope", "fraud", "acme-new-ml"): "stacks/nope: no such stack; existing stacks: dev, prod",
    }
    for (src, dst, project), expected in cases.items():
        code, _, err = cli(repo, "env", "clone", src, dst, "--project", project)
        assert code == 2, (src, dst, project)
        assert expected in err
    assert tree(repo) == before
    assert sorted(p.name for p in (repo / "stacks").iterdir()) == ["dev", "prod"]


def test_all_argument_problems_in_one_run(repo: Path, cli) -> None:
    code, _, err = cli(repo, "env", "clone", "dev", "prod", "--project", "X", "--region", "mars")
    assert code == 2
    assert err.count("\n") == 3 and "--region: region 'mars'" in err


def test_cloned_stack_plans_without_the_source_project(repo: Path, cli) -> None:
    assert cli(repo, "env", "clone", "dev", "fraud", "--project", "acme-fraud-ml")[0] == 0
    code, out, _ = cli(repo, "plan", "fraud", "--format", "json")
    assert code == 0
    plan = json.loads(out)
    assert len(plan["resources"]) > 20
    assert "acme-ml-dev" not in out
    assert "acme-fraud-ml" in out


def test_team_is_checked_like_every_other_argument(repo: Path, cli) -> None:
    code, out, err = cli(repo, "env", "clone", "dev", "fraud", "--project", "acme-fraud-ml", "--team", "Fraud Team")
    assert (code, out) == (2, "")
    assert err == "--team: team 'Fraud Team' is not a label value: lowercase letters, digits, '_' or '-', at most 63\n"
    assert git(repo, "status", "--porcelain") == ""


def test_what_clone_wrote_is_loaded_before_it_is_moved_in_place(repo: Path, cli, monkeypatch) -> None:
    """Whatever the rewrite gets wrong, an invalid stack never lands in stacks/."""
    from estaleiro.commands import env_clone

    rewrite = env_clone._rewrite
    monkeypatch.setattr(env_clone, "_rewrite", lambda *args: rewrite(*args).replace("us-central1", "moon-base"))
    code, out, err = cli(repo, "env", "clone", "dev", "fraud", "--project", "acme-fraud-ml")
    assert (code, out) == (2, "")
    assert err == (
        "stacks/fraud/Pulumi.fraud.yaml:6: config.gcp:region: got 'moon-base', expected a GCP region such as "
        "us-central1 or europe-west4\n"
    )
    assert git(repo, "status", "--porcelain") == ""
    assert sorted(p.name for p in (repo / "stacks").iterdir()) == ["dev", "prod"]


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_the_new_stack_keeps_the_users_umask(repo: Path, cli, mask: int) -> None:
    previous = os.umask(mask)
    try:
        assert cli(repo, "env", "clone", "dev", "fraud", "--project", "acme-fraud-ml", "--with-models")[0] == 0
    finally:
        os.umask(previous)
    folder = repo / "stacks/fraud"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE((folder / "Pulumi.fraud.yaml").stat().st_mode) == 0o666 & ~mask
