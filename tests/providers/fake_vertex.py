"""An in-process Vertex AI Model Registry and endpoints on the real aiplatform_v1 messages (a `GrpcFake`).

State (models, versions, endpoints) lives in memory; the server, faults and long-running
operations ([lro]) are `GrpcFake`'s. Every rule the fake enforces follows Google's
documentation, not the providers' code, and cites its source with a tag from this list:

[model]     https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models
[upload]    https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models/upload
[patch]     https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models/patch
[merge]     https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models/mergeVersionAliases
[del-ver]   https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models/deleteVersion
[del-model] https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.models/delete
[alias]     https://cloud.google.com/vertex-ai/docs/model-registry/model-alias
[endpoint]  https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints
[create]    https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/create
[deploy]    https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/deployModel
[undeploy]  https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/undeployModel
[mutate]    https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints/mutateDeployedModel
[deployed]  https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.endpoints#DeployedModel
[psa]       https://cloud.google.com/vertex-ai/docs/predictions/using-private-endpoints
[psc]       https://cloud.google.com/vertex-ai/docs/predictions/private-service-connect
[types]     https://cloud.google.com/vertex-ai/docs/predictions/choose-endpoint-type
[deploy-api] https://cloud.google.com/vertex-ai/docs/predictions/deploy-model-api (a DeployModel answers an
            operation named `projects/PROJECT_NUMBER/locations/LOCATION/endpoints/ENDPOINT_ID/operations/ID`)
[ops]       google/cloud/aiplatform/v1/aiplatform_v1.yaml (googleapis f8291d2b): ListOperations binds
            `/v1/{name=projects/*/locations/*/endpoints/*}/operations`; google/longrunning/operations.proto
[ep.proto]  google/cloud/aiplatform/v1/endpoint.proto (googleapis f8291d2b)
[es.proto]  google/cloud/aiplatform/v1/endpoint_service.proto (googleapis f8291d2b)
[io.proto]  google/cloud/aiplatform/v1/io.proto (googleapis f8291d2b)
[code]      google/rpc/code.proto (googleapis f8291d2b)
[labels]    https://cloud.google.com/resource-manager/docs/labels-overview
[numbers]   https://cloud.google.com/vertex-ai/docs/general/deployment (API samples name models
            projects/PROJECT_NUMBER/...; GetModel/GetEndpoint answer with the number)

Status codes are the ones Google's errors carry where the page gives one; where it does not,
the fake answers FAILED_PRECONDITION (state forbids it) or INVALID_ARGUMENT (the request is
malformed), as https://cloud.google.com/apis/design/errors defines them. Every traffic split
an endpoint ever had is recorded.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import grpc
from google.cloud import aiplatform_v1 as v1
from google.longrunning import operations_pb2
from google.protobuf import empty_pb2

from tests.providers.grpc_fake import OPERATION, GrpcFake, Method, Rejected

# [merge] "The alias should be at most 128 characters, and match [a-z][a-zA-Z0-9-]{0,126}[a-z-0-9]"
ALIAS = re.compile(r"[a-z][a-zA-Z0-9-]{0,126}[a-z0-9-]")
# [upload] modelId "may be up to 63 characters, [a-z0-9_-]. The first character cannot be a number or hyphen"
MODEL_ID = re.compile(r"[a-z_][a-z0-9_-]{0,62}")
# [create] endpointId: letter first, up to 63 of [a-z0-9-], last a letter or number; or up to 9 digits, no leading zero
ENDPOINT_ID = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?|[1-9][0-9]{0,8}")
# [labels] keys and values at most 63 characters of lowercase letters, digits, _ and -; keys start with a letter
LABEL_KEY = re.compile(r"[^\W\d_A-Z][\w-]{0,62}")
LABEL_VALUE = re.compile(r"[\w-]{0,63}")
# [patch] a version's own fields vs the model's; a name with "@" addresses a version
VERSION_FIELDS = frozenset({"labels", "version_description"})
MODEL_FIELDS = frozenset({"labels", "display_name", "description"})
# [mutate] "Updatable fields include min_replica_count, max_replica_count, autoscaling_metric_specs ...";
# [es.proto] 426-451 MutateDeployedModelRequest.deployed_model lists the only fields that "can be mutated":
# replica counts, autoscaling_metric_specs, container logging. service_account is not among them.
MUTABLE = frozenset({"dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count"})
DEFAULT = "default"
# [ep.proto] 231-234 DeployedModel.id: "This value should be 1-10 characters, and valid characters are /[0-9]/"
DEPLOYED_MODEL_ID = re.compile(r"[0-9]{1,10}")
# [io.proto] 72-83 BigQueryDestination.output_uri: `bq://projectId`, `bq://projectId.bqDatasetId` or
# `bq://projectId.bqDatasetId.bqTableId`
BIGQUERY_URI = re.compile(r"bq://([^.]+)(?:\.([^.]+)(?:\.([^.]+))?)?")


@dataclass(frozen=True)
class Snapshot:
    """An endpoint between two changes: which models were deployed and how traffic was split."""

    deployed: frozenset[str]
    split: dict[str, int]


@dataclass
class EndpointState:
    network: str = ""
    psc_projects: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    deployed: dict[str, v1.DeployedModel] = field(default_factory=dict)
    split: dict[str, int] = field(default_factory=dict)
    history: list[Snapshot] = field(default_factory=list)
    etag: int = 0
    deploying: dict[str, str] = field(default_factory=dict)  # deployed model id -> its DeployModel operation
    undeploying: dict[str, str] = field(default_factory=dict)  # deployed model id -> its UndeployModel operation

    @property
    def private_services_access(self) -> bool:
        return bool(self.network)


def serving_violations(history: Sequence[Snapshot]) -> list[str]:
    """Zero downtime, judged over everything an endpoint went through.

    Every split names deployed models only and adds up to 100 or is empty; once serving has
    begun it never stops, except in a teardown that ends the history: nothing deployed at the
    end, or an emptied split after which deployed models only go (the models someone else
    deployed by hand may stay, taking no traffic).
    """
    problems: list[str] = []
    served = False
    quiet = len(history)  # where the trailing run of snapshots that serve nothing begins
    while quiet and not any(history[quiet - 1].split.values()):
        quiet -= 1
    torn_down = quiet < len(history) and _teardown(history[quiet:])
    for i, snapshot in enumerate(history):
        if set(snapshot.split) - snapshot.deployed:
            problems.append(f"#{i}: split {snapshot.split} names models not deployed {sorted(snapshot.deployed)}")
        if snapshot.split and sum(snapshot.split.values()) != 100:
            problems.append(f"#{i}: split {snapshot.split} does not add up to 100")
        serving = any(snapshot.split.values())
        if served and not serving and not (torn_down and i >= quiet):
            problems.append(f"#{i}: nothing takes traffic while {sorted(snapshot.deployed)} are deployed")
        served = served or serving
    return problems


def _teardown(tail: Sequence[Snapshot]) -> bool:
    """Snapshots that serve nothing and end the history: everything went, or models only went."""
    shrinking = len(tail) > 1 and all(b.deployed < a.deployed for a, b in itertools.pairwise(tail))
    return not tail[-1].deployed or shrinking


class FakeVertex(GrpcFake):
    """Models and endpoints of one fake project, served on 127.0.0.1; operations take two polls by default."""

    readonly = frozenset({"GetOperation", "ListOperations", "GetEndpoint", "GetModel", "ListModelVersions"})

    def __init__(self, project: str, project_number: str, operation_polls: int = 2) -> None:
        super().__init__(f"projects/{project_number}/locations/us-central1", operation_polls)
        self.project, self.project_number = project, project_number
        self.versions: dict[str, list[v1.Model]] = {}
        self.endpoints: dict[str, EndpointState] = {}
        self._next_version: dict[str, itertools.count[int]] = {}
        self.bigquery_datasets: set[str] = set()  # `project.dataset`, as the other fakes or a test made them
        self.bigquery_tables: set[str] = set()  # `project.dataset.table`

    # -- test controls -------------------------------------------------------------------
    def add_endpoint(self, name: str, network: str = "", psc_projects: Sequence[str] = ()) -> None:
        """An endpoint as pulumi-gcp's AiEndpoint would have created it (through CreateEndpoint's rules)."""
        parent, _, endpoint_id = name.rpartition("/endpoints/")
        endpoint = v1.Endpoint(display_name=endpoint_id, network=network)
        if psc_projects:
            endpoint.private_service_connect_config = v1.PrivateServiceConnectConfig(
                enable_private_service_connect=True, project_allowlist=list(psc_projects)
            )
        self._create_endpoint_state(v1.CreateEndpointRequest(parent=parent, endpoint=endpoint, endpoint_id=endpoint_id))

    def take_polls(self, polls: int) -> None:
        """Operations still running end after `polls` more GetOperation calls each (the cloud got on with them)."""
        for operation in self.operations.values():
            if operation.result is None:
                operation.polls_left = polls

    def endpoint(self, name: str) -> EndpointState:
        return self.endpoints[self.canonical(name)]

    def model_versions(self, name: str) -> list[v1.Model]:
        return self.versions.get(self.canonical(name), [])

    def serving(self, endpoint: str) -> dict[str, int]:
        """Deployed model display name (our version key) -> percent, as the endpoint serves now."""
        state = self.endpoint(endpoint)
        return {state.deployed[i].display_name: state.split.get(i, 0) for i in state.deployed}

    def default_version(self, model: str) -> str:
        """The alias of the version holding `default` other than `default` itself (our version key)."""
        [holder] = [m for m in self.model_versions(model) if DEFAULT in m.version_aliases]
        return next(a for a in holder.version_aliases if a != DEFAULT)

    def canonical(self, name: str) -> str:
        """[numbers] Vertex names resources with the project number, whatever the request spelled."""
        prefix = f"projects/{self.project}/"
        return f"projects/{self.project_number}/{name.removeprefix(prefix)}" if name.startswith(prefix) else name

    def methods(self) -> list[Method]:
        models, endpoints = "google.cloud.aiplatform.v1.ModelService", "google.cloud.aiplatform.v1.EndpointService"
        op = OPERATION
        return [
            (models, "UploadModel", v1.UploadModelRequest.deserialize, op, self._upload_model),
            (models, "GetModel", v1.GetModelRequest.deserialize, v1.Model.serialize, self._get_model),
            (
                models,
                "ListModelVersions",
                v1.ListModelVersionsRequest.deserialize,
                v1.ListModelVersionsResponse.serialize,
                self._list_versions,
            ),
            (models, "UpdateModel", v1.UpdateModelRequest.deserialize, v1.Model.serialize, self._update_model),
            (
                models,
                "MergeVersionAliases",
                v1.MergeVersionAliasesRequest.deserialize,
                v1.Model.serialize,
                self._merge_aliases,
            ),
            (models, "DeleteModel", v1.DeleteModelRequest.deserialize, op, self._delete_model),
            (models, "DeleteModelVersion", v1.DeleteModelVersionRequest.deserialize, op, self._delete_version),
            (endpoints, "CreateEndpoint", v1.CreateEndpointRequest.deserialize, op, self._create_endpoint),
            (endpoints, "GetEndpoint", v1.GetEndpointRequest.deserialize, v1.Endpoint.serialize, self._get_endpoint),
            (endpoints, "DeployModel", v1.DeployModelRequest.deserialize, op, self._deploy),
            (endpoints, "UndeployModel", v1.UndeployModelRequest.deserialize, op, self._undeploy),
            (
                endpoints,
                "UpdateEndpoint",
                v1.UpdateEndpointRequest.deserialize,
                v1.Endpoint.serialize,
                self._update_endpoint,
            ),
            (endpoints, "MutateDeployedModel", v1.MutateDeployedModelRequest.deserialize, op, self._mutate),
            (
                "google.longrunning.Operations",
                "ListOperations",
                operations_pb2.ListOperationsRequest.FromString,
                operations_pb2.ListOperationsResponse.SerializeToString,
                self._list_operations,
            ),
        ]

    # -- labels ----------------------------------------------------------------------------------
    @staticmethod
    def _check_labels(labels: dict[str, str]) -> None:
        """[labels] keys and values up to 63 characters, lowercase letters, digits, `_` and `-`."""
        bad = {
            k: v
            for k, v in labels.items()
            if not (LABEL_KEY.fullmatch(k) and LABEL_VALUE.fullmatch(v) and (k + v) == (k + v).lower())
        }
        if bad:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"labels {bad} break the label rules")

    # -- model registry ------------------------------------------------------------------------
    def _resolve(self, name: str) -> tuple[str, v1.Model]:
        """[model] `models/ID` is the default version; `models/ID@3` and `models/ID@v7` pick by id or alias."""
        base, _, selector = self.canonical(name).partition("@")
        versions = self.versions.get(base)
        if not versions:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"model {base} not found")
        for model in versions:
            if selector == model.version_id or (selector or DEFAULT) in model.version_aliases:
                return base, model
        raise Rejected(grpc.StatusCode.NOT_FOUND, f"model version {name} not found")

    def _apply_aliases(self, base: str, aliases: Sequence[str], owner: v1.Model) -> None:
        """[alias] "If you apply an existing alias that is used in another model version, the alias is
        removed from that version": an alias names one version of a model at a time."""
        for other in self.versions.get(base, []):
            if other is not owner:
                other.version_aliases = [a for a in other.version_aliases if a not in aliases]
        owner.version_aliases = [*owner.version_aliases, *(a for a in aliases if a not in owner.version_aliases)]

    @staticmethod
    def _check_alias_format(aliases: Sequence[str]) -> None:
        # [alias] "Version aliases must be non-numerical"; [merge] the format above
        bad = [a for a in aliases if not ALIAS.fullmatch(a) or a.isdigit()]
        if bad:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"aliases {bad} must match {ALIAS.pattern}")

    def _upload_model(self, request: v1.UploadModelRequest) -> operations_pb2.Operation:
        if request.parent_model:
            base = self.canonical(request.parent_model)
            if base not in self.versions:
                raise Rejected(grpc.StatusCode.NOT_FOUND, f"parent model {base} not found")
        else:
            if request.model_id and not MODEL_ID.fullmatch(request.model_id):
                raise Rejected(
                    grpc.StatusCode.INVALID_ARGUMENT, f"model id {request.model_id!r} must match {MODEL_ID.pattern}"
                )
            base = f"{self.canonical(request.parent)}/models/{request.model_id or self.next_id()}"
            if base in self.versions:
                raise Rejected(grpc.StatusCode.ALREADY_EXISTS, f"model {base} already exists")
        self._check_alias_format(list(request.model.version_aliases))
        self._check_labels(dict(request.model.labels))

        def apply() -> v1.UploadModelResponse:
            model = v1.Model(request.model)
            versions = self.versions.setdefault(base, [])
            # [model] versionId "is an auto-incrementing decimal number": never reused after a delete
            counter = self._next_version.setdefault(base, itertools.count(1))
            model.name, model.version_id = base, str(next(counter))
            aliases = list(model.version_aliases)
            model.version_aliases = []
            versions.append(model)
            # [alias] "the first version automatically gets assigned the default alias"
            self._apply_aliases(base, [*aliases, DEFAULT] if len(versions) == 1 else aliases, model)
            return v1.UploadModelResponse(model=base, model_version_id=model.version_id)

        return self.operation("UploadModel", apply)

    def _get_model(self, request: v1.GetModelRequest) -> v1.Model:
        return self._resolve(request.name)[1]

    def _list_versions(self, request: v1.ListModelVersionsRequest) -> v1.ListModelVersionsResponse:
        base = self.canonical(request.name)
        if base not in self.versions:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"model {request.name} not found")
        return v1.ListModelVersionsResponse(models=self.versions[base])

    def _update_model(self, request: v1.UpdateModelRequest) -> v1.Model:
        """[patch] A version update (`@`) takes version fields, a model update model fields: never both."""
        base, model = self._resolve(request.model.name)
        paths = set(request.update_mask.paths)
        allowed = VERSION_FIELDS if "@" in request.model.name else MODEL_FIELDS
        if not paths or not paths <= allowed:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"mask {sorted(paths)} not within {sorted(allowed)}")
        if "labels" in paths:
            self._check_labels(dict(request.model.labels))
        for target in [model] if allowed is VERSION_FIELDS else self.versions[base]:
            for path in paths:
                setattr(target, path, getattr(request.model, path))
        return model

    def _merge_aliases(self, request: v1.MergeVersionAliasesRequest) -> v1.Model:
        """[merge] "Add the - prefix to an alias means removing that alias from the version"."""
        base, model = self._resolve(request.name)
        added = [a for a in request.version_aliases if not a.startswith("-")]
        removed = {a[1:] for a in request.version_aliases if a.startswith("-")}
        self._check_alias_format([*added, *removed])
        # [alias] "One version of a model is required to carry the default alias at all times"
        if DEFAULT in removed:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "the default alias can only move, not be removed")
        model.version_aliases = [a for a in model.version_aliases if a not in removed]
        self._apply_aliases(base, added, model)
        return model

    def _deployed_anywhere(self, base: str, version_id: str | None) -> bool:
        return any(
            d.model == base and version_id in (None, d.model_version_id)
            for state in self.endpoints.values()
            for d in state.deployed.values()
        )

    def _delete_version(self, request: v1.DeleteModelVersionRequest) -> operations_pb2.Operation:
        base, model = self._resolve(request.name)
        # [del-ver] "Deleting the only version in the Model is not allowed. Use models.delete"
        if len(self.versions[base]) == 1:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"{request.name} is the only version: delete the model")
        # [del-ver] "can only be deleted if there are no DeployedModels created from it"
        if self._deployed_anywhere(base, model.version_id):
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"{request.name} is deployed")
        return self.operation("DeleteModelVersion", lambda: self._remove_version(base, model))

    def _remove_version(self, base: str, model: v1.Model) -> empty_pb2.Empty:
        """[alias] "When you delete a model version assigned the default alias, the alias is automatically
        assigned to the next most recent version"."""
        self.versions[base].remove(model)
        if DEFAULT in model.version_aliases:
            newest = max(self.versions[base], key=lambda m: int(m.version_id))
            self._apply_aliases(base, [DEFAULT], newest)
        return empty_pb2.Empty()

    def _delete_model(self, request: v1.DeleteModelRequest) -> operations_pb2.Operation:
        base, _ = self._resolve(request.name)
        # [del-model] "A model cannot be deleted if any Endpoint resource has a DeployedModel based on the model"
        if self._deployed_anywhere(base, None):
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"{request.name} has deployed versions")
        return self.operation("DeleteModel", lambda: self._remove_model(base))

    def _remove_model(self, name: str) -> empty_pb2.Empty:
        del self.versions[name]
        return empty_pb2.Empty()

    # -- endpoints -------------------------------------------------------------------------------
    def _create_endpoint_state(self, request: v1.CreateEndpointRequest) -> str:
        # [create] endpointId: letter-first up to 63 of [a-z0-9-], or up to 9 digits with no leading zero
        if not ENDPOINT_ID.fullmatch(request.endpoint_id):
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"endpoint id {request.endpoint_id!r} is not valid")
        endpoint = request.endpoint
        psc = endpoint.private_service_connect_config
        # [endpoint] "Only one of the fields, network or enable_private_service_connect, can be set"
        if endpoint.network and (psc.enable_private_service_connect or endpoint.enable_private_service_connect):
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "network and private service connect are exclusive")
        self._check_labels(dict(endpoint.labels))
        table = self._check_logging(endpoint)
        name = f"{self.canonical(request.parent)}/endpoints/{request.endpoint_id}"
        if name in self.endpoints:
            raise Rejected(grpc.StatusCode.ALREADY_EXISTS, f"endpoint {name} already exists")
        if table:
            self.bigquery_tables.add(table)  # the table Vertex creates for the log
        self.endpoints[name] = EndpointState(
            network=endpoint.network, psc_projects=tuple(psc.project_allowlist), labels=dict(endpoint.labels)
        )
        return name

    def _check_logging(self, endpoint: v1.Endpoint) -> str:
        """The request-response log a new endpoint may write; returns the full table it names, if any."""
        logging = endpoint.predict_request_response_logging_config
        if not logging.enabled:
            return ""
        # [types] the endpoint-type comparison (as issue 16 reads it) lists request-response logging as not
        # supported on private endpoints (private services access, `network` set); the excerpts of that page
        # and of [psa] "Limitations of private endpoints" reachable here cut off before that row, so this
        # rule is taken from the reading, not re-read. No error code is documented.
        if endpoint.network:
            raise Rejected(
                grpc.StatusCode.INVALID_ARGUMENT, "request-response logging is not supported on a peered endpoint"
            )
        uri = logging.bigquery_destination.output_uri
        parsed = BIGQUERY_URI.fullmatch(uri)
        if parsed is None:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"bigquery destination {uri!r} is not a bq:// path")
        project, dataset, table = parsed.groups()
        if not table:
            return ""
        # [io.proto] 75-76 "When the full table reference is specified, the Dataset must exist and table must
        # not exist" (no error code is documented: a state the caller must change is FAILED_PRECONDITION)
        if f"{project}.{dataset}" not in self.bigquery_datasets:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"dataset {project}.{dataset} does not exist")
        full = f"{project}.{dataset}.{table}"
        if full in self.bigquery_tables:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"table {full} already exists")
        return full

    def _create_endpoint(self, request: v1.CreateEndpointRequest) -> operations_pb2.Operation:
        name = self._create_endpoint_state(request)
        return self.operation("CreateEndpoint", lambda: self._get_endpoint(v1.GetEndpointRequest(name=name)), name)

    def _endpoint(self, name: str) -> tuple[str, EndpointState]:
        canonical = self.canonical(name)
        if canonical not in self.endpoints:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"endpoint {name} not found")
        return canonical, self.endpoints[canonical]

    def _get_endpoint(self, request: v1.GetEndpointRequest) -> v1.Endpoint:
        name, state = self._endpoint(request.name)
        endpoint = v1.Endpoint(
            name=name,
            network=state.network,
            labels=state.labels,
            deployed_models=list(state.deployed.values()),
            traffic_split=state.split,
            etag=str(state.etag),
        )
        if state.psc_projects:
            endpoint.private_service_connect_config = v1.PrivateServiceConnectConfig(
                enable_private_service_connect=True, project_allowlist=list(state.psc_projects)
            )
        return endpoint

    @staticmethod
    def _check_split(split: dict[str, int], deployed: set[str]) -> None:
        """[endpoint] traffic_split: only deployed ids, percentages that add up to 100, or empty (no traffic)."""
        unknown = sorted(set(split) - deployed)
        if unknown:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"traffic split names undeployed models {unknown}")
        if split and sum(split.values()) != 100:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"traffic split sums to {sum(split.values())}")

    @staticmethod
    def _record(state: EndpointState, split: dict[str, int]) -> None:
        """[deploy] the endpoint's split "will be overwritten with" the one given: zero entries stay."""
        state.split = dict(split)
        state.history.append(Snapshot(frozenset(state.deployed), dict(state.split)))
        state.etag += 1

    def _deploy(self, request: v1.DeployModelRequest) -> operations_pb2.Operation:
        name, state = self._endpoint(request.endpoint)
        base, model = self._resolve(request.deployed_model.model)
        # [psa] "Only support one model per private endpoint", so "Private endpoints don't support traffic
        # splitting"; [types] [psc] Private Service Connect and public endpoints take several models and split
        if state.private_services_access and (state.deployed or self._running(state.deploying)):
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, "private services access endpoints serve one model")
        wanted_id = request.deployed_model.id
        if wanted_id and not DEPLOYED_MODEL_ID.fullmatch(wanted_id):
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"deployed model id {wanted_id!r} is not 1-10 digits")
        # [ep.proto] 66-74 the split is keyed by DeployedModel id, so an id names one deployed model of the
        # endpoint; a deployment under way holds its id (what Vertex answers then is not documented)
        if wanted_id in state.deployed or wanted_id in self._running(state.deploying):
            raise Rejected(grpc.StatusCode.ALREADY_EXISTS, f"deployed model {wanted_id} already exists")
        # [es.proto] 353-366 "If this field is non-empty, then the Endpoint's traffic_split will be overwritten
        # with it" ... "If this field is empty, then the Endpoint's traffic_split is not updated"; "0" is the new
        # model. The request is checked against the endpoint as it is now ...
        requested = dict(request.traffic_split)
        self._check_split(requested, set(state.deployed) | {"0"})
        deployed_id = wanted_id or self.next_id()

        def apply() -> v1.DeployModelResponse:
            # ... and applied when the operation ends, minutes later, over whatever changed meanwhile: nothing
            # documented checks it again, so a split taken from a stale read lands as it was sent.
            deployed = v1.DeployedModel(request.deployed_model)
            # [deployed] the id is generated when not given: "1-10 characters, and valid characters are /[0-9]/"
            deployed.id = deployed_id
            # [numbers] the deployed model names its model with the project number and the version apart
            deployed.model, deployed.model_version_id = base, model.version_id
            state.deployed[deployed.id] = deployed
            split = {(deployed.id if k == "0" else k): v for k, v in requested.items()} if requested else state.split
            self._record(state, split)
            return v1.DeployModelResponse(deployed_model=deployed)

        operation = self.operation("DeployModel", apply, name)  # [deploy-api] named under the endpoint
        state.deploying[deployed_id] = operation.name
        return operation

    def _undeploy(self, request: v1.UndeployModelRequest) -> operations_pb2.Operation:
        name, state = self._endpoint(request.endpoint)
        gone = request.deployed_model_id
        if gone not in state.deployed:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"deployed model {gone} not found")
        if gone in self._running(state.undeploying):
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"deployed model {gone} is being undeployed")
        remaining = set(state.deployed) - {gone}
        if request.traffic_split:
            split = dict(request.traffic_split)
            self._check_split(split, remaining)
        # [undeploy] undeployed "only if it doesn't have any traffic assigned to it ... or if this field unassigns"
        elif state.split.get(gone) and remaining:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, "model still takes traffic; give a new split")

        def apply() -> v1.UndeployModelResponse:
            # [undeploy] "... when this method executes": traffic given to it since the request still counts
            if not request.traffic_split and state.split.get(gone) and len(state.deployed) > 1:
                raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"deployed model {gone} takes traffic")
            del state.deployed[gone]
            after = split if request.traffic_split else {k: v for k, v in state.split.items() if k != gone}
            # [undeploy] "If last DeployedModel is being undeployed ... traffic_split will always end up empty"
            self._record(state, after if state.deployed else {})
            return v1.UndeployModelResponse()

        operation = self.operation("UndeployModel", apply, name)
        state.undeploying[gone] = operation.name
        return operation

    def _running(self, started: dict[str, str]) -> set[str]:
        """The deployed model ids whose operation (id -> operation name) has not ended yet."""
        return {i for i, operation in started.items() if self.operations[operation].result is None}

    def _update_endpoint(self, request: v1.UpdateEndpointRequest) -> v1.Endpoint:
        name, state = self._endpoint(request.endpoint.name)
        # [ep.proto] 76-78 etag: "Used to perform consistent read-modify-write updates. If not set, a blind
        # overwrite update happens"; [code] 117-120 a failed test-and-set is ABORTED ("restart a read-modify-write")
        if request.endpoint.etag and request.endpoint.etag != str(state.etag):
            raise Rejected(grpc.StatusCode.ABORTED, f"etag {request.endpoint.etag} is stale: the endpoint changed")
        if "traffic_split" in request.update_mask.paths:
            split = dict(request.endpoint.traffic_split)
            self._check_split(split, set(state.deployed))
            self._record(state, split)
        return self._get_endpoint(v1.GetEndpointRequest(name=name))

    def _mutate(self, request: v1.MutateDeployedModelRequest) -> operations_pb2.Operation:
        name, state = self._endpoint(request.endpoint)
        deployed = state.deployed.get(request.deployed_model.id)
        if deployed is None:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"deployed model {request.deployed_model.id} not found")
        if not set(request.update_mask.paths) <= MUTABLE:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"immutable fields in mask {request.update_mask.paths}")

        def apply() -> v1.MutateDeployedModelResponse:
            wanted = request.deployed_model.dedicated_resources
            deployed.dedicated_resources.min_replica_count = wanted.min_replica_count
            deployed.dedicated_resources.max_replica_count = wanted.max_replica_count
            state.etag += 1
            return v1.MutateDeployedModelResponse(deployed_model=deployed)

        return self.operation("MutateDeployedModel", apply, name)

    def _list_operations(self, request: operations_pb2.ListOperationsRequest) -> operations_pb2.ListOperationsResponse:
        """[ops] The operations of one resource (an endpoint), running or done; [lro] a running one is `done: false`."""
        prefix = f"{self.canonical(request.name)}/operations/"
        listed = operations_pb2.ListOperationsResponse()
        for name, operation in self.operations.items():
            if name.startswith(prefix):
                answer = listed.operations.add(name=name)
                if operation.result is not None:
                    answer.MergeFrom(operation.result)
        return listed
