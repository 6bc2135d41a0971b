"""Grants against needs on hand-made changes of dev's plan: what goes missing, what is held for nothing."""

from __future__ import annotations

from dataclasses import replace

from estaleiro.access.judge import EXCESS, MISSING, UNKNOWN_ROLE, UNMODELLED, judge
from estaleiro.access.model import Scope, build
from estaleiro.plan.model import Plan, PlannedResource
from tests.conftest import REPO

STACK_URN = "urn:pulumi:dev::estaleiro::pulumi:pulumi:Stack::estaleiro-dev"
RUNNER = "serviceAccount:dev-pipeline-runner@acme-ml-dev.iam.gserviceaccount.com"


def _with(plan: Plan, *added: PlannedResource, without: str = "") -> Plan:
    kept = tuple(r for r in plan.resources if r.name != without)
    return replace(plan, resources=tuple(sorted((*kept, *added), key=lambda r: r.urn)))


def _resource(type_: str, name: str, **inputs: object) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:dev::estaleiro::{type_}::{name}",
        type=type_,
        name=name,
        custom=True,
        parent=STACK_URN,
        dependencies=(),
        inputs=inputs,
    )


def test_a_grant_removed_leaves_its_need_missing_naming_file_and_resource(plans) -> None:
    plan = _with(plans["dev"], without="acme-ml-dev-churn-training-data")
    findings = [f for f in judge(build(plan, "acme-ml-dev"), REPO).findings if f.rule == MISSING]
    assert [(f.resource, f.file, f.pulumi_name) for f in findings if "churn (" in f.resource] == [
        (
            "pipeline-runner bigquery.tables.get on dataset churn (acme-ml-dev)",
            "components/training.py",
            "acme-ml-dev-churn",
        ),
        (
            "pipeline-runner bigquery.tables.getData on dataset churn (acme-ml-dev)",
            "components/training.py",
            "acme-ml-dev-churn",
        ),
    ]


def test_a_grant_nothing_needs_is_excess_naming_the_grant(plans) -> None:
    extra = _resource(
        "gcp:projects/iAMMember:IAMMember", "widened", project="acme-ml-dev", role="roles/pubsub.admin", member=RUNNER
    )
    findings = judge(build(_with(plans["dev"], extra), "acme-ml-dev"), REPO).findings
    excess = [f for f in findings if f.rule == EXCESS and f.pulumi_name == "widened"]
    assert [(f.resource, f.file, f.urn) for f in excess] == [
        ("pipeline-runner roles/pubsub.admin on project acme-ml-dev", "__main__.py", extra.urn)
    ]
    assert "remove the grant, or add the need to estaleiro/access/needs.py" in excess[0].message


def test_a_condition_narrows_a_grant_to_its_one_object(plans) -> None:
    model = build(plans["dev"], "acme-ml-dev")
    settings = next(g for g in model.grants if g.resource.name == "acme-ml-dev-retrainer-reads-settings")
    assert settings.reach == Scope("bucket", "acme-ml-dev-models", "acme-ml-dev", "functions/retrain-config.json")
    assert Scope("bucket", "acme-ml-dev-models", "acme-ml-dev", "functions/retrain-config.json").within(settings.reach)
    assert not Scope("bucket", "acme-ml-dev-models", "acme-ml-dev", "churn/v7/model.joblib").within(settings.reach)
    assert not Scope("bucket", "acme-ml-dev-models", "acme-ml-dev").within(settings.reach)


def test_a_condition_the_model_cannot_read_meets_nothing(plans) -> None:
    plan = plans["dev"]
    grant = next(r for r in plan.resources if r.name == "acme-ml-dev-retrainer-reads-settings")
    unread = replace(grant, inputs={**grant.inputs, "condition": {"title": "t", "expression": "request.time < x"}})
    access = judge(build(_with(plan, unread, without=grant.name), "acme-ml-dev"), REPO)
    assert [str(n.scope) for n in access.missing if n.identity == "retrainer"] == [
        "bucket acme-ml-dev-models/functions/retrain-config.json (acme-ml-dev)"
    ]
    excess = [f for f in access.findings if f.rule == EXCESS and f.pulumi_name == grant.name]
    assert "its condition is one this model cannot read" in excess[0].message


def test_custom_roles_hold_what_the_plan_declares(plans) -> None:
    model = build(plans["dev"], "acme-ml-dev")
    assert model.custom_roles == {
        "projects/acme-ml-dev/roles/estaleiro_retrainer_dev": frozenset(
            {"aiplatform.pipelineJobs.create", "aiplatform.pipelineJobs.list"}
        )
    }
    access = judge(model, REPO)
    assert [n.permission for n in access.missing if n.identity == "retrainer"] == []


def test_an_unknown_role_and_an_unmodelled_type_are_findings(plans) -> None:
    plan = _with(
        plans["dev"],
        _resource(
            "gcp:projects/iAMMember:IAMMember", "odd", project="acme-ml-dev", role="roles/made.up", member=RUNNER
        ),
        _resource("gcp:sql/databaseInstance:DatabaseInstance", "db", project="acme-ml-dev"),
        _resource("gcp:sql/userIamMember:UserIamMember", "db-user", project="acme-ml-dev"),
    )
    findings = {(f.rule, f.pulumi_name): f.message for f in judge(build(plan, "acme-ml-dev"), REPO).findings}
    assert findings[(UNKNOWN_ROLE, "odd")] == (
        "roles/made.up: no permissions known for this role; "
        "add it to estaleiro/access/roles.yaml from its reference page"
    )
    assert findings[(UNMODELLED, "db")].startswith(
        "gcp:sql/databaseInstance:DatabaseInstance is a resource type with no deployer permissions: add what "
        "`pulumi up` needs for it to estaleiro/access/needs.py (DEPLOYER_TYPES)"
    )
    assert findings[(UNMODELLED, "db-user")].startswith("gcp:sql/userIamMember:UserIamMember is an IAM resource type")


def test_identities_are_named_as_the_code_knows_them(plans) -> None:
    model = build(plans["dev"], "acme-ml-dev")
    assert {g.identity for g in model.grants} == {
        "agent:aiplatform",
        "agent:artifactregistry",
        "agent:bigquery",
        "agent:monitoring-notification",
        "agent:pubsub",
        "agent:storage",
        "ci-deployer",
        "github:acme/estaleiro",
        "group:cloud-storage-analytics@google.com",
        "image-builder",
        "model-serving",
        "monitoring",
        "pipeline-runner",
        "pr-builder",
        "retrainer",
    }


def test_a_baseline_file_in_cloud_storage_is_read_by_vertex_ai_s_agent(plans) -> None:
    """A proposed version's baseline is its training rows beside the artifact (a gs:// file, not a table)."""
    plan = plans["dev"]
    monitors = next(r for r in plan.resources if r.type == "pulumi-python:dynamic/vertex:ModelMonitors")
    versions = dict(monitors.inputs["versions"])
    versions["v7"] = {**versions["v7"], "training_table": "gs://acme-ml-dev-models/churn/v7/training-data.csv"}
    changed = replace(monitors, inputs={**monitors.inputs, "versions": versions})
    access = judge(build(_with(plan, changed, without=monitors.name), "acme-ml-dev"), REPO)
    baseline = [n for n in access.needs if n.identity == "agent:aiplatform" and n.permission == "storage.objects.get"]
    assert [str(n.scope) for n in baseline] == ["bucket acme-ml-dev-models (acme-ml-dev)"]
    # Vertex AI's service agent role reaches the stack's own buckets
    assert [n for n in access.missing if n.identity == "agent:aiplatform"] == []
