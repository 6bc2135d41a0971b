"""Pulumi's mock engine, taught what Google Cloud returns, plus a monitor that records the graph.

Outputs mirror the fields GCP fills in and other resources read (ids, e-mails, URLs,
numbers), derived from the inputs and never random, so plans are realistic and repeatable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from pulumi.asset import StringAsset
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks

from estaleiro.plan.model import PlannedResource

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
SIG_KEY = "4dabf18193072939515e22adb298388d"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
PROVIDER_KEY = "__provider"

Outputs = dict[str, Any]


def project_number(project: str) -> str:
    """A stable 12-digit stand-in for the number Google assigns a project."""
    return str(int(hashlib.sha256(project.encode()).hexdigest(), 16) % 10**12).rjust(12, "1")


def numeric_id(*parts: str) -> str:
    return str(int(hashlib.sha256("/".join(parts).encode()).hexdigest(), 16) % 10**18)


class GcpMocks(Mocks):
    """Resource and invoke results shaped like Google Cloud's, for one project and region."""

    def __init__(self, project: str, region: str) -> None:
        self.project = project
        self.region = region

    def new_resource(self, args: MockResourceArgs) -> tuple[str, Outputs]:
        inputs = dict(args.inputs)
        inputs.pop(PROVIDER_KEY, None)
        project = inputs.get("project", self.project)
        location = str(inputs.get("location", inputs.get("region", self.region)))
        computed = RESOURCE_OUTPUTS.get(args.typ, _default)(
            Ctx(args.name, inputs, project, location, project_number(project))
        )
        outputs = {**inputs, **computed}
        return str(outputs.pop("id", f"projects/{project}/{args.name}")), outputs

    def call(self, args: MockCallArgs) -> Outputs:  # type: ignore[override]
        project = args.args.get("project") or args.args.get("projectId") or self.project
        number = project_number(project)
        if args.token == "gcp:organizations/getProject:getProject":
            return {"number": number, "projectId": project, "name": project}
        if args.token == "gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount":
            email = f"bq-{number}@bigquery-encryption.iam.gserviceaccount.com"
            return {"email": email, "member": f"serviceAccount:{email}", "project": project}
        if args.token == "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
            email = f"service-{number}@gs-project-accounts.iam.gserviceaccount.com"
            return {"emailAddress": email, "member": f"serviceAccount:{email}", "project": project}
        raise NotImplementedError(f"no offline result for invoke {args.token}: add it to estaleiro/plan/mocks.py")


class Ctx:
    """What an output rule may read about the resource being created."""

    def __init__(self, name: str, inputs: Outputs, project: str, location: str, number: str) -> None:
        self.name, self.inputs, self.project, self.location, self.number = name, inputs, project, location, number

    def get(self, key: str, default: str = "") -> str:
        return str(self.inputs.get(key, default))


def _default(ctx: Ctx) -> Outputs:
    return {"id": f"projects/{ctx.project}/{ctx.get('name', ctx.name)}"}


def _account(ctx: Ctx) -> Outputs:
    email = f"{ctx.get('accountId')}@{ctx.project}.iam.gserviceaccount.com"
    return {
        "id": f"projects/{ctx.project}/serviceAccounts/{email}",
        "name": f"projects/{ctx.project}/serviceAccounts/{email}",
        "email": email,
        "member": f"serviceAccount:{email}",
        "uniqueId": numeric_id(email)[:21],
    }


def _bucket(ctx: Ctx) -> Outputs:
    name = ctx.get("name", ctx.name)
    return {"id": name, "url": f"gs://{name}", "selfLink": f"https://www.googleapis.com/storage/v1/b/{name}"}


def _key_ring(ctx: Ctx) -> Outputs:
    return {"id": f"projects/{ctx.project}/locations/{ctx.location}/keyRings/{ctx.get('name', ctx.name)}"}


def _crypto_key(ctx: Ctx) -> Outputs:
    return {"id": f"{ctx.get('keyRing')}/cryptoKeys/{ctx.get('name', ctx.name)}"}


