"""Serving as the manifests declare it: endpoints, registered versions and the traffic split."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from components.apis import PEERING_APIS, required_apis
from components.platform import Platform
from components.serving import endpoint_id
from estaleiro.config.environment import load_environment, load_stack_config
from estaleiro.errors import InvalidInput
from estaleiro.plan.engine import run_program
from estaleiro.plan.model import Plan
from tests.config.test_request_log_serving import without_log_readers
from tests.providers.fake_vertex import ENDPOINT_ID

REPO = Path(__file__).resolve().parents[2]
PULUMI_GCP_ENDPOINT_NAME = re.compile(
    r"[1-9][0-9]{0,9}"
)  # AiEndpoint.name: "numeric with no leading zeros ... at most 10 digits"

DEPLOYMENT = "pulumi-python:dynamic/vertex:EndpointDeployment"
VERSION = "pulumi-python:dynamic/vertex:ModelVersion"


def test_dev_serves_the_canary_split(dev: Plan) -> None:
    [deployment] = dev.of_type(DEPLOYMENT)
    versions = deployment.inputs["versions"]
    assert {v: spec["traffic_percent"] for v, spec in versions.items()} == {"v6": 90, "v7": 10}
    assert {spec["machine_type"] for spec in versions.values()} == {"n1-standard-4"}
    assert versions["v7"]["model"] == "projects/acme-ml-dev/locations/us-central1/models/acme-ml-dev-churn@7"
    assert versions["v7"]["service_account"] == "dev-model-serving@acme-ml-dev.iam.gserviceaccount.com"


def test_each_version_is_registered_with_its_card(dev: Plan) -> None:
    registered = {r.inputs["version"]: r.inputs for r in dev.of_type(VERSION)}
    assert set(registered) == {"v6", "v7"}
    for version, inputs in registered.items():
        assert inputs["labels"]["card"] == f"churn-{version}"
        assert len(inputs["labels"]["card-git-blob"]) == 40
        assert inputs["encryption_key"].endswith("/cryptoKeys/vertex")
        assert inputs["model_id"] == "acme-ml-dev-churn"


def test_endpoints_are_encrypted_and_private_where_the_stack_says(dev: Plan, prod: Plan) -> None:
    [dev_endpoint] = dev.of_type("gcp:vertex/aiEndpoint:AiEndpoint")
    [prod_endpoint] = prod.of_type("gcp:vertex/aiEndpoint:AiEndpoint")
    assert dev_endpoint.inputs["encryptionSpec"]["kmsKeyName"].endswith("/cryptoKeys/vertex")
    assert "network" not in dev_endpoint.inputs and "privateServiceConnectConfig" not in dev_endpoint.inputs
    assert "network" not in prod_endpoint.inputs  # peering would refuse a canary beside the serving version
    assert prod_endpoint.inputs["privateServiceConnectConfig"] == {
        "enablePrivateServiceConnect": True,
        "enableSecurePrivateServiceConnect": True,  # predictions need IAM, not only a route
        "projectAllowlists": ["acme-ml-prod", "acme-apps-prod"],
    }
    assert dev_endpoint.inputs["name"] != prod_endpoint.inputs["name"]


def test_endpoint_ids_are_valid_for_vertex_and_pulumi_gcp_and_stable() -> None:
    """Vertex takes numeric ids of at most 9 digits; pulumi-gcp's AiEndpoint.name only numeric ones."""
    ids = [endpoint_id(f"acme-ml-{env}-model{i}") for env in ("dev", "prod") for i in range(2000)]
    for made in ids:
        assert ENDPOINT_ID.fullmatch(made) and PULUMI_GCP_ENDPOINT_NAME.fullmatch(made), made
    assert {len(made) for made in ids} == {9}
    assert endpoint_id("acme-ml-dev-churn") == "940607907"  # derived from the name, the same on every run


