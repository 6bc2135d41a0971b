"""Every rollout command's refusals (exit 1) and bad input (exit 2): one line each, nothing written.

Each case's repository state is committed first (the rules compare with `HEAD`), so a clean
`git status` afterwards shows that the command wrote nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import commit_all, git
from tests.rollout.edits import Cli, add_card, edit, entry, snapshot

PROD = "stacks/prod/models/churn.yaml"
DEV = "stacks/dev/models/churn.yaml"
PIN = "@sha256:" + "e" * 64
UNPINNED = "us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1:v7"


def nothing(repo: Path) -> None:
    pass


def unpinned_in_dev(repo: Path) -> None:
    edit(repo, DEV, "@sha256:5a1f3c0e9d7b2a4f6e8c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a", ":v7")


def v8_declared_in_dev_at_zero(repo: Path) -> None:
    v8 = entry(repo, "v8").replace("vertex-ai/prediction/xgboost-cpu.2-1", "p/i")
    edit(
        repo,
        DEV,
        "traffic:\n",
        v8.replace("@sha256:5a1f3c0e9d7b2a4f6e8c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a", PIN) + "traffic:\n",
    )
    edit(repo, DEV, "  v7: 10\n", "  v7: 10\n  v8: 0\n")


def v7_declared_in_prod_at_zero(repo: Path) -> None:
    dev = (repo / DEV).read_text()
    v7 = dev[dev.index("  v7:\n") : dev.index("traffic:")]
    edit(repo, PROD, "traffic:\n", v7 + "traffic:\n")
    edit(repo, PROD, "  v6: 100\n", "  v6: 100\n  v7: 0\n")


def card_of_another_version(repo: Path) -> None:
    (repo / "model_cards/churn/v8.yaml").write_text((repo / "model_cards/churn/v7.yaml").read_text())


CANARY_50 = "promotion/canary-limit stacks/prod/models/churn.yaml [churn/v7]: v7 starts serving in prod at 50 %"
CANARY_100 = "promotion/canary-limit stacks/prod/models/churn.yaml [churn/v7]: v7 starts serving in prod at 100 %"


@pytest.mark.parametrize(
    ("prepare", "args", "code", "message"),
    [
        # promote
        (nothing, "promote churn v8 --to prod", 1, "churn v8 is not declared in dev at HEAD: promote it to dev and"),
        (
            v8_declared_in_dev_at_zero,
            "promote churn v8 --to prod",
            1,
            f"promotion/upstream-first {PROD} [churn/v8]: v8 starts serving in prod but dev declares it at 0 % at HEAD",
        ),
        (nothing, "promote churn v7 --to prod --canary 50", 1, CANARY_50 + ", above the canary limit of 10 %"),
        (
            unpinned_in_dev,
            "promote churn v7 --to prod",
            1,
            f"promotion/pinned-images {PROD} [churn/v7]: image {UNPINNED} is not pinned",
        ),
        (nothing, "promote churn v6 --to prod", 2, f"{PROD}: versions.v6: already declared; move traffic to it"),
        (nothing, "promote churn v9 --to dev", 2, "model_cards/churn/v9.yaml: no model card for"),
        (card_of_another_version, "promote churn v8 --to dev", 2, "card is for churn v7, not churn v8"),
        (nothing, "promote churn v7 --to prod --canary 100", 2, "--canary: 100 is not a"),
        (nothing, "promote churn v7 --to prod --canary 0", 2, "--canary: 0 is not a percentage"),
        (nothing, "promote churn V7 --to prod", 2, "VERSION: version 'V7' is not a model version"),
        (nothing, "promote churn v7 --to staging", 2, "stacks/staging: no such stack"),
        (nothing, "promote churn v7 --to prod --image x.io/y:z", 2, "prod takes versions as dev"),
        (
            nothing,
            "promote churn v8 --to dev --artifact-uri s3://x/",
            2,
            "versions.v8.artifactUri: got 's3://x/', expected a Cloud Storage URI",
        ),
        (nothing, "promote fraud v7 --to dev", 2, "model_cards/fraud/v7.yaml: no model card"),
        # ramp
        (nothing, "ramp churn v7 --in prod --to 50", 2, f"{PROD}: versions: v7 is not declared; declared: v6"),
        (nothing, "ramp churn v7 --in dev --to 100", 2, "--to: 100 is not a percentage from 1 to 99 (all traffic is"),
        (nothing, "ramp churn v7 --in dev --to 10", 2, f"{DEV}: traffic.v7: already 10 %"),
        (nothing, "ramp churn v6 --in prod --to 50", 2, "v6 is the only version serving; ramp another version up"),
        (v7_declared_in_prod_at_zero, "ramp churn v7 --in prod --to 50", 1, CANARY_50),
        (nothing, "ramp fraud v1 --in prod --to 50", 2, "stacks/prod/models/fraud.yaml: prod does not serve fraud"),
        # complete
        (nothing, "complete churn v9 --in dev", 2, "v9 is not declared; declared: v6, v7"),
        (nothing, "complete churn v6 --in prod", 2, "v6 is the only version"),
        (nothing, "complete fraud v1 --in prod", 2, "stacks/prod/models/fraud.yaml: prod does not serve fraud"),
        (v7_declared_in_prod_at_zero, "complete churn v7 --in prod", 1, CANARY_100),
        # rollback
        (nothing, "rollback churn --in prod", 1, f"nothing to roll back to: {PROD} has served this split in every"),
        (nothing, "rollback churn --in prod --to v6", 1, "nothing to roll back to: v6 already takes all traffic"),
        (nothing, "rollback churn --in prod --to v9", 2, f"--to: v9 was never declared in {PROD}"),
        (nothing, "rollback churn --in prod --to V9", 2, "VERSION: version 'V9' is not a model version"),
        (nothing, "rollback fraud --in prod", 2, "stacks/prod/models/fraud.yaml: prod does not serve fraud"),
    ],
)
def test_refused_or_bad_input_writes_nothing(
    repo: Path, cli: Cli, prepare: Callable[[Path], None], args: str, code: int, message: str
) -> None:
    add_card(repo, "v8")
    prepare(repo)
    commit_all(repo, "the state the command starts from")
    before = snapshot(repo)
    result, out, err = cli(repo, *args.split())
    assert (result, out) == (code, "")
    assert message in err and err.count("\n") == 1, err
    assert snapshot(repo) == before
    assert git(repo, "status", "--porcelain") == ""


def test_a_version_added_upstream_in_the_same_change_cannot_be_promoted_yet(repo: Path, cli: Cli) -> None:
    """Upstream means the upstream at the base: promote to dev, merge, then to prod."""
    add_card(repo, "v8")
    commit_all(repo, "v8's card")
    assert cli(repo, "promote", "churn", "v8", "--to", "dev", "--canary", "10")[0] == 0
    code, _, err = cli(repo, "promote", "churn", "v8", "--to", "prod")
    assert (code, err) == (1, "churn v8 is not declared in dev at HEAD: promote it to dev and merge that first\n")
    commit_all(repo, "Promote churn v8 to dev")
    assert cli(repo, "promote", "churn", "v8", "--to", "prod")[0] == 0


def test_a_rule_the_repository_waives_does_not_refuse(repo: Path, cli: Cli) -> None:
    """Waivers apply to the commands exactly as to `check`."""
    waiver = (
        "  - rule: promotion/canary-limit\n    resource: churn/v7\n    file: stacks/prod/*\n"
        "    reason: Agreed with the churn owners for the launch of the v7 retention campaign.\n"
    )
    waivers = repo / "policies/waivers.yaml"
    waivers.write_text(waivers.read_text() + waiver)
    commit_all(repo, "waive the canary limit for v7")
    assert cli(repo, "promote", "churn", "v7", "--to", "prod", "--canary", "50")[0] == 0
