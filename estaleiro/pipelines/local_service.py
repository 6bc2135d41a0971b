"""Vertex AI Pipelines on this machine: aiplatform_v1's `PipelineService` over gRPC, running jobs with kfp.local.

The retraining function (functions/retrain) talks to it with the real GAPIC client, as it talks to
Vertex in the cloud. A created job runs as `estaleiro pipeline run --local` runs one (the same
`run_local` and local stand-ins): its template URI names a compiled spec of pipeline_specs/compiled/
(package and content digest, as Artifact Registry names versions), its parameter values are the
schedule's. Jobs are kept in `.estaleiro/pipeline-jobs.json`, so a later invocation sees earlier
runs: a redelivered incident meets ALREADY_EXISTS and the rate limit counts them.

Each rule of `PipelineJobs` follows Google's documentation, cited with a tag from this list:

[create]  https://cloud.google.com/vertex-ai/docs/reference/rpc/google.cloud.aiplatform.v1#createpipelinejobrequest
          (also the CreatePipelineJobRequest docstring of google-cloud-aiplatform 2.7.0)
[list]    https://cloud.google.com/vertex-ai/docs/reference/rpc/google.cloud.aiplatform.v1#listpipelinejobsrequest
          (the filter's fields and operators; syntax https://google.aip.dev/160)
[exists]  Vertex's answer to a second create with one id, as users quote it: "rpc error: code = AlreadyExists
          desc = Pipeline job with the specified ID already exists." (github.com/sky-uk/kfp-operator/issues/349)
[job]     https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.pipelineJobs
          (name projects/{project}/locations/{location}/pipelineJobs/{id}; create_time and state output only)
[labels]  https://cloud.google.com/resource-manager/docs/labels-overview

Filters beyond what [list] documents and this service implements (labels equality and presence,
create_time comparisons, joined by AND) are refused with INVALID_ARGUMENT rather than ignored.
"""

from __future__ import annotations

import json
import operator
import re
import threading
import uuid
from collections.abc import Callable
from concurrent import futures
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
from google.cloud import aiplatform_v1 as v1
from google.protobuf import json_format

from estaleiro.config.pipelines import CompiledPipeline, load_pipelines
from estaleiro.errors import InvalidInput, Problem
from estaleiro.output import write_atomic
from estaleiro.pipelines.local import RUNS, LocalRun, local_arguments, run_local

SERVICE = "google.cloud.aiplatform.v1.PipelineService"
STATE = Path(".estaleiro/pipeline-jobs.json")  # gitignored, beside the runs' folders
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
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
FINISHED = ("PIPELINE_STATE_SUCCEEDED", "PIPELINE_STATE_FAILED")


