"""A model card `model_cards/<model>/<version>.yaml`: the evidence a promotion cites.

Fields follow Google's Model Card Toolkit (snake_case, same sections) so a card can be
rendered by that toolkit unchanged.
"""

from __future__ import annotations

import datetime

from pydantic import Field, StrictBool, StrictFloat, StrictInt

from estaleiro.config.types import DnsLabel, Frozen, Text, Version


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
    lower_bound: StrictFloat | StrictInt
    upper_bound: StrictFloat | StrictInt


class PerformanceMetric(Frozen):
    type: Text
    value: StrictFloat | StrictInt
    slice: str = ""
    confidence_interval: ConfidenceInterval | None = None


class QuantitativeAnalysis(Frozen):
    performance_metrics: tuple[PerformanceMetric, ...] = Field(min_length=1)


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
                return float(metric.value)
        return None