def _repository(ctx: Ctx) -> Outputs:
    repo = ctx.get("repositoryId", ctx.name)
    host = "kfp" if ctx.get("format") == "KFP" else "docker"
    uri = f"{ctx.location}-{host}.pkg.dev/{ctx.project}/{repo}"
    return {
        "id": f"projects/{ctx.project}/locations/{ctx.location}/repositories/{repo}",
        "name": repo,
        "registryUri": uri if host == "docker" else f"https://{uri}",
    }


def _pool(ctx: Ctx) -> Outputs:
    pool = ctx.get("workloadIdentityPoolId")
    return {
        "id": f"projects/{ctx.project}/locations/global/workloadIdentityPools/{pool}",
        "name": f"projects/{ctx.number}/locations/global/workloadIdentityPools/{pool}",
        "state": "ACTIVE",
    }


def _pool_provider(ctx: Ctx) -> Outputs:
    pool, provider = ctx.get("workloadIdentityPoolId"), ctx.get("workloadIdentityPoolProviderId")
    path = f"locations/global/workloadIdentityPools/{pool}/providers/{provider}"
    return {"id": f"projects/{ctx.project}/{path}", "name": f"projects/{ctx.number}/{path}", "state": "ACTIVE"}


def _service_identity(ctx: Ctx) -> Outputs:
    agent = ctx.get("service").split(".")[0]
    email = f"service-{ctx.number}@gcp-sa-{agent}.iam.gserviceaccount.com"
    return {
        "id": f"projects/{ctx.project}/services/{ctx.get('service')}",
        "email": email,
        "member": f"serviceAccount:{email}",
    }


def _service(ctx: Ctx) -> Outputs:
    return {"id": f"{ctx.project}/{ctx.get('service')}"}


def _iam_member(ctx: Ctx) -> Outputs:
    target = (
        ctx.get("bucket")
        or ctx.get("cryptoKeyId")
        or ctx.get("serviceAccountId")
        or ctx.get("repository")
        or ctx.get("datasetId")
        or ctx.get("topic")
        or ctx.project
    )
    return {"id": f"{target}/{ctx.get('role')}/{ctx.get('member')}", "etag": "BwY" + numeric_id(ctx.name)[:8]}


def _endpoint(ctx: Ctx) -> Outputs:
    return {"id": f"projects/{ctx.project}/locations/{ctx.location}/endpoints/{ctx.get('name', ctx.name)}"}


def _model_version(ctx: Ctx) -> Outputs:
    model = f"projects/{ctx.project}/locations/{ctx.location}/models/{ctx.get('model_id')}"
    version = ctx.get("version").lstrip("v")
    return {
        "id": f"{model}@{version}",
        "model_name": model,
        "version_id": version,
        "versioned_name": f"{model}@{version}",
    }


def _endpoint_deployment(ctx: Ctx) -> Outputs:
    versions = ctx.inputs.get("versions", {})
    return {
        "id": f"{ctx.get('endpoint')}/deployments",
        "deployed_model_ids": {v: numeric_id(ctx.get("endpoint"), v)[:19] for v in versions},
        "traffic_split": {v: spec["traffic_percent"] for v, spec in versions.items()},
    }


def _model_monitors(ctx: Ctx) -> Outputs:
    location = f"projects/{ctx.project}/locations/{ctx.location}"
    versions = ctx.inputs.get("versions", {})
    return {
        "id": f"{location}/modelMonitors/{ctx.get('prefix')}-*",
        "monitors": {v: f"{location}/modelMonitors/{ctx.get('prefix')}-{v}" for v in versions},
        "schedule_ids": {v: numeric_id(ctx.get("prefix"), v)[:18] for v in versions},
    }


def _dataset(ctx: Ctx) -> Outputs:
    return {"id": f"projects/{ctx.project}/datasets/{ctx.get('datasetId')}"}


def _topic(ctx: Ctx) -> Outputs:
    return {"id": f"projects/{ctx.project}/topics/{ctx.get('name', ctx.name)}"}


