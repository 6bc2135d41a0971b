"""How the providers reach Vertex AI: regional GAPIC clients, one retry policy, one LRO wait.

In production the clients use the regional endpoint and application-default credentials;
tests inject a gRPC channel to an in-process fake. The object must stay picklable (Pulumi
serialises providers with dill), so it holds plain values and at most a channel factory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pulumi.dynamic import ResourceProvider

if TYPE_CHECKING:
    import grpc
    from google.api_core.operation import Operation
    from google.api_core.retry import Retry


@dataclass(frozen=True)
class VertexClients:
    """Where to reach Vertex and how long to wait for it (seconds).

    `operation_timeout` bounds one long-running operation: a deployment takes 10 to 30 minutes
    (more with large images or scarce machines), so an hour leaves room without hanging a
    build forever. `retry_deadline` bounds the retries of one call on transient errors, with
    backoff from `initial_delay` doubling up to `max_delay`. A wait that runs out raises; the
    operation goes on in the cloud, and the next `pulumi up` picks up from what it finds.
    """

    channel: Callable[[], grpc.Channel] | None = None
    initial_delay: float = 1.0
    max_delay: float = 60.0
    retry_deadline: float = 600.0
    operation_timeout: float = 3600.0

    def model_service(self, region: str) -> Any:
        from google.cloud.aiplatform_v1.services.model_service import ModelServiceClient
        from google.cloud.aiplatform_v1.services.model_service.transports.grpc import ModelServiceGrpcTransport

        return self._client(ModelServiceClient, ModelServiceGrpcTransport, region)

    def endpoint_service(self, region: str) -> Any:
        from google.cloud.aiplatform_v1.services.endpoint_service import EndpointServiceClient
        from google.cloud.aiplatform_v1.services.endpoint_service.transports.grpc import EndpointServiceGrpcTransport

        return self._client(EndpointServiceClient, EndpointServiceGrpcTransport, region)

    def model_monitoring_service(self, region: str) -> Any:
        """Model Monitoring v2 exists only in v1beta1 (preview)."""
        from google.cloud.aiplatform_v1beta1.services.model_monitoring_service import ModelMonitoringServiceClient
        from google.cloud.aiplatform_v1beta1.services.model_monitoring_service.transports.grpc import (
            ModelMonitoringServiceGrpcTransport,
        )

        return self._client(ModelMonitoringServiceClient, ModelMonitoringServiceGrpcTransport, region)

    def schedule_service(self, region: str) -> Any:
        """v1beta1, the only version whose Schedule takes a `create_model_monitoring_job_request`."""
        from google.cloud.aiplatform_v1beta1.services.schedule_service import ScheduleServiceClient
        from google.cloud.aiplatform_v1beta1.services.schedule_service.transports.grpc import (
            ScheduleServiceGrpcTransport,
        )

        return self._client(ScheduleServiceClient, ScheduleServiceGrpcTransport, region)

    def _client(self, client: Any, transport: Any, region: str) -> Any:
        if self.channel is not None:
            return client(transport=transport(channel=self.channel()))
        return client(client_options={"api_endpoint": f"{region}-aiplatform.googleapis.com"})

    def retry(self) -> Retry:
        """Transient failures (UNAVAILABLE, DEADLINE_EXCEEDED) are retried with exponential backoff."""
        from google.api_core import exceptions
        from google.api_core.retry import Retry, if_exception_type

        return Retry(
            predicate=if_exception_type(exceptions.ServiceUnavailable, exceptions.DeadlineExceeded),
            initial=self.initial_delay,
            maximum=self.max_delay,
            multiplier=2.0,
            timeout=self.retry_deadline,
        )

    def wait(self, operation: Operation) -> Any:
        """Poll a long-running operation until it ends; a failed one raises its error."""
        from google.api_core.future.polling import DEFAULT_POLLING

        polling = DEFAULT_POLLING.with_delay(initial=self.initial_delay, maximum=self.max_delay).with_timeout(
            self.operation_timeout
        )
        # api_core leaves Operation.result unannotated.
        return operation.result(timeout=self.operation_timeout, retry=self.retry(), polling=polling)  # type: ignore[no-untyped-call]

    def settle(self, client: Any, resource: str) -> None:
        """Wait until no operation on `resource` is running (whoever started it: a killed run, a concurrent one).

        Vertex lists a resource's long-running operations under it (aiplatform_v1.yaml binds
        google.longrunning.Operations.ListOperations to `projects/*/locations/*/endpoints/*/operations`;
        the GAPIC clients carry it as `list_operations`). A finished operation stays listed with
        `done` set; its outcome is not ours to judge, so a failed one is not raised here.
        """
        from google.api_core.retry import Retry, if_exception_type

        for name in self._running(client, resource):

            def finished(name: str = name) -> None:
                if not client.get_operation(request={"name": name}, retry=self.retry()).done:
                    raise _Running(name)

            Retry(
                predicate=if_exception_type(_Running),
                initial=self.initial_delay,
                maximum=self.max_delay,
                multiplier=2.0,
                timeout=self.operation_timeout,
            )(finished)()

    def _running(self, client: Any, resource: str) -> list[str]:
        names, token = [], ""
        while True:
            listed = client.list_operations(request={"name": resource, "page_token": token}, retry=self.retry())
            names += [operation.name for operation in listed.operations if not operation.done]
            token = listed.next_page_token
            if not token:
                return names


class _Running(Exception):
    """An operation someone else started has not ended yet (polled again with backoff)."""


class VertexProvider(ResourceProvider):
    """A dynamic provider that reaches Vertex AI through `clients`.

    Its pickle holds no secret (credentials come from the environment it runs in), so it is
    stored in plain state rather than encrypted with every update.
    """

    serialize_as_secret_always = False

    def __init__(self, clients: VertexClients | None = None) -> None:
        super().__init__()
        self.clients = clients or VertexClients()
