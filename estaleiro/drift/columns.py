"""One side's column, as TFDV's statistics generators see it: numbers for a histogram, or value counts.

Missing values (nulls, and NaN in a tabular file, which `pa.RecordBatch.from_pandas` turns
into nulls before TFDV sees them) count on neither metric.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from estaleiro.drift.quantiles import FloatArray

Column: TypeAlias = Any  # pa.Array or pa.ChunkedArray: pyarrow publishes no type hints

# StatsOptions.num_rank_histogram_buckets: TFDV's L-infinity and categorical JSD read the
# rank histogram, the most frequent values only (top_k_uniques_stats_util._make_feature_stats_proto_topk).
RANK_HISTOGRAM_BUCKETS = 1000


class NotNumeric(ValueError):
    """A numerical feature holds a value that is not a number."""


@dataclass(frozen=True)
class ValueCounts:
    """A categorical side: values most frequent first (ties: larger value first), as TFDV ranks them."""

    values: tuple[str, ...]
    counts: tuple[float, ...]

    def as_mapping(self) -> dict[str, float]:
        return dict(zip(self.values, self.counts, strict=True))

    @property
    def total(self) -> float:
        return float(sum(self.counts))


def numeric_values(column: Column) -> FloatArray:
    """The present values as float64 (booleans are categorical, not numbers)."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        values = column.cast(pa.float64()).drop_null().to_numpy()
        result: FloatArray = values[~np.isnan(values)]
        return result
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _parsed(column)
    raise NotNumeric(f"holds {kind} values, not numbers")


def _parsed(column: Column) -> FloatArray:
    """Text that should hold numbers: parsed, or the first value that is not one named."""
    try:
        return numeric_values(pc.cast(column, pa.float64()))
    except pa.ArrowInvalid:
        for value in column.unique().drop_null().to_pylist():
            try:
                float(value)
            except ValueError:
                raise NotNumeric(f"non-numeric value {value!r}") from None
        raise


def value_counts(column: Column) -> ValueCounts:
    """Counts of the present values, as text, top `RANK_HISTOGRAM_BUCKETS` of them."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = column.cast(pa.string())
    counted = pc.value_counts(column.drop_null())
    values = counted.field("values").to_pylist()
    counts = counted.field("counts").to_pylist()
    ranked = heapq.nlargest(RANK_HISTOGRAM_BUCKETS, zip(counts, values, strict=True))
    return ValueCounts(tuple(v for _, v in ranked), tuple(float(c) for c, _ in ranked))
