"""What every in-process Google API fake needs: a real gRPC server, injectable faults, long-running operations.

google-cloud-* libraries ship no servicer classes, so each method is registered with the real
request type's `deserialize` and response type's `serialize`: a request with a wrong field fails
to parse here just as it would in Google's frontend. A subclass lists its methods and keeps its
state; calls, faults and operations work the same for all of them.

[lro] https://cloud.google.com/vertex-ai/docs/general/long-running-operations: a method that
returns an Operation has accepted the request; the work ends later, and the client polls
GetOperation until the operation is done, with its response or its error.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass
from typing import Any, TypeVar

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


@dataclass
class Operation:
    """A long-running operation: done after `polls_left` GetOperation calls, or when the cloud finishes it."""

    method: str
    apply: Callable[[], Any]
    polls_left: int
    fails: bool
    result: operations_pb2.Operation | None = None


class GrpcFake:
    """Subclasses implement `methods()`; `readonly` names the calls that change nothing.

    Operations are named under `operations_parent` (`projects/{project}/locations/{location}`);
    `operation_polls` is how many GetOperation calls one needs before it is done: real ones take
    minutes, so clients must poll, and tests stay fast.
    """

    readonly: frozenset[str] = frozenset({"GetOperation"})

    def __init__(
        self, operations_parent: str = "projects/fake/locations/us-central1", operation_polls: int = 1
    ) -> None:
        self.operations_parent, self.operation_polls = operations_parent, operation_polls
        self.operations: dict[str, Operation] = {}
        self.calls: list[str] = []
        self._faults: dict[str, list[grpc.StatusCode]] = defaultdict(list)
        self._failing_operations: dict[str, int] = defaultdict(int)
        self._crash_after: set[str] = set()
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

    def crash_after(self, method: str) -> None:
        """The next call of `method` takes effect (its operation runs to the end in the cloud), but
        the caller is killed before it reads the answer: it sees CANCELLED, which nobody retries."""
        self._crash_after.add(method)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._failing_operations.clear()
        self._crash_after.clear()

    def finish_operations(self) -> None:
        """The cloud finishes every operation still running, whether or not anyone is polling it."""
        with self._lock:
            for operation in self.operations.values():
                self._finish(operation)

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
                    response = impl(request)
                except Rejected as rejected:
                    context.abort(rejected.code, str(rejected))
                if method in self._crash_after:
                    self._crash_after.discard(method)
                    if isinstance(response, operations_pb2.Operation):
                        self._finish(self.operations[response.name])
                    context.abort(grpc.StatusCode.CANCELLED, f"caller killed after {method}")
                return response

        return handle

    # -- operations ----------------------------------------------------------------------------
    def operation(self, method: str, apply: Callable[[], Any], parent: str = "") -> operations_pb2.Operation:
        """[lro] Accept the request now; `apply` runs when the operation ends, unless it is set to fail.

        The operation is named under `parent` (a resource) when given, else under `operations_parent`.
        """
        name = f"{parent or self.operations_parent}/operations/{next(self._ids)}"
        fails = self._failing_operations[method] > 0
        self._failing_operations[method] -= int(fails)
        self.operations[name] = Operation(method, apply, self.operation_polls, fails)
        return operations_pb2.Operation(name=name, done=False)

    def _finish(self, operation: Operation) -> None:
        if operation.result is not None:
            return
        done = operations_pb2.Operation(done=True)
        if operation.fails:
            done.error.CopyFrom(status_pb2.Status(code=code_pb2.INTERNAL, message=f"{operation.method} failed"))
        else:
            try:
                result = operation.apply()
            except Rejected as rejected:  # what the work found when it ran: the operation ends with that error
                done.error.CopyFrom(status_pb2.Status(code=rejected.code.value[0], message=str(rejected)))
            else:
                packed = any_pb2.Any()
                packed.Pack(type(result).pb(result) if hasattr(type(result), "pb") else result)
                done.response.CopyFrom(packed)
        operation.result = done

    def _get_operation(self, request: operations_pb2.GetOperationRequest) -> operations_pb2.Operation:
        """[lro] Each poll brings the operation closer to done; once done it answers its result."""
        operation = self.operations.get(request.name)
        if operation is None:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"operation {request.name} not found")
        operation.polls_left -= 1
        if operation.polls_left <= 0:
            self._finish(operation)
        if operation.result is None:
            return operations_pb2.Operation(name=request.name, done=False)
        answer = operations_pb2.Operation(name=request.name)
        answer.MergeFrom(operation.result)
        return answer

    def next_id(self) -> str:
        return str(next(self._ids))


Fake = TypeVar("Fake", bound=GrpcFake)
Client = TypeVar("Client")


def running(fake: Fake) -> Iterator[Fake]:
    """A fixture's body: `fake` serving for one test."""
    fake.start()
    yield fake
    fake.stop()


def gapic_client(fake: GrpcFake, client: Callable[..., Client], transport: Callable[..., Any]) -> Iterator[Client]:
    """A fixture's body: the real GAPIC client, on a channel to `fake`."""
    channel = grpc.insecure_channel(fake.address)
    yield client(transport=transport(channel=channel))
    channel.close()
