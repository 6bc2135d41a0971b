"""The access model of one stack, read from its plan: every IAM grant, who it names, and on what.

A grant is one `*IAMMember` resource: a member, a role, a scope (the project, or the one bucket,
repository, secret, service account, key, topic, dataset or Cloud Run service it is set on) and
an IAM condition, if any. A project grant reaches every resource of that project ("Project-level
access applies to all of the resources in that project": https://cloud.google.com/vertex-ai/docs/general/access-control).
A member is named as the code knows it: a stack account by its role (`ci-deployer`), a Google
service agent by its service, a Workload Identity principal set by the GitHub repository it admits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from estaleiro.naming import ACCOUNTS, account_id
from estaleiro.plan.model import Plan, PlannedResource

# Condition expressions this model can read: the one object of a bucket a grant is narrowed to
# (https://cloud.google.com/iam/docs/conditions-attribute-reference, "Resource name").
OBJECT_CONDITION = re.compile(r'^resource\.name == "projects/_/buckets/([^/"]+)/objects/([^"]+)"$')
# Google-managed identities, by the address Google gives them (https://cloud.google.com/iam/docs/service-agents).
AGENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^serviceAccount:service-\d+@gcp-sa-aiplatform\.iam\.gserviceaccount\.com$"), "agent:aiplatform"),
    (re.compile(r"^serviceAccount:service-\d+@gs-project-accounts\.iam\.gserviceaccount\.com$"), "agent:storage"),
    (re.compile(r"^serviceAccount:bq-\d+@bigquery-encryption\.iam\.gserviceaccount\.com$"), "agent:bigquery"),
    (re.compile(r"^serviceAccount:service-\d+@gcp-sa-pubsub\.iam\.gserviceaccount\.com$"), "agent:pubsub"),
    (
        re.compile(r"^serviceAccount:service-\d+@gcp-sa-artifactregistry\.iam\.gserviceaccount\.com$"),
        "agent:artifactregistry",
    ),
    (
        re.compile(r"^serviceAccount:service-\d+@gcp-sa-monitoring-notification\.iam\.gserviceaccount\.com$"),
        "agent:monitoring-notification",
    ),
)
GITHUB_PRINCIPALS = re.compile(r"^principalSet://iam\.googleapis\.com/.+/attribute\.repository/(.+)$")


@dataclass(frozen=True, order=True)
class Scope:
    """What a grant is set on, or a need is about: `kind` `name` in `project` (an `object` of a bucket)."""

    kind: str  # project, bucket, repository, secret, serviceAccount, cryptoKey, topic, dataset, runService
    name: str
    project: str  # "" when the plan does not say (a bucket another stack declares)
    object: str = ""

    def __str__(self) -> str:
        where = f"{self.kind} {self.name}" + (f"/{self.object}" if self.object else "")
        return where if self.kind == "project" or not self.project else f"{where} ({self.project})"

    def within(self, other: Scope) -> bool:
        """Whether a grant on `other` reaches this: the same resource, or the project holding it."""
        if other.kind == "project":
            return self.project == other.name
        return (self.kind, self.name) == (other.kind, other.name) and (not other.object or other.object == self.object)


@dataclass(frozen=True)
class Grant:
    identity: str
    member: str
    role: str
    scope: Scope
    condition: str  # the expression, "" for none
    resource: PlannedResource  # the Pulumi resource that grants it
    implicit: bool = False  # Google grants it by itself (a service agent's role), never in excess

    @property
    def reach(self) -> Scope | None:
        """The scope the grant reaches once its condition is read; None for a condition this model cannot read."""
        if not self.condition:
            return self.scope
        narrowed = OBJECT_CONDITION.match(self.condition)
        if narrowed and self.scope.kind == "bucket" and narrowed.group(1) == self.scope.name:
            return Scope("bucket", self.scope.name, self.scope.project, narrowed.group(2))
        return None


@dataclass(frozen=True)
class AccessModel:
    stack: str
    project: str  # the stack's project: where a resource is that names none
    plan: Plan
    grants: tuple[Grant, ...]
    custom_roles: Mapping[str, frozenset[str]]  # projects/<project>/roles/<id> -> permissions
    unread: tuple[PlannedResource, ...]  # IAM resources of a type this model cannot read

    def of_type(self, type_: str) -> list[PlannedResource]:
        return self.plan.of_type(type_)

    def bucket(self, name: str) -> Scope:
        project = next((str(b.inputs.get("project", "")) for b in self.of_type(BUCKET) if b.inputs["name"] == name), "")
        return Scope("bucket", name, project)

    def purpose(self, type_: str, purpose: str) -> list[PlannedResource]:
        """The stack's resources of a type by their `purpose` label (estaleiro.naming.labels)."""
        return [r for r in self.of_type(type_) if (r.inputs.get("labels") or {}).get("purpose") == purpose]

    def account(self, role: str) -> str:
        return f"{account_id(self.stack, role)}@{self.project}.iam.gserviceaccount.com"

    def identity(self, member: str) -> str:
        return identity(member, self.stack, self.project)


