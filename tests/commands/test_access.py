from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git


def test_access_of_dev_is_a_table_of_who_may_do_what_and_passes(repo: Path, cli) -> None:
    code, md, err = cli(repo, "access", "dev")
    assert (code, err) == (0, "")
    assert md.startswith("### Who may do what in `dev`\n")
    assert (
        "| `retrainer` | `projects/acme-ml-dev/roles/estaleiro_retrainer_dev` | project acme-ml-dev | 2 of 2 "
        "| `acme-ml-dev-retrainer-pipeline-jobs` (`components/retraining.py`) |"
    ) in md
    assert "#### Missing: needed, granted by nothing" in md and "#### Excess: held, needed by nothing" in md


def test_access_json_names_each_grant_and_its_resource(repo: Path, cli, tmp_path: Path) -> None:
    out = tmp_path / "access.json"
    assert cli(repo, "access", "prod", "--format", "json", "--out", str(out)) == (0, "", "")
    document = json.loads(out.read_text())
    assert document["stack"] == "prod"
    token = [
        g for g in document["grants"] if g["grantedBy"]["name"] == "acme-ml-prod-github-token-pr-builder-secretAccessor"
    ]
    assert token[0]["identity"] == "pr-builder" and token[0]["role"] == "roles/secretmanager.secretAccessor"
    assert token[0]["grantedBy"]["file"] == "components/secrets.py"
    assert token[0]["meets"] == [
        {"on": "secret github-token (acme-ml-prod)", "permission": "secretmanager.versions.access"}
    ]
    assert all(f["waived"] for f in document["findings"])


def test_an_unwaived_excess_grant_is_exit_1_naming_identity_role_and_file(repo: Path, cli) -> None:
    waivers = repo / "policies/waivers.yaml"
    waivers.write_text(waivers.read_text().split("  # access: ")[0])
    code, md, _ = cli(repo, "access", "dev")
    assert code == 1
    assert (
        "| model-serving roles/logging.logWriter on project acme-ml-dev | `components/service_accounts.py` | "
        "model-serving holds roles/logging.logWriter on project acme-ml-dev, and nothing it does needs any of its "
        "2 permissions there: remove the grant, or add the need to estaleiro/access/needs.py | no |"
    ) in md


def test_an_unknown_stack_is_exit_2_in_one_line(repo: Path, cli) -> None:
    assert cli(repo, "access", "qa") == (2, "", "stacks/qa: no such stack; existing stacks: dev, prod\n")
    assert cli(repo, "access", "dev", "--format", "text")[0] == 2
    assert git(repo, "status", "--porcelain") == ""


def test_a_hand_edited_waiver_without_reason_is_exit_2_naming_file_and_key(repo: Path, cli) -> None:
    waivers = repo / "policies/waivers.yaml"
    waivers.write_text(waivers.read_text() + "  - rule: access/excess\n    resource: '*'\n")
    code, out, err = cli(repo, "access", "dev")
    assert (code, out) == (2, "")
    assert err.startswith("policies/waivers.yaml:") and "reason" in err and len(err.splitlines()) == 1
