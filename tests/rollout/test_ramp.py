"""`estaleiro ramp`: the next step of a progressive rollout, its own pull request."""

from __future__ import annotations

from pathlib import Path

from tests.rollout.edits import Cli, manifest
from tests.rollout.test_promote import V7_SHA

DEV = "stacks/dev/models/churn.yaml"

RAMP_OUTPUT = f"""\
--- a/{DEV}
+++ b/{DEV}
@@ -25,8 +25,8 @@
     card: model_cards/churn/v7.yaml
     cardSha256: {V7_SHA}
 traffic:
-  v6: 90
-  v7: 10
+  v6: 75
+  v7: 25
 monitoring:
   # Every feature the model reads, with how Vertex AI Model Monitoring measures its drift:
   # numerical by Jensen-Shannon divergence, categorical by L-infinity distance.

Next step of the rollout: v7 goes from 10 % to 25 % of traffic in dev.

Suggested pull request title:

Ramp churn v7 in dev (25 % canary)

Suggested pull request body:

**Model** `churn` · **version** `v7` · **stack** `dev`

Next step of the rollout: v7 goes from 10 % to 25 % of traffic in dev.

### Traffic

| version | before | after |
|---|---:|---:|
| v6 | 90 % | 75 % |
| v7 | 10 % | 25 % |

### Evidence: `model_cards/churn/v7.yaml`

v7 (2026-11-02): Retrained on data to 2026-10-15 with plan-change events as features.

| metric | v7 | v6 (serving 90 %) | threshold |
|---|---:|---:|---|
| auc | 0.874 | 0.861 | >= 0.8 |
| log_loss | 0.371 | 0.392 | <= 0.45 |
| precision_at_10pct | 0.51 | 0.47 | - |
| recall | 0.74 | 0.71 | - |

### Rollback

`estaleiro rollback churn --in dev` moves all traffic back to the version that
served most before this change; `git revert` of this pull request's merge commit restores the
*before* column exactly. Either is a pull request like this one.
"""


def test_ramp_prints_the_diff_and_the_pull_request(repo: Path, cli: Cli) -> None:
    code, out, err = cli(repo, "ramp", "churn", "v7", "--in", "dev", "--to", "25")
    assert (code, err) == (0, "")
    assert out == RAMP_OUTPUT
    assert manifest(repo, "dev")["traffic"] == {"v6": 75, "v7": 25}


def test_ramping_down_gives_the_others_back_their_share(repo: Path, cli: Cli) -> None:
    assert cli(repo, "ramp", "churn", "v7", "--in", "dev", "--to", "5")[0] == 0
    assert manifest(repo, "dev")["traffic"] == {"v6": 95, "v7": 5}
