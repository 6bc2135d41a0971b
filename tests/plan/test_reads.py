"""What a plan read, as repository paths: links and their files, modules by their source, uploads whole."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from estaleiro.plan.mocks import SIG_KEY
from estaleiro.plan.reads import ARCHIVE_SIG, Reads


def test_a_file_opened_through_a_link_is_both_the_link_and_the_file(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared/churn.yaml").write_text("x")
    (tmp_path / "churn.yaml").symlink_to("shared/churn.yaml")
    reads = Reads(tmp_path)
    reads.add(tmp_path / "churn.yaml")
    assert reads.files == {"churn.yaml", "shared/churn.yaml"}


def test_files_outside_the_repository_and_the_root_itself_are_not_its_reads(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    reads = Reads(tmp_path / "repo")
    reads.add(tmp_path / "elsewhere.yaml")
    reads.add(tmp_path / "repo")
    reads.add(tmp_path / "repo/../elsewhere.yaml")
    assert reads.files == set()


def test_a_module_read_from_its_bytecode_is_its_source(tmp_path: Path) -> None:
    reads = Reads(tmp_path)
    reads.add(importlib.util.cache_from_source(str(tmp_path / "components/serving.py")))
    assert reads.files == {"components/serving.py"}


def test_an_archive_among_the_inputs_is_every_file_under_its_path(tmp_path: Path) -> None:
    (tmp_path / "functions/retrain/lib").mkdir(parents=True)
    for name in ("main.py", "requirements.txt", "lib/util.py"):
        (tmp_path / "functions/retrain" / name).write_text("x")
    reads = Reads(tmp_path)
    archive = {SIG_KEY: ARCHIVE_SIG, "path": "functions/retrain"}
    reads.add_uploads({"name": "functions/retrain.zip", "source": archive, "tags": [{"nested": archive}]})
    assert reads.files == {
        "functions/retrain/main.py",
        "functions/retrain/requirements.txt",
        "functions/retrain/lib/util.py",
    }
