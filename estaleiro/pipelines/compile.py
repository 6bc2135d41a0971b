"""Compile pipelines to the specs Vertex AI Pipelines (or any KFP v2 backend) runs.

kfp's compiler is deterministic for the same code and image, so the checked-in specs are
byte-identical to a fresh compile until something they depend on changes; then they are a
new template (and a test fails until they are recompiled and committed).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from kfp import compiler

from estaleiro import layout
from estaleiro.config.image import load_model_image
from estaleiro.errors import InvalidInput, Problem
from estaleiro.output import write_atomic
from estaleiro.pipelines.catalog import PIPELINES, Pipeline


def compile_text(root: Path, pipeline: Pipeline) -> str:
    image = load_model_image(root).target("train")
    with tempfile.TemporaryDirectory(prefix="estaleiro-compile-") as scratch:
        target = Path(scratch, f"{pipeline.name}.yaml")
        compiler.Compiler().compile(pipeline.build(root, image), str(target))
        return target.read_text(encoding="utf-8")


def compile_all(root: Path) -> list[Path]:
    """Every pipeline compiled before any spec is written: a broken one leaves the others as they were."""
    specs = {pipeline.compiled(root): compile_text(root, pipeline) for pipeline in PIPELINES.values()}
    for folder in {path.parent for path in specs}:
        shown = layout.display(root, folder)
        if folder.exists() and not folder.is_dir():
            raise InvalidInput(
                [Problem(shown, "", "is a file; the compiled specs go in this folder: remove or move it")]
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InvalidInput([Problem(shown, "", f"cannot create it: {err.strerror}")]) from err
    for path, text in specs.items():
        write_atomic(path, text)
    return list(specs)
