"""The manifest's `monitoring` block: declared features, drift thresholds in [0, 1], overrides of declared features."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from estaleiro.config.environment import load_environment
from estaleiro.errors import InvalidInput

REPO = Path(__file__).resolve().parents[2]
CHURN = "stacks/dev/models/churn.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name in ("stacks", "model_cards", "pipeline_specs"):  # what the loader reads
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def problems_after(root: Path, old: str, new: str) -> list[str]:
    path = root / CHURN
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(InvalidInput) as caught:
        load_environment(root, "dev")
    return [str(p) for p in caught.value.problems]


def line_of(root: Path, text: str) -> int:
    return next(i for i, line in enumerate((root / CHURN).read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_churn_manifests_declare_monitoring(root: Path, stack: str) -> None:
    monitoring = load_environment(root, stack).models[0].manifest.monitoring
    assert monitoring is not None
    assert monitoring.features["tenure_months"] == "numerical" and monitoring.features["plan"] == "categorical"
    assert monitoring.drift.default_threshold == 0.3 and monitoring.drift.thresholds["plan"] == 0.2
    assert monitoring.drift.categorical_metric == "l_infinity"


def test_an_override_must_name_a_declared_feature(root: Path) -> None:
    [problem] = problems_after(root, "{plan: 0.2, contract: 0.2}", "{plan: 0.2, contract: 0.2, churned: 0.1}")
    line = line_of(root, "  drift:")
    assert problem.startswith(f"{CHURN}:{line}: monitoring.drift: thresholds name undeclared feature(s) churned; ")
    assert "declared: contract, monthly_charges" in problem


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("defaultThreshold: 0.3", "defaultThreshold: 1.5", "monitoring.drift.defaultThreshold"),
    ],
)
def test_a_threshold_outside_zero_to_one_is_refused(root: Path, old: str, new: str, key: str) -> None:
    [problem] = problems_after(root, old, new)
    assert problem.startswith(f"{CHURN}:{line_of(root, new.strip())}: {key}: ")


def test_feature_types_and_metric_names_are_closed_sets(root: Path) -> None:
    found = problems_after(root, "    plan: categorical\n", "    plan: ordinal\n")
    assert found == [
        f"{CHURN}:{line_of(root, 'plan: ordinal')}: monitoring.features.plan: got 'ordinal', "
        "expected 'numerical' or 'categorical'"
    ]


def test_unknown_keys_are_refused(root: Path) -> None:
    [problem] = problems_after(root, "    defaultThreshold: 0.3\n", "    defaultThreshold: 0.3\n    window: 7d\n")
    assert (
        "monitoring.drift.window: unknown key; allowed keys: categoricalMetric, defaultThreshold, thresholds" in problem
    )
