"""The stack's request-response log: one BigQuery dataset, one table per endpoint, what drift and quality read.

Vertex writes a sample of each endpoint's requests and responses (the manifest's
`monitoring.samplingRate`) into `bq://<project>.<dataset>.<model>_<generation>`, creating the table
itself (its columns: estaleiro/quality/log_table.py). A full table reference must name a table that
does not exist yet (io.proto BigQueryDestination: "the Dataset must exist and table must not
exist"), so an endpoint that replaces another must not name the old one's table: `<generation>`
is a digest of what makes the endpoint another endpoint (its project, region and display name,
hence its id, and how it is reached), so a replacing endpoint logs into a fresh table. A
dataset-only destination does not help: "If no table name is given, a new table will be created
with name `request_response_logging`" (endpoint.proto PredictRequestResponseLoggingConfig), the
same name for every endpoint of the dataset and for the one that replaces it.

The dataset is a stack dataset (components/monitoring/datasets.py): rows expire through its
partition expiry, so the table an endpoint names is never dropped while it logs; an old
endpoint's table stays until its partitions expire. `request_table` is the one place the name is
made: the endpoint's logging config and the model-quality schedule both take it from here (drift
monitors read the endpoint's logs through Vertex, by endpoint, not by table).
"""

from __future__ import annotations

import hashlib
import json

import pulumi
import pulumi_gcp.bigquery as bigquery
import pulumi_gcp.vertex as vertex

from components.monitoring.datasets import DatasetInputs, DatasetRole, stack_dataset, table_id, table_uri
from estaleiro.config.environment import Environment, Model
from estaleiro.naming import serving_name

REQUESTS = DatasetRole("requests", "request-log", "Sampled prediction requests and responses of every endpoint")


def request_table(env: Environment, model: Model) -> str:
    """The model's request log, bq://project.dataset.table: its endpoint's own table."""
    return table_uri(env, REQUESTS, f"{table_id(model)}_{endpoint_generation(env, model)}")


def endpoint_generation(env: Environment, model: Model) -> str:
    """Eight hex digits that change with whatever makes the model's endpoint another endpoint."""
    config = env.config
    identity = {
        "project": config.project,
        "region": config.region,
        "endpoint": serving_name(config, env.name, model.name),  # the endpoint's id is a hash of it
        "reached": config.serving.model_dump(mode="json", by_alias=True),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:8]


def logging_config(env: Environment, model: Model) -> vertex.AiEndpointPredictRequestResponseLoggingConfigArgs:
    """The endpoint's `predict_request_response_logging_config`: where and how much to log."""
    return vertex.AiEndpointPredictRequestResponseLoggingConfigArgs(
        enabled=True,
        sampling_rate=float(model.manifest.monitoring.sampling_rate),
        bigquery_destination=vertex.AiEndpointPredictRequestResponseLoggingConfigBigqueryDestinationArgs(
            output_uri=request_table(env, model)
        ),
    )


class RequestLog(pulumi.ComponentResource):
    dataset: bigquery.Dataset

    def __init__(
        self, name: str, env: Environment, inputs: DatasetInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("estaleiro:monitoring:RequestLog", name, None, opts)
        self.dataset = stack_dataset(name, env, REQUESTS, inputs, self)
        self.register_outputs({"dataset": self.dataset.dataset_id})