BUCKET = "gcp:storage/bucket:Bucket"
CUSTOM_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"


def identity(member: str, stack: str, project: str) -> str:
    """The name the code knows a member by: `ci-deployer`, `agent:aiplatform`, `github:owner/repo`, else the member."""
    for role in ACCOUNTS:
        if member == f"serviceAccount:{account_id(stack, role)}@{project}.iam.gserviceaccount.com":
            return role
    for pattern, name in AGENTS:
        if pattern.match(member):
            return name
    github = GITHUB_PRINCIPALS.match(member)
    return f"github:{github.group(1)}" if github else member


def _project_of(name: str) -> str:
    """`projects/<project>/...` -> project."""
    return name.split("/")[1] if name.startswith("projects/") else ""


def _account_scope(_project: str, inputs: Mapping[str, Any]) -> Scope:
    email = str(inputs["serviceAccountId"]).rsplit("/", 1)[-1]
    return Scope("serviceAccount", email, email.split("@")[1].split(".")[0])


# How each IAM member type names what it is set on.
SCOPES: dict[str, Callable[[str, Mapping[str, Any]], Scope]] = {
    "gcp:projects/iAMMember:IAMMember": lambda _, i: Scope("project", str(i["project"]), str(i["project"])),
    "gcp:storage/bucketIAMMember:BucketIAMMember": lambda _, i: Scope("bucket", str(i["bucket"]), ""),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": lambda p, i: Scope(
        "repository", f"{i['location']}/{i['repository']}", str(i.get("project", p))
    ),
    "gcp:secretmanager/secretIamMember:SecretIamMember": lambda p, i: Scope(
        "secret", str(i["secretId"]), str(i.get("project", p))
    ),
    "gcp:serviceaccount/iAMMember:IAMMember": _account_scope,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": lambda _, i: Scope(
        "cryptoKey", str(i["cryptoKeyId"]), _project_of(str(i["cryptoKeyId"]))
    ),
    "gcp:pubsub/topicIAMMember:TopicIAMMember": lambda p, i: Scope("topic", str(i["topic"]), str(i.get("project", p))),
    "gcp:bigquery/datasetIamMember:DatasetIamMember": lambda p, i: Scope(
        "dataset", str(i["datasetId"]), str(i.get("project", p))
    ),
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": lambda p, i: Scope(
        "runService", f"{i['location']}/{i['name']}", str(i.get("project", p))
    ),
    "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember": lambda p, i: Scope(
        "endpoint", str(i["endpoint"]), _project_of(str(i["endpoint"])) or p
    ),
}
IAM_TYPE = re.compile(r"(?i)iam(member|binding|policy)$")


def build(plan: Plan, project: str) -> AccessModel:
    """The access model of `plan`, the plan of a stack whose project is `project`."""
    custom = {
        f"projects/{r.inputs.get('project', project)}/roles/{r.inputs['roleId']}": frozenset(r.inputs["permissions"])
        for r in plan.of_type(CUSTOM_ROLE)
    }
    model = AccessModel(plan.stack, project, plan, (), custom, ())
    grants, unread = [], []
    for resource in plan.resources:
        scope_of = SCOPES.get(resource.type)
        if scope_of is None:
            if resource.custom and IAM_TYPE.search(resource.type):
                unread.append(resource)
            continue
        scope = scope_of(project, resource.inputs)
        if scope.kind == "bucket":
            scope = model.bucket(scope.name)
        member = str(resource.inputs["member"])
        condition = str((resource.inputs.get("condition") or {}).get("expression", ""))
        grants.append(Grant(model.identity(member), member, str(resource.inputs["role"]), scope, condition, resource))
    grants += _service_agent_roles(plan, project)
    return AccessModel(plan.stack, project, plan, tuple(grants), custom, tuple(unread))


# Google grants Vertex AI's service agent its role on the project the service creates it in: "the default
# Vertex AI service agent has access to BigQuery and Cloud Storage"
# (https://cloud.google.com/vertex-ai/docs/general/custom-service-account).
SERVICE_AGENT_ROLES = {"aiplatform.googleapis.com": ("agent:aiplatform", "roles/aiplatform.serviceAgent")}


def _service_agent_roles(plan: Plan, project: str) -> list[Grant]:
    grants = []
    for resource in plan.of_type("gcp:projects/serviceIdentity:ServiceIdentity"):
        agent = SERVICE_AGENT_ROLES.get(str(resource.inputs["service"]))
        if agent:
            where = str(resource.inputs.get("project", project))
            scope = Scope("project", where, where)
            grants.append(Grant(agent[0], f"{agent[0]} of {where}", agent[1], scope, "", resource, implicit=True))
    return grants
