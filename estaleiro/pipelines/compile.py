"""Compile pipelines to the specs Vertex AI Pipelines (or any KFP v2 backend) runs.

kfp's compiler is deterministic for the same code and image, so the checked-in specs are
byte-identical to a fresh compile until something they depend on changes; then they are a
new template (and a test fails until they are recompiled and committed).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from kfp import compiler

from estaleiro.config.image import load_model_image
from estaleiro.output import write_atomic
from estaleiro.pipelines.catalog import PIPELINES, Pipeline


def compile_text(root: Path, pipeline: Pipeline) -> str:
    image = load_model_image(root).target("train")
    with tempfile.TemporaryDirectory(prefix="estaleiro-compile-") as scratch:
        target = Path(scratch, f"{pipeline.name}.yaml")
        compiler.Compiler().compile(pipeline.build(root, image), str(target))
        return target.read_text(encoding="utf-8")


def compile_all(root: Path) -> list[Path]:
    written = []
    for pipeline in PIPELINES.values():
        path = pipeline.compiled(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, compile_text(root, pipeline))
        written.append(path)
    return written
