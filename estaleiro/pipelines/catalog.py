"""The repository's pipelines: each name, the function that builds it, and where its compiled spec lives.

Pipelines are the repository's own code (`pipeline_specs/`, like `components/`), imported from
the repository a command runs in, so a fork's pipelines are the ones compiled and run.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kfp.dsl.graph_component import GraphComponent

from estaleiro import layout
from estaleiro.errors import InvalidInput, Problem


@dataclass(frozen=True)
class Pipeline:
    name: str
    module: str  # in the repository: pipeline_specs.<module>
    factory: str  # a function of the image the steps run in, returning the pipeline

    def build(self, root: Path, image: str) -> GraphComponent:
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        try:
            module = importlib.import_module(self.module)
        except SyntaxError as err:  # the repository's own code: a user's edit, shown where it is
            where = layout.display(root, Path(err.filename)) if err.filename else self.module
            raise InvalidInput([Problem(where, "", f"syntax error: {err.msg}", err.lineno or 0)]) from None
        builder: Callable[[str], GraphComponent] = getattr(module, self.factory)
        return builder(image)

    def compiled(self, root: Path) -> Path:
        return root / layout.COMPILED_PIPELINES / f"{self.name}.yaml"


PIPELINES = {
    p.name: p
    for p in (
        Pipeline("continuous-training", "pipeline_specs.continuous_training", "continuous_training"),
        Pipeline("model-quality", "pipeline_specs.model_quality", "model_quality"),
    )
}


def pipeline(name: str) -> Pipeline:
    if name not in PIPELINES:
        raise InvalidInput([Problem("NAME", "", f"no pipeline {name!r}; pipelines: {', '.join(PIPELINES)}")])
    return PIPELINES[name]
