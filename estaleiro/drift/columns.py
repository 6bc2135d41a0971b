"""One side's column, as TFDV's statistics generators see it: numbers for a histogram, or value counts.

Missing values (nulls, and NaN in a tabular file, which `pa.RecordBatch.from_pandas` turns
into nulls before TFDV sees them) count on neither metric.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
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
        as_float = column.cast(pa.float64())
        if as_float.null_count:
            as_float = as_float.fill_null(math.nan)
        values = np.asarray(as_float)
        missing = np.isnan(values)
        result: FloatArray = values[~missing] if missing.any() else values
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
    """Counts of the present values, as text, top `RANK_HISTOGRAM_BUCKETS` of them.

    Counted before anything is turned into text: a million rows cost one pass, and only the
    distinct values are converted (dictionary-encoded columns are never decoded row by row).
    """
    if pa.types.is_dictionary(column.type):
        texts, counts = _dictionary_counts(column)
    else:
        counted = pc.value_counts(column)
        values = counted.field("values")
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.string())
        present = values.is_valid()
        texts = values.filter(present).to_pylist()
        counts = counted.field("counts").filter(present).to_pylist()
    ranked = heapq.nlargest(RANK_HISTOGRAM_BUCKETS, zip(counts, texts, strict=True))
    return ValueCounts(tuple(v for _, v in ranked), tuple(float(c) for c, _ in ranked))


def _dictionary_counts(column: Column) -> tuple[list[str], list[int]]:
    """Per chunk, a bincount of the dictionary indices; chunks may carry different dictionaries."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    total: Counter[str] = Counter()
    for chunk in chunks:
        indices = chunk.indices.drop_null() if chunk.null_count else chunk.indices
        counts = np.bincount(np.asarray(indices), minlength=len(chunk.dictionary))
        labels = chunk.dictionary.cast(pa.string()).to_pylist()
        for label, count in zip(labels, counts.tolist(), strict=True):
            if count and label is not None:
                total[label] += count
    return list(total), list(total.values())
