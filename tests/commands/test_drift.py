"""`estaleiro drift`: formats, exit codes, the manifest's thresholds, gs:// routing, the HTML page, and bad input."""

from __future__ import annotations

import inspect
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from estaleiro.commands import drift as command
from estaleiro.datasets import GCS_TIME_LIMIT, gcs_filesystem, read_table

Cli = Callable[..., tuple[int, str, str]]
CHURN = "stacks/dev/models/churn.yaml"


def churn_table(rows: int, seed: int, shift: float = 0.0, plans: tuple[str, ...] = ("basic", "plus")) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "tenure_months": rng.normal(24 + shift, 6, rows),
            "monthly_charges": rng.normal(50 + shift, 10, rows),
            "total_charges": rng.normal(1200, 300, rows),
            "support_calls": rng.poisson(2, rows),
            "plan": rng.choice(plans, rows),
            "contract": rng.choice(["monthly", "yearly"], rows),
            "region": rng.choice(["north", "south"], rows),
            "payment_method": rng.choice(["card", "bank"], rows),
            "paperless_billing": rng.choice([True, False], rows),
        }
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    pcsv.write_csv(churn_table(2000, 1), folder / "reference.csv")
    pcsv.write_csv(churn_table(1000, 2), folder / "same.csv")
    pcsv.write_csv(churn_table(1000, 3, shift=15, plans=("basic", "plus", "family")), folder / "shifted.csv")
    pq.write_table(churn_table(1000, 4, shift=15), folder / "shifted.parquet")
    return folder


def test_similar_data_passes_with_inferred_types(data: Path, cli: Cli) -> None:
    code, out, err = cli(data, "drift", "reference.csv", "same.csv")
    assert (code, err) == (0, "")
    assert out.startswith("OK: 0 of 9 feature(s) over threshold (reference.csv -> same.csv)\n")
    assert re.search(r"^tenure_months\s+numerical\*\s+jensen_shannon_divergence\s+0\.\d{4}\s+0\.3000\s+ok$", out, re.M)
    assert re.search(r"^paperless_billing\s+categorical\*\s+l_infinity\s", out, re.M)
    assert out.endswith(
        "types marked * were inferred from the data (numbers numerical; text and booleans categorical)\n"
    )


def test_drift_exits_1_worst_first(data: Path, cli: Cli) -> None:
    code, out, _ = cli(data, "drift", "reference.csv", "shifted.parquet", "--format", "json")
    report = json.loads(out)
    assert code == 1
    scores = [(f["threshold"] - f["score"]) for f in report["features"]]
    assert scores == sorted(scores)
    assert set(report["drifted"]) == {"tenure_months", "monthly_charges"}
    assert report["features"][0]["drifted"] and not report["features"][-1]["drifted"]
    assert all(f["type_inferred"] for f in report["features"])


def test_markdown_for_a_pull_request(data: Path, cli: Cli) -> None:
    code, out, _ = cli(
        data, "drift", "reference.csv", "shifted.csv", "--format", "md", "--features", "plan:categorical"
    )
    assert code == 1
    assert out.splitlines()[0] == "### Drift: DRIFT: 1 of 1 feature(s) over threshold"
    assert re.search(r"^\| `plan` \| categorical \| l_infinity \| 0\.\d{4} \| 0\.3000 \| \*\*DRIFT\*\* \|$", out, re.M)


def test_the_manifest_gives_types_and_thresholds(repo: Path, data: Path, cli: Cli) -> None:
    args = ("drift", str(data / "reference.csv"), str(data / "shifted.csv"), "--model", "churn", "--in", "dev")
    code, out, _ = cli(repo, *args, "--format", "json")
    features = {f["feature"]: f for f in json.loads(out)["features"]}
    assert code == 1
    assert features["plan"]["threshold"] == 0.2 and features["tenure_months"]["threshold"] == 0.3
    assert features["support_calls"]["type"] == "numerical" and not features["support_calls"]["type_inferred"]
    assert set(features) == {
        "tenure_months", "monthly_charges", "total_charges", "support_calls", "plan",
        "contract", "region", "payment_method", "paperless_billing",
    }  # fmt: skip
    # --features narrows the manifest's set; the manifest's threshold still applies
    code, out, _ = cli(repo, *args, "--features", "plan", "--format", "json")
    [plan] = json.loads(out)["features"]
    assert (plan["threshold"], plan["type"], plan["type_inferred"]) == (0.2, "categorical", False)
    # a type given in --features wins over the manifest's
    code, out, _ = cli(repo, *args, "--features", "support_calls:categorical", "--format", "json")
    [calls] = json.loads(out)["features"]
    assert (calls["type"], calls["metric"]) == ("categorical", "l_infinity")


