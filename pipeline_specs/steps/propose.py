from kfp.dsl import Artifact, Dataset, Input, Model, Output


def propose(
    model: Input[Model],
    scores: Input[Artifact],
    rows: Input[Dataset],
    holdout: Input[Dataset],
    spec: str,
    models_bucket: str,
    repository: str,
    bucket_mirror: str,
    run: str,
    proposal: Output[Artifact],
) -> None:
    """Propose the challenger: its artifact in the models bucket, its model card, and the promotion.

    Inputs: model, scores, rows, holdout (from the earlier steps); spec, the manifest's values;
    models_bucket (gs://...); repository, `github:owner/name` (a pull request) or a local path (a
    branch); bucket_mirror, a local folder standing in for Cloud Storage ("" in the cloud); run,
    the pipeline run's name.
    Outputs: proposal, JSON naming the version, artifact, card, branch and pull request.
    """
    import json
    from pathlib import Path

    from estaleiro.training.propose import Evidence
    from estaleiro.training.propose import propose as make

    with open(scores.path, encoding="utf-8") as source:
        results = json.load(source)
    evidence = Evidence(
        model_dir=Path(model.path),
        rows=Path(rows.path),
        scores=results,
        data_uri=rows.metadata.get("uri", ""),
        train_rows=int(model.metadata.get("train_rows", 0)),
        holdout_rows=int(holdout.metadata.get("rows", 0)),
        run=run,
    )
    outcome = make(spec, evidence, models_bucket, repository, bucket_mirror)
    with open(proposal.path, "w", encoding="utf-8") as out:
        json.dump(outcome, out, indent=2)
    proposal.metadata.update(outcome)
    print(json.dumps(outcome, indent=2))
