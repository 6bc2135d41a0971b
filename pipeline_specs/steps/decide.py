from kfp.dsl import Artifact, Input, Output


def decide(
    windows: Input[Artifact],
    quality: str,
    versions: str,
    model: str,
    stack: str,
    project: str,
    as_of: str,
    points_file: str,
    verdict: Output[Artifact],
) -> None:
    """Decide the N-of-M rule per version and write it to Cloud Monitoring, where the decline alert reads it.

    Inputs: windows (from measure); quality, the manifest's monitoring.quality as JSON; versions, a
    JSON object of deployed model id -> served version (only served versions get points); model, stack
    and project label and place the points; as_of, the run's time ("" for now), the points' time;
    points_file, "" to send the CreateTimeSeriesRequests, or a path to write them to as JSON instead.
    Outputs: verdict, JSON with the declined versions and the report.
    """
    import json

    from estaleiro.config.monitoring import Quality
    from estaleiro.quality import points
    from estaleiro.quality.run import decide as judge
    from estaleiro.quality.run import run_time, versions_of
    from estaleiro.quality.windows import load

    rule = Quality.model_validate_json(quality)
    with open(windows.path, encoding="utf-8") as source:
        measured = load(source.read())
    served = versions_of(versions)
    decision = judge(measured, rule, served)
    print("\n".join(decision.report))
    series = points.time_series(project, model, stack, rule.metric, decision.verdict, served.values(), run_time(as_of))
    batches = points.requests(project, series)
    if points_file:
        with open(points_file, "w", encoding="utf-8") as out:
            out.write(points.to_json(batches))
    else:
        from google.cloud.monitoring_v3 import MetricServiceClient

        points.send(MetricServiceClient(), batches)
    declined = list(decision.verdict.declined)
    with open(verdict.path, "w", encoding="utf-8") as out:
        json.dump({"declined": declined, "report": list(decision.report)}, out, indent=2)
    verdict.metadata.update({"declined": ", ".join(declined) or "none"})
