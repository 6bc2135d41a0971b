"""The stack's own BigQuery datasets (the request log, the ground truth): named, encrypted, kept and read alike.

Each is `<prefix>_<env>_<role>` in the stack's project and region, encrypted by default with the
stack's BigQuery key, its partitions expiring after `RETENTION_DAYS` (its tables are partitioned
by day), and read by the accounts its inputs name: access lives with the dataset that owns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp.bigquery as bigquery

from estaleiro.config.environment import Environment, Model
from estaleiro.naming import global_name, labels

RETENTION_DAYS = 90
RETENTION_MS = RETENTION_DAYS * 86_400_000


@dataclass(frozen=True)
class DatasetInputs:
    """What a stack dataset needs from the foundation."""

    kms_key: pulumi.Input[str]
    readers: Mapping[str, pulumi.Input[str]]  # account role -> member, e.g. the monitoring account
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


@dataclass(frozen=True)
class DatasetRole:
    """One kind of stack dataset: its role in names, its purpose label, what it holds."""

    role: str
    purpose: str
    description: str


def dataset_id(env: Environment, kind: DatasetRole) -> str:
    """BigQuery dataset ids take letters, digits and underscores only."""
    return global_name(env.config, env.name, kind.role).replace("-", "_")


def table_id(model: Model) -> str:
    return model.name.replace("-", "_")


def table_uri(env: Environment, kind: DatasetRole, table: str) -> str:
    """A table in a stack dataset, as Vertex and the quality query name it: bq://project.dataset.table."""
    return f"bq://{env.config.project}.{dataset_id(env, kind)}.{table}"


def stack_dataset(
    name: str, env: Environment, kind: DatasetRole, inputs: DatasetInputs, parent: pulumi.Resource
) -> bigquery.Dataset:
    """The dataset `kind`, and a dataViewer grant per reader."""
    config = env.config
    dataset = bigquery.Dataset(
        f"{name}-{kind.role}",
        dataset_id=dataset_id(env, kind),
        project=config.project,
        location=config.region,
        description=f"{kind.description} (managed by Estaleiro)",
        labels=labels(config, env.name, purpose=kind.purpose),
        default_encryption_configuration=bigquery.DatasetDefaultEncryptionConfigurationArgs(
            kms_key_name=inputs.kms_key
        ),
        default_partition_expiration_ms=RETENTION_MS,
        delete_contents_on_destroy=False,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(inputs.depends_on)),
    )
    for role, member in inputs.readers.items():
        bigquery.DatasetIamMember(
            f"{name}-{kind.role}-{role}-dataViewer",
            project=config.project,
            dataset_id=dataset.dataset_id,
            role="roles/bigquery.dataViewer",
            member=member,
            opts=pulumi.ResourceOptions(parent=dataset),
        )
    return dataset
