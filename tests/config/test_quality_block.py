"""The manifest's `monitoring.quality` block: the examples, defaults, and one line per bad value."""

from __future__ import annotations

import typing
from datetime import timedelta
from pathlib import Path

import pytest

from estaleiro.config.environment import load_environment
from estaleiro.config.monitoring import QualityMetric, seconds
from estaleiro.training.metrics import METRICS
from tests.config.conftest import MANIFEST, line_of, problems, refused_by_plan
from tests.rollout.edits import edit


def test_the_examples_measure_auc_from_labels_two_days_late(root: Path) -> None:
    quality = load_environment(root, "dev").models[0].manifest.monitoring.quality
    assert quality is not None and quality.labels is None, "the stack declares the ground-truth table"
    assert (quality.label_delay_delta, quality.window_delta) == (timedelta(days=2), timedelta(days=1))
    assert (quality.metric, quality.threshold.min, quality.minimum_coverage) == ("auc", 0.75, 0.6)
    assert (quality.decline.windows, quality.decline.of) == (2, 3)
    prod = load_environment(root, "prod").models[0].manifest.monitoring.quality
    assert prod is not None and (prod.decline.windows, prod.decline.of) == (3, 5)


def test_only_the_threshold_is_required(root: Path) -> None:
    text = (root / MANIFEST).read_text()
    start = text.index("    labelDelay: 2d")
    end = text.index("    threshold:")
    (root / MANIFEST).write_text(text[:start] + text[end:].replace("    decline: {windows: 2, of: 3}", "", 1))
    quality = load_environment(root, "dev").models[0].manifest.monitoring.quality
    assert quality is not None
    assert (quality.label_delay, quality.window, quality.minimum_coverage, quality.metric) == ("2d", "1d", 0.5, "auc")
    assert (quality.decline.windows, quality.decline.of) == (2, 3)


def test_an_external_ground_truth_table_is_kept_as_named(root: Path) -> None:
    edit(root, MANIFEST, "    labelDelay: 2d", "    labels: bq://acme-ml-dev.labelling.churn_truth\n    labelDelay: 2d")
    quality = load_environment(root, "dev").models[0].manifest.monitoring.quality
    assert quality is not None and quality.labels == "bq://acme-ml-dev.labelling.churn_truth"


def test_without_the_block_quality_is_not_measured(root: Path) -> None:
    text = (root / MANIFEST).read_text()
    start, end = text.index("  quality:"), text.index("training:")
    (root / MANIFEST).write_text(text[:start] + text[end:])
    assert load_environment(root, "dev").models[0].manifest.monitoring.quality is None


def test_durations_read_as_seconds() -> None:
    assert (seconds("90m"), seconds("12h"), seconds("2d"), seconds("0h")) == (5400, 43200, 172800, 0)


def test_every_quality_metric_is_a_training_metric() -> None:
    assert set(typing.get_args(QualityMetric)) <= set(METRICS)


BAD: list[tuple[str, str, str, str]] = [
    (
        "labelDelay: 2d",
        "labelDelay: 2 days",
        "monitoring.quality.labelDelay: got '2 days', expected a count and a unit (m, h or d) such as '2d', "
        "'12h' or '90m'",
        "labelDelay",
    ),
    (
        "labelDelay: 2d",
        "labelDelay: 48",
        "monitoring.quality.labelDelay: input should be a valid string (got int 48)",
        "labelDelay",
    ),
    (
        "window: 1d",
        "window: 30m",
        "monitoring.quality.window: got '30m', expected at least '1h': a window needs enough labels to measure",
        "window: 30m",
    ),
    (
        "minimumCoverage: 0.6",
        "minimumCoverage: 0",
        "monitoring.quality.minimumCoverage: input should be greater than 0 (got int 0)",
        "minimumCoverage",
    ),
    (
        "minimumCoverage: 0.6",
        "minimumCoverage: 1.5",
        "monitoring.quality.minimumCoverage: input should be less than or equal to 1 (got float 1.5)",
        "minimumCoverage",
    ),
    (
        "metric: auc",
        "metric: precision_at_10pct",
        "monitoring.quality.metric: got 'precision_at_10pct', expected 'auc', 'log_loss', 'brier', 'accuracy', "
        "'precision' or 'recall'",
        "metric: precision",
    ),
    (
        "threshold: {min: 0.75}",
        "threshold: {}",
        "monitoring.quality.threshold: give min, max or both",
        "threshold: {}",
    ),
    (
        "decline: {windows: 2, of: 3}",
        "decline: {windows: 4, of: 3}",
        "monitoring.quality.decline: windows (4) is above of (3): the rule could never hold",
        "decline",
    ),
    (
        "decline: {windows: 2, of: 3}",
        "decline: {windows: 0, of: 3}",
        "monitoring.quality.decline.windows: input should be greater than or equal to 1 (got int 0)",
        "decline",
    ),
    (
        "    labelDelay: 2d",
        "    labels: acme-ml-dev.churn.ground_truth\n    labelDelay: 2d",
        "monitoring.quality.labels: got 'acme-ml-dev.churn.ground_truth', expected a BigQuery table such as "
        "bq://project.dataset.table",
        "labels: acme-ml-dev",
    ),
    (
        "    metric: auc",
        "    metric: auc\n    thresholds: {min: 0.75}",
        "monitoring.quality.thresholds: unknown key; allowed keys: labels, labelDelay, window, minimumCoverage, "
        "metric, threshold, decline, schedule",
        "thresholds: {min",
    ),
    (
        "    metric: auc",
        "    metric: auc\n    schedule: '0 6 * * 1'",
        "monitoring.quality.schedule: got '0 6 * * 1', expected a cron that runs every day (day, month and "
        "weekday '*', such as '0 6 * * *'): the decline alert reads the latest verdict of the last 25 hours",
        "schedule: '0 6",
    ),
]


@pytest.mark.parametrize(("old", "new", "message", "marker"), BAD, ids=[b[1].strip() for b in BAD])
def test_bad_values_name_file_line_and_key(root: Path, old: str, new: str, message: str, marker: str) -> None:
    edit(root, MANIFEST, old, new)
    assert problems(root) == [f"{MANIFEST}:{line_of(root, marker)}: {message}"]


def test_the_cli_refuses_a_bad_block_with_exit_2_and_writes_nothing(repo: Path, cli, tmp_path: Path) -> None:
    manifest = repo / MANIFEST
    manifest.write_text(manifest.read_text().replace("decline: {windows: 2, of: 3}", "decline: {windows: 5, of: 3}"))
    err = refused_by_plan(repo, cli, tmp_path / "plan.json")
    assert err.startswith(f"{MANIFEST}:") and "monitoring.quality.decline: windows (5) is above of (3)" in err