def _bucket_object(ctx: Ctx) -> Outputs:
    """Cloud Storage gives each written version a new generation (an int64): here one per text, so the plan
    shows a changed object as a new generation (an archive's generation stays unknown, as before)."""
    outputs: Outputs = {"id": f"{ctx.get('bucket')}-{ctx.get('name')}", "outputName": ctx.get("name")}
    source = ctx.inputs.get("source")
    if isinstance(source, StringAsset):
        outputs["generation"] = int(hashlib.sha256(source.text.encode("utf-8")).hexdigest()[:12], 16)
    return outputs


def _pipeline_template(ctx: Ctx) -> Outputs:
    """Artifact Registry names a KFP version by the digest of its content."""
    version = "sha256:" + hashlib.sha256(ctx.get("template").encode("utf-8")).hexdigest()
    return {
        "id": f"{ctx.get('host')}/{ctx.get('package')}",
        "version": version,
        "template_uri": f"{ctx.get('host')}/{ctx.get('package')}/{version}",
    }


def _notification_channel(ctx: Ctx) -> Outputs:
    name = f"projects/{ctx.project}/notificationChannels/{numeric_id(ctx.name)[:19]}"
    return {"id": name, "name": name}


def _project_resource(kind: str) -> Callable[[Ctx], Outputs]:
    def outputs(ctx: Ctx) -> Outputs:
        name = f"projects/{ctx.project}/{kind}/{numeric_id(ctx.name)[:19]}"
        return {"id": name, "name": name}

    return outputs


RESOURCE_OUTPUTS: dict[str, Callable[[Ctx], Outputs]] = {
    "gcp:serviceaccount/account:Account": _account,
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:kms/keyRing:KeyRing": _key_ring,
    "gcp:kms/cryptoKey:CryptoKey": _crypto_key,
    "gcp:artifactregistry/repository:Repository": _repository,
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": _pool,
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": _pool_provider,
    "gcp:projects/serviceIdentity:ServiceIdentity": _service_identity,
    "gcp:projects/service:Service": _service,
    "gcp:projects/iAMMember:IAMMember": _iam_member,
    "gcp:storage/bucketIAMMember:BucketIAMMember": _iam_member,
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _iam_member,
    "gcp:serviceaccount/iAMMember:IAMMember": _iam_member,
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": _iam_member,
    "gcp:vertex/aiEndpoint:AiEndpoint": _endpoint,
    "gcp:monitoring/notificationChannel:NotificationChannel": _notification_channel,
    "gcp:monitoring/alertPolicy:AlertPolicy": _project_resource("alertPolicies"),
    "gcp:monitoring/dashboard:Dashboard": _project_resource("dashboards"),
    "gcp:cloudbuild/trigger:Trigger": _project_resource("triggers"),
    "pulumi-python:dynamic/vertex:ModelVersion": _model_version,
    "pulumi-python:dynamic/vertex:EndpointDeployment": _endpoint_deployment,
    "pulumi-python:dynamic/vertex:ModelMonitors": _model_monitors,
    "gcp:bigquery/dataset:Dataset": _dataset,
    "gcp:bigquery/datasetIamMember:DatasetIamMember": _iam_member,
    "gcp:pubsub/topic:Topic": _topic,
    "gcp:storage/bucketObject:BucketObject": _bucket_object,
    "gcp:pubsub/topicIAMMember:TopicIAMMember": _iam_member,
    "pulumi-python:dynamic/kfp:PipelineTemplate": _pipeline_template,
}


class RecordingMonitor(MockMonitor):
    """Sees every RegisterResource: that is the plan graph, with the `protect` option each resource asks for."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[PlannedResource] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        inputs = plain(json_format.MessageToDict(request.object))
        if PROVIDER_KEY in inputs:
            inputs[PROVIDER_KEY] = "(dynamic provider, serialised)"
        self.recorded.append(
            PlannedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent or None,
                dependencies=tuple(sorted(set(request.dependencies))),
                inputs=inputs,
                protect=bool(request.protect),
            )
        )
        return response


def plain(value: Any) -> Any:
    """Wire values as people read them: secrets hidden, references as URNs, 90.0 as 90."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return "[secret]"
        if sig == RESOURCE_SIG:
            return value.get("urn", "")
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value == UNKNOWN:
        return "(known after apply)"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
