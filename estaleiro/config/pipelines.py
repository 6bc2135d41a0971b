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

# What a scheduled run can be given (components/training.py builds each from the manifests).
RUN_PARAMETERS = ("spec", "data_uri", "baseline_uri", "models_bucket", "repository", "bucket_mirror")


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
    from google.protobuf import json_format
    from kfp.pipeline_spec import pipeline_spec_pb2

    text = path.read_text(encoding="utf-8")
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
        spec = json_format.ParseDict(documents[0], pipeline_spec_pb2.PipelineSpec())
    except (yaml.YAMLError, json_format.ParseError, IndexError, TypeError) as err:
        raise InvalidInput([Problem(shown, "", f"not a KFP v2 pipeline spec: {err}")]) from err
    if not spec.pipeline_info.name or not spec.root.dag.tasks:
        raise InvalidInput([Problem(shown, "pipelineInfo", "not a KFP v2 pipeline spec: no name or no tasks")])
    declared = spec.root.input_definitions.parameters
    unknown = sorted(n for n, p in declared.items() if n not in RUN_PARAMETERS and not p.is_optional)
    if unknown:
        provided = ", ".join(RUN_PARAMETERS)
        message = f"requires parameter(s) {', '.join(unknown)} that no schedule provides; provided: {provided}"
        raise InvalidInput([Problem(shown, "root.inputDefinitions", message)])
    executors = json_format.MessageToDict(spec.deployment_spec).get("executors", {})
    images = sorted({e["container"]["image"] for e in executors.values() if "container" in e})
    parameters = tuple(n for n in RUN_PARAMETERS if n in declared)
    return CompiledPipeline(path.stem, spec.pipeline_info.name, text, parameters, tuple(images))
