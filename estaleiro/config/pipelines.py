"""Compiled pipelines (`pipeline_specs/compiled/<name>.yaml`), loaded once like every other input.

Any KFP v2 pipeline spec is accepted, whoever compiled it (kfp here, TFX's
KubeflowV2DagRunner elsewhere): the file must parse as kfp's own `PipelineSpec` message, the
format Vertex AI Pipelines and Kubeflow Pipelines both run. A schedule passes a template
only the run parameters it declares, so every parameter it requires must be one Estaleiro
provides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

from estaleiro import layout
from estaleiro.config.image import ModelImage
from estaleiro.errors import InvalidInput, Problem
from estaleiro.layout import display

QUALITY_PIPELINE = "model-quality"  # what measures served quality (pipeline_specs/model_quality.py)
# What a scheduled run can be given (components/training.py and components/quality.py build each
# from the manifests): continuous training's, then model quality's.
RUN_PARAMETERS = (
    *("spec", "data_uri", "baseline_uri", "models_bucket", "repository", "bucket_mirror"),
    *("quality", "requests", "labels", "versions", "model", "stack", "project", "as_of", "points_file"),
)


@dataclass(frozen=True)
class CompiledPipeline:
    name: str  # the file's stem, what a manifest's `training.pipeline` names
    package: str  # `pipelineInfo.name`: the package it is published as
    text: str
    parameters: tuple[str, ...]  # the run parameters it declares
    images: tuple[str, ...]  # the container images its steps run in

    @property
    def model_image(self) -> ModelImage | None:
        """The model image whose train target every step runs in; None for a pipeline of other images."""
        found = {ModelImage.of_train_target(image) for image in self.images}
        return found.pop() if len(found) == 1 else None

    @property
    def digest(self) -> str:
        """The version Artifact Registry gives the template: the digest of its content."""
        return "sha256:" + hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def load_pipelines(root: Path) -> Mapping[str, CompiledPipeline]:
    pipelines: dict[str, CompiledPipeline] = {}
    problems: list[Problem] = []
    for path in sorted((root / layout.COMPILED_PIPELINES).glob("*.yaml")):
        try:
            pipelines[path.stem] = _load(path, display(root, path))
        except InvalidInput as err:
            problems.extend(err.problems)
    if problems:
        raise InvalidInput(problems)
    return MappingProxyType(pipelines)


def _load(path: Path, shown: str) -> CompiledPipeline:
    """What a schedule needs of the spec, read as data; `kfp_problems` checks the whole spec as kfp reads it."""
    text = path.read_text(encoding="utf-8")
    try:
        spec = next(d for d in yaml.safe_load_all(text) if d is not None)
        name = spec["pipelineInfo"]["name"]
        tasks = spec["root"]["dag"]["tasks"]
        declared = spec["root"].get("inputDefinitions", {}).get("parameters", {})
        executors = spec["deploymentSpec"]["executors"]
    except (yaml.YAMLError, StopIteration, KeyError, TypeError, AttributeError) as err:
        raise InvalidInput([Problem(shown, "", f"not a KFP v2 pipeline spec: {err!r} missing or malformed")]) from err
    if not name or not tasks:
        raise InvalidInput([Problem(shown, "pipelineInfo", "not a KFP v2 pipeline spec: no name or no tasks")])
    unknown = sorted(n for n, p in declared.items() if n not in RUN_PARAMETERS and not p.get("isOptional"))
    if unknown:
        provided = ", ".join(RUN_PARAMETERS)
        message = f"requires parameter(s) {', '.join(unknown)} that no schedule provides; provided: {provided}"
        raise InvalidInput([Problem(shown, "root.inputDefinitions", message)])
    images = sorted({e["container"]["image"] for e in executors.values() if "container" in e})
    parameters = tuple(n for n in RUN_PARAMETERS if n in declared)
    return CompiledPipeline(path.stem, name, text, parameters, tuple(images))


def kfp_problems(root: Path, pipelines: Mapping[str, CompiledPipeline]) -> list[Problem]:
    """Each spec parsed as kfp's own `PipelineSpec` message, the format every KFP v2 backend runs.

    Kept off the plan path (importing kfp costs a quarter of a second); `estaleiro check` runs it.
    """
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    problems = []
    for pipeline in pipelines.values():
        shown = f"{layout.COMPILED_PIPELINES}/{pipeline.name}.yaml"
        try:
            document = next(d for d in yaml.safe_load_all(pipeline.text) if d is not None)
            json_format.ParseDict(document, pipeline_spec_pb2.PipelineSpec())
        except json_format.ParseError as err:
            problems.append(Problem(shown, "", f"not a KFP v2 pipeline spec: {err}"))
    return problems
