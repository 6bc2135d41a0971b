"""The continuous-training pipeline, compiled and run whole on this machine with kfp.local."""

from __future__ import annotations

from pathlib import Path

import yaml

from estaleiro.config.environment import load_environment
from estaleiro.config.pipelines import load_pipelines
from estaleiro.pipelines.catalog import PIPELINES
from estaleiro.pipelines.compile import compile_text
from estaleiro.training.dataset import churn_frame
from tests.conftest import REPO, commit_all, git

RUN = ("pipeline", "run", "continuous-training", "--model", "churn", "--in", "dev", "--local")


def test_the_checked_in_specs_are_what_compile_writes() -> None:
    for pipeline in PIPELINES.values():
        assert pipeline.compiled(REPO).read_text(encoding="utf-8") == compile_text(REPO, pipeline), (
            f"{pipeline.compiled(REPO)} is stale: run `.venv/bin/estaleiro pipeline compile` and commit it"
        )


def test_the_template_bakes_in_nothing_of_a_stack() -> None:
    text = (REPO / "pipeline_specs/compiled/continuous-training.yaml").read_text(encoding="utf-8")
    for stack in ("dev", "prod"):
        config = load_environment(REPO, stack).config
        assert config.project not in text.replace("acme-ml-dev-containers", "").replace("/acme-ml-dev/", "/"), stack
    assert "pip install" not in text, "steps run in the model image, never installing at run time"
    pipeline = load_pipelines(REPO)["continuous-training"]
    assert pipeline.parameters == ("spec", "data_uri", "baseline_uri", "models_bucket", "repository", "bucket_mirror")
    assert pipeline.model_image is not None


def test_a_better_challenger_is_proposed_on_a_branch_whose_diff_is_the_card_and_the_manifest(repo: Path, cli) -> None:
    code, out, err = cli(repo, *RUN)
    assert code == 0, err
    assert_proposed(repo, cli, out, err)
    git(repo, "checkout", "-q", "main")
    code, out, err = cli(repo, *RUN)  # v8 still under review: the run succeeds and proposes nothing
    assert code == 1 and err.splitlines()[-1].split()[:2] == ["propose", "success"], err
    assert out.endswith(
        "not proposed: churn v8 is proposed already (branch ct/churn-v8): merge it, or close it and delete "
        "ct/churn-v8, before proposing again; nothing was uploaded\n"
    )


def assert_proposed(repo: Path, cli, out: str, err: str) -> None:
    """The run proposed churn v8 on a branch whose diff is its card and the manifest, and `check` accepts it."""
    assert "propose" in err and "success" in err
    assert "branch:        ct/churn-v8" in out and "Suggested pull request title:\n\nPromote churn v8 to dev" in out
    changed = git(repo, "diff", "--name-only", "main", "ct/churn-v8").split()
    assert changed == ["model_cards/churn/v8.yaml", "stacks/dev/models/churn.yaml"]
    assert git(repo, "status", "--porcelain") == "", "the user's checkout is never touched"
    card = yaml.safe_load(git(repo, "show", "ct/churn-v8:model_cards/churn/v8.yaml"))
    assert card["model_details"]["version"]["name"] == "v8"
    assert card["model_parameters"]["training_data"]["link"] == "gs://acme-ml-dev-models/churn/v8/training-data.csv"
    assert {m["type"] for m in card["quantitative_analysis"]["performance_metrics"]} >= {"auc", "log_loss"}
    [stored] = [Path(line.split(maxsplit=1)[1]) for line in out.splitlines() if line.startswith("artifact:")]
    assert stored.relative_to(repo / ".estaleiro/runs").parts[1:] == ("buckets", "acme-ml-dev-models", "churn", "v8")
    assert sorted(p.name for p in stored.iterdir()) == ["model.joblib", "training-data.csv"]
    git(repo, "checkout", "-q", "ct/churn-v8")
    code, out, err = cli(repo, "check", "dev")
    assert code == 0, out + err


