"""The stack's request-response log: one BigQuery dataset, one table per endpoint, what drift and quality read.

Vertex writes a sample of each endpoint's requests and responses (the manifest's
`monitoring.samplingRate`) into `bq://<project>.<dataset>.<model>`, creating the table on first
use. The dataset is a stack dataset (components/monitoring/datasets.py): rows expire through its
partition expiry (the log table is partitioned by day), so the table itself, which the endpoint's
config names, is never dropped.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp.bigquery as bigquery
import pulumi_gcp.vertex as vertex

from components.monitoring.datasets import DatasetInputs, DatasetRole, stack_dataset, table_uri
from estaleiro.config.environment import Environment, Model

REQUESTS = DatasetRole("requests", "request-log", "Sampled prediction requests and responses of every endpoint")


def request_table(env: Environment, model: Model) -> str:
    """The model's request log, bq://project.dataset.table."""
    return table_uri(env, REQUESTS, model)


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