def test_the_manifest_can_choose_jsd_for_categorical_features(repo: Path, data: Path, cli: Cli) -> None:
    manifest = repo / CHURN
    manifest.write_text(
        manifest.read_text().replace("  drift:\n", "  drift:\n    categoricalMetric: jensen_shannon_divergence\n")
    )
    args = ("drift", str(data / "reference.csv"), str(data / "shifted.csv"), "--model", "churn", "--in", "dev")
    features = {f["feature"]: f for f in json.loads(cli(repo, *args, "--format", "json")[1])["features"]}
    assert features["plan"]["metric"] == "jensen_shannon_divergence"


def test_html_report_is_self_contained_and_shows_every_feature(data: Path, cli: Cli) -> None:
    code, _, _ = cli(data, "drift", "reference.csv", "shifted.csv", "--html", "report.html")
    page = (data / "report.html").read_text()
    assert code == 1
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the page must open offline"
    assert "<script" not in page
    for name in churn_table(1, 0).column_names:
        assert f'id="feature-{name}"' in page and f'href="#feature-{name}"' in page
    assert page.count("<svg") == 9
    assert page.index('href="#feature-tenure_months"') < page.index('href="#feature-region"')  # worst first


def test_gs_uris_go_through_pyarrows_gcs_filesystem(data: Path) -> None:
    assert inspect.signature(command.drift).parameters["gcs"].default is gcs_filesystem
    bucket = data / "bucket"
    (bucket / "monitoring").mkdir(parents=True)
    pq.write_table(churn_table(50, 5), bucket / "monitoring" / "current.parquet")
    opened: list[str] = []

    def fake_gcs() -> pafs.FileSystem:
        opened.append("gcs")
        return pafs.SubTreeFileSystem(str(bucket), pafs.LocalFileSystem())

    table = read_table("gs://monitoring/current.parquet", gcs=fake_gcs)
    assert opened == ["gcs"] and table.num_rows == 50
    with pytest.raises(Exception, match="no such file"):
        read_table("gs://monitoring/absent.parquet", gcs=fake_gcs)


def bad(data: Path, cli: Cli, *args: str) -> str:
    code, out, err = cli(data, "drift", *args, "--html", "report.html")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1, err
    assert not (data / "report.html").exists()
    return err.strip()


def test_missing_and_unparseable_files(data: Path, cli: Cli) -> None:
    assert bad(data, cli, "absent.csv", "same.csv") == "absent.csv: no such file"
    (data / "broken.parquet").write_bytes(b"not parquet at all")
    assert bad(data, cli, "reference.csv", "broken.parquet").startswith("broken.parquet: cannot parse as parquet: ")
    (data / "ragged.csv").write_text("a,b\n1,2\n3\n")
    assert bad(data, cli, "ragged.csv", "same.csv").startswith("ragged.csv: cannot parse as csv: ")
    assert bad(data, cli, "reference.csv", "data.json") == (
        "data.json: unsupported file type; expected a .csv or .parquet file"
    )


def test_gs_without_credentials_gives_up_within_seconds(data: Path, cli: Cli) -> None:
    """No network and no credentials here: pyarrow's default client retried for minutes (a hang)."""
    started = time.monotonic()
    message = bad(data, cli, "reference.csv", "gs://estaleiro-no-such-bucket/current.csv")
    assert message.startswith("gs://estaleiro-no-such-bucket/current.csv: cannot read: ")
    assert time.monotonic() - started < GCS_TIME_LIMIT.total_seconds() + 10


@pytest.mark.parametrize("scheme", ["https", "s3", "http", "file"])
def test_other_url_schemes_are_refused_with_the_supported_ones(data: Path, cli: Cli, scheme: str) -> None:
    assert bad(data, cli, "reference.csv", f"{scheme}://host/current.csv") == (
        f"{scheme}://host/current.csv: {scheme}:// is not supported; give a local path or a gs://bucket/path"
    )


def test_text_that_is_not_utf8(data: Path, cli: Cli) -> None:
    (data / "latin1.csv").write_bytes("tenure_months,plan\n1,café\n2,basic\n".encode("latin-1"))
    assert bad(data, cli, "reference.csv", "latin1.csv") == "latin1.csv: plan: not UTF-8 text; save the file as UTF-8"


def test_nested_parquet_columns(data: Path, cli: Cli) -> None:
    pq.write_table(pa.table({"tenure_months": [1, 2], "plan": [{"name": "basic"}, {"name": "plus"}]}), data / "n.pq")
    assert bad(data, cli, "n.pq", "reference.csv") == (
        "n.pq: plan: holds struct<name: string> values; a feature is a flat column (numbers, booleans, text)"
    )
    pq.write_table(pa.table({"plan": [["basic"], ["plus"]]}), data / "list.parquet")
    assert bad(data, cli, "reference.csv", "list.parquet").startswith("list.parquet: plan: holds list<")


