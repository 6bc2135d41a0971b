"""The whole flow a data scientist goes through: promote, see the plan diff, merge, revert."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import commit_all, git

FLIP = {"create": "delete", "delete": "create", "update": "update"}
VALUES = "createPipelineJobRequest.pipelineJob.runtimeConfig.parameterValues"  # of a schedule


def schedules(drift_filter: str) -> int:
    """How many monitoring schedules a drift condition reads."""
    return drift_filter.split("schedule_id = one_of(", 1)[1].split(")", 1)[0].count(",") + 1


def diff(cli, repo: Path, stack: str) -> dict:
    code, out, _ = cli(repo, "plan", stack, "--base", "HEAD~1", "--format", "json")
    assert code == 0
    return json.loads(out)


def test_promotion_pr_diff_shows_exactly_the_serving_and_monitoring_change(repo: Path, cli) -> None:
    assert cli(repo, "promote", "churn", "v7", "--to", "prod")[0] == 0
    commit_all(repo, "Promote churn v7 to prod (10 % canary)")
    change = diff(cli, repo, "prod")
    assert change["summary"]["delete"] == 0
    assert [(r["action"], r["type"], r["name"]) for r in change["resources"]] == [
        ("update", "gcp:monitoring/alertPolicy:AlertPolicy", "acme-ml-prod-churn-health"),
        ("update", "gcp:monitoring/dashboard:Dashboard", "acme-ml-prod-churn-dashboard"),
        ("update", "pulumi-python:dynamic/vertex:ModelMonitors", "acme-ml-prod-churn-monitors"),
        ("update", "gcp:colab/schedule:Schedule", "acme-ml-prod-churn-model-quality"),
        ("update", "pulumi-python:dynamic/vertex:EndpointDeployment", "acme-ml-prod-churn-deployment"),
        ("create", "pulumi-python:dynamic/vertex:ModelVersion", "acme-ml-prod-churn-v7"),
    ]
    resources = {r["name"]: r for r in change["resources"]}
    measured = {c["path"] for c in resources["acme-ml-prod-churn-model-quality"]["changes"]}
    assert measured == {f"{VALUES}.versions"}, "quality is measured for v7 too, under its deployed model id"
    monitored = {c["path"] for c in resources["acme-ml-prod-churn-monitors"]["changes"]}
    assert {"versions.v7.training_table", "versions.v7.version_id"} <= monitored, "v7 gets its drift monitor"
    drift_filters = [c for c in resources["acme-ml-prod-churn-health"]["changes"] if c["path"].endswith(".filter")]
    assert drift_filters and all(schedules(c["new"]) == schedules(c["old"]) + 1 for c in drift_filters)
    changes = {c["path"]: (c.get("old"), c.get("new")) for c in resources["acme-ml-prod-churn-deployment"]["changes"]}
    assert changes["versions.v6.traffic_percent"] == (100, 90)
    assert changes["versions.v7.traffic_percent"] == (None, 10)
    assert all(path.startswith("versions.v7.") for path in changes if path != "versions.v6.traffic_percent")


def test_markdown_comment_of_a_promotion(repo: Path, cli) -> None:
    assert cli(repo, "promote", "churn", "v7", "--to", "prod")[0] == 0
    commit_all(repo, "promote")
    code, out, _ = cli(repo, "plan", "prod", "--base", "HEAD~1", "--format", "md")
    assert code == 0
    assert "**1 to create, 5 to update, 0 to delete," in out
    assert "| ~ update | `acme-ml-prod-churn-deployment` |" in out
    assert "`versions.v6.traffic_percent`: 100 → 90" in out


def test_git_revert_of_a_promotion_plans_the_exact_inverse(repo: Path, cli) -> None:
    assert cli(repo, "promote", "churn", "v7", "--to", "prod")[0] == 0
    commit_all(repo, "promote")
    forward = diff(cli, repo, "prod")
    git(repo, "revert", "--no-edit", "HEAD")
    backward = diff(cli, repo, "prod")
    assert forward["summary"]["unchanged"] == backward["summary"]["unchanged"]
    assert sorted((FLIP[r["action"]], r["urn"]) for r in forward["resources"]) == sorted(
        (r["action"], r["urn"]) for r in backward["resources"]
    )
    for there in forward["resources"]:
        back = next(r for r in backward["resources"] if r["urn"] == there["urn"])
        assert [(c["path"], c.get("new"), c.get("old")) for c in there["changes"]] == [
            (c["path"], c.get("old"), c.get("new")) for c in back["changes"]
        ]


def test_completing_a_canary_retires_the_old_version(repo: Path, cli) -> None:
    assert cli(repo, "complete", "churn", "v7", "--in", "dev")[0] == 0
    commit_all(repo, "complete v7 in dev")
    change = diff(cli, repo, "dev")
    assert [(r["action"], r["name"]) for r in change["resources"]] == [
        ("update", "acme-ml-dev-churn-health"),
        ("update", "acme-ml-dev-churn-dashboard"),
        ("update", "acme-ml-dev-churn-monitors"),
        ("update", "acme-ml-dev-churn-model-quality"),  # v6's deployed model id leaves its versions
        ("update", "acme-ml-dev-churn-deployment"),
        ("delete", "acme-ml-dev-churn-v6"),
        ("update", "acme-ml-dev-churn"),
        ("update", "acme-ml-dev-retrain"),  # it reads the new version of its settings:
        ("update", "acme-ml-dev-retrain-settings"),  # an alert's run is the schedule's, it follows
    ]
    retired = {c["path"] for c in change["resources"][2]["changes"]}
    assert "versions.v6.training_table" in retired, "the retired version's monitor goes"
    assert {c["path"] for c in change["resources"][3]["changes"]} == {f"{VALUES}.versions"}
    schedule = {c["path"] for c in change["resources"][6]["changes"]}
    assert schedule == {f"{VALUES}.spec", f"{VALUES}.baseline_uri"}, "retraining judges against v7, on v7's data"
    assert all(c["path"].startswith("source") for c in change["resources"][8]["changes"]), "the settings object"
    [function] = [c["path"] for c in change["resources"][7]["changes"]]
    assert function.endswith("environmentVariables.RETRAIN_CONFIG_OBJECT"), function
