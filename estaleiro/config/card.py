"""A model card `model_cards/<model>/<version>.yaml`: the evidence a promotion cites.

Fields follow Google's Model Card Toolkit (snake_case, same sections) so a card can be
rendered by that toolkit unchanged.
"""

from __future__ import annotations

import datetime

from pydantic import Field, StrictBool, field_validator

from estaleiro.config.types import DnsLabel, Frozen, Measure, Text, Version


class Owner(Frozen):
    name: Text
    contact: Text


class VersionInfo(Frozen):
    name: Version
    date: datetime.date
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
