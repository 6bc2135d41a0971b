"""`estaleiro promote` and `estaleiro complete`, run in a throwaway git copy of the repository."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO, commit_all
from tests.rollout.edits import Cli, add_card, edit, manifest, sha256, snapshot

PROD = "stacks/prod/models/churn.yaml"
DEV = "stacks/dev/models/churn.yaml"
V6_IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1@sha256:" + (
    "0c4e8a2f6b1d3e5a7c9f0b2d4e6a8c1f3b5d7e9a0c2e4f6b8d1a3c5e7f9b0d2c"
)
V7_IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.2-1@sha256:" + (
    "5a1f3c0e9d7b2a4f6e8c1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a"
)
V6_SHA, V7_SHA = (sha256(REPO, f"model_cards/churn/{v}.yaml") for v in ("v6", "v7"))

WHY = (
    "v7 starts at 10 % of traffic: the canary limit set by `estaleiro:promotion.canaryLimitPercent` in "
    "stacks/prod/Pulumi.prod.yaml."
)
PROMOTION_OUTPUT = f"""\
--- a/{PROD}
+++ b/{PROD}
@@ -19,8 +19,14 @@
     image: {V6_IMAGE}
     card: model_cards/churn/v6.yaml
     cardSha256: {V6_SHA}
+  v7:
+    artifactUri: gs://acme-ml-dev-models/churn/v7/
+    image: {V7_IMAGE}
+    card: model_cards/churn/v7.yaml
+    cardSha256: {V7_SHA}
 traffic:
-  v6: 100
+  v6: 90
+  v7: 10
 monitoring:
   # Every feature the model reads, with how Vertex AI Model Monitoring measures its drift:
   # numerical by Jensen-Shannon divergence, categorical by L-infinity distance.

{WHY}

Suggested pull request title:

Promote churn v7 to prod (10 % canary)

Suggested pull request body:

**Model** `churn` · **version** `v7` · **stack** `prod`

{WHY}

### Traffic

| version | before | after |
|---|---:|---:|
| v6 | 100 % | 90 % |
| v7 | - | 10 % |

### Uploaded: `v7`

- artifact: `gs://acme-ml-dev-models/churn/v7/`
- image: `{V7_IMAGE}`

### Evidence: `model_cards/churn/v7.yaml`

v7 (2026-11-02): Retrained on data to 2026-10-15 with plan-change events as features.

| metric | v7 | v6 (serving 100 %) | threshold |
|---|---:|---:|---|
| auc | 0.874 | 0.861 | >= 0.8 |
| log_loss | 0.371 | 0.392 | <= 0.45 |
| precision_at_10pct | 0.51 | 0.47 | - |
| recall | 0.74 | 0.71 | - |

### Rollback

`estaleiro rollback churn --in prod` moves all traffic back to the version that
served most before this change; `git revert` of this pull request's merge commit restores the
*before* column exactly. Either is a pull request like this one.
"""

COMMENTED_PROD = f"""\
# yaml-language-server: $schema=../../../estaleiro/schemas/model-manifest.schema.json
# Customer churn: what prod serves.
apiVersion: estaleiro/v1
displayName: Customer churn classifier
owners:
  - churn-ds@acme.example.com  # vouches for the cards
  - ml-oncall@acme.example.com
serving: {{machineType: n1-standard-4, minReplicas: 2, maxReplicas: 6}}
thresholds:
  auc: {{min: 0.80}}  # agreed with retention marketing
  log_loss: {{max: 0.45}}
canaryLimitPercent: 5  # stricter than the stack: churn offers cost money
versions:
  # v6: support-ticket sentiment
  v6:
    artifactUri: gs://acme-ml-dev-models/churn/v6/
    image: '{V6_IMAGE}'
    card: model_cards/churn/v6.yaml
    cardSha256: {V6_SHA}

# CI shifts the split only after new versions are deployed at 0 %
traffic:
  v6: 100  # incumbent
