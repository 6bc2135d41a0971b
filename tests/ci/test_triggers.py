"""CiTriggers under Pulumi's mock engine, and the Cloud Build configs its triggers run."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.ci_triggers import PULUMI_VERSION
from estaleiro.plan.model import Plan, PlannedResource
from estaleiro.plan.run import plan_trees

REPO = Path(__file__).resolve().parents[2]
TRIGGER = "gcp:cloudbuild/trigger:Trigger"
STACKS = ("dev", "prod")
# Cloud Build's own substitutions: for every triggered build, and for GitHub pull requests.
BUILT_IN = {
    "PROJECT_ID", "BUILD_ID", "PROJECT_NUMBER", "LOCATION", "TRIGGER_NAME", "COMMIT_SHA", "REVISION_ID",
    "SHORT_SHA", "REPO_NAME", "REPO_FULL_NAME", "BRANCH_NAME", "TAG_NAME", "REF_NAME",
    "TRIGGER_BUILD_CONFIG_PATH", "SERVICE_ACCOUNT_EMAIL", "SERVICE_ACCOUNT",
}  # fmt: skip
PULL_REQUEST = {"_HEAD_BRANCH", "_BASE_BRANCH", "_HEAD_REPO_URL", "_PR_NUMBER"}
MODEL_IMAGE = "model-image"  # the trigger of the stack that owns the model image's registry (dev)


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    """The repository's program for each example stack, planned offline as `estaleiro plan` plans it."""
    return dict(zip(STACKS, plan_trees([(REPO, stack) for stack in STACKS]), strict=True))


def triggers(plan: Plan) -> dict[str, PlannedResource]:
    return {t.inputs["name"]: t for t in plan.of_type(TRIGGER)}


def stack_triggers(plan: Plan) -> dict[str, PlannedResource]:
    """Every stack's own two: the pull-request check and the deploy."""
    return {name: t for name, t in triggers(plan).items() if not name.endswith(f"-{MODEL_IMAGE}")}


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


def substitutions_used(relative: str) -> set[str]:
    """`$NAME` and `${NAME}` in a Cloud Build config; `$$` is Cloud Build's escape for a literal `$`."""
    text = "\n".join(strings(yaml.safe_load((REPO / relative).read_text())))
    return set(re.findall(r"\$\{?(\w+)", text.replace("$$", "")))


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_gets_a_pr_and_a_deploy_trigger(plans: dict[str, Plan], stack: str) -> None:
    found = stack_triggers(plans[stack])
    assert set(found) == {f"acme-ml-{stack}-pr", f"acme-ml-{stack}-deploy"}
    pr, deploy = found[f"acme-ml-{stack}-pr"].inputs, found[f"acme-ml-{stack}-deploy"].inputs
    assert pr["github"] == {
        "owner": "acme",
        "name": "estaleiro",
        "pullRequest": {"branch": "^main$", "commentControl": "COMMENTS_ENABLED_FOR_EXTERNAL_CONTRIBUTORS_ONLY"},
    }
    assert deploy["github"] == {"owner": "acme", "name": "estaleiro", "push": {"branch": "^main$"}}
    assert (pr["filename"], deploy["filename"]) == ("cloudbuild/pr.yaml", "cloudbuild/deploy.yaml")
    for inputs in (pr, deploy):
        assert inputs["project"] == f"acme-ml-{stack}" and inputs["location"] == "global"
        assert (REPO / inputs["filename"]).is_file(), inputs["filename"]


def email(stack: str, role: str) -> str:
    return f"{stack}-{role}@acme-ml-{stack}.iam.gserviceaccount.com"


