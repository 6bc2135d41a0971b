"""An in-process Vertex AI: a real gRPC server that parses the real aiplatform_v1 messages.

google-cloud-aiplatform ships no servicer classes, so each method is registered with the
real request type's `deserialize` and response type's `serialize`: a request with a wrong
field fails to parse here just as it would in Google's frontend. State (models, versions,
endpoints, operations) lives in memory and follows the rules Vertex enforces. Faults can be
injected per method; every traffic split an endpoint ever had is recorded.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.cloud import aiplatform_v1 as v1
from google.longrunning import operations_pb2
from google.protobuf import any_pb2, empty_pb2
from google.rpc import code_pb2, status_pb2

ALIAS = re.compile(r"[a-z][a-zA-Z0-9-]{0,126}[a-z0-9-]")
VERSION_FIELDS = frozenset({"labels", "version_description"})
MODEL_FIELDS = frozenset({"labels", "display_name", "description"})


class Rejected(Exception):
    """What Vertex would answer with a status code instead of a result."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Snapshot:
    """An endpoint between two changes: which models were deployed and how traffic was split."""

    deployed: frozenset[str]
    split: dict[str, int]


@dataclass
class EndpointState:
    deployed: dict[str, v1.DeployedModel] = field(default_factory=dict)
    split: dict[str, int] = field(default_factory=dict)
    history: list[Snapshot] = field(default_factory=list)


def serving_violations(history: Sequence[Snapshot]) -> list[str]:
    """Zero downtime, judged over everything an endpoint went through.

    Every split names deployed models only and adds up to 100 or is empty; once serving has
    begun it never stops, except in a last snapshot with nothing deployed (a deliberate teardown).
    """
    problems: list[str] = []
    served = False
    for i, snapshot in enumerate(history):
        if set(snapshot.split) - snapshot.deployed:
            problems.append(f"#{i}: split {snapshot.split} names models not deployed {sorted(snapshot.deployed)}")
        if snapshot.split and sum(snapshot.split.values()) != 100:
            problems.append(f"#{i}: split {snapshot.split} does not add up to 100")
        if served and not snapshot.split and (snapshot.deployed or i < len(history) - 1):
            problems.append(f"#{i}: nothing takes traffic while {sorted(snapshot.deployed)} are deployed")
        served = served or bool(snapshot.split)
    return problems


