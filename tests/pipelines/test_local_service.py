"""The PipelineService on this machine: Vertex's rules for ids and listing, templates resolved to compiled specs,
jobs run with kfp.local and remembered between invocations."""

# kfp reads the component's annotations as types: no `from __future__ import annotations` here

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from google.api_core.exceptions import AlreadyExists, InvalidArgument, NotFound
from google.cloud import aiplatform_v1 as v1
from google.cloud.aiplatform_v1.services.pipeline_service.transports.grpc import PipelineServiceGrpcTransport
from kfp import compiler, dsl

from estaleiro.config.pipelines import load_pipelines
from estaleiro.errors import InvalidInput
from estaleiro.pipelines.local_service import STATE, LocalPipelineService

PARENT = "projects/acme-ml-dev/locations/us-central1"
REGISTRY = "https://us-central1-kfp.pkg.dev/acme-ml-dev/acme-ml-dev-pipelines"


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def where(repository: str, bucket_mirror: str) -> str:
    return f"{repository} {bucket_mirror}"


@dsl.pipeline(name="echo")
def echo(repository: str, bucket_mirror: str = "") -> None:
    where(repository=repository, bucket_mirror=bucket_mirror).set_display_name("say where")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A repository whose one compiled pipeline runs in a second: what the rules need, not a real training."""
    compiled = tmp_path / "pipeline_specs/compiled"
    compiled.mkdir(parents=True)
    compiler.Compiler().compile(echo, str(compiled / "echo.yaml"))
    return tmp_path


class Running:
    def __init__(self, root: Path) -> None:
        self.lines: list[str] = []
        self.service = LocalPipelineService(root, self.lines.append)
        self.channel = grpc.insecure_channel(self.service.start())
        self.client = v1.PipelineServiceClient(transport=PipelineServiceGrpcTransport(channel=self.channel))

    def close(self) -> None:
        self.channel.close()
        self.service.stop()


@pytest.fixture
def running(root: Path) -> Iterator[Running]:
    service = Running(root)
    yield service
    service.close()


def template(root: Path) -> str:
    return f"{REGISTRY}/echo/{load_pipelines(root)['echo'].digest}"


def create(running: Running, root: Path, job_id: str = "", uri: str = "", **labels: str) -> v1.PipelineJob:
    job = v1.PipelineJob(
        display_name="echo",
        template_uri=uri or template(root),
        labels=labels,
        runtime_config=v1.PipelineJob.RuntimeConfig(
            parameter_values={"repository": "github:acme/estaleiro", "bucket_mirror": ""}
        ),
    )
    return running.client.create_pipeline_job(parent=PARENT, pipeline_job=job, pipeline_job_id=job_id)


def test_a_created_job_runs_with_this_machines_stand_ins_and_ends_succeeded(running: Running, root: Path) -> None:
    job = create(running, root, "echo-1", model="churn")
    assert job.name == f"{PARENT}/pipelineJobs/echo-1" and job.state == v1.PipelineState.PIPELINE_STATE_PENDING
    outcome = running.service.wait(job.name)
    assert outcome.succeeded and running.lines and "say where" in running.lines[0]
    done = running.client.get_pipeline_job(name=job.name)
    assert done.state == v1.PipelineState.PIPELINE_STATE_SUCCEEDED and done.end_time >= done.start_time
    [said] = outcome.folder.glob("where/executor_output.json")
    value = json.loads(said.read_text())["parameterValues"]["Output"]
    assert value == f"{root} {root / '.estaleiro/runs/echo-1/buckets'}", "the repository here, the buckets a folder"


def test_without_an_id_one_is_generated(running: Running, root: Path) -> None:
    first, second = create(running, root), create(running, root)
    assert first.name.startswith(f"{PARENT}/pipelineJobs/local-") and first.name != second.name


def test_a_second_create_with_one_id_is_already_exists_and_runs_nothing(running: Running, root: Path) -> None:
    job = create(running, root, "echo-1", model="churn")
    running.service.wait(job.name)
    with pytest.raises(AlreadyExists, match="already exists"):
        create(running, root, "echo-1", model="other")
    assert len(running.lines) == 1
    assert running.client.get_pipeline_job(name=job.name).labels["model"] == "churn"


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        pytest.param(f"{REGISTRY}/training/sha256:{'ab' * 32}", "no compiled pipeline 'training'", id="unknown"),
        pytest.param(f"{REGISTRY}/echo/sha256:{'ab' * 32}", "is not the compiled spec's sha256:", id="other version"),
        pytest.param(f"{REGISTRY}/echo/latest", "version 'latest' is not", id="a tag"),
    ],
)
def test_a_template_that_is_not_a_compiled_spec_of_this_repository_is_refused(
    running: Running, root: Path, uri: str, problem: str
) -> None:
    with pytest.raises(InvalidArgument, match=problem):
        create(running, root, "echo-1", uri=uri)
    assert not (root / STATE).exists()


def test_invalid_ids_and_labels_are_refused(running: Running, root: Path) -> None:
    with pytest.raises(InvalidArgument, match="pipeline_job_id"):
        create(running, root, "Echo.1")
    with pytest.raises(InvalidArgument, match="label"):
        create(running, root, "echo-1", model="Churn")


def earlier(root: Path, **jobs: datetime) -> None:
    """What an earlier invocation left: jobs created at these times, labelled model=churn."""
    kept = [
        json.loads(
            v1.PipelineJob.to_json(
                v1.PipelineJob(
                    name=f"{PARENT}/pipelineJobs/{job_id}",
                    labels={"model": "churn", "env": job_id.split("-")[0]},
                    create_time=when,
                    state=v1.PipelineState.PIPELINE_STATE_SUCCEEDED,
                )
            )
        )
        for job_id, when in jobs.items()
    ]
    (root / STATE).parent.mkdir(parents=True)
    (root / STATE).write_text(json.dumps({"jobs": kept}))


def names(running: Running, query: str) -> list[str]:
    jobs = running.client.list_pipeline_jobs(request=v1.ListPipelineJobsRequest(parent=PARENT, filter=query))
    return [job.name.rsplit("/", 1)[1] for job in jobs]


def test_jobs_of_earlier_invocations_are_listed_by_labels_and_create_time_newest_first(root: Path) -> None:
    now = datetime.now(UTC)
    earlier(root, **{"dev-old": now - timedelta(hours=30), "dev-new": now - timedelta(hours=2)})
    earlier_jobs = Running(root)
    try:
        day_ago = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert names(earlier_jobs, 'labels.model="churn" AND labels.env="dev"') == ["dev-new", "dev-old"]
        assert names(earlier_jobs, f'labels.model="churn" AND create_time>="{day_ago}"') == ["dev-new"]
        assert names(earlier_jobs, 'labels.model="fraud"') == []
        with pytest.raises(InvalidArgument):
            names(earlier_jobs, 'display_name="x" OR state="y"')
        with pytest.raises(AlreadyExists):
            create(earlier_jobs, root, "dev-new")
    finally:
        earlier_jobs.close()


def test_a_created_job_is_remembered_by_the_next_invocation(root: Path) -> None:
    first = Running(root)
    try:
        job = create(first, root, "echo-1", model="churn")
        first.service.wait(job.name)
    finally:
        first.close()
    second = Running(root)
    try:
        assert second.client.get_pipeline_job(name=job.name).state == v1.PipelineState.PIPELINE_STATE_SUCCEEDED
        with pytest.raises(AlreadyExists):
            create(second, root, "echo-1")
        with pytest.raises(NotFound):
            second.client.get_pipeline_job(name=f"{PARENT}/pipelineJobs/echo-2")
    finally:
        second.close()
    assert '"state": "PIPELINE_STATE_SUCCEEDED"' in (root / STATE).read_text()


def test_a_hand_edited_state_file_is_bad_input_naming_it(root: Path) -> None:
    (root / STATE).parent.mkdir(parents=True)
    (root / STATE).write_text('{"jobs": [{"createTime": "yesterday"}]}')
    with pytest.raises(InvalidInput, match=r"^\.estaleiro/pipeline-jobs\.json: jobs: not the jobs this service keeps"):
        LocalPipelineService(root, print)