@pytest.mark.parametrize("stack", STACKS)
def test_pull_requests_build_as_pr_builder_and_only_merges_as_the_deployer(plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    found = stack_triggers(plan)
    runs_as = {name: t.inputs.get("serviceAccount") for name, t in found.items()}
    assert runs_as == {
        f"acme-ml-{stack}-pr": f"projects/acme-ml-{stack}/serviceAccounts/{email(stack, 'pr-builder')}",
        f"acme-ml-{stack}-deploy": f"projects/acme-ml-{stack}/serviceAccounts/{email(stack, 'ci-deployer')}",
    }
    [component] = [r for r in plan.resources if r.type == "estaleiro:ci:CiTriggers"]
    assert {t.parent for t in plan.of_type(TRIGGER)} == {component.urn}
    accounts = {r.inputs["accountId"]: r.urn for r in plan.of_type("gcp:serviceaccount/account:Account")}
    for name, role in ((f"acme-ml-{stack}-pr", "pr-builder"), (f"acme-ml-{stack}-deploy", "ci-deployer")):
        assert accounts[f"{stack}-{role}"] in found[name].dependencies, f"{name} waits for its account"


def grants_to(plan: Plan, member: str) -> list[tuple[str, str, str]]:
    """(type, role, what it is on) of every IAM grant in the plan whose member (or members) is `member`."""
    found = []
    for resource in plan.resources:
        if not re.search(r"iam(member|binding|policy)", resource.type, re.I):
            continue
        inputs = resource.inputs
        if member in (inputs.get("member"), *inputs.get("members", ())) or member in str(inputs.get("policyData", "")):
            on = inputs.get("secretId") or inputs.get("bucket") or inputs.get("repository") or inputs.get("project")
            found.append((resource.type, inputs["role"], str(on)))
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_no_pull_request_build_can_reach_a_privileged_account(plans: dict[str, Plan], stack: str) -> None:
    """pr-builder: no project role, acts as no account, no federated identity; three grants, each on one resource."""
    plan = plans[stack]
    member = f"serviceAccount:{email(stack, 'pr-builder')}"
    assert sorted(grants_to(plan, member)) == [
        ("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "roles/artifactregistry.reader",
         f"acme-ml-{stack}-containers"),
        ("gcp:secretmanager/secretIamMember:SecretIamMember", "roles/secretmanager.secretAccessor", "github-token"),
        ("gcp:storage/bucketIAMMember:BucketIAMMember", "roles/storage.objectAdmin", f"acme-ml-{stack}-build-logs"),
    ]  # fmt: skip
    federated = [r for r in plan.resources if "workloadIdentityUser" in str(r.inputs.get("role"))]
    assert all(r.inputs["serviceAccountId"].endswith(email(stack, "ci-deployer")) for r in federated)


@pytest.mark.parametrize("stack", STACKS)
def test_the_github_token_secret_is_declared_and_readable_by_ci_and_training_only(
    plans: dict[str, Plan], stack: str
) -> None:
    plan = plans[stack]
    [secret] = plan.of_type("gcp:secretmanager/secret:Secret")
    assert (secret.inputs["secretId"], secret.inputs["project"]) == ("github-token", f"acme-ml-{stack}")
    assert not plan.of_type("gcp:secretmanager/secretVersion:SecretVersion"), (
        "the value is the bootstrap's, never state"
    )
    readers = {
        (r.inputs["member"], r.inputs["role"])
        for r in plan.of_type("gcp:secretmanager/secretIamMember:SecretIamMember")
    }
    # ... and the pipeline runner where the stack trains: continuous training pushes its branch with it.
    trains = any(
        s.inputs["createPipelineJobRequest"]["pipelineJob"]["labels"]["pipeline"] == "continuous-training"
        for s in plan.of_type("gcp:colab/schedule:Schedule")
    )
    assert readers == {
        (f"serviceAccount:{email(stack, role)}", "roles/secretmanager.secretAccessor")
        for role in ("pr-builder", "ci-deployer", *(("pipeline-runner",) if trains else ()))
    }
    [api] = [
        r for r in plan.of_type("gcp:projects/service:Service") if r.inputs["service"] == "secretmanager.googleapis.com"
    ]
    assert api.urn in secret.dependencies, "the secret waits for its API"


def test_the_pr_check_passes_the_real_triggers_and_fails_a_deployer_pr_trigger(
    plans: dict[str, Plan], tmp_path: Path
) -> None:
    """CKV_EST_8 judges the repository's own plans: both PR triggers pass; the same plan with the PR trigger
    switched to the deployer fails."""
    from tests.checkov.conftest import run_checkov

    dev = plans["dev"]
    deployer = f"projects/acme-ml-dev/serviceAccounts/{email('dev', 'ci-deployer')}"
    switched = replace(
        dev,
        stack="switched",
        resources=tuple(
            replace(r, inputs={**r.inputs, "serviceAccount": deployer})
            if r.inputs.get("name") == "acme-ml-dev-pr"
            else r
            for r in dev.resources
        ),
    )
    verdicts = run_checkov({"dev": dev, "prod": plans["prod"], "switched": switched}, tmp_path)["CKV_EST_8"]
    assert verdicts["passed"] == {("dev", "google_cloudbuild_trigger.acme_ml_dev_pr"),
                                  ("prod", "google_cloudbuild_trigger.acme_ml_prod_pr")}  # fmt: skip
    assert verdicts["failed"] == {("switched", "google_cloudbuild_trigger.acme_ml_dev_pr")}


@pytest.mark.parametrize("stack", STACKS)
def test_stack_triggers_fire_on_every_change_the_plan_decides(plans: dict[str, Plan], stack: str) -> None:
    """A path filter is a list of folders: one missing `functions/` left dev's function undeployed."""
    for trigger in stack_triggers(plans[stack]).values():
        assert "includedFiles" not in trigger.inputs and "ignoredFiles" not in trigger.inputs


@pytest.mark.parametrize("stack", STACKS)
def test_the_runner_image_is_in_the_stack_registry(plans: dict[str, Plan], stack: str) -> None:
    plan = plans[stack]
    [registry] = [
        r.inputs
        for r in plan.of_type("gcp:artifactregistry/repository:Repository")
        if r.inputs["repositoryId"].endswith("-containers")
    ]
    expected = (
        f"{registry['location']}-docker.pkg.dev/{registry['project']}/{registry['repositoryId']}"
        f"/estaleiro-ci:{PULUMI_VERSION}"
    )
    for name, trigger in triggers(plan).items():
        assert trigger.inputs["substitutions"]["_CI_IMAGE"] == expected
        assert trigger.inputs["substitutions"].get("_STACK") == (None if name.endswith(MODEL_IMAGE) else stack)


@pytest.mark.parametrize(("role", "own"), [("pr", PULL_REQUEST), ("deploy", set()), (MODEL_IMAGE, set())])
def test_configs_use_exactly_the_substitutions_their_trigger_sets(
    plans: dict[str, Plan], role: str, own: set[str]
) -> None:
    """An undefined one (or a shell `$var` left unescaped) fails the build; so may an unused one."""
    relative = f"cloudbuild/{role}.yaml"
    built = {stack: triggers(plan).get(f"acme-ml-{stack}-{role}") for stack, plan in plans.items()}
    assert {stack for stack, trigger in built.items() if trigger} == ({"dev"} if role == MODEL_IMAGE else set(STACKS))
    for stack, trigger in built.items():
        if trigger is None:
            continue
        given = set(trigger.inputs["substitutions"])
        used = substitutions_used(relative) - BUILT_IN - own
        assert used == given, (
            f"{relative}: uses {sorted(used - given)} unset, {stack} sets {sorted(given - used)} unused"
        )


def test_deploys_share_one_state_backend(plans: dict[str, Plan]) -> None:
    """prod's deploy reads dev's update history, so both stacks' state lives in one bucket."""
    backends = {triggers(p)[f"acme-ml-{s}-deploy"].inputs["substitutions"]["_STATE_BACKEND"] for s, p in plans.items()}
    assert backends == {"gs://acme-ml-pulumi-state"}
