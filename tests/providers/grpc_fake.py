"""What every in-process Google API fake needs: a real gRPC server, injectable faults, long-running operations.

google-cloud-* libraries ship no servicer classes, so each method is registered with the real
request type's `deserialize` and response type's `serialize`: a request with a wrong field fails
to parse here just as it would in Google's frontend. A subclass lists its methods and keeps its
state; calls, faults and operations work the same for all of them.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from google.longrunning import operations_pb2
from google.protobuf import any_pb2
from google.rpc import code_pb2, status_pb2

Method = tuple[str, str, Callable[..., Any], Callable[..., Any], Callable[..., Any]]
OPERATION = operations_pb2.Operation.SerializeToString


class Rejected(Exception):
    """What the API would answer with a status code instead of a result."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class GrpcFake:
    """Subclasses implement `methods()`; `readonly` names the calls that change nothing."""

    readonly: frozenset[str] = frozenset({"GetOperation"})

    def __init__(self) -> None:
        self.operations: dict[str, operations_pb2.Operation] = {}
        self.calls: list[str] = []
        self._faults: dict[str, list[grpc.StatusCode]] = defaultdict(list)
        self._failing_operations: dict[str, int] = defaultdict(int)
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None
        self.address = ""

    def methods(self) -> list[Method]:
        raise NotImplementedError

    # -- test controls -------------------------------------------------------------------
    def fail(self, method: str, code: grpc.StatusCode, times: int = 1) -> None:
        """The next `times` calls of `method` answer `code` and change nothing."""
        self._faults[method].extend([code] * times)

    def fail_operation(self, method: str, times: int = 1) -> None:
        """The next `times` operations started by `method` end with an error and change nothing."""
        self._failing_operations[method] += times

    def mutating_calls(self) -> list[str]:
        return [c for c in self.calls if c not in self.readonly]

    # -- server ----------------------------------------------------------------------------
    def start(self) -> str:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handlers: dict[str, dict[str, Any]] = defaultdict(dict)
        operations = "google.longrunning.Operations"
        get_operation = operations_pb2.GetOperationRequest.FromString
        for service, method, request, response, impl in [
            *self.methods(),
            (operations, "GetOperation", get_operation, OPERATION, self._get_operation),
        ]:
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
    def operation(self, method: str, apply: Callable[[], Any]) -> operations_pb2.Operation:
        """Run `apply` unless the operation is set to fail; either way the client must poll once."""
        name = f"projects/fake/locations/us-central1/operations/{next(self._ids)}"
        done = operations_pb2.Operation(name=name, done=True)
        if self._failing_operations[method]:
            self._failing_operations[method] -= 1
            done.error.CopyFrom(status_pb2.Status(code=code_pb2.INTERNAL, message=f"{method} failed"))
        else:
            result = apply()
            packed = any_pb2.Any()
            packed.Pack(type(result).pb(result) if hasattr(type(result), "pb") else result)
            done.response.CopyFrom(packed)
        self.operations[name] = done
        return operations_pb2.Operation(name=name, done=False)

    def _get_operation(self, request: operations_pb2.GetOperationRequest) -> operations_pb2.Operation:
        if request.name not in self.operations:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"operation {request.name} not found")
        return self.operations[request.name]

    def next_id(self) -> str:
        return str(next(self._ids))
