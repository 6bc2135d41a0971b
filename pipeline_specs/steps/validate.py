from kfp.dsl import HTML, Dataset, Input, Output


def validate(rows: Input[Dataset], baseline: Input[Dataset], spec: str, report: Output[HTML]) -> None:
    """Stop the run when the data is unfit to train on: schema first, then drift against the baseline.

    Inputs: rows (to train on); baseline (the champion's training rows); spec, the manifest's values.
    Outputs: report, the drift report (the same HTML `estaleiro drift --html` writes).
    Fails with every problem as the reason: missing columns, wrong types, too many missing
    values, or features drifted over their thresholds (with their scores).
    """
    import pandas as pd

    from estaleiro.training.spec import TrainingSpec
    from estaleiro.training.validate import validate_rows

    settings = TrainingSpec.model_validate_json(spec)
    outcome = validate_rows(pd.read_parquet(rows.path), pd.read_parquet(baseline.path), settings, report.path)
    report.metadata.update({"worst_feature": outcome.worst, "worst_score": outcome.worst_score})
    if outcome.problems:
        raise ValueError("data validation failed: " + "; ".join(outcome.problems))
