"""Every field path the project sends to Google, with the value it sends: from the plan's `gcp:*`
resources (mapped to the API message each one becomes) and from the requests the provider fakes receive.

pulumi-gcp inputs are the camelCase of the Terraform provider's attribute names, which mostly are
the API's own field names: an input is looked up, as snake_case, in the resource's API message. Where
the Terraform provider names or nests a field differently, or puts a value in the request instead of
the resource (parent, ids), `RESOURCES[type].renamed` says where it goes; inputs the provider keeps
for itself and never sends are in `.kept`, with why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage

from tests.contracts.protos import definitions


@dataclass(frozen=True)
class Sent:
    """One field set in one message: its contract path, the value, and the message it sits in."""

    path: str
    value: Any
    siblings: Mapping[str, Any]
    where: str  # the resource or request it comes from, for messages


@dataclass(frozen=True)
class Resource:
    """How one pulumi-gcp type becomes an API message."""

    message: str
    renamed: Mapping[str, str] = field(default_factory=dict)  # input path ([] for list items) -> contract path
    decoded: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)  # input path -> value as the API reads it
    kept: Mapping[str, str] = field(default_factory=dict)  # input path -> why the provider never sends it


def _iam(*ids: str) -> Resource:
    """A `*IamMember`: the provider reads the resource's policy, adds one binding and sets it back
    (SetIamPolicy on the resource the `ids` name; google/iam/v1/iam_policy.proto, policy.proto)."""
    named = {i: "google.iam.v1.SetIamPolicyRequest.resource" for i in ids}
    return Resource("google.iam.v1.Binding", renamed={**named, "member": "google.iam.v1.Binding.members"})


def _request(message: str, **fields: str) -> dict[str, str]:
    return {name: f"{message}.{target}" for name, target in fields.items()}


AR, BQ, VX = "google.devtools.artifactregistry.v1", "google.cloud.bigquery.v2", "google.cloud.aiplatform.v1"
MON, KMS = "google.monitoring.v3", "google.cloud.kms.v1"
RESOURCES: dict[str, Resource] = {
    "gcp:artifactregistry/repository:Repository": Resource(
        f"{AR}.Repository",
        # Terraform lists cleanup policies with their id; the API keys a map by it (CleanupPolicy.id too).
        renamed=_request(
            f"{AR}.CreateRepositoryRequest", project="parent", location="parent", repositoryId="repository_id"
        ),
    ),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": _iam(
        "repository", "project", "location", "repository"
    ),
    "gcp:bigquery/dataset:Dataset": Resource(
        f"{BQ}.Dataset",
        renamed={
            "datasetId": f"{BQ}.Dataset.dataset_reference.dataset_id",
            "project": f"{BQ}.Dataset.dataset_reference.project_id",
        },
        kept={
            "deleteContentsOnDestroy": "Terraform's choice at destroy time (datasets.delete deleteContents), "
            "not a Dataset field"
        },
    ),
    "gcp:bigquery/datasetIamMember:DatasetIamMember": _iam("project", "datasetId"),
    "gcp:bigquery/table:Table": Resource(
        f"{BQ}.Table",
        renamed={
            "datasetId": f"{BQ}.Table.table_reference.dataset_id",
            "project": f"{BQ}.Table.table_reference.project_id",
            "tableId": f"{BQ}.Table.table_reference.table_id",
            "clusterings": f"{BQ}.Table.clustering.fields",  # Terraform flattens Clustering to its field list
            "schema": f"{BQ}.Table.schema.fields",  # a JSON string of TableFieldSchema objects
        },
        decoded={"schema": json.loads},
        kept={"deletionProtection": "Terraform refuses to destroy the table; never sent"},
    ),
    "gcp:cloudbuild/trigger:Trigger": Resource(
        "google.devtools.cloudbuild.v1.BuildTrigger",
        renamed=_request(
            "google.devtools.cloudbuild.v1.CreateBuildTriggerRequest", project="project_id", location="parent"
        ),
    ),
    "gcp:cloudfunctionsv2/function:Function": Resource(
        "google.cloud.functions.v2.Function",
        renamed={
            **_request(
                "google.cloud.functions.v2.CreateFunctionRequest",
                project="parent",
                location="parent",
                name="function_id",
            ),
            # Terraform's `eventTrigger.pubsubTopic`/`serviceAccountEmail` are the API's names; its
            # `buildConfig.serviceAccount` too. Nothing else differs.
        },
    ),
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": _iam("project", "location", "name"),
    "gcp:colab/schedule:Schedule": Resource(
        # Colab Enterprise and Vertex AI share the Schedule API (aiplatform v1 ScheduleService).
        f"{VX}.Schedule",
        renamed=_request(f"{VX}.CreateScheduleRequest", project="parent", location="parent"),
    ),
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": Resource(
        "google.iam.v1beta.WorkloadIdentityPool",
        renamed=_request(
            "google.iam.v1beta.CreateWorkloadIdentityPoolRequest",
            project="parent",
            workloadIdentityPoolId="workload_identity_pool_id",
        ),
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": Resource(
        "google.iam.v1beta.WorkloadIdentityPoolProvider",
        renamed=_request(
            "google.iam.v1beta.CreateWorkloadIdentityPoolProviderRequest",
            project="parent",
            workloadIdentityPoolId="parent",
            workloadIdentityPoolProviderId="workload_identity_pool_provider_id",
        ),
    ),
    "gcp:kms/cryptoKey:CryptoKey": Resource(
        f"{KMS}.CryptoKey", renamed=_request(f"{KMS}.CreateCryptoKeyRequest", keyRing="parent", name="crypto_key_id")
    ),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _iam("cryptoKeyId"),
    "gcp:kms/keyRing:KeyRing": Resource(
        f"{KMS}.KeyRing",
        renamed=_request(f"{KMS}.CreateKeyRingRequest", project="parent", location="parent", name="key_ring_id"),
    ),
    "gcp:monitoring/alertPolicy:AlertPolicy": Resource(
        f"{MON}.AlertPolicy", renamed=_request(f"{MON}.CreateAlertPolicyRequest", project="name")
    ),
    "gcp:monitoring/dashboard:Dashboard": Resource(
        "google.monitoring.dashboard.v1.Dashboard",
        renamed={
            "project": "google.monitoring.dashboard.v1.CreateDashboardRequest.parent",
            "dashboardJson": "google.monitoring.dashboard.v1.Dashboard",  # the Dashboard itself, as JSON
        },
        decoded={"dashboardJson": json.loads},
    ),
    "gcp:monitoring/metricDescriptor:MetricDescriptor": Resource(
        "google.api.MetricDescriptor", renamed=_request(f"{MON}.CreateMetricDescriptorRequest", project="name")
    ),
    "gcp:monitoring/notificationChannel:NotificationChannel": Resource(
        f"{MON}.NotificationChannel", renamed=_request(f"{MON}.CreateNotificationChannelRequest", project="name")
    ),
    "gcp:projects/iAMCustomRole:IAMCustomRole": Resource(
        "google.iam.admin.v1.Role",
        renamed={
            **_request("google.iam.admin.v1.CreateRoleRequest", project="parent", roleId="role_id"),
            "permissions": "google.iam.admin.v1.Role.included_permissions",
        },
    ),
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": Resource(
        # The provider reads the project's policy, sets this service's AuditConfig and writes it back
        # (SetIamPolicy on the project; google/iam/v1/policy.proto, Policy.audit_configs).
        "google.iam.v1.AuditConfig",
        renamed={"project": "google.iam.v1.SetIamPolicyRequest.resource"},
    ),
    "gcp:projects/iAMMember:IAMMember": _iam("project"),
    "gcp:projects/service:Service": Resource(
        "google.api.serviceusage.v1.EnableServiceRequest",
        renamed={
            "project": "google.api.serviceusage.v1.EnableServiceRequest.name",
            "service": "google.api.serviceusage.v1.EnableServiceRequest.name",  # projects/{project}/services/{service}
        },
        kept={"disableOnDestroy": "Terraform's choice at destroy time; never sent"},
    ),
    "gcp:projects/serviceIdentity:ServiceIdentity": Resource(
        "google.api.serviceusage.v1beta1.GenerateServiceIdentityRequest",
        renamed={
            "project": "google.api.serviceusage.v1beta1.GenerateServiceIdentityRequest.parent",
            "service": "google.api.serviceusage.v1beta1.GenerateServiceIdentityRequest.parent",
        },
    ),
    "gcp:pubsub/topic:Topic": Resource("google.pubsub.v1.Topic", renamed={"project": "google.pubsub.v1.Topic.name"}),
    "gcp:pubsub/topicIAMMember:TopicIAMMember": _iam("project", "topic"),
    "gcp:secretmanager/secret:Secret": Resource(
        "google.cloud.secretmanager.v1.Secret",
        renamed={
            **_request("google.cloud.secretmanager.v1.CreateSecretRequest", project="parent", secretId="secret_id"),
            "replication.auto": "google.cloud.secretmanager.v1.Secret.replication.automatic",
        },
    ),
    "gcp:secretmanager/secretIamMember:SecretIamMember": _iam("project", "secretId"),
    "gcp:serviceaccount/account:Account": Resource(
        "google.iam.admin.v1.CreateServiceAccountRequest",
        renamed={
            "project": "google.iam.admin.v1.CreateServiceAccountRequest.name",
            "displayName": "google.iam.admin.v1.CreateServiceAccountRequest.service_account.display_name",
        },
    ),
    "gcp:serviceaccount/iAMMember:IAMMember": _iam("serviceAccountId"),
    "gcp:storage/bucket:Bucket": Resource(
        # Terraform sends the Storage JSON API's Bucket; its discovery document is not in this
        # repository (see apis/README.md), so fields are checked against google/storage/v2's Bucket,
        # the same resource. The JSON names that differ from v2's:
        "google.storage.v2.Bucket",
        renamed={
            "encryption.defaultKmsKeyName": "google.storage.v2.Bucket.encryption.default_kms_key",
            "lifecycleRules": "google.storage.v2.Bucket.lifecycle.rule",
            "lifecycleRules.[].condition.age": "google.storage.v2.Bucket.lifecycle.rule.condition.age_days",
            "lifecycleRules.[].condition.withState": "google.storage.v2.Bucket.lifecycle.rule.condition.is_live",
            "publicAccessPrevention": "google.storage.v2.Bucket.iam_config.public_access_prevention",
            "uniformBucketLevelAccess": "google.storage.v2.Bucket.iam_config.uniform_bucket_level_access.enabled",
        },
    ),
    "gcp:storage/bucketIAMMember:BucketIAMMember": _iam("bucket"),
    "gcp:storage/bucketObject:BucketObject": Resource(
        "google.storage.v2.Object",
        kept={"source": "the file whose bytes are uploaded: the object's content, not a metadata field"},
    ),
    "gcp:vertex/aiEndpoint:AiEndpoint": Resource(
        f"{VX}.Endpoint",
        renamed={
            **_request(
                f"{VX}.CreateEndpointRequest", project="parent", location="parent", region="parent", name="endpoint_id"
            ),
            "privateServiceConnectConfig.projectAllowlists": (
                f"{VX}.Endpoint.private_service_connect_config.project_allowlist"
            ),
            # v1beta1 only: pulumi-gcp is built from the google-beta provider, which calls Vertex AI's
            # v1beta1 (magic-modules mmv1/products/vertexai/product.yaml, version beta's base_url). The
            # Endpoint's field is that message (v1beta1's endpoint.proto is not vendored; its
            # service_networking.proto, which defines the message, is).
            "privateServiceConnectConfig.enableSecurePrivateServiceConnect": (
                "google.cloud.aiplatform.v1beta1.PrivateServiceConnectConfig.enable_secure_private_service_connect"
            ),
        },
    ),
    # SetIamPolicy on the endpoint (its id names project, location and endpoint).
    "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember": _iam("project", "location", "endpoint"),
}
DYNAMIC = "pulumi-python:dynamic/"  # our own providers: their requests are collected from the fakes


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def walk(message: str, data: Mapping[str, Any], where: str, resource: Resource | None = None) -> Iterator[Sent]:
    """Every leaf of `data` read as `message`: a path per field, whatever it holds (a map or a
    repeated scalar is one leaf, judged whole). A key the message lacks is sent under `message.<key>`,
    which no contract names: the test then reports it."""
    yield from _walk(message, message, data, "", where, resource or Resource(message))


def _walk(
    message: str, prefix: str, data: Mapping[str, Any], inputs: str, where: str, resource: Resource
) -> Iterator[Sent]:
    siblings = {snake(k): v for k, v in data.items()}
    defs = definitions()
    for key, value in data.items():
        input_path = f"{inputs}.{key}" if inputs else key
        if input_path in resource.kept:
            continue
        value = resource.decoded[input_path](value) if input_path in resource.decoded else value
        path = resource.renamed.get(input_path, f"{prefix}.{snake(key)}")
        if path in defs.messages and isinstance(value, Mapping):  # a document that is the whole message
            yield from _walk(path, path, value, input_path, where, resource)
            continue
        try:
            target = defs.at(path)
        except (KeyError, ValueError):
            yield Sent(path, value, siblings, where)
            continue
        inner = (
            None
            if target.is_map and not defs.resolve(target.type_name, target.scope)
            else defs.resolve(target.type_name, target.scope)
        )
        if isinstance(value, list):
            items = value  # repeated, or a map Terraform writes as a list of blocks
        else:
            items = list(value.values()) if target.is_map and isinstance(value, Mapping) else [value]
        if inner is not None and items and all(isinstance(i, Mapping) for i in items):
            nested = f"{input_path}.[]" if isinstance(value, list) else input_path
            for item in items:
                yield from _walk(inner, path, item, nested, where, resource)
        else:
            yield Sent(path, value, siblings, where)


def from_plan(plan: Mapping[str, Any]) -> Iterator[Sent]:
    """Every field the plan's pulumi-gcp resources send; an unmapped type is one `Sent` under `unmapped:`."""
    for planned in plan["resources"]:
        kind = planned["type"]
        if not planned.get("custom") or kind.startswith(DYNAMIC) or kind.startswith("pulumi:"):
            continue
        resource = RESOURCES.get(kind)
        if resource is None:
            yield Sent(f"unmapped:{kind}", None, {}, planned["urn"])
            continue
        yield from walk(resource.message, planned["inputs"], planned["urn"], resource)


def from_request(request: Any, where: str) -> Iterator[Sent]:
    """Every field a recorded request sets, named from the request message (proto-plus or protobuf)."""
    raw: ProtoMessage = type(request).pb(request) if hasattr(type(request), "pb") else request
    data = json_format.MessageToDict(raw, preserving_proto_field_name=True)
    yield from walk(raw.DESCRIPTOR.full_name, data, where)
