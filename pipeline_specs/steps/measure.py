from kfp.dsl import Artifact, Output


def measure(
    requests: str, labels: str, quality: str, versions: str, project: str, as_of: str, windows: Output[Artifact]
) -> None:
    """Join the request log with the late ground truth: each matured window's coverage and metrics, per version.

    Inputs: requests and labels, bq:// tables (BigQuery runs the query, jobs billed to project) or
    Parquet files (DuckDB runs the same query); quality, the manifest's monitoring.quality as JSON;
    versions, a JSON object of deployed model id -> version; as_of, the run's time ("" for now).
    Outputs: windows, JSON: every window of every version, and the unknown and duplicate label counts.
    """
    from estaleiro.config.monitoring import Quality
    from estaleiro.quality.run import measure as run_query
    from estaleiro.quality.run import run_time, versions_of
    from estaleiro.quality.windows import dump

    rule = Quality.model_validate_json(quality)
    measured = run_query(requests, labels, rule, run_time(as_of), versions_of(versions), project)
    with open(windows.path, "w", encoding="utf-8") as out:
        out.write(dump(measured))
    windows.metadata.update(
        {
            "windows": len(measured.windows),
            "duplicate_labels": measured.duplicate_labels,
            "unknown_labels": measured.unknown_labels,
        }
    )
