"""The `training` block of a model manifest: how continuous training retrains and judges the model.

Everything the pipeline decides with comes from here (data, label, hold-out, hyperparameters,
slices, how much better a challenger must be, when it runs); nothing is a constant in code.
The features and their types are the ones the manifest's `monitoring.features` declares: the
model is trained on what is monitored.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictFloat, StrictInt

from estaleiro.config.monitoring import BIGQUERY_TABLE
from estaleiro.config.types import Cron, Frozen, Text


class Data(Frozen):
    """Where the training rows are: a BigQuery table in the cloud; files or generated rows on a laptop."""

    table: Annotated[str, Field(pattern=BIGQUERY_TABLE.pattern, description="bq://project.dataset.table")]
    label: Text = Field(description="the column holding the outcome (0 or 1)")
    max_missing_rate: Annotated[StrictFloat | StrictInt, Field(ge=0, le=1)] = Field(
        default=0.05, alias="maxMissingRate", description="most of a feature's values that may be missing"
    )


class Holdout(Frozen):
    fraction: Annotated[StrictFloat, Field(gt=0, lt=1)] = 0.2
    seed: Annotated[StrictInt, Field(ge=0)] = 0


class Hyperparameters(Frozen):
    """Of scikit-learn's HistGradientBoostingClassifier, the model the train step fits."""

    learning_rate: Annotated[StrictFloat, Field(gt=0, le=1)] = Field(default=0.05, alias="learningRate")
    max_iter: Annotated[StrictInt, Field(ge=1, le=10_000)] = Field(default=200, alias="maxIter")
    max_depth: Annotated[StrictInt, Field(ge=1, le=64)] = Field(default=4, alias="maxDepth")


class Judge(Frozen):
    primary_metric: Text = Field(default="auc", alias="primaryMetric")
    minimum_gain: Annotated[StrictFloat | StrictInt, Field(ge=0)] = Field(
        default=0.0, alias="minimumGain", description="how much a challenger must beat the champion by"
    )


class Training(Frozen):
    pipeline: Text = Field(
        default="continuous-training", description="the compiled pipeline (pipeline_specs/compiled/<name>.yaml) to run"
    )
    schedule: Cron = Field(description="cron (UTC) of the scheduled retraining, e.g. '0 4 * * 1'")
    data: Data
    holdout: Holdout = Field(default_factory=Holdout)
    hyperparameters: Hyperparameters = Field(default_factory=Hyperparameters)
    slices: tuple[Text, ...] = Field(default=(), description="categorical features whose values are scored apart")
    judge: Judge = Field(default_factory=Judge)