# Rollback: git revert the promotion commit.
"""


def test_promote_to_prod_prints_the_diff_and_the_pull_request(repo: Path, cli: Cli) -> None:
    code, out, err = cli(repo, "promote", "churn", "v7", "--to", "prod")
    assert (code, err) == (0, "")
    assert out == PROMOTION_OUTPUT
    assert manifest(repo, "prod")["versions"]["v7"] == manifest(repo, "dev")["versions"]["v7"]


def test_comments_quoting_and_key_order_survive_outside_the_changed_lines(repo: Path, cli: Cli) -> None:
    (repo / PROD).write_text(COMMENTED_PROD)
    commit_all(repo, "prod manifest with comments")
    assert cli(repo, "promote", "churn", "v7", "--to", "prod")[0] == 0  # enters at the manifest's limit, 5 %
    assert (repo / PROD).read_text() == COMMENTED_PROD.replace(
        f"    cardSha256: {V6_SHA}\n",
        f"    cardSha256: {V6_SHA}\n"
        "  v7:\n"
        "    artifactUri: gs://acme-ml-dev-models/churn/v7/\n"
        f"    image: {V7_IMAGE}\n"
        "    card: model_cards/churn/v7.yaml\n"
        f"    cardSha256: {V7_SHA}\n",
    ).replace("  v6: 100  # incumbent\n", "  v6: 95   # incumbent\n  v7: 5\n")


def test_only_the_one_manifest_changes(repo: Path, cli: Cli) -> None:
    before = snapshot(repo)
    assert cli(repo, "promote", "churn", "v7", "--to", "prod", "--canary", "5")[0] == 0
    after = snapshot(repo)
    assert {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)} == {PROD}
    assert manifest(repo, "prod")["traffic"] == {"v6": 95, "v7": 5}


def test_a_canary_exactly_at_the_limit_is_allowed(repo: Path, cli: Cli) -> None:
    assert cli(repo, "promote", "churn", "v7", "--to", "prod", "--canary", "10")[0] == 0
    assert manifest(repo, "prod")["traffic"] == {"v6": 90, "v7": 10}


def test_the_manifests_canary_limit_overrides_the_stacks(repo: Path, cli: Cli) -> None:
    edit(repo, PROD, "traffic:", "canaryLimitPercent: 3\ntraffic:")
    commit_all(repo, "a stricter limit for churn in prod")
    code, _, err = cli(repo, "promote", "churn", "v7", "--to", "prod", "--canary", "10")
    assert (code, err) == (
        1,
        f"promotion/canary-limit {PROD} [churn/v7]: v7 starts serving in prod at 10 %, above the canary limit of 3 % "
        f"(`canaryLimitPercent` in {PROD}): start at 3 % or less, then `estaleiro ramp`\n",
    )
    code, out, _ = cli(repo, "promote", "churn", "v7", "--to", "prod")
    assert code == 0 and manifest(repo, "prod")["traffic"] == {"v6": 97, "v7": 3}
    assert f"\nv7 starts at 3 % of traffic: the canary limit set by `canaryLimitPercent` in {PROD}.\n" in out


def test_promote_to_dev_adds_a_canary_with_default_artifact_and_image(repo: Path, cli: Cli) -> None:
    add_card(repo, "v8")
    code, out, _ = cli(repo, "promote", "churn", "v8", "--to", "dev", "--canary", "20")
    assert code == 0
    data = manifest(repo, "dev")
    assert data["traffic"] == {"v6": 72, "v7": 8, "v8": 20}
    assert data["versions"]["v8"] == {
        "artifactUri": "gs://acme-ml-dev-models/churn/v8/",
        "image": V7_IMAGE,
        "card": "model_cards/churn/v8.yaml",
        "cardSha256": sha256(repo, "model_cards/churn/v8.yaml"),
    }
    assert "Promote churn v8 to dev (20 % canary)" in out
    assert "| v6 | 90 % | 72 % |\n| v7 | 10 % | 8 % |\n| v8 | - | 20 % |" in out
    assert "| metric | v8 | v6 (serving 90 %) | v7 (serving 10 %) | threshold |" in out
    assert "\nv8 starts at 20 % of traffic, as asked (--canary); dev sets no canary limit.\n" in out


def test_the_default_image_is_the_newest_versions_not_the_last_listed(repo: Path, cli: Cli) -> None:
    text = (repo / DEV).read_text()
    v6 = text[text.index("  v6:\n") : text.index("  v7:\n")]
    v7 = text[text.index("  v7:\n") : text.index("traffic:")]
    (repo / DEV).write_text(text.replace(v6 + v7, v7 + v6))
    add_card(repo, "v8")
    assert cli(repo, "promote", "churn", "v8", "--to", "dev", "--canary", "20")[0] == 0
    assert manifest(repo, "dev")["versions"]["v8"]["image"] == V7_IMAGE


def test_promote_to_dev_without_canary_takes_all_traffic_from_given_artifact_and_image(repo: Path, cli: Cli) -> None:
    add_card(repo, "v8")
    image = "europe-docker.pkg.dev/acme/serving/churn:2026-11-20"
    uri = "gs://acme-ml-dev-models/churn/v8-retrain/"
    code, out, _ = cli(repo, "promote", "churn", "v8", "--to", "dev", "--image", image, "--artifact-uri", uri)
    assert code == 0
    data = manifest(repo, "dev")
    assert data["traffic"] == {"v8": 100} and list(data["versions"]) == ["v8"]
    card = "model_cards/churn/v8.yaml"
    assert data["versions"]["v8"] == {
        "artifactUri": uri,
        "image": image,
        "card": card,
        "cardSha256": sha256(repo, card),
    }
    assert "\nv8 takes all traffic: dev sets no canary limit for churn.\n" in out


def test_a_dev_manifest_limit_sets_the_default_canary(repo: Path, cli: Cli) -> None:
    edit(repo, DEV, "traffic:", "canaryLimitPercent: 20\ntraffic:")
    add_card(repo, "v8")
    assert cli(repo, "promote", "churn", "v8", "--to", "dev")[0] == 0
    assert manifest(repo, "dev")["traffic"] == {"v6": 72, "v7": 8, "v8": 20}


def test_first_promotion_of_a_model_into_prod_starts_from_the_dev_manifest(repo: Path, cli: Cli) -> None:
    (repo / PROD).unlink()
    commit_all(repo, "prod serves no churn")
    code, out, _ = cli(repo, "promote", "churn", "v7", "--to", "prod")
    assert code == 0
    text = (repo / PROD).read_text()
    assert text.startswith(
        "# yaml-language-server: $schema=../../../estaleiro/schemas/model-manifest.schema.json\n"
        "# Promoted from dev by `estaleiro promote`; review serving and owners for prod.\n"
        "apiVersion: estaleiro/v1\n"
    )
    data = manifest(repo, "prod")
    assert data["traffic"] == {"v7": 100} and list(data["versions"]) == ["v7"]
    assert data["owners"] == manifest(repo, "dev")["owners"]
    assert out.startswith(f"--- /dev/null\n+++ b/{PROD}\n")
    assert "Promote churn v7 to prod (all traffic)" in out and "(serving" not in out
    assert "\nv7 takes all traffic: churn is new to prod, so there is nothing to run a canary beside.\n" in out


def test_complete_moves_the_canary_to_all_traffic_and_retires_the_rest(repo: Path, cli: Cli) -> None:
    before = (repo / DEV).read_text()
    code, out, _ = cli(repo, "complete", "churn", "v7", "--in", "dev")
    assert code == 0
    v6 = before[before.index("  v6:\n") : before.index("  v7:\n")]
    assert (repo / DEV).read_text() == before.replace(v6, "").replace("  v6: 90\n  v7: 10\n", "  v7: 100\n")
    assert "Complete churn v7 in dev (all traffic)" in out
    assert "| v6 | 90 % | - |\n| v7 | 10 % | 100 % |" in out
    assert "\nLast step of the rollout: v7 takes all traffic in dev; retired: v6.\n" in out


def test_a_model_new_to_dev_needs_its_first_manifest_by_hand(repo: Path, cli: Cli) -> None:
    (repo / "model_cards/fraud").mkdir()
    text = (repo / "model_cards/churn/v7.yaml").read_text().replace("name: churn", "name: fraud")
    (repo / "model_cards/fraud/v1.yaml").write_text(text.replace("name: v7", "name: v1"))
    code, _, err = cli(repo, "promote", "fraud", "v1", "--to", "dev")
    assert (code, err) == (
        2,
        "stacks/dev/models/fraud.yaml: no such manifest: write the model's first one, then promote\n",
    )


def test_a_canary_needs_something_to_run_beside(repo: Path, cli: Cli) -> None:
    (repo / PROD).unlink()
    code, _, err = cli(repo, "promote", "churn", "v7", "--to", "prod", "--canary", "10")
    assert (code, err) == (2, "--canary: churn is new to prod: there is nothing to run a canary beside\n")
    assert not (repo / PROD).exists()


def test_bad_model_name(repo: Path, cli: Cli) -> None:
    code, _, err = cli(repo, "promote", "Churn_", "v7", "--to", "prod")
    assert (code, err) == (
        2,
        "MODEL: model name 'Churn_' is not a DNS label: lowercase letters, digits and "
        "hyphens, starting with a letter, at most 63\n",
    )
