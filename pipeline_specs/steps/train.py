from kfp.dsl import Dataset, Input, Model, Output


def train(rows: Input[Dataset], spec: str, model: Output[Model], holdout: Output[Dataset]) -> None:
    """Split off the hold-out and fit the model on the rest.

    Inputs: rows; spec, the manifest's values (features, training block).
    Outputs: model, a folder with `model.joblib` (the fitted scikit-learn pipeline); holdout, as Parquet.
    """
    import os

    import joblib
    import pandas as pd

    from estaleiro.training.spec import TrainingSpec
    from estaleiro.training.train import fit, split

    settings = TrainingSpec.model_validate_json(spec)
    training = settings.training
    parts = split(pd.read_parquet(rows.path), training.data.label, training.holdout.fraction, training.holdout.seed)
    fitted = fit(parts.train, settings.features, training.data.label, training.hyperparameters, training.holdout.seed)
    os.makedirs(model.path, exist_ok=True)
    joblib.dump(fitted, os.path.join(model.path, "model.joblib"))
    parts.holdout.to_parquet(holdout.path, index=False)
    model.metadata.update({"train_rows": len(parts.train), "framework": "scikit-learn"})
    holdout.metadata.update({"rows": len(parts.holdout)})