class Refused(Exception):
    """What the API answers with a status code instead of a result."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class PipelineJobs:
    """One location's pipeline jobs under Vertex's documented rules; `clock` stamps create_time."""

    def __init__(self, clock: Callable[[], datetime], new_id: Callable[[], str]) -> None:
        self.jobs: dict[str, v1.PipelineJob] = {}
        self.clock, self.new_id = clock, new_id

    def create(self, request: v1.CreatePipelineJobRequest) -> v1.PipelineJob:
        if not PARENT.fullmatch(request.parent):  # [create] "Format: projects/{project}/locations/{location}"
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"parent {request.parent!r} is no location")
        job_id = request.pipeline_job_id or self.new_id()  # [create] "If not provided, ... generated"
        if not JOB_ID.fullmatch(job_id):
            raise Refused(
                grpc.StatusCode.INVALID_ARGUMENT, f"pipeline_job_id {job_id!r}: valid characters /[a-z][0-9]-/"
            )
        for key, value in request.pipeline_job.labels.items():
            if not LABEL_KEY.fullmatch(key) or not LABEL_VALUE.fullmatch(value):
                raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"label {key}={value!r} is not a valid label")
        name = f"{request.parent}/pipelineJobs/{job_id}"  # [job]
        if name in self.jobs:  # [exists]
            raise Refused(grpc.StatusCode.ALREADY_EXISTS, "Pipeline job with the specified ID already exists.")
        job = v1.PipelineJob(request.pipeline_job)
        job.name = name
        job.create_time = self.clock()  # [job] output only: the server stamps it
        job.state = v1.PipelineState.PIPELINE_STATE_PENDING  # type: ignore[assignment]
        self.jobs[name] = job
        return job

    def get(self, request: v1.GetPipelineJobRequest) -> v1.PipelineJob:
        if request.name not in self.jobs:
            raise Refused(grpc.StatusCode.NOT_FOUND, f"pipeline job {request.name} not found")
        return self.jobs[request.name]

    def list(self, request: v1.ListPipelineJobsRequest) -> v1.ListPipelineJobsResponse:
        match = _matcher(request.filter)
        found = [j for n, j in self.jobs.items() if n.startswith(f"{request.parent}/pipelineJobs/") and match(j)]
        # [list] order_by: "if order_by is not specified, ... default order is create time in descending order"
        found.sort(key=lambda job: job.create_time, reverse=True)
        return v1.ListPipelineJobsResponse(pipeline_jobs=found)


def _matcher(text: str) -> Callable[[v1.PipelineJob], bool]:
    """The AND of [list]'s label and create_time terms; anything else is refused."""
    terms = [term.strip() for term in re.split(r"\s+AND\s+", text)] if text.strip() else []
    tests: list[Callable[[v1.PipelineJob], bool]] = []
    for term in terms:
        if equals := LABEL_EQUALS.fullmatch(term):
            tests.append(_label_equals(*equals.groups()))
        elif present := LABEL_PRESENT.fullmatch(term):
            tests.append(_label_present(present.group(1)))
        elif created := CREATED.fullmatch(term):
            comparison, stamp = created.groups()
            try:
                when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"{stamp!r} is not RFC 3339") from None
            if when.tzinfo is None:  # RFC 3339 requires an offset
                raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"{stamp!r} is not RFC 3339 (no offset)")
            tests.append(_created(COMPARE[comparison], when))
        else:
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, f"filter term {term!r} is not supported")
    return lambda job: all(test(job) for test in tests)


def _label_equals(key: str, value: str) -> Callable[[v1.PipelineJob], bool]:
    return lambda job: bool(job.labels.get(key) == value)


def _label_present(key: str) -> Callable[[v1.PipelineJob], bool]:
    return lambda job: key in job.labels


def _created(compare: Callable[[Any, Any], bool], when: datetime) -> Callable[[v1.PipelineJob], bool]:
    return lambda job: compare(job.create_time, when)


