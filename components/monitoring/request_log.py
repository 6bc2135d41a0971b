"""The stack's request-response log: one BigQuery dataset, one table per endpoint, what drift and quality read.

Vertex writes a sample of each endpoint's requests and responses (the manifest's
`monitoring.samplingRate`) into `bq://<project>.<dataset>.<model>`, creating the table on first
use. The dataset is encrypted with the stack's BigQuery key; rows expire after
`RETENTION_DAYS` through the dataset's partition expiry (the log table is partitioned by day),
so the table itself, which the endpoint's config names, is never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp.bigquery as bigquery
import pulumi_gcp.vertex as vertex

from estaleiro.config.environment import Environment, Model
from estaleiro.naming import global_name, labels

RETENTION_DAYS = 90
MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class RequestLogInputs:
    """What the log needs from the foundation."""

    kms_key: pulumi.Input[str]
    readers: Mapping[str, pulumi.Input[str]]  # account role -> member, e.g. the monitoring account
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


def dataset_id(env: Environment) -> str:
    """BigQuery dataset ids take letters, digits and underscores only."""
    return global_name(env.config, env.name, "requests").replace("-", "_")


def table_uri(env: Environment, model: Model) -> str:
    return f"bq://{env.config.project}.{dataset_id(env)}.{model.name.replace('-', '_')}"


def logging_config(env: Environment, model: Model) -> vertex.AiEndpointPredictRequestResponseLoggingConfigArgs:
    """The endpoint's `predict_request_response_logging_config`: where and how much to log."""
    return vertex.AiEndpointPredictRequestResponseLoggingConfigArgs(
        enabled=True,
        sampling_rate=float(model.manifest.monitoring.sampling_rate),
        bigquery_destination=vertex.AiEndpointPredictRequestResponseLoggingConfigBigqueryDestinationArgs(
            output_uri=table_uri(env, model)
        ),
    )


class RequestLog(pulumi.ComponentResource):
    dataset: bigquery.Dataset

    def __init__(
        self, name: str, env: Environment, inputs: RequestLogInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("estaleiro:monitoring:RequestLog", name, None, opts)
        config = env.config
        self.dataset = bigquery.Dataset(
            f"{name}-requests",
            dataset_id=dataset_id(env),
            project=config.project,
            location=config.region,
            description="Sampled prediction requests and responses of every endpoint (managed by Estaleiro)",
            labels=labels(config, env.name, purpose="request-log"),
            default_encryption_configuration=bigquery.DatasetDefaultEncryptionConfigurationArgs(
                kms_key_name=inputs.kms_key
            ),
            default_partition_expiration_ms=RETENTION_DAYS * MS_PER_DAY,
            delete_contents_on_destroy=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(inputs.depends_on)),
        )
        for role, member in inputs.readers.items():
            bigquery.DatasetIamMember(
                f"{name}-requests-{role}-dataViewer",
                project=config.project,
                dataset_id=self.dataset.dataset_id,
                role="roles/bigquery.dataViewer",
                member=member,
                opts=pulumi.ResourceOptions(parent=self.dataset),
            )
        self.register_outputs({"dataset": self.dataset.dataset_id})
