"""Ground truth: where each measured model's late labels land, a table the stack declares unless the manifest names one.

A manifest's `monitoring.quality.labels` may name an external table (the model-quality pipeline
only reads it: components/quality.py grants that). Without it the stack declares
`bq://<project>.<prefix>_<env>_ground_truth.<model>` in a stack dataset (components/monitoring/datasets.py):
the team's labelling job writes `request_key`, `label`, `label_time` rows into it, with a grant
the team gives that job; the pipeline runner reads it. The table is partitioned by day on
`label_time`, so labels arrive into the latest partitions, the query's `label_time <= @as_of`
prunes later ones, and labels leave with the request log's retention (a label is never older
than its request, so an expired label could join no logged request). It is clustered by
`request_key`, which the quality query (estaleiro/quality/query.sql) groups the labels by and
joins them to the request log on: the key a client puts in each instance it sends (the log's own
`request_id` is Vertex's, which a labelling system never sees).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_gcp.bigquery as bigquery

from components.monitoring.datasets import (
    RETENTION_MS,
    DatasetInputs,
    DatasetRole,
    dataset_id,
    stack_dataset,
    table_id,
    table_uri,
)
from estaleiro.config.environment import Environment, Model
from estaleiro.naming import labels
from estaleiro.quality.log_table import REQUEST_KEY

GROUND_TRUTH = DatasetRole("ground-truth", "ground-truth", "Late ground truth of every measured model")
# BigQuery's schema JSON (TableFieldSchema: name, type, mode, description), what query.sql reads.
SCHEMA = [
    {
        "name": REQUEST_KEY,
        "type": "STRING",
        "mode": "REQUIRED",
        "description": "the request_key the client put in the instance it sent for prediction",
    },
    {"name": "label", "type": "INT64", "mode": "REQUIRED", "description": "the true class: 1 positive, 0 negative"},
    {
        "name": "label_time",
        "type": "TIMESTAMP",
        "mode": "REQUIRED",
        "description": "when the label became known (UTC); the latest label of a request wins",
    },
]


def ground_truth_table(env: Environment, model: Model) -> str:
    """A measured model's ground truth, bq://project.dataset.table: the manifest's table, else the stack's."""
    quality = model.manifest.monitoring.quality
    assert quality is not None, f"{model.name} does not measure quality"
    return quality.labels or table_uri(env, GROUND_TRUTH, table_id(model))


def declared_models(env: Environment) -> list[Model]:
    """The measured models whose ground truth the stack declares: their manifests name no table."""
    return [m for m in env.models if (q := m.manifest.monitoring.quality) is not None and q.labels is None]


def ground_truth_dataset(env: Environment) -> tuple[str, str]:
    """(project, dataset) of the stack's ground truth, which grants its readers itself."""
    return env.config.project, dataset_id(env, GROUND_TRUTH)


class GroundTruth(pulumi.ComponentResource):
    dataset: bigquery.Dataset
    tables: dict[str, bigquery.Table]

    def __init__(
        self, name: str, env: Environment, inputs: DatasetInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("estaleiro:monitoring:GroundTruth", name, None, opts)
        config = env.config
        self.dataset = stack_dataset(name, env, GROUND_TRUTH, inputs, self)
        self.tables = {
            model.name: bigquery.Table(
                f"{name}-{model.name}-{GROUND_TRUTH.role}",
                project=config.project,
                dataset_id=self.dataset.dataset_id,
                table_id=table_id(model),
                description=f"Ground truth of {model.name}: one row per label, written by the team's labelling job",
                labels=labels(config, env.name, purpose=GROUND_TRUTH.purpose, model=model.name),
                schema=json.dumps(SCHEMA),
                time_partitioning=bigquery.TableTimePartitioningArgs(
                    type="DAY", field="label_time", expiration_ms=RETENTION_MS
                ),
                clusterings=[REQUEST_KEY],
                encryption_configuration=bigquery.TableEncryptionConfigurationArgs(kms_key_name=inputs.kms_key),
                deletion_protection=True,  # the labels are the team's data: removing it takes a deliberate change
                opts=pulumi.ResourceOptions(parent=self.dataset),
            )
            for model in declared_models(env)
        }
        self.register_outputs(
            {"dataset": self.dataset.dataset_id, "tables": {m: t.table_id for m, t in self.tables.items()}}
        )