class LocalPipelineService:
    """The repository at `root` as one Vertex location: created jobs run one at a time, in the order created."""

    def __init__(self, root: Path, report: Callable[[str], None]) -> None:
        self.root, self.report = root, report
        self.pipelines = {p.package: p for p in load_pipelines(root).values()}
        self.jobs = PipelineJobs(lambda: datetime.now(UTC), lambda: f"local-{uuid.uuid4().hex[:16]}")
        self.jobs.jobs.update(self._load())
        self._lock = threading.Lock()
        self._runner = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline-job")
        self._runs: dict[str, futures.Future[LocalRun]] = {}
        self._server: grpc.Server | None = None
        self.address = ""

    # -- server ------------------------------------------------------------------------------
    def start(self) -> str:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        methods: dict[str, tuple[Any, Any, Callable[[Any], Any]]] = {
            "CreatePipelineJob": (v1.CreatePipelineJobRequest, v1.PipelineJob, self._create),
            "GetPipelineJob": (v1.GetPipelineJobRequest, v1.PipelineJob, self.jobs.get),
            "ListPipelineJobs": (v1.ListPipelineJobsRequest, v1.ListPipelineJobsResponse, self.jobs.list),
        }
        handlers = {
            method: grpc.unary_unary_rpc_method_handler(
                self._answer(impl), request_deserializer=request.deserialize, response_serializer=response.serialize
            )
            for method, (request, response, impl) in methods.items()
        }
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, handlers)])
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self._server, self.address = server, f"127.0.0.1:{port}"
        return self.address

    def stop(self) -> None:
        self._runner.shutdown(wait=True)
        if self._server is not None:
            self._server.stop(grace=1).wait()

    def _answer(self, impl: Callable[[Any], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
        def handle(request: Any, context: grpc.ServicerContext) -> Any:
            with self._lock:
                try:
                    return impl(request)
                except Refused as refused:
                    context.abort(refused.code, str(refused))

        return handle

    # -- jobs --------------------------------------------------------------------------------
    def _create(self, request: v1.CreatePipelineJobRequest) -> v1.PipelineJob:
        template = self._template(request.pipeline_job.template_uri)
        job = self.jobs.create(request)
        self._save()
        self._runs[job.name] = self._runner.submit(self._run, job.name, template)
        return job

    def _template(self, uri: str) -> CompiledPipeline:
        """The compiled spec a template URI names: <registry host>/<package>/<version>, the version its digest."""
        parts = uri.rsplit("/", 2)
        package, version = parts[1:] if len(parts) == 3 else ("", "")
        pipeline = self.pipelines.get(package)
        if pipeline is None:
            known = ", ".join(sorted(self.pipelines)) or "none"
            message = f"template_uri {uri!r}: no compiled pipeline {package!r} here; pipelines: {known}"
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, message)
        if version != pipeline.digest:
            message = f"template_uri {uri!r}: version {version!r} is not the compiled spec's {pipeline.digest}"
            raise Refused(grpc.StatusCode.INVALID_ARGUMENT, message)
        return pipeline

    def _run(self, name: str, template: CompiledPipeline) -> LocalRun:
        from kfp import components

        job = self._update(name, "PIPELINE_STATE_RUNNING")
        folder = self.root / RUNS / name.rsplit("/", 1)[1]
        try:
            values = dict(job.runtime_config.parameter_values)
            pipeline = components.load_component_from_text(template.text)
            outcome = run_local(pipeline, local_arguments(self.root, values, folder), folder, self.report)
        except Exception as error:
            self._update(name, "PIPELINE_STATE_FAILED", f"{type(error).__name__}: {error}")
            raise
        if outcome.succeeded:
            self._update(name, "PIPELINE_STATE_SUCCEEDED")
        else:
            self._update(name, "PIPELINE_STATE_FAILED", outcome.failure)
        return outcome

    def wait(self, name: str) -> LocalRun:
        """The outcome of a job this service started; a run that raised raises here."""
        return self._runs[name].result()

    def _update(self, name: str, state: str, error: str = "") -> v1.PipelineJob:
        """`state` names a PipelineState."""
        with self._lock:
            job = self.jobs.jobs[name]
            job.state = getattr(v1.PipelineState, state)
            if state == "PIPELINE_STATE_RUNNING":
                job.start_time = datetime.now(UTC)
            if state in FINISHED:
                job.end_time = datetime.now(UTC)
            if error:
                job.error.message = error
            self._save()
            return v1.PipelineJob(job)

    # -- state -------------------------------------------------------------------------------
    def _load(self) -> dict[str, v1.PipelineJob]:
        """The jobs of earlier invocations; one left running by an interrupted one stays as it was."""
        path = self.root / STATE
        if not path.exists():
            return {}
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))["jobs"]
            jobs = [v1.PipelineJob.from_json(json.dumps(job)) for job in kept]
        except (ValueError, KeyError, TypeError, json_format.Error) as error:
            message = f"not the jobs this service keeps ({error}); delete the file to forget them"
            raise InvalidInput([Problem(str(STATE), "jobs", message)]) from None
        return {job.name: job for job in jobs}

    def _save(self) -> None:
        jobs = [
            json.loads(
                v1.PipelineJob.to_json(job, use_integers_for_enums=False, always_print_fields_with_no_presence=False)
            )
            for job in self.jobs.jobs.values()
        ]
        path = self.root / STATE
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"jobs": jobs}, indent=2, sort_keys=True) + "\n")
