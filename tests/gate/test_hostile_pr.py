"""Pull requests written to get past the gate: each built on a branch of a temporary repository, each refused.

The gate of `check --base main` is main's: its code, rules and waivers. The head is data. A
change to what decides a merge (governance) is refused when it comes with a serving change.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from estaleiro.errors import InvalidInput
from estaleiro.findings import Finding
from estaleiro.gate.run import base_tree, judge
from tests.conftest import REPO, commit_all, git
from tests.gate.test_run import PROD, prod_serves
from tests.rollout.edits import Cli, add_card, edit, edit_card, entry

DEV = "stacks/dev/models/churn.yaml"
MIXED = "governance/mixed-change"
CANARY = ("promotion/canary-limit", "churn/v7")


@pytest.fixture
def pr(repo: Path) -> Path:
    """`repo` with its CODEOWNERS on main, and a branch `pr` checked out for the hostile change."""
    (repo / ".github").mkdir()
    shutil.copy2(REPO / ".github/CODEOWNERS", repo / ".github/CODEOWNERS")
    commit_all(repo, "code owners")
    git(repo, "checkout", "-q", "-b", "pr")
    return repo


def hostile(marker: Path) -> str:
    """Python that leaves `marker` behind if it ever runs."""
    return f"\nimport pathlib as _p\n_p.Path({str(marker)!r}).write_text('ran')\n"


def check(repo: Path, cli: Cli, *stacks: str) -> tuple[int, list[Finding]]:
    """`estaleiro check STACK... --base main` as CI runs it: its exit code and its findings that fail."""
    code, out, err = cli(repo, "check", *stacks, "--base", "main", "--format", "json")
    assert code in (0, 1), err
    findings = json.loads(out)["findings"]
    failing = [f for f in findings if not f["waived"] and f["severity"] == "error"]
    return code, [Finding(**{k: f[k] for k in ("file", "rule", "message", "source", "resource")}) for f in failing]


def rules(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.resource) for f in findings}


def mixed(findings: list[Finding]) -> str:
    [finding] = [f for f in findings if f.rule == MIXED]
    return finding.message


# the pull request's own code never runs in the gate


@pytest.mark.parametrize(
    ("path", "hostile_code", "governance"),
    [
        ("policies/promotion/__init__.py", "RULES = ()\n", True),
        ("estaleiro/gate/traffic.py", "def entering(before, after):\n    return {}\n", True),
        ("sitecustomize.py", "import policies.promotion as _rules\n_rules.RULES = ()\n", False),
        ("policies/checkov/RequiredLabels.py", "", True),  # checkov imports its custom checks
    ],
    ids=["rules-emptied", "gate-code-edited", "sitecustomize", "checkov-check-edited"],
)
def test_code_of_the_pull_request_is_never_run_by_the_gate(
    pr: Path, cli: Cli, tmp_path: Path, path: str, hostile_code: str, governance: bool
) -> None:
    """Refused by main's rules; a change to the gate's own code is also a governance change beside serving."""
    marker = tmp_path / "hostile-code-ran"
    target = pr / path
    target.write_text((target.read_text() if target.exists() else "") + hostile(marker) + hostile_code)
    prod_serves(pr, "  v7: 100\n")
    commit_all(pr, "v7 at 100 % in prod, and the rules that would let it")
    code, findings = check(pr, cli, "prod")
    assert code == 1
    assert CANARY in rules(findings)
    if governance:
        assert path in mixed(findings) and f"traffic in {PROD}" in mixed(findings)
    assert not marker.exists()


def test_the_gate_imports_the_base_tree_and_nothing_of_the_head(
    pr: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The base's own rule reports where `estaleiro` and `policies` came from; PYTHONPATH names the head."""
    git(pr, "checkout", "-q", "main")
    init = pr / "policies/promotion/__init__.py"
    init.write_text(
        init.read_text()
        + "\nimport estaleiro as _e, policies as _p\nfrom policies.promotion.finding import violation\n\n\n"
        "def origin(base, head):\n"
        "    return [violation('origin', 'x', 'churn', 'v6', f'{_e.__file__} {_p.__file__}')]\n\n\n"
        "RULES = (origin,)\n"
    )
    commit_all(pr, "main reports where its gate was imported from")
    git(pr, "checkout", "-q", "pr")
    git(pr, "merge", "-q", "main")
    monkeypatch.setenv("PYTHONPATH", str(pr))
    with base_tree(pr, "main") as tree:
        [finding] = [f for f in judge(pr, ["prod"], tree) if f.rule == "promotion/origin"]
        assert tree.path is not None
        estaleiro, policies = (Path(p) for p in finding.message.split())
        assert estaleiro == tree.path / "estaleiro/__init__.py"
        assert policies == tree.path / "policies/__init__.py"
        assert not estaleiro.is_relative_to(pr)