class FakeVertex:
    """Models, endpoints and operations of one fake project, served on 127.0.0.1."""

    def __init__(self) -> None:
        self.versions: dict[str, list[v1.Model]] = {}
        self.endpoints: dict[str, EndpointState] = {}
        self.operations: dict[str, operations_pb2.Operation] = {}
        self.calls: list[str] = []
        self._faults: dict[str, list[grpc.StatusCode]] = defaultdict(list)
        self._failing_operations: dict[str, int] = defaultdict(int)
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None
        self.address = ""

    # -- test controls -------------------------------------------------------------------
    def fail(self, method: str, code: grpc.StatusCode, times: int = 1) -> None:
        """The next `times` calls of `method` (e.g. "DeployModel") answer `code`."""
        self._faults[method].extend([code] * times)

    def fail_operation(self, method: str, times: int = 1) -> None:
        """The next `times` operations started by `method` end with an error and change nothing."""
        self._failing_operations[method] += times

    def clear_faults(self) -> None:
        self._faults.clear()
        self._failing_operations.clear()

    def add_endpoint(self, name: str) -> None:
        self.endpoints[name] = EndpointState()

    def mutating_calls(self) -> list[str]:
        readonly = {"GetEndpoint", "GetModel", "ListModelVersions", "GetOperation"}
        return [c for c in self.calls if c not in readonly]

    def serving(self, endpoint: str) -> dict[str, int]:
        """Deployed model display name (our version key) -> percent, as the endpoint serves now."""
        state = self.endpoints[endpoint]
        return {state.deployed[i].display_name: state.split.get(i, 0) for i in state.deployed}

    # -- server ----------------------------------------------------------------------------
    def start(self) -> str:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handlers: dict[str, dict[str, Any]] = defaultdict(dict)
        for service, method, request, response, impl in self._methods():
            handlers[service][method] = grpc.unary_unary_rpc_method_handler(
                self._wrap(method, impl), request_deserializer=request, response_serializer=response
            )
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler(service, methods) for service, methods in handlers.items()]
        )
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server, self.address = server, f"127.0.0.1:{port}"
        return self.address

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=None)

    def _methods(self) -> list[tuple[str, str, Callable[..., Any], Callable[..., Any], Callable[..., Any]]]:
        models, endpoints = "google.cloud.aiplatform.v1.ModelService", "google.cloud.aiplatform.v1.EndpointService"
        op = operations_pb2.Operation.SerializeToString
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
                "GetOperation",
                operations_pb2.GetOperationRequest.FromString,
                op,
                self._get_operation,
            ),
        ]

    def _wrap(self, method: str, impl: Callable[[Any], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
        def handle(request: Any, context: grpc.ServicerContext) -> Any:
            with self._lock:
                self.calls.append(method)
                if self._faults[method]:
                    code = self._faults[method].pop(0)
                    context.abort(code, f"injected {code.name} on {method}")
                try:
                    return impl(request)
                except Rejected as rejected:
                    context.abort(rejected.code, str(rejected))

        return handle

    # -- operations ----------------------------------------------------------------------------
    def _operation(self, method: str, apply: Callable[[], Any]) -> operations_pb2.Operation:
        """Run `apply` unless the operation is set to fail; either way the client must poll once."""
        name = f"projects/fake/locations/us-central1/operations/{next(self._ids)}"
        operation = operations_pb2.Operation(name=name, done=True)
        if self._failing_operations[method]:
            self._failing_operations[method] -= 1
            operation.error.CopyFrom(status_pb2.Status(code=code_pb2.INTERNAL, message=f"{method} failed"))
        else:
            result = apply()
            packed = any_pb2.Any()
            packed.Pack(type(result).pb(result) if hasattr(type(result), "pb") else result)
            operation.response.CopyFrom(packed)
        self.operations[name] = operation
        return operations_pb2.Operation(name=name, done=False)

    def _get_operation(self, request: operations_pb2.GetOperationRequest) -> operations_pb2.Operation:
        if request.name not in self.operations:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"operation {request.name} not found")
        return self.operations[request.name]

    # -- model registry ------------------------------------------------------------------------
    def _resolve(self, name: str) -> tuple[str, v1.Model]:
        """`models/ID` is the default version; `models/ID@3` and `models/ID@v7` pick by id or alias."""
        base, _, selector = name.partition("@")
        versions = self.versions.get(base)
        if not versions:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"model {base} not found")
        for model in versions:
            if selector == model.version_id or (selector or "default") in model.version_aliases:
                return base, model
        raise Rejected(grpc.StatusCode.NOT_FOUND, f"model version {name} not found")

    def _check_aliases(self, base: str, aliases: list[str], owner: v1.Model | None = None) -> None:
        bad = [a for a in aliases if not ALIAS.fullmatch(a)]
        if bad:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"aliases {bad} must match {ALIAS.pattern}")
        taken = {a for m in self.versions.get(base, []) if m is not owner for a in m.version_aliases}
        if taken & set(aliases):
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"aliases {sorted(taken & set(aliases))} already used")

    def _upload_model(self, request: v1.UploadModelRequest) -> operations_pb2.Operation:
        if request.parent_model:
            base = request.parent_model
            if base not in self.versions:
                raise Rejected(grpc.StatusCode.NOT_FOUND, f"parent model {base} not found")
        else:
            base = f"{request.parent}/models/{request.model_id or next(self._ids)}"
            if base in self.versions:
                raise Rejected(grpc.StatusCode.ALREADY_EXISTS, f"model {base} already exists")
        self._check_aliases(base, list(request.model.version_aliases))

        def apply() -> v1.UploadModelResponse:
            model = v1.Model(request.model)
            versions = self.versions.setdefault(base, [])
            model.name, model.version_id = base, str(max((int(m.version_id) for m in versions), default=0) + 1)
            if not versions:
                model.version_aliases.append("default")
            versions.append(model)
            return v1.UploadModelResponse(model=base, model_version_id=model.version_id)

        return self._operation("UploadModel", apply)

    def _get_model(self, request: v1.GetModelRequest) -> v1.Model:
        return self._resolve(request.name)[1]

    def _list_versions(self, request: v1.ListModelVersionsRequest) -> v1.ListModelVersionsResponse:
        if request.name not in self.versions:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"model {request.name} not found")
        return v1.ListModelVersionsResponse(models=self.versions[request.name])

    def _update_model(self, request: v1.UpdateModelRequest) -> v1.Model:
        """A version update (`@`) takes version fields, a model update model fields: never both."""
        base, model = self._resolve(request.model.name)
        paths = set(request.update_mask.paths)
        allowed = VERSION_FIELDS if "@" in request.model.name else MODEL_FIELDS
        if not paths or not paths <= allowed:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"mask {sorted(paths)} not within {sorted(allowed)}")
        for target in [model] if allowed is VERSION_FIELDS else self.versions[base]:
            for path in paths:
                setattr(target, path, getattr(request.model, path))
        return model

    def _merge_aliases(self, request: v1.MergeVersionAliasesRequest) -> v1.Model:
        base, model = self._resolve(request.name)
        added = [a for a in request.version_aliases if not a.startswith("-")]
        removed = {a[1:] for a in request.version_aliases if a.startswith("-")}
        if "default" in removed:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, "the default alias can only move, not be removed")
        self._check_aliases(base, added, owner=model)
        kept = [a for a in model.version_aliases if a not in removed]
        model.version_aliases = kept + [a for a in added if a not in kept]
        return model

    def _deployed_anywhere(self, base: str, version_id: str | None) -> bool:
        return any(
            d.model == base and version_id in (None, d.model_version_id)
            for state in self.endpoints.values()
            for d in state.deployed.values()
        )

    def _delete_version(self, request: v1.DeleteModelVersionRequest) -> operations_pb2.Operation:
        base, model = self._resolve(request.name)
        if len(self.versions[base]) == 1:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"{request.name} is the only version: delete the model")
        if self._deployed_anywhere(base, model.version_id):
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"{request.name} is deployed")
        return self._operation("DeleteModelVersion", lambda: self._remove_version(base, model))

    def _remove_version(self, base: str, model: v1.Model) -> empty_pb2.Empty:
        """The default alias moves to the newest remaining version."""
        self.versions[base].remove(model)
        if "default" in model.version_aliases:
            self.versions[base][-1].version_aliases.append("default")
        return empty_pb2.Empty()

    def _delete_model(self, request: v1.DeleteModelRequest) -> operations_pb2.Operation:
        self._resolve(request.name)
        if self._deployed_anywhere(request.name, None):
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, f"{request.name} has deployed versions")
        return self._operation("DeleteModel", lambda: self._remove_model(request.name))

    def _remove_model(self, name: str) -> empty_pb2.Empty:
        del self.versions[name]
        return empty_pb2.Empty()

    # -- endpoints -------------------------------------------------------------------------------
    def _endpoint(self, name: str) -> EndpointState:
        if name not in self.endpoints:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"endpoint {name} not found")
        return self.endpoints[name]

    def _get_endpoint(self, request: v1.GetEndpointRequest) -> v1.Endpoint:
        state = self._endpoint(request.name)
        return v1.Endpoint(name=request.name, deployed_models=list(state.deployed.values()), traffic_split=state.split)

    def _check_split(self, split: dict[str, int], deployed: set[str]) -> None:
        """Vertex: only deployed ids, percentages that add up to 100, or an empty map (no traffic)."""
        unknown = sorted(set(split) - deployed)
        if unknown:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"traffic split names undeployed models {unknown}")
        if split and sum(split.values()) != 100:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"traffic split sums to {sum(split.values())}")

    def _record(self, state: EndpointState, split: dict[str, int]) -> None:
        state.split = {k: v for k, v in split.items() if v}
        state.history.append(Snapshot(frozenset(state.deployed), dict(state.split)))

    def _deploy(self, request: v1.DeployModelRequest) -> operations_pb2.Operation:
        state = self._endpoint(request.endpoint)
        base, model = self._resolve(request.deployed_model.model)
        # An empty split leaves the endpoint's split as it is: the new model takes no traffic.
        split = dict(request.traffic_split) or dict(state.split)
        self._check_split(split, set(state.deployed) | {"0"})

        def apply() -> v1.DeployModelResponse:
            deployed = v1.DeployedModel(request.deployed_model)
            deployed.id, deployed.model, deployed.model_version_id = str(next(self._ids)), base, model.version_id
            state.deployed[deployed.id] = deployed
            self._record(state, {(deployed.id if k == "0" else k): v for k, v in split.items()})
            return v1.DeployModelResponse(deployed_model=deployed)

        return self._operation("DeployModel", apply)

    def _undeploy(self, request: v1.UndeployModelRequest) -> operations_pb2.Operation:
        state = self._endpoint(request.endpoint)
        if request.deployed_model_id not in state.deployed:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"deployed model {request.deployed_model_id} not found")
        remaining = set(state.deployed) - {request.deployed_model_id}
        if request.traffic_split:
            split = dict(request.traffic_split)
            self._check_split(split, remaining)
        elif state.split.get(request.deployed_model_id) and remaining:
            raise Rejected(grpc.StatusCode.FAILED_PRECONDITION, "model still takes traffic; give a new split")
        else:
            split = {k: v for k, v in state.split.items() if k != request.deployed_model_id}

        def apply() -> v1.UndeployModelResponse:
            del state.deployed[request.deployed_model_id]
            self._record(state, split)
            return v1.UndeployModelResponse()

        return self._operation("UndeployModel", apply)

    def _update_endpoint(self, request: v1.UpdateEndpointRequest) -> v1.Endpoint:
        state = self._endpoint(request.endpoint.name)
        if "traffic_split" in request.update_mask.paths:
            split = dict(request.endpoint.traffic_split)
            self._check_split(split, set(state.deployed))
            self._record(state, split)
        return self._get_endpoint(v1.GetEndpointRequest(name=request.endpoint.name))

    def _mutate(self, request: v1.MutateDeployedModelRequest) -> operations_pb2.Operation:
        state = self._endpoint(request.endpoint)
        deployed = state.deployed.get(request.deployed_model.id)
        if deployed is None:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"deployed model {request.deployed_model.id} not found")
        allowed = {"dedicated_resources.min_replica_count", "dedicated_resources.max_replica_count"}
        if not set(request.update_mask.paths) <= allowed:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"immutable fields in mask {request.update_mask.paths}")

        def apply() -> v1.MutateDeployedModelResponse:
            wanted = request.deployed_model.dedicated_resources
            deployed.dedicated_resources.min_replica_count = wanted.min_replica_count
            deployed.dedicated_resources.max_replica_count = wanted.max_replica_count
            return v1.MutateDeployedModelResponse(deployed_model=deployed)

        return self._operation("MutateDeployedModel", apply)
