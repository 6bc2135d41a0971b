"""A synthetic churn data set, generated deterministically from a seed.

Realistic enough to exercise every step for real: mixed numerical and categorical features,
missing values, a label with a learnable signal (short tenure, month-to-month contracts and
support calls raise churn), and knobs that shift the inputs (`drift`) or the relation between
inputs and label (`concept_drift`), so tests can make the validation step stop or a model decay.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

NUMERICAL = ("tenure_months", "monthly_charges", "total_charges", "support_calls")
CATEGORICAL = ("plan", "contract", "region", "payment_method", "paperless_billing")
LABEL = "churned"

PLANS = ("basic", "standard", "premium")
PLAN_PRICE = {"basic": 25.0, "standard": 55.0, "premium": 95.0}
CONTRACTS = ("month-to-month", "one-year", "two-year")
REGIONS = ("north", "south", "east", "west")
PAYMENTS = ("card", "bank-transfer", "electronic-check", "mailed-check")


def churn_frame(rows: int = 4000, seed: int = 0, drift: float = 0.0, concept_drift: float = 0.0) -> pd.DataFrame:
    """`rows` subscribers. `drift` in [0, 1] shifts the inputs; `concept_drift` in [0, 1] blurs the signal."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(CONTRACTS, rows, p=_mix((0.55, 0.25, 0.20), (0.80, 0.12, 0.08), drift))
    plan = rng.choice(PLANS, rows, p=_mix((0.35, 0.45, 0.20), (0.20, 0.40, 0.40), drift))
    tenure = np.clip(rng.exponential(26.0 * (1 - 0.5 * drift), rows).round() + 1, 1, 72)
    price = np.vectorize(PLAN_PRICE.__getitem__)(plan)
    monthly = np.round(price * (1 + 0.25 * drift) + rng.normal(0, 6, rows), 2)
    total = np.round(tenure * monthly * rng.uniform(0.95, 1.05, rows), 2)
    calls = rng.poisson(1.0 + 0.8 * (plan == "basic") + 2.0 * drift, rows).astype(float)
    region = rng.choice(REGIONS, rows, p=(0.3, 0.25, 0.25, 0.2))
    payment = rng.choice(PAYMENTS, rows, p=(0.4, 0.25, 0.25, 0.1))
    paperless = rng.choice(("yes", "no"), rows, p=(0.6, 0.4))
    logit = signal(tenure, contract, calls, monthly, payment)
    logit = (1 - concept_drift) * logit + concept_drift * rng.normal(0, 2.0, rows)
    churned = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": total,
            "support_calls": calls,
            "plan": plan,
            "contract": contract,
            "region": region,
            "payment_method": payment,
            "paperless_billing": paperless,
            LABEL: churned,
        }
    )
    # Billing systems lose a few totals for brand-new subscribers: missing values are real input.
    frame.loc[(tenure <= 1) & (rng.random(rows) < 0.5), "total_charges"] = np.nan
    return frame


def signal(tenure: Any, contract: Any, calls: Any, monthly: Any, payment: Any) -> NDArray[np.float64]:
    """The log-odds of churn before concept drift: what a model that learned the relation perfectly scores."""
    return np.asarray(
        -2.2
        - 0.11 * tenure
        + 2.6 * (contract == "month-to-month")
        - 1.8 * (contract == "two-year")
        + 1.0 * calls
        + 0.035 * (monthly - 55)
        + 1.1 * (payment == "electronic-check"),
        dtype=np.float64,
    )


def _mix(base: tuple[float, ...], shifted: tuple[float, ...], weight: float) -> list[float]:
    return [(1 - weight) * b + weight * s for b, s in zip(base, shifted, strict=True)]
