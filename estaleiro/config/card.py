"""A model card `model_cards/<model>/<version>.yaml`: the evidence a promotion cites.

Fields follow Google's Model Card Toolkit (snake_case, same sections) so a card can be
rendered by that toolkit unchanged.
"""

from __future__ import annotations

import math

from pydantic import Field, StrictBool, field_validator, model_validator

from estaleiro.config.types import Date, DnsLabel, Email, Frozen, Measure, Text, Version, VisibleText

# What each metric can be by its definition (estaleiro/training/metrics.py computes these; a test holds
# the two tables together). A card reporting outside it reports no measurement; other metrics are free.
RANGES: dict[str, tuple[float, float]] = {
    "auc": (0.0, 1.0),
    "accuracy": (0.0, 1.0),
    "precision": (0.0, 1.0),
    "recall": (0.0, 1.0),
    "f1": (0.0, 1.0),
    "precision_at_10pct": (0.0, 1.0),
    "brier": (0.0, 1.0),
    "log_loss": (0.0, math.inf),
}


class Owner(Frozen):
    name: VisibleText
    contact: Email = Field(description="an e-mail address: promotion/owners finds it among the manifest's owners")


class VersionInfo(Frozen):
    name: Version
    date: Date
    diff: str = ""


class ModelDetails(Frozen):
    name: DnsLabel
    overview: Text
    owners: tuple[Owner, ...] = Field(min_length=1)
    version: VersionInfo
    documentation: str = ""
    licenses: tuple[Text, ...] = ()
    references: tuple[Text, ...] = ()


class Dataset(Frozen):
    name: Text
    link: Text
    description: str = ""
    sensitive: StrictBool = False


class ModelParameters(Frozen):
    model_architecture: Text
    training_data: Dataset
    evaluation_data: Dataset
    input_format: str = ""
    output_format: str = ""


class ConfidenceInterval(Frozen):
    lower_bound: Measure
    upper_bound: Measure


class PerformanceMetric(Frozen):
    type: Text
    value: Measure
    slice: str = ""
    confidence_interval: ConfidenceInterval | None = None

    @model_validator(mode="after")
    def _measurable(self) -> PerformanceMetric:
        """A value no measurement can give (auc 7.5), or outside its own interval, is not evidence."""
        low, high = RANGES.get(self.type, (-math.inf, math.inf))
        allowed = f"the range of {self.type} ({low:g} {f'to {high:g}' if high < math.inf else 'or more'})"
        if not low <= self.value <= high:
            raise ValueError(f"{self.type} is {self.value}, outside {allowed}: report the measured value")
        interval = self.confidence_interval
        if interval is None:
            return self
        lower, upper = interval.lower_bound, interval.upper_bound
        if lower > upper:
            raise ValueError(
                f"{self.type}'s confidence interval is inverted (lower_bound {lower} is above upper_bound {upper})"
            )
        for bound in (lower, upper):
            if not low <= bound <= high:
                raise ValueError(f"{self.type}'s confidence interval reaches {bound}, outside {allowed}")
        if not lower <= self.value <= upper:
            raise ValueError(f"{self.type} is {self.value}, outside its own confidence interval [{lower}, {upper}]")
        return self


class QuantitativeAnalysis(Frozen):
    performance_metrics: tuple[PerformanceMetric, ...] = Field(min_length=1)

    @field_validator("performance_metrics")
    @classmethod
    def _each_once(cls, metrics: tuple[PerformanceMetric, ...]) -> tuple[PerformanceMetric, ...]:
        """Two values for one metric and slice leave a threshold nothing to judge."""
        first: dict[tuple[str, str], int] = {}
        for position, metric in enumerate(metrics):
            key = (metric.type, metric.slice)
            if key in first:
                where = f"slice {metric.slice!r}" if metric.slice else "overall"
                raise ValueError(
                    f"{metric.type} ({where}) is reported twice, items {first[key]} and {position}: keep one"
                )
            first[key] = position
        return metrics


class Description(Frozen):
    description: Text


class Risk(Frozen):
    name: Text
    mitigation_strategy: Text


class Considerations(Frozen):
    users: tuple[Description, ...] = Field(min_length=1)
    use_cases: tuple[Description, ...] = Field(min_length=1)
    limitations: tuple[Description, ...] = Field(min_length=1)
    tradeoffs: tuple[Description, ...] = ()
    ethical_considerations: tuple[Risk, ...] = Field(min_length=1)


class ModelCard(Frozen):
    """One version's card; `metric(name)` is what promotion rules compare to thresholds."""

    model_details: ModelDetails
    model_parameters: ModelParameters
    quantitative_analysis: QuantitativeAnalysis
    considerations: Considerations

    def metric(self, name: str) -> float | None:
        """The overall (unsliced) value of a metric, or None when the card does not report it."""
        for metric in self.quantitative_analysis.performance_metrics:
            if metric.type == name and not metric.slice:
                return metric.value
        return None