def test_a_base_without_its_own_gate_is_refused_not_replaced_by_the_head(pr: Path) -> None:
    git(pr, "checkout", "-q", "main")
    git(pr, "rm", "-r", "-q", "estaleiro")
    commit_all(pr, "main without its gate")
    git(pr, "checkout", "-q", "-b", "pr2")
    (pr / "estaleiro").mkdir()
    with (
        base_tree(pr, "main") as tree,
        pytest.raises(
            InvalidInput, match=re.escape("main has no estaleiro/gate/worker.py: the gate runs the base's code")
        ),
    ):
        judge(pr, ["prod"], tree)


def test_a_change_behind_its_target_is_refused_until_brought_up_to_date(pr: Path, cli: Cli) -> None:
    """Dev rolled v7 back on main after the branch left: the stale merge base would let prod take it."""
    prod_serves(pr, "  v6: 90\n  v7: 10\n")
    commit_all(pr, "v7 canary in prod, while dev serves it")
    git(pr, "checkout", "-q", "main")
    edit(pr, DEV, "  v6: 90\n  v7: 10\n", "  v6: 100\n  v7: 0\n")
    commit_all(pr, "dev rolls v7 back")
    git(pr, "checkout", "-q", "pr")
    code, out, err = cli(pr, "check", "prod", "--base", "main", "--format", "json")
    assert (code, out) == (2, "")
    assert err == (
        "--base: HEAD is 1 commit(s) behind main: merge or rebase onto it first; a change is judged against the "
        "tip it merges into, not a stale merge base\n"
    )
    git(pr, "merge", "-q", "--no-edit", "main")
    code, findings = check(pr, cli, "prod")
    assert code == 1
    assert ("promotion/upstream-first", "churn/v7") in rules(findings)


# the pull request's waivers, thresholds and governance never judge it


def test_a_waiver_written_by_the_pull_request_that_needs_it_is_not_applied(pr: Path, cli: Cli) -> None:
    waivers = pr / "policies/waivers.yaml"
    waivers.write_text(
        waivers.read_text()
        + "  - rule: promotion/canary-limit\n    resource: churn/*\n"
        + "    reason: the new version is much better, it can take all traffic at once\n"
        + "  - rule: governance/mixed-change\n    reason: this pull request says it is fine to mix them\n"
    )
    prod_serves(pr, "  v7: 100\n")
    commit_all(pr, "v7 at 100 % in prod, waived by the same pull request")
    code, findings = check(pr, cli, "prod")
    assert code == 1
    assert CANARY in rules(findings)
    assert "policies/waivers.yaml" in mixed(findings)


def test_a_threshold_lowered_for_the_version_that_misses_it(pr: Path, cli: Cli) -> None:
    add_card(pr, "v8")
    edit_card(
        pr,
        "model_cards/churn/v8.yaml",
        "value: 0.874, confidence_interval: {lower_bound: 0.869, upper_bound: 0.879}",
        "value: 0.75",
    )
    edit(pr, DEV, "auc: {min: 0.80}", "auc: {min: 0.70}")
    edit(pr, DEV, "traffic:\n", entry(pr, "v8") + "traffic:\n")
    edit(pr, DEV, "  v6: 90\n  v7: 10\n", "  v6: 80\n  v7: 10\n  v8: 10\n")
    commit_all(pr, "v8 in dev, with the auc threshold it meets")
    code, findings = check(pr, cli, "dev")
    assert code == 1
    assert f"thresholds in {DEV}" in mixed(findings) and f"traffic in {DEV}" in mixed(findings)


