"""An in-process Vertex AI Pipelines: the real aiplatform_v1 `PipelineService` messages, for the retraining function.

Each rule follows Google's documentation, cited where it is enforced with a tag from this list:

[create]  https://cloud.google.com/vertex-ai/docs/reference/rpc/google.cloud.aiplatform.v1#createpipelinejobrequest
          (also the CreatePipelineJobRequest docstring of google-cloud-aiplatform 2.7.0)
[list]    https://cloud.google.com/vertex-ai/docs/reference/rpc/google.cloud.aiplatform.v1#listpipelinejobsrequest
          (the filter's fields and operators; syntax https://google.aip.dev/160)
[exists]  Vertex's answer to a second create with one id, as users quote it: "rpc error: code = AlreadyExists
          desc = Pipeline job with the specified ID already exists." (github.com/sky-uk/kfp-operator/issues/349)
[job]     https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.pipelineJobs
          (name projects/{project}/locations/{location}/pipelineJobs/{id}; create_time and state output only)
[labels]  https://cloud.google.com/resource-manager/docs/labels-overview

Filters beyond what [list] documents and this fake implements (labels equality and presence, create_time
comparisons, joined by AND) are refused with INVALID_ARGUMENT rather than ignored, so a test never passes
on a filter the fake did not apply.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import grpc
from google.cloud import aiplatform_v1 as v1

from tests.providers.grpc_fake import GrpcFake, Method, Rejected

SERVICE = "google.cloud.aiplatform.v1.PipelineService"
PARENT = re.compile(r"projects/[^/]+/locations/[^/]+")
# [create] pipeline_job_id: "less than 128 characters, and valid characters are /[a-z][0-9]-/"
JOB_ID = re.compile(r"[a-z0-9-]{1,127}")
# [labels] keys and values at most 63 characters of lowercase letters, digits, _ and -; keys start with a letter
LABEL_KEY = re.compile(r"[a-z][a-z0-9_-]{0,62}")
LABEL_VALUE = re.compile(r"[a-z0-9_-]{0,63}")
# [list] "labels: Supports key-value equality and key presence"; "create_time: Supports =, !=, <, >, <=, and >=
# comparisons. Values must be in RFC 3339 format"; expressions "combined together using logical operators (AND & OR)"
LABEL_EQUALS = re.compile(r'labels\.([a-z][a-z0-9_-]*)\s*=\s*"([^"]*)"')
LABEL_PRESENT = re.compile(r"labels\.([a-z][a-z0-9_-]*)\s*:\s*\*")
CREATED = re.compile(r'create_time\s*(>=|<=|!=|=|<|>)\s*"([^"]+)"')
COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


class FakePipelineService(GrpcFake):
    """Pipeline jobs of one fake location; `now` is the clock that stamps create_time (settable by tests)."""

    readonly = frozenset({"GetOperation", "GetPipelineJob", "ListPipelineJobs"})

    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[str, v1.PipelineJob] = {}
        self.now: datetime | None = None

    def methods(self) -> list[Method]:
        return [
            (
                SERVICE,
                "CreatePipelineJob",
                v1.CreatePipelineJobRequest.deserialize,
                v1.PipelineJob.serialize,
                self._create,
            ),
            (SERVICE, "GetPipelineJob", v1.GetPipelineJobRequest.deserialize, v1.PipelineJob.serialize, self._get),
            (
                SERVICE,
                "ListPipelineJobs",
                v1.ListPipelineJobsRequest.deserialize,
                v1.ListPipelineJobsResponse.serialize,
                self._list,
            ),
        ]

    def _create(self, request: v1.CreatePipelineJobRequest) -> v1.PipelineJob:
        if not PARENT.fullmatch(request.parent):  # [create] "Format: projects/{project}/locations/{location}"
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"parent {request.parent!r} is no location")
        job_id = request.pipeline_job_id or f"fake-{self.next_id()}"  # [create] "If not provided, ... generated"
        if not JOB_ID.fullmatch(job_id):
            raise Rejected(
                grpc.StatusCode.INVALID_ARGUMENT, f"pipeline_job_id {job_id!r}: valid characters /[a-z][0-9]-/"
            )
        for key, value in request.pipeline_job.labels.items():
            if not LABEL_KEY.fullmatch(key) or not LABEL_VALUE.fullmatch(value):
                raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"label {key}={value!r} is not a valid label")
        name = f"{request.parent}/pipelineJobs/{job_id}"  # [job]
        if name in self.jobs:  # [exists]
            raise Rejected(grpc.StatusCode.ALREADY_EXISTS, "Pipeline job with the specified ID already exists.")
        job = v1.PipelineJob(request.pipeline_job)
        job.name = name
        job.create_time = self.now or datetime.now(UTC)  # [job] output only: the server stamps it
        job.state = v1.PipelineState.PIPELINE_STATE_PENDING
        self.jobs[name] = job
        return job

    def _get(self, request: v1.GetPipelineJobRequest) -> v1.PipelineJob:
        if request.name not in self.jobs:
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"pipeline job {request.name} not found")
        return self.jobs[request.name]

    def _list(self, request: v1.ListPipelineJobsRequest) -> v1.ListPipelineJobsResponse:
        match = _matcher(request.filter)
        found = [j for n, j in self.jobs.items() if n.startswith(f"{request.parent}/pipelineJobs/") and match(j)]
        # [list] order_by: "if order_by is not specified, ... default order is create time in descending order"
        found.sort(key=lambda job: job.create_time, reverse=True)
        return v1.ListPipelineJobsResponse(pipeline_jobs=found)


def _matcher(text: str) -> Any:
    """The AND of [list]'s label and create_time terms; anything else is refused."""
    terms = [term.strip() for term in re.split(r"\s+AND\s+", text)] if text.strip() else []
    tests = []
    for term in terms:
        if equals := LABEL_EQUALS.fullmatch(term):
            key, value = equals.groups()
            tests.append(lambda job, k=key, v=value: job.labels.get(k) == v)
        elif present := LABEL_PRESENT.fullmatch(term):
            label = present.group(1)
            tests.append(lambda job, k=label: k in job.labels)
        elif created := CREATED.fullmatch(term):
            operator, stamp = created.groups()
            try:
                when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"{stamp!r} is not RFC 3339") from None
            if when.tzinfo is None:  # RFC 3339 requires an offset
                raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"{stamp!r} is not RFC 3339 (no offset)")
            tests.append(lambda job, op=COMPARE[operator], w=when: op(job.create_time, w))
        else:
            raise Rejected(grpc.StatusCode.INVALID_ARGUMENT, f"filter term {term!r} is not supported by this fake")
    return lambda job: all(test(job) for test in tests)
