"""The first half of data validation: are the columns the model needs there, typed and filled?"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from pandas.api import types


def schema_problems(frame: pd.DataFrame, features: Mapping[str, str], label: str, max_missing: float) -> list[str]:
    """Every way `frame` fails the declared features and label; empty when it is fit to train on."""
    problems = [f"column {name!r} is missing" for name in [*features, label] if name not in frame.columns]
    if problems:
        return problems
    if len(frame) == 0:
        return ["no rows"]
    for name, kind in features.items():
        column = frame[name]
        if kind == "numerical" and not types.is_numeric_dtype(column):
            problems.append(f"{name} is declared numerical but holds {column.dtype} values")
        missing = float(column.isna().mean())
        if missing > max_missing:
            problems.append(f"{name} is {missing:.1%} missing, more than the {max_missing:.1%} allowed")
    labels = set(frame[label].dropna().unique().tolist())
    if not labels <= {0, 1}:
        problems.append(f"label {label!r} must be 0 or 1, found {sorted(map(str, labels - {0, 1}))[:5]}")
    elif frame[label].isna().any():
        problems.append(f"label {label!r} has missing values")
    return problems
