from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output


def evaluate(
    model: Input[Model], holdout: Input[Dataset], spec: str, scores: Output[Artifact], metrics: Output[Metrics]
) -> None:
    """Score the model on the hold-out: every metric the thresholds and the judge name, overall and per slice.

    Inputs: model; holdout; spec, the manifest's values.
    Outputs: scores, JSON in the shape of a model card's performance_metrics; metrics, the overall
    values for the pipeline UI.
    """
    import json
    import os

    import joblib
    import pandas as pd

    from estaleiro.training.evaluate import evaluate as score
    from estaleiro.training.evaluate import overall
    from estaleiro.training.spec import TrainingSpec

    settings = TrainingSpec.model_validate_json(spec)
    names = sorted({*settings.thresholds, settings.training.judge.primary_metric, "auc", "log_loss"})
    fitted = joblib.load(os.path.join(model.path, "model.joblib"))
    results = score(
        fitted, pd.read_parquet(holdout.path), settings.training.data.label, names, settings.training.slices
    )
    with open(scores.path, "w", encoding="utf-8") as out:
        json.dump([{"type": s.type, "value": s.value, "slice": s.slice} for s in results], out, indent=2)
    for name, value in overall(results).items():
        metrics.log_metric(name, value)
