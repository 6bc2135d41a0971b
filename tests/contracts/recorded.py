"""The requests our own code sends, as the fakes receive them: each provider driven through a
serving life (create, canary, promotion, change, delete) the way its own tests drive it, the
retraining function handed an incident per trained model, and the quality job's time series.

The fakes are the providers' own (tests/providers, tests/functions); a recording subclass keeps
every request a method receives before the fake's rules judge it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from components.providers.endpoint_deployment import EndpointDeploymentProvider
from components.providers.model_monitor import ModelMonitorsProvider
from components.providers.model_version import ModelVersionProvider
from tests.contracts.sent import Sent, from_request
from tests.functions.fake_pipeline_service import FakePipelineService
from tests.providers.conftest import ENDPOINT, PROJECT, PROJECT_NUMBER, clients_of
from tests.providers.fake_model_monitoring import FakeModelMonitoring
from tests.providers.fake_vertex import FakeVertex
from tests.providers.grpc_fake import GrpcFake, Method

F = TypeVar("F", bound=GrpcFake)


def recording(fake: type[F]) -> type[F]:
    """`fake`, keeping `(method, request)` of every call in `.requests`."""

    class Recording(fake):  # type: ignore[valid-type,misc]
        requests: list[tuple[str, Any]]

        def methods(self) -> list[Method]:
            self.requests = []
            return [
                (s, name, parse, answer, self._kept(name, impl)) for s, name, parse, answer, impl in super().methods()
            ]

        def _kept(self, name: str, impl: Callable[[Any], Any]) -> Callable[[Any], Any]:
            def kept(request: Any) -> Any:
                self.requests.append((name, request))
                return impl(request)

            return kept

    return Recording


def _sent(fake: Any, who: str) -> Iterator[Sent]:
    for method, request in fake.requests:
        yield from from_request(request, f"{who} {method}")


def vertex_serving() -> list[Sent]:
    """ModelVersion and EndpointDeployment: two versions uploaded, a first deploy, a canary, a
    promotion, an autoscaling change, then everything deleted."""
    from tests.providers.test_endpoint_deployment import spec  # the providers' own inputs
    from tests.providers.test_model_version import props

    fake = recording(FakeVertex)(PROJECT, PROJECT_NUMBER)
    fake.start()
    fake.add_endpoint(ENDPOINT)
    try:
        with clients_of(fake.address) as clients:
            versions = ModelVersionProvider(clients)
            created = [versions.create(props(v)) for v in ("v6", "v7", "v8")]
            versions.update(created[0].id, props("v6"), props("v6", labels={"env": "dev", "card": "churn-v6b"}))
            endpoint = EndpointDeploymentProvider(clients)
            endpoint.create(spec({"v6": 100}))
            endpoint.update("id", {}, spec({"v6": 90, "v7": 10}))
            endpoint.update("id", {}, spec({"v7": 100}))
            endpoint.update("id", {}, spec({"v7": 100}, bounds=(2, 6)))
            endpoint.delete("id", spec({"v7": 100}))
            versions.delete(created[2].id, props("v8"))
        return list(_sent(fake, "vertex"))
    finally:
        fake.stop()


def model_monitoring() -> list[Sent]:
    """ModelMonitors: two versions monitored, a threshold and cron change, one retired, all deleted."""
    from tests.providers.test_model_monitor import props

    fake = recording(FakeModelMonitoring)(project=PROJECT)
    fake.start()
    try:
        with clients_of(fake.address) as clients:
            provider = ModelMonitorsProvider(clients)
            provider.create(props({"v6": 6, "v7": 7}))
            provider.update("id", {}, props({"v6": 6, "v7": 7}, cron="0 */2 * * *", plan=0.3))
            provider.update("id", {}, props({"v7": 7}))
            provider.delete("id", props({"v7": 7}))
        return list(_sent(fake, "model-monitoring"))
    finally:
        fake.stop()


def retraining(plan: Mapping[str, Any], stack: str) -> list[Sent]:
    """The retraining function's CreatePipelineJob for each model its settings object trains."""
    from google.cloud import aiplatform_v1 as v1
    from google.cloud.aiplatform_v1.services.pipeline_service.transports.grpc import PipelineServiceGrpcTransport

    from functions.retrain.main import Settings, handle, parse
    from tests.functions.test_retrain import DRIFT, incident

    configs = [  # the settings object Pulumi writes (components/retraining.py), its text as the plan records it
        r["inputs"]["source"]["text"]
        for r in plan["resources"]
        if r["type"] == "gcp:storage/bucketObject:BucketObject" and r["inputs"]["name"].endswith("retrain-config.json")
    ]
    assert configs or stack != "dev", "dev's plan holds no retraining settings object"
    fake = recording(FakePipelineService)()
    fake.start()
    try:
        import grpc

        channel = grpc.insecure_channel(fake.address)
        client = v1.PipelineServiceClient(transport=PipelineServiceGrpcTransport(channel=channel))
        for config in configs:
            settings = Settings.from_json(config)
            for model in settings.models:
                opened = incident(condition=DRIFT, model=model, env=stack)
                handle(parse(json.dumps(opened).encode()), settings, client, datetime.now(UTC))
        channel.close()
        return list(_sent(fake, "retrain"))
    finally:
        fake.stop()


def quality_points() -> list[Sent]:
    """The model-quality job's CreateTimeSeries requests for two served versions."""
    from estaleiro.quality import points
    from estaleiro.quality.decline import decline
    from tests.quality.conftest import NOW
    from tests.quality.test_decline import days, rule

    verdict = decline([*days("v6", 0.8, 0.7, 0.72), *days("v7", 0.9, 0.91, 0.9)], rule())
    series = points.time_series(PROJECT, "churn", "dev", "auc", verdict, ["v6", "v7"], NOW)
    return [s for r in points.requests(PROJECT, series) for s in from_request(r, "quality CreateTimeSeries")]


def quality_queries() -> list[Sent]:
    """The model-quality job's BigQuery requests (jobs.insert: a Job; jobs.query: a QueryRequest),
    as the REST fake reads their bodies while the quality test's measurement runs."""
    from unittest import mock

    from tests.contracts.sent import walk
    from tests.quality.test_bigquery import (
        test_bigquery_gets_the_query_with_named_parameters_and_measures_what_duckdb_does,
    )
    from tests.training import fake_bigquery

    bodies: list[tuple[str, dict[str, Any]]] = []
    read = fake_bigquery.Handler._body

    def kept(handler: Any) -> dict[str, Any]:
        body = read(handler)
        bodies.append((handler.path, body))
        return body

    with mock.patch.object(fake_bigquery.Handler, "_body", kept):
        for version in ("v1", "v2"):  # both request-log layouts (estaleiro/quality/log_table.py)
            test_bigquery_gets_the_query_with_named_parameters_and_measures_what_duckdb_does(version)
    message = {
        fake_bigquery.JOBS: "google.cloud.bigquery.v2.Job",
        fake_bigquery.QUERIES: "google.cloud.bigquery.v2.QueryRequest",
    }
    return [
        sent
        for path, body in bodies
        for pattern, name in message.items()
        if pattern.match(path.split("?")[0])
        for sent in walk(name, body, f"quality BigQuery {path}")
    ]
