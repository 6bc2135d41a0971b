"""The PipelineService fake must answer as Vertex documents it, rule by rule, or the function's tests prove nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from google.api_core.exceptions import AlreadyExists, InvalidArgument, NotFound
from google.cloud import aiplatform_v1 as v1

from tests.functions.conftest import PARENT
from tests.functions.fake_pipeline_service import FakePipelineService

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def create(client: v1.PipelineServiceClient, job_id: str = "", **labels: str) -> v1.PipelineJob:
    job = v1.PipelineJob(display_name="churn-training", template_uri="https://x/sha256:ab", labels=labels)
    return client.create_pipeline_job(parent=PARENT, pipeline_job=job, pipeline_job_id=job_id)


def names(client: v1.PipelineServiceClient, query: str) -> list[str]:
    return [
        j.name.rsplit("/", 1)[1]
        for j in client.list_pipeline_jobs(request=v1.ListPipelineJobsRequest(parent=PARENT, filter=query))
    ]


def test_the_job_id_names_the_job_and_the_server_stamps_it(client: v1.PipelineServiceClient) -> None:
    job = create(client, "churn-retrain-1")
    assert job.name == f"{PARENT}/pipelineJobs/churn-retrain-1"
    assert job.create_time is not None and job.state == v1.PipelineState.PIPELINE_STATE_PENDING
    assert client.get_pipeline_job(name=job.name).display_name == "churn-training"


def test_without_an_id_the_server_generates_one(client: v1.PipelineServiceClient) -> None:
    assert create(client).name.startswith(f"{PARENT}/pipelineJobs/fake-")


@pytest.mark.parametrize("job_id", ["Churn", "churn.1", "churn_1", "a" * 128])
def test_an_id_outside_lowercase_digits_and_hyphens_under_128_is_invalid(
    client: v1.PipelineServiceClient, job_id: str
) -> None:
    with pytest.raises(InvalidArgument, match="pipeline_job_id"):
        create(client, job_id)


def test_a_second_create_with_one_id_is_already_exists_and_changes_nothing(
    client: v1.PipelineServiceClient, fake: FakePipelineService
) -> None:
    create(client, "churn-retrain-1", model="churn")
    with pytest.raises(AlreadyExists, match="already exists"):
        create(client, "churn-retrain-1", model="other")
    assert list(fake.jobs) == [f"{PARENT}/pipelineJobs/churn-retrain-1"]
    assert fake.jobs[f"{PARENT}/pipelineJobs/churn-retrain-1"].labels["model"] == "churn"


def test_invalid_labels_are_refused(client: v1.PipelineServiceClient) -> None:
    with pytest.raises(InvalidArgument, match="label"):
        create(client, "a", model="Churn")


def test_list_filters_by_label_equality_and_presence(client: v1.PipelineServiceClient) -> None:
    create(client, "a", model="churn", env="dev")
    create(client, "b", model="churn", env="prod")
    create(client, "c", model="fraud", env="dev", **{"started-by": "alert"})
    assert sorted(names(client, 'labels.model="churn"')) == ["a", "b"]
    assert names(client, 'labels.model="churn" AND labels.env="dev"') == ["a"]
    assert names(client, "labels.started-by:*") == ["c"]
    assert sorted(names(client, "")) == ["a", "b", "c"]


def test_list_filters_by_create_time_and_orders_newest_first(
    client: v1.PipelineServiceClient, fake: FakePipelineService
) -> None:
    for hours, job_id in [(30, "old"), (2, "recent"), (1, "newest")]:
        fake.now = NOW - timedelta(hours=hours)
        create(client, job_id, model="churn")
    day_ago = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert names(client, f'labels.model="churn" AND create_time>="{day_ago}"') == ["newest", "recent"]
    assert names(client, f'create_time<"{day_ago}"') == ["old"]


@pytest.mark.parametrize(
    "query", ['create_time>="yesterday"', 'create_time>="2026-11-23T12:00:00"', 'display_name="x" OR state="y"']
)
def test_a_filter_the_fake_cannot_apply_is_refused_not_ignored(client: v1.PipelineServiceClient, query: str) -> None:
    with pytest.raises(InvalidArgument):
        names(client, query)


def test_a_parent_that_is_no_location_is_invalid(client: v1.PipelineServiceClient) -> None:
    with pytest.raises(InvalidArgument, match="parent"):
        client.create_pipeline_job(parent="projects/acme-ml-dev", pipeline_job=v1.PipelineJob(), pipeline_job_id="a")


def test_get_of_an_unknown_job_is_not_found(client: v1.PipelineServiceClient) -> None:
    with pytest.raises(NotFound):
        client.get_pipeline_job(name=f"{PARENT}/pipelineJobs/nope")