def test_a_challenger_no_better_than_the_champion_proposes_nothing(repo: Path, cli, tmp_path: Path) -> None:
    noisy = tmp_path / "noisy.parquet"
    churn_frame(seed=1, concept_drift=0.6).to_parquet(noisy, index=False)
    code, out, _ = cli(repo, *RUN, "--data", str(noisy), "--baseline", str(noisy))
    assert code == 1
    assert "not proposed: auc " in out and "does not meet >= 0.8" in out
    assert "ct/churn-v8" not in git(repo, "branch", "--list")


def test_drifted_data_stops_at_validation_with_the_features_and_scores(repo: Path, cli, tmp_path: Path) -> None:
    drifted = tmp_path / "drifted.parquet"
    churn_frame(seed=1, drift=1.0).to_parquet(drifted, index=False)
    code, out, err = cli(repo, *RUN, "--data", str(drifted))
    assert code == 1
    assert "validate data            failure" in err and "train " not in err
    [stopped] = [line for line in out.splitlines() if line.startswith("stopped: data validation failed: ")]
    assert "contract drifted: l_infinity" in stopped and "monthly_charges drifted: jensen_shannon_divergence" in stopped


def test_bad_input_is_refused_before_any_step_runs(repo: Path, cli, tmp_path: Path) -> None:
    """Empty or corrupt data was a run whose validation failed ("stopped", exit 1): a verdict on no data."""
    empty, corrupt, header = tmp_path / "empty.parquet", tmp_path / "corrupt.parquet", tmp_path / "header.csv"
    empty.write_bytes(b"")
    corrupt.write_bytes(b"PAR1 not a parquet file")
    header.write_text(",".join(churn_frame(seed=1).columns) + "\n")
    cases = [
        ((*RUN[:4], "fraud", *RUN[5:]), "stacks/dev/models/fraud.yaml: no such model; models: churn\n"),
        ((*RUN[:6], "qa", RUN[7]), "stacks/qa: no such stack; existing stacks: dev, prod\n"),
        (
            (*RUN[:6], "prod", RUN[7]),
            "stacks/prod/models/churn.yaml: training: no training block: add one to retrain this model\n",
        ),
        (
            (*RUN, "--data", str(tmp_path / "missing.parquet")),
            f"--data: {tmp_path / 'missing.parquet'} does not exist\n",
        ),
        (
            (*RUN, "--data", str(empty)),
            f"--data: {empty}: cannot parse as parquet: Parquet file size is 0 bytes\n",
        ),
        (
            (*RUN, "--baseline", str(corrupt)),
            f"--baseline: {corrupt}: cannot parse as parquet: Parquet magic bytes not found in footer. Either the "
            "file is corrupted or this is not a parquet file.\n",
        ),
        (
            (*RUN, "--data", str(header)),
            f"--data: {header}: no rows: there is nothing to compare or train on\n",
        ),
        (
            ("pipeline", "run", "nightly", *RUN[3:]),
            "NAME: no pipeline 'nightly'; pipelines: continuous-training, model-quality\n",
        ),
    ]
    for args, message in cases:
        assert cli(repo, *args) == (2, "", message), args
    assert not (repo / ".estaleiro").exists()
    assert git(repo, "status", "--porcelain") == ""


def test_a_template_requiring_a_parameter_no_schedule_gives_is_refused_at_load(repo: Path, cli) -> None:
    spec = repo / "pipeline_specs/compiled/continuous-training.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(
        text.replace("      data_uri:\n", "      warehouse:\n        parameterType: STRING\n      data_uri:\n", 1)
    )
    commit_all(repo, "a foreign template")
    code, out, err = cli(repo, "plan", "dev")
    assert (code, out) == (2, "")
    assert err.startswith(
        "pipeline_specs/compiled/continuous-training.yaml: root.inputDefinitions: requires parameter(s) warehouse"
    )


def test_check_reads_every_compiled_spec_as_kfp_does(repo: Path, cli) -> None:
    spec = repo / "pipeline_specs/compiled/continuous-training.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("pipelineInfo:\n", "pipelineInfo:\n  color: blue\n", 1))
    commit_all(repo, "a spec kfp cannot read")
    code, out, _ = cli(repo, "check", "dev", "--format", "json")
    assert code == 2
    assert "pipeline_specs/compiled/continuous-training.yaml" in out and "color" in out
