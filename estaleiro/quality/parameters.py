"""The model-quality pipeline's run parameters: one builder for the cloud schedule and the local run.

They differ only where they must: the tables (BigQuery in the cloud, Parquet files here), the
deployed model ids (known once Vertex deploys; the versions' own names here), the run's time and
where the points go (Cloud Monitoring, or a file).
"""

from __future__ import annotations

from typing import TypeVar

from estaleiro.config.environment import Environment, Model

Versions = TypeVar("Versions")  # the JSON text of deployed model id -> version, or a Pulumi output of it


def run_parameters(
    env: Environment,
    model: Model,
    requests: str,
    labels: str,
    versions: Versions,
    as_of: str = "",  # now: the run's time
    points_file: str = "",  # sent to Cloud Monitoring
) -> dict[str, str | Versions]:
    quality = model.manifest.monitoring.quality
    assert quality is not None  # the callers take measured models only
    return {
        "quality": quality.model_dump_json(by_alias=True),
        "requests": requests,
        "labels": labels,
        "versions": versions,
        "model": model.name,
        "stack": env.name,
        "project": env.config.project,
        "as_of": as_of,
        "points_file": points_file,
    }
