"""Fit the model: a scikit-learn pipeline that one-hot encodes categories and fits boosted trees.

The fitted pipeline is the artifact: it takes the raw feature columns a prediction request
carries, so serving applies exactly the preprocessing training did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from estaleiro.config.training import Hyperparameters

ARCHITECTURE = "scikit-learn HistGradientBoostingClassifier on one-hot encoded categories"


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    holdout: pd.DataFrame


def split(frame: pd.DataFrame, label: str, fraction: float, seed: int) -> Split:
    """A stratified hold-out, so both sides keep the churn rate."""
    train, holdout = train_test_split(frame, test_size=fraction, random_state=seed, stratify=frame[label])
    return Split(train.reset_index(drop=True), holdout.reset_index(drop=True))


def fit(
    train: pd.DataFrame, features: Mapping[str, str], label: str, hyperparameters: Hyperparameters, seed: int
) -> Pipeline:
    categorical = [name for name, kind in features.items() if kind == "categorical"]
    numerical = [name for name, kind in features.items() if kind == "numerical"]
    encode = ColumnTransformer(
        [("categories", OneHotEncoder(handle_unknown="ignore"), categorical), ("numbers", "passthrough", numerical)]
    )
    boost = HistGradientBoostingClassifier(
        learning_rate=hyperparameters.learning_rate,
        max_iter=hyperparameters.max_iter,
        max_depth=hyperparameters.max_depth,
        random_state=seed,
    )
    model = Pipeline([("encode", encode), ("boost", boost)])
    model.fit(train[[*categorical, *numerical]], train[label])
    return model
