"""An in-process Vertex AI Pipelines for the retraining function's tests: the real aiplatform_v1 messages.

The rules are `PipelineJobs` of estaleiro/pipelines/local_service.py, each citing the page of
Google's documentation it follows (and tested on their own in test_fake_pipeline_service.py);
this fake adds what tests control: the clock (`now`), the calls made, injected faults. It runs no
job: a created job stays PENDING.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from google.cloud import aiplatform_v1 as v1

from estaleiro.pipelines.local_service import SERVICE, PipelineJobs, Refused
from tests.providers.grpc_fake import GrpcFake, Method, Rejected


class FakePipelineService(GrpcFake):
    """Pipeline jobs of one fake location; `now` is the clock that stamps create_time (settable by tests)."""

    readonly = frozenset({"GetOperation", "GetPipelineJob", "ListPipelineJobs"})

    def __init__(self) -> None:
        super().__init__()
        self.now: datetime | None = None
        self.rules = PipelineJobs(lambda: self.now or datetime.now(UTC), lambda: f"fake-{self.next_id()}")
        self.jobs = self.rules.jobs

    def methods(self) -> list[Method]:
        return [
            (
                SERVICE,
                "CreatePipelineJob",
                v1.CreatePipelineJobRequest.deserialize,
                v1.PipelineJob.serialize,
                self._as(self.rules.create),
            ),
            (
                SERVICE,
                "GetPipelineJob",
                v1.GetPipelineJobRequest.deserialize,
                v1.PipelineJob.serialize,
                self._as(self.rules.get),
            ),
            (
                SERVICE,
                "ListPipelineJobs",
                v1.ListPipelineJobsRequest.deserialize,
                v1.ListPipelineJobsResponse.serialize,
                self._as(self.rules.list),
            ),
        ]

    @staticmethod
    def _as(rule: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """A rule's refusal as the fake's own."""

        def answer(request: Any) -> Any:
            try:
                return rule(request)
            except Refused as refused:
                raise Rejected(refused.code, str(refused)) from None

        return answer
