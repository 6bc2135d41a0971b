"""Machine types and regions: only what Vertex AI offers, from data files that say where and when they were read."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from estaleiro.config import catalog
from estaleiro.config.environment import load_environment
from estaleiro.errors import InvalidInput
from tests.config.test_limits import write_stack

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("file", [catalog.MACHINE_TYPES, catalog.REGIONS])
def test_each_data_file_names_its_source_page_and_day(file: str) -> None:
    listed = catalog.offering(file)
    assert listed.source.startswith("https://cloud.google.com/vertex-ai/docs/")
    assert datetime.date(2026, 1, 1) <= listed.retrieved <= datetime.date.today()
    assert len(set(listed.values)) == len(listed.values), "a value is listed twice"


def test_the_example_stacks_use_listed_values() -> None:
    for stack in ("dev", "prod"):
        env = load_environment(REPO, stack)
        assert env.config.region in catalog.offering(catalog.REGIONS).values
        for model in env.models:
            assert model.manifest.serving.machine_type in catalog.offering(catalog.MACHINE_TYPES).values


def test_global_is_not_a_region_for_models_and_endpoints() -> None:
    with pytest.raises(ValueError, match="got 'global', not a region Vertex AI runs in"):
        catalog.region("global")


def test_an_unknown_region_names_file_line_key_and_the_nearest_regions(tmp_path: Path) -> None:
    write_stack(tmp_path, "dev")
    config = tmp_path / "stacks/dev/Pulumi.dev.yaml"
    config.write_text(config.read_text().replace("us-central1", "us-centrall1"))
    with pytest.raises(InvalidInput) as caught:
        load_environment(tmp_path, "dev")
    assert str(caught.value) == (
        "stacks/dev/Pulumi.dev.yaml:3: config.gcp:region: got 'us-centrall1', not a region Vertex AI runs in "
        "(nearest: us-central1, me-central1, me-central2; "
        "from https://cloud.google.com/vertex-ai/docs/general/locations, 2026-11-23)"
    )


def test_an_unknown_machine_type_names_file_line_key_and_the_nearest_types(repo: Path, cli) -> None:
    manifest = repo / "stacks/dev/models/churn.yaml"
    manifest.write_text(manifest.read_text().replace("machineType: n1-standard-4", "machineType: n1-standard-3"))
    code, out, err = cli(repo, "plan", "dev")
    assert (code, out) == (2, "")
    assert err == (
        "stacks/dev/models/churn.yaml:10: serving.machineType: got 'n1-standard-3', not a machine type "
        "Vertex AI prediction offers (nearest: n1-standard-32, n1-standard-8, n1-standard-4; "
        "from https://cloud.google.com/vertex-ai/docs/predictions/configure-compute, 2026-11-23)\n"
    )


def test_a_value_with_nothing_near_points_to_the_whole_list() -> None:
    with pytest.raises(ValueError, match=r"all \d+ are listed in estaleiro/data/vertex-machine-types.yaml"):
        catalog.machine_type("e2-micro")


def test_clone_refuses_a_region_vertex_does_not_run_in(repo: Path, cli) -> None:
    code, _, err = cli(repo, "env", "clone", "dev", "fraud", "--project", "acme-fraud-ml", "--region", "europe-west5")
    assert code == 2
    assert err.startswith("--region: got 'europe-west5', not a region Vertex AI runs in (nearest: europe-west9, ")
    assert not (repo / "stacks" / "fraud").exists()
