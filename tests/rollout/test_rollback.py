"""`estaleiro rollback`: the on-call's one-command pull request, and the whole rollout round trip."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import commit_all, git
from tests.rollout.edits import Cli, add_card, manifest
from tests.rollout.test_promote import V7_SHA

PROD = "stacks/prod/models/churn.yaml"
DEV = "stacks/dev/models/churn.yaml"

ROLLBACK_OUTPUT = f"""\
--- a/{PROD}
+++ b/{PROD}
@@ -25,8 +25,7 @@
     card: model_cards/churn/v7.yaml
     cardSha256: {V7_SHA}
 traffic:
-  v6: 75
-  v7: 25
+  v6: 100
 monitoring:
   # Every feature the model reads, with how Vertex AI Model Monitoring measures its drift:
   # numerical by Jensen-Shannon divergence, categorical by L-infinity distance.

**Why:** _fill in before opening: the alert or incident, what was seen, and a link to it._

Suggested pull request title:

Roll back churn in prod to v6 (all traffic)

Suggested pull request body:

**Model** `churn` · **version** `v6` · **stack** `prod`

**Why:** _fill in before opening: the alert or incident, what was seen, and a link to it._

### Traffic

| version | before | after |
|---|---:|---:|
| v6 | 75 % | 100 % |
| v7 | 25 % | 0 % |

### Evidence: `model_cards/churn/v6.yaml`

v6 (2026-08-14): Adds support-ticket sentiment features; retrained on data to 2026-07-31.

| metric | v6 | v7 (serving 25 %) | threshold |
|---|---:|---:|---|
| auc | 0.861 | 0.874 | >= 0.8 |
| log_loss | 0.392 | 0.371 | <= 0.45 |
| precision_at_10pct | 0.47 | 0.51 | - |
| recall | 0.71 | 0.74 | - |

### Rollback

`estaleiro rollback churn --in prod` moves all traffic back to the version that
served most before this change; `git revert` of this pull request's merge commit restores the
*before* column exactly. Either is a pull request like this one.
"""


def step(cli: Cli, repo: Path, *args: str) -> str:
    """Run one rollout command, expect success, and commit its change as the merged pull request would."""
    code, out, err = cli(repo, *args)
    assert (code, err) == (0, ""), err
    commit_all(repo, " ".join(args))
    return out


def test_rollback_of_a_canary_moves_all_traffic_back_and_keeps_the_canary_declared(repo: Path, cli: Cli) -> None:
    step(cli, repo, "promote", "churn", "v7", "--to", "prod")
    step(cli, repo, "ramp", "churn", "v7", "--in", "prod", "--to", "25")
    code, out, err = cli(repo, "rollback", "churn", "--in", "prod")
    assert (code, err) == (0, "")
    assert out == ROLLBACK_OUTPUT  # v6 served most (75 %) before the latest change of the split
    data = manifest(repo, "prod")
    assert data["traffic"] == {"v6": 100} and list(data["versions"]) == ["v6", "v7"]


def test_rollback_to_a_named_version(repo: Path, cli: Cli) -> None:
    code, out, _ = cli(repo, "rollback", "churn", "--in", "dev", "--to", "v7")
    assert code == 0 and "Roll back churn in dev to v7 (all traffic)" in out
    assert manifest(repo, "dev")["traffic"] == {"v7": 100}


def test_round_trip_promote_ramp_complete_rollback(repo: Path, cli: Cli) -> None:
    """dev has no canary limit, so a retired version may come back at once; its spec comes from history."""
    add_card(repo, "v8")
    commit_all(repo, "v8's card")
    step(cli, repo, "promote", "churn", "v8", "--to", "dev", "--canary", "10")
    assert manifest(repo, "dev")["traffic"] == {"v6": 81, "v7": 9, "v8": 10}
    step(cli, repo, "ramp", "churn", "v8", "--in", "dev", "--to", "40")
    assert manifest(repo, "dev")["traffic"] == {"v6": 54, "v7": 6, "v8": 40}
    step(cli, repo, "complete", "churn", "v8", "--in", "dev")
    assert list(manifest(repo, "dev")["versions"]) == ["v8"]
    out = step(cli, repo, "rollback", "churn", "--in", "dev")
    data = manifest(repo, "dev")
    assert data["traffic"] == {"v6": 100} and list(data["versions"]) == ["v8", "v6"]
    assert data["versions"]["v6"] == git_show_v6(repo)
    assert "| v6 | - | 100 % |\n| v8 | 100 % | 0 % |" in out and "### Uploaded: `v6`" in out
    out = step(cli, repo, "rollback", "churn", "--in", "dev")  # the latest change was the rollback: undo it
    assert "Roll back churn in dev to v8 (all traffic)" in out
    assert manifest(repo, "dev")["traffic"] == {"v8": 100}


def git_show_v6(repo: Path) -> dict[str, str]:
    first = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    return dict(yaml.safe_load(git(repo, "show", f"{first}:{DEV}"))["versions"]["v6"])


def test_after_complete_in_prod_the_retired_version_enters_like_a_promotion(repo: Path, cli: Cli) -> None:
    """A version that no longer serves is an entry, whoever proposes it: the canary limit applies."""
    step(cli, repo, "promote", "churn", "v7", "--to", "prod")
    step(cli, repo, "complete", "churn", "v7", "--in", "prod")
    code, out, err = cli(repo, "rollback", "churn", "--in", "prod")
    assert (code, out) == (1, "")
    assert err == (
        f"promotion/canary-limit {PROD} [churn/v6]: v6 starts serving in prod at 100 %, above the canary limit of "
        "10 % (`estaleiro:promotion.canaryLimitPercent` in stacks/prod/Pulumi.prod.yaml): start at 10 % or less, "
        "then `estaleiro ramp`\n"
        "v6 does not serve in prod now, so moving traffic to it is an entry, judged as a promotion is: roll "
        "forward, or bring it back with `estaleiro promote churn v6 --to prod`\n"
    )
    assert git(repo, "status", "--porcelain") == ""
    step(cli, repo, "promote", "churn", "v6", "--to", "prod")  # the way back: a canary again
    assert manifest(repo, "prod")["traffic"] == {"v7": 90, "v6": 10}