def test_a_bucket_allowed_by_the_pull_request_that_serves_from_it(pr: Path, cli: Cli) -> None:
    edit(
        pr,
        "stacks/prod/Pulumi.prod.yaml",
        "    - gs://acme-ml-dev-models\n",
        "    - gs://acme-ml-dev-models\n    - gs://elsewhere\n",
    )
    prod_serves(pr, "  v6: 90\n  v7: 10\n")
    edit(pr, PROD, "gs://acme-ml-dev-models/churn/v7/", "gs://elsewhere/churn/v7/")
    commit_all(pr, "v7 from another bucket, allowed here")
    code, findings = check(pr, cli, "prod")
    assert code == 1
    assert "estaleiro:allowedArtifactBuckets in stacks/prod/Pulumi.prod.yaml" in mixed(findings)


def test_the_upstream_deleted_by_the_pull_request_that_skips_it(pr: Path, cli: Cli) -> None:
    add_card(pr, "v8")
    edit(pr, "stacks/prod/Pulumi.prod.yaml", "    from: dev\n", "")
    edit(pr, PROD, "traffic:\n  v6: 100\n", entry(pr, "v8") + "traffic:\n  v6: 90\n  v8: 10\n")
    commit_all(pr, "v8 straight to prod, with no upstream to serve it first")
    code, findings = check(pr, cli, "prod")
    assert code == 1
    assert "estaleiro:promotion in stacks/prod/Pulumi.prod.yaml" in mixed(findings)
    assert f"versions in {PROD}" in mixed(findings)


def test_the_project_moved_by_the_pull_request_that_serves_there(pr: Path, cli: Cli) -> None:
    """A stack's `gcp:project` is where it deploys: moved beside a promotion, the promotion lands elsewhere."""
    edit(pr, "stacks/prod/Pulumi.prod.yaml", "gcp:project: acme-ml-prod", "gcp:project: acme-ml-other")
    prod_serves(pr, "  v6: 90\n  v7: 10\n")
    commit_all(pr, "v7 canary in prod, in another project")
    code, findings = check(pr, cli, "prod")
    assert code == 1
    assert "gcp:project in stacks/prod/Pulumi.prod.yaml" in mixed(findings)


# governance on its own passes, naming who must review it


def test_a_governance_only_change_passes_with_a_notice_naming_its_reviewers(pr: Path, cli: Cli) -> None:
    edit(pr, "stacks/prod/Pulumi.prod.yaml", "canaryLimitPercent: 10", "canaryLimitPercent: 20")
    commit_all(pr, "prod canaries may start at 20 %")
    code, out, _ = cli(pr, "check", "prod", "--base", "main", "--format", "json")
    assert code == 0
    [notice] = [f for f in json.loads(out)["findings"] if f["rule"] == "governance/review"]
    assert notice["severity"] == "notice"
    assert notice["message"] == (
        "governance change (estaleiro:promotion in stacks/prod/Pulumi.prod.yaml): needs the review of "
        "@acme/ml-platform (.github/CODEOWNERS at main), with code-owner review required on the branch"
    )


def test_a_project_change_alone_is_a_governance_notice(pr: Path, cli: Cli) -> None:
    edit(pr, "stacks/prod/Pulumi.prod.yaml", "gcp:project: acme-ml-prod", "gcp:project: acme-ml-other")
    commit_all(pr, "prod moves to another project")
    code, out, _ = cli(pr, "check", "prod", "--base", "main", "--format", "json")
    assert code == 0
    [notice] = [f for f in json.loads(out)["findings"] if f["rule"] == "governance/review"]
    assert notice["message"].startswith("governance change (gcp:project in stacks/prod/Pulumi.prod.yaml): ")


def test_a_serving_change_alone_has_no_governance_finding(pr: Path) -> None:
    prod_serves(pr, "  v6: 90\n  v7: 10\n")
    commit_all(pr, "v7 canary in prod")
    with base_tree(pr, "main") as tree:
        assert judge(pr, ["dev", "prod"], tree) == []