def test_values_whose_range_overflows_a_float(data: Path, cli: Cli) -> None:
    """TFDV leaves the histogram empty when max - min overflows; there is nothing to compare."""
    (data / "huge.csv").write_text("tenure_months\n-1.7e308\n1.7e308\n3\n")
    assert bad(data, cli, "huge.csv", "reference.csv", "--features", "tenure_months") == (
        "huge.csv: tenure_months: values from -1.7e+308 to 1.7e+308 span more than a float holds; rescale the column"
    )


def test_a_feature_missing_from_one_side(data: Path, cli: Cli) -> None:
    pcsv.write_csv(churn_table(100, 6).drop_columns(["region"]), data / "no_region.csv")
    assert bad(data, cli, "reference.csv", "no_region.csv").startswith(
        "no_region.csv: region: no such column; columns: tenure_months, monthly_charges,"
    )
    assert bad(data, cli, "reference.csv", "same.csv", "--features", "churned") == (
        "reference.csv: churned: no such column; columns: " + ", ".join(churn_table(1, 0).column_names)
    )


def test_an_empty_side(data: Path, cli: Cli) -> None:
    (data / "header_only.csv").write_text(",".join(churn_table(1, 0).column_names) + "\n")
    assert bad(data, cli, "reference.csv", "header_only.csv") == (
        "header_only.csv: no rows: there is nothing to compare or train on"
    )
    (data / "blank_plan.csv").write_text("plan,tenure_months\n,1\n,2\n")
    assert bad(data, cli, "blank_plan.csv", "same.csv", "--features", "plan:categorical") == (
        "blank_plan.csv: plan: no values: every row is missing"
    )


def test_a_non_numeric_value_in_a_numerical_feature(data: Path, cli: Cli) -> None:
    rows = "\n".join(str(i) for i in range(5000))  # beyond Arrow's first block, so typing is revisited
    (data / "text.csv").write_text(f"tenure_months\n{rows}\nabout 3\n")
    assert bad(data, cli, "reference.csv", "text.csv", "--features", "tenure_months:numerical") == (
        "text.csv: tenure_months: numerical feature non-numeric value 'about 3'"
    )
    pq.write_table(pa.table({"plan": ["1.5", None, "basic"]}), data / "words.parquet")
    assert bad(data, cli, "words.parquet", "reference.csv", "--features", "plan:numerical") == (
        "words.parquet: plan: numerical feature non-numeric value 'basic'"
    )
    assert bad(data, cli, "reference.csv", "same.csv", "--features", "paperless_billing:numerical") == (
        "reference.csv: paperless_billing: numerical feature holds bool values, not numbers"
    )


def test_bad_features_spec(data: Path, cli: Cli) -> None:
    assert bad(data, cli, "reference.csv", "same.csv", "--features", "plan:ordinal") == (
        "--features: plan:ordinal: unknown type 'ordinal'; expected comma-separated NAME or NAME:TYPE, "
        "TYPE numerical or categorical (e.g. plan:categorical,tenure)"
    )
    assert bad(data, cli, "reference.csv", "same.csv", "--features", "plan,,x") == (
        "--features: empty feature name; expected comma-separated NAME or NAME:TYPE, "
        "TYPE numerical or categorical (e.g. plan:categorical,tenure)"
    )


def test_bad_manifest_thresholds(repo: Path, data: Path, cli: Cli) -> None:
    manifest = repo / CHURN
    text = manifest.read_text()
    args = (str(data / "reference.csv"), str(data / "same.csv"), "--model", "churn", "--in", "dev")
    assert "{plan: 0.2, contract: 0.2}" in text and "defaultThreshold: 0.3" in text
    manifest.write_text(text.replace("{plan: 0.2, contract: 0.2}", "{plan: 0.2, contract: 0.2, churned: 0.1}"))
    assert re.fullmatch(
        rf"{CHURN}:\d+: monitoring\.drift: thresholds name undeclared feature\(s\) churned; .*", bad(repo, cli, *args)
    )
    manifest.write_text(text.replace("defaultThreshold: 0.3", "defaultThreshold: 1.5"))
    assert re.fullmatch(
        rf"{CHURN}:\d+: monitoring\.drift\.defaultThreshold: input should be less than or equal to 1 .*",
        bad(repo, cli, *args),
    )


def test_model_and_stack_go_together(repo: Path, data: Path, cli: Cli) -> None:
    args = (str(data / "reference.csv"), str(data / "same.csv"))
    assert (
        bad(repo, cli, *args, "--model", "churn") == "--model/--in: give both --model MODEL and --in STACK, or neither"
    )
    assert bad(repo, cli, *args, "--model", "fraud", "--in", "dev") == (
        "stacks/dev/models/fraud.yaml: no such model; models: churn"
    )
