"""The load-time check judges exactly the names and labels the components register: one derivation, two readers."""

from __future__ import annotations

from collections import defaultdict

from components.service_accounts import PROJECT_ROLES
from estaleiro import naming
from estaleiro.config.environment import load_environment
from estaleiro.config.limits import derived_names, label_sets
from estaleiro.plan.model import Plan
from tests.components.conftest import REPO

# (resource type, input) that carries each kind of derived name
CARRIERS = {
    "bucket name": [("gcp:storage/bucket:Bucket", "name")],
    "Artifact Registry repository id": [("gcp:artifactregistry/repository:Repository", "repositoryId")],
    "Cloud Build trigger name": [("gcp:cloudbuild/trigger:Trigger", "name")],
    "service account id": [("gcp:serviceaccount/account:Account", "accountId")],
    "Workload Identity pool id": [
        ("gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "workloadIdentityPoolId"),
        ("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "workloadIdentityPoolId"),
    ],
    "Workload Identity provider id": [
        ("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "workloadIdentityPoolProviderId")
    ],
    "Vertex AI model id": [("pulumi-python:dynamic/vertex:ModelVersion", "model_id")],
    "Vertex AI endpoint display name": [("gcp:vertex/aiEndpoint:AiEndpoint", "displayName")],
    "Vertex AI model display name": [("pulumi-python:dynamic/vertex:ModelVersion", "display_name")],
}
LABELLED = (
    "gcp:storage/bucket:Bucket",
    "gcp:artifactregistry/repository:Repository",
    "gcp:kms/cryptoKey:CryptoKey",
    "gcp:vertex/aiEndpoint:AiEndpoint",
    "pulumi-python:dynamic/vertex:ModelVersion",
)


def test_checked_names_are_the_registered_names(plan: Plan) -> None:
    env = load_environment(REPO, plan.stack)
    checked: dict[str, set[str]] = defaultdict(set)
    for derived in derived_names(env.config, env.name, env.config_file, env.models, env.builds_model_image):
        checked[derived.kind].add(derived.name)
    registered: dict[str, set[str]] = defaultdict(set)
    for kind, carriers in CARRIERS.items():
        registered[kind] = {r.inputs[key] for type_, key in carriers for r in plan.of_type(type_)}
    # The state bucket is no resource of a stack: the deploy trigger hands it to `pulumi login`.
    for trigger in plan.of_type("gcp:cloudbuild/trigger:Trigger"):
        backend = trigger.inputs["substitutions"].get("_STATE_BACKEND")
        if backend:
            registered["bucket name"].add(backend.removeprefix("gs://"))
    assert registered == {kind: checked[kind] for kind in CARRIERS}


def test_checked_label_sets_are_the_registered_ones(plan: Plan) -> None:
    env = load_environment(REPO, plan.stack)
    sets = label_sets(env.config, env.name, env.config_file, env.models)
    checked = {frozenset(labels.items()) for _, _, labels in sets}
    registered = {frozenset(r.inputs["labels"].items()) for type_ in LABELLED for r in plan.of_type(type_)}
    runs = [s.inputs["createPipelineJobRequest"]["pipelineJob"] for s in plan.of_type("gcp:colab/schedule:Schedule")]
    registered |= {frozenset(run["labels"].items()) for run in runs}  # the labels of the runs schedules start
    assert registered == checked


def test_every_account_naming_lists_has_its_project_roles_and_no_other() -> None:
    assert set(PROJECT_ROLES) == set(naming.ACCOUNTS)
