"""The manifest's `monitoring` block: the examples, defaults when absent, one line per bad value (file, line, key)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from estaleiro.config.environment import load_environment
from tests.config.conftest import MANIFEST, line_of, problems, refused_by_plan
from tests.rollout.edits import edit, edit_card


def block(root: Path) -> tuple[str, str]:
    """The manifest's text before its monitoring block, and the block."""
    text = (root / MANIFEST).read_text()
    head, _, tail = text.partition("monitoring:\n")
    return head, "monitoring:\n" + tail


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_churn_manifests_declare_monitoring(root: Path, stack: str) -> None:
    monitoring = load_environment(root, stack).models[0].manifest.monitoring
    assert monitoring is not None
    assert monitoring.features["tenure_months"] == "numerical" and monitoring.features["plan"] == "categorical"
    assert monitoring.drift.default_threshold == 0.3 and monitoring.drift.thresholds["plan"] == 0.2
    assert monitoring.drift.categorical_metric == "l_infinity"


def test_the_examples_declare_features_and_thresholds(root: Path) -> None:
    monitoring = load_environment(root, "dev").models[0].manifest.monitoring
    assert monitoring.drift_thresholds["plan"] == 0.2 and monitoring.drift_thresholds["region"] == 0.3
    prod = load_environment(root, "prod").models[0].manifest.monitoring
    assert (prod.sampling_rate, prod.alerts.p99_latency_ms, prod.notification_emails) == (
        0.2,
        500,
        ("churn-ds@acme.example.com",),
    )


def test_without_the_block_errors_latency_and_saturation_are_still_watched(root: Path) -> None:
    head, _ = block(root)
    (root / MANIFEST).write_text(head)
    monitoring = load_environment(root, "dev").models[0].manifest.monitoring
    assert monitoring.features == {} and monitoring.sampling_rate == 1.0 and monitoring.schedule == "0 * * * *"
    assert monitoring.retrain_every_hours == 24  # an alert starts at most one training run a day
    assert (monitoring.alerts.error_ratio, monitoring.alerts.p99_latency_ms, monitoring.alerts.saturation) == (
        0.05,
        1000,
        1.0,
    )


BAD: list[tuple[str, str, str, Callable[[int], str]]] = [
    (
        "thresholds: {plan: 0.2, contract: 0.2}",
        "thresholds: {plan: 0.2, churned: 0.1}",
        "  drift:",
        lambda n: (
            f"{MANIFEST}:{n}: monitoring.drift: thresholds name undeclared feature(s) churned; declared: "
            "contract, monthly_charges, paperless_billing, payment_method, plan, region, support_calls, tenure_months, "
            "total_charges"
        ),
    ),
    (
        "defaultThreshold: 0.3",
        "defaultThreshold: 1.5",
        "defaultThreshold",
        lambda n: (
            f"{MANIFEST}:{n}: monitoring.drift.defaultThreshold: input should be less than or equal to 1 "
            "(got float 1.5)"
        ),
    ),
    (
        "thresholds: {plan: 0.2, contract: 0.2}",
        "thresholds: {plan: -0.1, contract: 0.2}",
        "thresholds: {plan",
        lambda n: (
            f"{MANIFEST}:{n}: monitoring.drift.thresholds.plan: input should be greater than or equal to 0 "
            "(got float -0.1)"
        ),
    ),
    (
        "samplingRate: 1.0",
        "samplingRate: 0",
        "samplingRate",
        lambda n: f"{MANIFEST}:{n}: monitoring.samplingRate: input should be greater than 0 (got int 0)",
    ),
    (
        "samplingRate: 1.0",
        "samplingRate: 1.2",
        "samplingRate",
        lambda n: f"{MANIFEST}:{n}: monitoring.samplingRate: input should be less than or equal to 1 (got float 1.2)",
    ),
    (
        'schedule: "0 * * * *"',
        'schedule: "0 25 * * *"',
        "schedule",
        lambda n: (
            f"{MANIFEST}:{n}: monitoring.schedule: got '0 25 * * *', expected a 5-field cron such as "
            "'0 * * * *' (minute hour day month weekday)"
        ),
    ),
    (
        'schedule: "0 * * * *"',
        'schedule: "0 9 * * 1-5"',
        "schedule",
        lambda n: (
            f"{MANIFEST}:{n}: monitoring.schedule: got '0 9 * * 1-5': its runs are 24h, 72h apart, not evenly "
            "spaced; such as '0 * * * *' (hourly: 1h), '0 */6 * * *' (6h), '30 2 * * *' (daily: 1d), '0 4 * * 1' "
            "(weekly: 1w)"
        ),
    ),
    (
        "errorRatio: 0.05",
        "errorRatio: 5",
        "errorRatio",
        lambda n: f"{MANIFEST}:{n}: monitoring.alerts.errorRatio: input should be less than or equal to 1 (got int 5)",
    ),
    (
        "    saturation: 1.0",
        "    saturation: 1.0\n  notificationEmails: [on-call]",
        "notificationEmails",
        lambda n: f"{MANIFEST}:{n}: monitoring.notificationEmails.0: got 'on-call', expected an e-mail address",
    ),
    (
        "samplingRate: 1.0",
        "samplingRate: 1.0\n  retrainEveryHours: 0",
        "retrainEveryHours",
        lambda n: (
            f"{MANIFEST}:{n}: monitoring.retrainEveryHours: input should be greater than or equal to 1 (got int 0)"
        ),
    ),
    (
        "    defaultThreshold: 0.3",
        "    defaultThreshold: 0.3\n    window: 7d",
        "window: 7d",
        lambda n: (
            f"{MANIFEST}:{n}: monitoring.drift.window: unknown key; allowed keys: categoricalMetric, defaultThreshold, "
            "thresholds"
        ),
    ),
    (
        "    plan: categorical",
        "    plan: text",
        "plan: text",
        lambda n: f"{MANIFEST}:{n}: monitoring.features.plan: got 'text', expected 'numerical' or 'categorical'",
    ),
]