def test_only_a_peering_stack_enables_the_peering_apis(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    for stack in ("dev", "prod"):  # prod promotes from dev, which must exist
        shutil.copytree(REPO / "stacks" / stack, stacks / stack)
    psc = load_stack_config(tmp_path, "prod")
    peering_config(tmp_path)
    peering = load_stack_config(tmp_path, "prod")
    assert not set(PEERING_APIS) & set(required_apis(psc))
    assert set(PEERING_APIS) <= set(required_apis(peering))


def peering_config(root: Path) -> None:
    """Switch the copied prod stack to private services access (VPC peering)."""
    path = root / "stacks/prod/Pulumi.prod.yaml"
    text = re.sub(
        r"  estaleiro:serving:.*?(?=  estaleiro:promotion:)",
        "  estaleiro:serving:\n    privateNetwork: projects/412345678901/global/networks/ml-serving\n",
        path.read_text(),
        flags=re.DOTALL,
    )
    path.write_text(text)


def test_a_peering_stack_refuses_a_model_with_two_versions(
    repo: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    """Private services access endpoints serve one model: a canary there cannot be deployed."""
    peering_config(repo)
    without_log_readers(repo)  # nor can they log requests (tests/config/test_request_log_serving.py)
    assert load_environment(repo, "prod").models[0].name == "churn"  # one version: fine
    shutil.copy(repo / "stacks/dev/models/churn.yaml", repo / "stacks/prod/models/churn.yaml")  # v6 and v7
    without_log_readers(repo)
    with pytest.raises(InvalidInput):
        load_environment(repo, "prod")
    code, out, err = cli(repo, "plan", "prod")
    assert (code, out) == (2, "")
    assert err.strip() == (
        "stacks/prod/models/churn.yaml: versions: 2 versions declared: stacks/prod/Pulumi.prod.yaml serves through "
        "private services access (estaleiro:serving.privateNetwork), whose endpoints serve one deployed model and "
        "cannot split traffic; declare one version, or switch the stack to privateServiceConnect"
    )


def test_an_endpoint_whose_manifest_turns_logging_off_has_no_logging_config(repo: Path) -> None:
    peering_config(repo)
    without_log_readers(repo)
    env = load_environment(repo, "prod")
    plan = run_program(lambda: Platform("acme-ml-prod", env), "prod", env.config.project, env.config.region)
    [endpoint] = plan.of_type("gcp:vertex/aiEndpoint:AiEndpoint")
    assert "predictRequestResponseLoggingConfig" not in endpoint.inputs, endpoint.name


def test_both_kinds_of_private_serving_at_once_are_refused(tmp_path: Path) -> None:
    shutil.copytree(REPO / "stacks" / "prod", tmp_path / "stacks" / "prod")
    path = tmp_path / "stacks/prod/Pulumi.prod.yaml"
    path.write_text(
        path.read_text().replace(
            "    privateServiceConnect:",
            "    privateNetwork: projects/412345678901/global/networks/ml-serving\n    privateServiceConnect:",
        )
    )
    with pytest.raises(InvalidInput, match="set privateServiceConnect or privateNetwork, not both"):
        load_stack_config(tmp_path, "prod")


def test_deployment_waits_for_the_versions_and_the_endpoint(dev: Plan) -> None:
    [deployment] = dev.of_type(DEPLOYMENT)
    needed = {r.urn for r in dev.of_type(VERSION)} | {r.urn for r in dev.of_type("gcp:vertex/aiEndpoint:AiEndpoint")}
    assert needed <= set(deployment.dependencies)


def test_ci_triggers_run_as_their_accounts(dev: Plan) -> None:
    triggers = {t.inputs["name"]: t.inputs for t in dev.of_type("gcp:cloudbuild/trigger:Trigger")}
    # dev also builds the model image (tests/ci/test_model_image_build.py)
    assert set(triggers) == {"acme-ml-dev-pr", "acme-ml-dev-deploy", "acme-ml-dev-model-image"}
    for name, role in (("acme-ml-dev-pr", "pr-builder"), ("acme-ml-dev-deploy", "ci-deployer")):
        inputs = triggers[name]
        assert inputs["serviceAccount"] == (
            f"projects/acme-ml-dev/serviceAccounts/dev-{role}@acme-ml-dev.iam.gserviceaccount.com"
        )
        assert "includedFiles" not in inputs  # every change: the plan, not a path filter, knows what a stack reads
    assert triggers["acme-ml-dev-pr"]["github"]["pullRequest"]["branch"] == "^main$"
    assert triggers["acme-ml-dev-deploy"]["filename"] == "cloudbuild/deploy.yaml"


ENDPOINT_IAM = "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember"


def test_only_the_named_callers_may_predict_on_a_secure_private_endpoint(dev: Plan, prod: Plan) -> None:
    """With secure Private Service Connect a request through the forwarding rule is authorised by IAM:
    the stack's `privateServiceConnect.callers` get the endpoint's predict role on that endpoint only."""
    [endpoint] = prod.of_type("gcp:vertex/aiEndpoint:AiEndpoint")
    grants = prod.of_type(ENDPOINT_IAM)
    assert {(g.inputs["member"], g.inputs["role"]) for g in grants} == {
        ("serviceAccount:churn-scorer@acme-apps-prod.iam.gserviceaccount.com", "roles/aiplatform.user")
    }
    for grant in grants:
        assert grant.inputs["endpoint"] == (
            f"projects/acme-ml-prod/locations/us-central1/endpoints/{endpoint.inputs['name']}"
        ), grant.name
        assert (grant.inputs["project"], grant.inputs["location"]) == ("acme-ml-prod", "us-central1"), grant.name
    assert not dev.of_type(ENDPOINT_IAM)  # dev's endpoint is public: callers need project-level IAM there


@pytest.mark.parametrize(
    ("callers", "problem"),
    [
        ("", "callers: required key is missing"),
        ("      callers: []\n", "callers: tuple should have at least 1 item after validation, not 0"),
        (
            "      callers: [churn-scorer@acme-apps-prod.iam.gserviceaccount.com]\n",
            "callers.0: got 'churn-scorer@acme-apps-prod.iam.gserviceaccount.com', expected an IAM principal",
        ),
        ("      callers: ['allUsers']\n", "callers.0: got 'allUsers', expected an IAM principal"),
        (  # a Cyrillic ie (U+0435) in the domain: a look-alike of acme-apps-prod's account
            "      callers: ['serviceAccount:churn-scorer@acm\u0435-apps-prod.iam.gserviceaccount.com']\n",
            "expected an IAM principal",
        ),
    ],
)
def test_a_secure_private_endpoint_without_valid_callers_is_refused(
    repo: Path, cli: Callable[..., tuple[int, str, str]], callers: str, problem: str
) -> None:
    path = repo / "stacks/prod/Pulumi.prod.yaml"
    text = re.sub(r"      callers:.*?\n(?:        - .*\n)*", callers, path.read_text())
    assert text != path.read_text() or callers == ""
    path.write_text(text)
    code, out, err = cli(repo, "plan", "prod")
    assert (code, out) == (2, "")
    [line] = err.strip().splitlines()
    assert re.match(r"stacks/prod/Pulumi\.prod\.yaml:\d+: config\.estaleiro:serving\.privateServiceConnect\.", line), (
        line
    )
    assert problem in line, line
