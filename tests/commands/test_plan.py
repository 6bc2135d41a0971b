from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import commit_all, git


def test_plan_json_is_byte_identical_across_runs(repo: Path, cli) -> None:
    first, second = cli(repo, "plan", "dev", "--format", "json"), cli(repo, "plan", "dev", "--format", "json")
    assert first[0] == 0 and first[1] == second[1]
    plan = json.loads(first[1])
    assert plan["stack"] == "dev"
    urns = [r["urn"] for r in plan["resources"]]
    assert urns == sorted(urns)
    for resource in plan["resources"]:
        assert set(resource) == {"urn", "type", "name", "custom", "parent", "dependencies", "inputs", "protect"}


def test_plan_formats_and_out_file(repo: Path, cli, tmp_path: Path) -> None:
    code, text, _ = cli(repo, "plan", "dev")
    assert code == 0 and text.startswith("Plan for stack dev: ")
    code, md, _ = cli(repo, "plan", "dev", "--format", "md")
    assert code == 0 and md.startswith("### Estaleiro plan for `dev`")
    out = tmp_path / "plan.json"
    code, printed, _ = cli(repo, "plan", "dev", "--format", "json", "--out", str(out))
    assert code == 0 and printed == ""
    assert json.loads(out.read_text())["stack"] == "dev"


def test_plan_of_a_stack_with_bad_config_is_exit_2_with_file_and_key(repo: Path, cli) -> None:
    config = repo / "stacks/dev/Pulumi.dev.yaml"
    config.write_text(config.read_text().replace("gcp:region: us-central1", "gcp:region: Moon"))
    code, out, err = cli(repo, "plan", "dev")
    assert (code, out) == (2, "")
    assert err == (
        "stacks/dev/Pulumi.dev.yaml:6: config.gcp:region: got 'Moon', expected a GCP region such as "
        "us-central1 or europe-west4\n"
    )


@pytest.mark.parametrize("base", [(), ("--base", "HEAD")])
def test_a_stack_that_does_not_exist_or_cannot_is_exit_2(repo: Path, cli, base: tuple[str, ...]) -> None:
    assert cli(repo, "plan", "qa", *base) == (2, "", "stacks/qa: no such stack; existing stacks: dev, prod\n")
    expected = "stacks/../dev: stack name '../dev' is not a stack name: 2-12 lowercase letters, digits or hyphens, "
    assert cli(repo, "plan", "../dev", *base) == (2, "", expected + "starting with a letter\n")
    assert git(repo, "status", "--porcelain") == ""


def test_out_into_a_missing_folder_writes_nothing(repo: Path, cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert cli(repo, "plan", "dev", "--out", str(missing / "plan.txt")) == (
        2,
        "",
        f"{missing}/plan.txt: folder {missing} does not exist\n",
    )
    assert not missing.exists()


@pytest.mark.parametrize("command", ["plan", "check"])
def test_out_to_an_unwritable_place_is_refused_before_any_work(repo: Path, cli, tmp_path: Path, command: str) -> None:
    """/sys takes no new files, even from root (where a read-only folder would not stop the test)."""
    args = [command, "dev"]
    assert cli(repo, *args, "--out", "/sys/report.txt") == (
        2,
        "",
        "/sys/report.txt: cannot write in /sys: Permission denied\n",
    )
    assert cli(repo, *args, "--out", str(tmp_path)) == (2, "", f"{tmp_path}: is a folder; give a file name\n")
    assert git(repo, "status", "--porcelain") == ""


def test_out_files_get_the_umask_or_keep_their_mode(repo: Path, cli, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "plan.md"
    previous = os.umask(0o027)
    try:
        assert cli(repo, "plan", "dev", "--format", "md", "--out", str(out))[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        out.chmod(0o604)
        assert cli(repo, "plan", "dev", "--format", "md", "--out", str(out))[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o604
    finally:
        os.umask(previous)
    assert [p.name for p in out.parent.iterdir()] == ["plan.md"]


def test_base_diff_shows_update_create_and_delete(repo: Path, cli) -> None:
    config = repo / "stacks/dev/Pulumi.dev.yaml"
    config.write_text(config.read_text().replace("cost-center: cc-4711", "cost-center: cc-9000"))
    commit_all(repo, "move dev to another cost centre")
    code, out, _ = cli(repo, "plan", "dev", "--base", "HEAD~1", "--format", "json")
    assert code == 0
    diff = json.loads(out)
    assert diff["summary"]["create"] == 0 and diff["summary"]["delete"] == 0
    assert diff["summary"]["update"] > 5
    for resource in diff["resources"]:
        if resource["name"] == "acme-ml-dev-retrain-settings":  # the schedules' runs, labels included
            settings = resource["changes"].pop()
            assert settings["path"].startswith("source"), settings["path"]
            assert settings["old"].replace("cc-4711", "cc-9000") == settings["new"]
        if resource["name"] == "acme-ml-dev-retrain":  # it reads the settings' new version
            variable = resource["changes"].pop()
            assert variable["path"].endswith("environmentVariables.RETRAIN_CONFIG_OBJECT"), variable["path"]
        assert resource["changes"] == [
            {"path": path, "old": "cc-4711", "new": "cc-9000"} for path in [c["path"] for c in resource["changes"]]
        ], resource["name"]
        assert all(c["path"].lower().endswith("labels.cost-center") for c in resource["changes"]), resource["name"]


def test_base_without_the_stack_is_all_create(repo: Path, cli) -> None:
    assert cli(repo, "env", "clone", "dev", "fraud", "--project", "acme-fraud-ml")[0] == 0
    commit_all(repo, "add fraud")
    code, out, _ = cli(repo, "plan", "fraud", "--base", "HEAD~1", "--format", "json")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert summary["update"] == summary["delete"] == summary["unchanged"] == 0 and summary["create"] > 20


def test_base_never_touches_the_checkout(repo: Path, cli) -> None:
    (repo / "scratch.txt").write_text("uncommitted")
    status = git(repo, "status", "--porcelain")
    code, out, _ = cli(repo, "plan", "dev", "--base", "HEAD", "--format", "md")
    assert code == 0 and "0 to create, 0 to update, 0 to delete" in out
    assert git(repo, "status", "--porcelain") == status
    assert not (repo / ".git" / "worktrees").exists()


def test_unknown_base_ref_is_bad_input(repo: Path, cli) -> None:
    code, out, err = cli(repo, "plan", "dev", "--base", "no-such-branch")
    assert (code, out) == (2, "")
    assert err == "--base: 'no-such-branch' is not a commit, branch or tag of this repository\n"


def test_a_resource_added_anywhere_in_the_program_shows_in_the_plan(repo: Path, cli) -> None:
    main = repo / "__main__.py"
    main.write_text(
        main.read_text()
        + "\nimport pulumi_gcp.storage as _storage\n_storage.Bucket('extra', name='acme-ml-dev-extra', location='US')\n"
    )
    code, out, _ = cli(repo, "plan", "dev", "--format", "json")
    assert code == 0
    assert "acme-ml-dev-extra" in [r["inputs"].get("name") for r in json.loads(out)["resources"]]
