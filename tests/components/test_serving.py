"""Serving as the manifests declare it: endpoints, registered versions and the traffic split."""

from __future__ import annotations

from estaleiro.plan.model import Plan

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
    assert "network" not in dev_endpoint.inputs
    assert prod_endpoint.inputs["network"] == "projects/412345678901/global/networks/ml-serving"
    assert dev_endpoint.inputs["name"].isdigit() and len(dev_endpoint.inputs["name"]) == 10
    assert dev_endpoint.inputs["name"] != prod_endpoint.inputs["name"]


def test_deployment_waits_for_the_versions_and_the_endpoint(dev: Plan) -> None:
    [deployment] = dev.of_type(DEPLOYMENT)
    needed = {r.urn for r in dev.of_type(VERSION)} | {r.urn for r in dev.of_type("gcp:vertex/aiEndpoint:AiEndpoint")}
    assert needed <= set(deployment.dependencies)


def test_ci_triggers_run_as_their_accounts_with_path_filters(dev: Plan) -> None:
    triggers = {t.inputs["name"]: t.inputs for t in dev.of_type("gcp:cloudbuild/trigger:Trigger")}
    assert set(triggers) == {"acme-ml-dev-pr", "acme-ml-dev-deploy"}
    for name, role in (("acme-ml-dev-pr", "pr-builder"), ("acme-ml-dev-deploy", "ci-deployer")):
        inputs = triggers[name]
        assert inputs["serviceAccount"] == (
            f"projects/acme-ml-dev/serviceAccounts/dev-{role}@acme-ml-dev.iam.gserviceaccount.com"
        )
        assert "stacks/dev/**" in inputs["includedFiles"] and "stacks/prod/**" not in inputs["includedFiles"]
    assert triggers["acme-ml-dev-pr"]["github"]["pullRequest"]["branch"] == "^main$"
    assert triggers["acme-ml-dev-deploy"]["filename"] == "cloudbuild/deploy.yaml"
