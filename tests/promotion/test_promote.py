from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import commit_all


def manifest(repo: Path, stack: str) -> dict:
    return yaml.safe_load((repo / f"stacks/{stack}/models/churn.yaml").read_text())


def snapshot(repo: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(repo).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def add_card(repo: Path, version: str) -> None:
    text = (repo / "model_cards/churn/v7.yaml").read_text().replace("name: v7", f"name: {version}")
    (repo / f"model_cards/churn/{version}.yaml").write_text(text)


def test_promote_to_prod_enters_at_the_canary_limit_keeping_comments(repo: Path, cli) -> None:
    path = repo / "stacks/prod/models/churn.yaml"
    before = path.read_text()
    code, out, _ = cli(repo, "promote", "churn", "v7", "--to", "prod")
    assert code == 0
    after = path.read_text()
    assert manifest(repo, "prod")["traffic"] == {"v6": 90, "v7": 10}
    assert manifest(repo, "prod")["versions"]["v7"] == manifest(repo, "dev")["versions"]["v7"]
    assert after.startswith(before.split("versions:")[0])  # header comments and keys untouched
    assert "Promote churn v7 in prod (10 % canary)" in out
    assert "| v6 | 100 % | 90 % |" in out and "| auc | 0.874 | >= 0.8 |" in out
    assert "git revert" in out


def test_only_the_one_manifest_changes(repo: Path, cli) -> None:
    before = snapshot(repo)
    assert cli(repo, "promote", "churn", "v7", "--to", "prod", "--canary", "5")[0] == 0
    after = snapshot(repo)
    assert {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} == {
        "stacks/prod/models/churn.yaml"
    }
    assert manifest(repo, "prod")["traffic"] == {"v6": 95, "v7": 5}


def test_complete_moves_the_canary_to_all_traffic_and_retires_the_rest(repo: Path, cli) -> None:
    code, out, _ = cli(repo, "complete", "churn", "v7", "--in", "dev")
    assert code == 0
    assert manifest(repo, "dev")["traffic"] == {"v7": 100}
    assert list(manifest(repo, "dev")["versions"]) == ["v7"]
    assert "Complete churn v7 in dev (all traffic)" in out


def test_promote_to_dev_adds_a_version_with_defaults(repo: Path, cli) -> None:
    add_card(repo, "v8")
    assert cli(repo, "promote", "churn", "v8", "--to", "dev", "--canary", "20")[0] == 0
    data = manifest(repo, "dev")
    assert data["traffic"] == {"v6": 72, "v7": 8, "v8": 20}
    assert data["versions"]["v8"] == {
        "artifactUri": "gs://acme-ml-dev-models/churn/v8/",
        "image": data["versions"]["v7"]["image"],
        "card": "model_cards/churn/v8.yaml",
    }


def test_promote_to_dev_without_canary_takes_all_traffic(repo: Path, cli) -> None:
    add_card(repo, "v8")
    image = "europe-docker.pkg.dev/acme/serving/churn@sha256:" + "a" * 64
    assert cli(repo, "promote", "churn", "v8", "--to", "dev", "--image", image)[0] == 0
    data = manifest(repo, "dev")
    assert data["traffic"] == {"v8": 100} and list(data["versions"]) == ["v8"]
    assert data["versions"]["v8"]["image"] == image


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["v8", "--to", "prod"], 1, "churn v8 is not serving in dev (traffic > 0), so it cannot go to prod"),
        (["v7", "--to", "prod", "--canary", "50"], 1, "would start at 50 % in prod; the canary limit is 10 %"),
        (["v6", "--to", "prod"], 2, "versions.v6: already declared"),
        (["v9", "--to", "dev"], 2, "model_cards/churn/v9.yaml: no model card for churn v9"),
        (["v7", "--to", "prod", "--canary", "100"], 2, "--canary: 100 is not a percentage from 1 to 99"),
        (["V7", "--to", "prod"], 2, "VERSION: version 'V7' is not a model version such as v7"),
        (["v7", "--to", "staging"], 2, "stacks/staging: no such stack"),
        (["v7", "--to", "prod", "--image", "x/y:z"], 2, "prod takes versions as dev serves them"),
    ],
)
def test_refusals_and_bad_input_write_nothing(repo: Path, cli, args: list[str], code: int, message: str) -> None:
    add_card(repo, "v8")
    before = snapshot(repo)
    result, out, err = cli(repo, "promote", "churn", *args)
    assert (result, out) == (code, "")
    assert message in err
    assert snapshot(repo) == before


def test_unpinned_image_is_refused_for_prod(repo: Path, cli) -> None:
    dev = repo / "stacks/dev/models/churn.yaml"
    dev.write_text(
        dev.read_text().replace(
            "xgboost-cpu.2-1@sha256:5a1f3c0e9d7b2a4f6e8c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a",
            "xgboost-cpu.2-1:v7",
        )
    )
    code, _, err = cli(repo, "promote", "churn", "v7", "--to", "prod")
    assert code == 1 and "must be pinned by @sha256:<digest>" in err


def test_bad_model_name(repo: Path, cli) -> None:
    code, _, err = cli(repo, "promote", "Churn_", "v7", "--to", "prod")
    assert (
        code == 2
        and err
        == "MODEL: model name 'Churn_' is not a DNS label: lowercase letters, digits and "
        "hyphens, starting with a letter, at most 63\n"
    )


def test_first_promotion_of_a_model_into_prod_copies_the_dev_manifest(repo: Path, cli) -> None:
    (repo / "stacks/prod/models/churn.yaml").unlink()
    commit_all(repo, "prod serves no churn")
    assert cli(repo, "promote", "churn", "v7", "--to", "prod")[0] == 0
    data = manifest(repo, "prod")
    assert data["traffic"] == {"v7": 100} and list(data["versions"]) == ["v7"]
    assert data["owners"] == manifest(repo, "dev")["owners"]


def test_complete_refuses_what_is_not_declared(repo: Path, cli) -> None:
    code, _, err = cli(repo, "complete", "churn", "v9", "--in", "dev")
    assert code == 2 and "v9 is not declared; declared: v6, v7" in err