@pytest.mark.parametrize(("old", "new", "marker", "expected"), BAD, ids=[b[1].strip() for b in BAD])
def test_bad_values_name_file_line_and_key(
    root: Path, old: str, new: str, marker: str, expected: Callable[[int], str]
) -> None:
    edit(root, MANIFEST, old, new)
    assert problems(root) == [expected(line_of(root, marker))]


def test_every_problem_of_the_block_in_one_run(root: Path) -> None:
    edit(root, MANIFEST, "samplingRate: 1.0", "samplingRate: 2")
    edit(root, MANIFEST, 'schedule: "0 * * * *"', "schedule: hourly")
    found = problems(root)
    assert [re.sub(r":\d+:", ":", p).split(": ")[1] for p in found] == [
        "monitoring.samplingRate",
        "monitoring.schedule",
    ]


def test_a_served_version_needs_a_training_table_to_be_watched_for_drift(root: Path) -> None:
    edit_card(
        root, "model_cards/churn/v7.yaml", "link: bq://acme-ml-dev.churn.training_2026_10", "link: s3://elsewhere"
    )
    assert problems(root) == [
        "model_cards/churn/v7.yaml: model_parameters.training_data.link: got 's3://elsewhere', expected a BigQuery "
        "table such as bq://project.dataset.table or a CSV file gs://bucket/path.csv: drift monitoring compares "
        "serving traffic with the training data (the manifest declares monitoring.features)"
    ]


def test_a_csv_snapshot_in_cloud_storage_is_a_baseline_too(root: Path) -> None:
    """What continuous training stores beside a proposed model (Model Monitoring v2 reads CSV from GCS)."""
    link = "link: gs://acme-ml-dev-models/churn/v7/training-data.csv"
    edit_card(root, "model_cards/churn/v7.yaml", "link: bq://acme-ml-dev.churn.training_2026_10", link)
    assert load_environment(root, "dev").model("churn") is not None
    edit_card(root, "model_cards/churn/v7.yaml", link, "link: gs://acme-ml-dev-models/churn/v7/training-data.parquet")
    assert len(problems(root)) == 1


def test_cli_refuses_a_bad_block_with_exit_2_and_writes_nothing(repo: Path, cli, tmp_path: Path) -> None:
    manifest = repo / MANIFEST
    manifest.write_text(manifest.read_text().replace("samplingRate: 1.0", "samplingRate: 0"))
    err = refused_by_plan(repo, cli, tmp_path / "plan.json")
    assert err.startswith(f"{MANIFEST}:") and "monitoring.samplingRate: input should be greater than 0" in err
