"""Loads `stacks/<env>/` and the model cards it cites into one immutable `Environment`.

This is the only place that reads environment files; components receive the result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import TypeVar

from estaleiro import layout
from estaleiro.config.card import ModelCard
from estaleiro.config.image import SETTINGS, ImageSettings, load_image_settings
from estaleiro.config.limits import check_names
from estaleiro.config.manifest import ModelManifest, VersionSpec
from estaleiro.config.monitoring import TRAINING_LINK, training_table_problem
from estaleiro.config.pipelines import QUALITY_PIPELINE, CompiledPipeline, load_pipelines
from estaleiro.config.stack import StackConfig, StackFile
from estaleiro.config.types import ALLOWED, DNS_LABEL, STACK_NAME
from estaleiro.config.validation import in_repository, load_file
from estaleiro.errors import InvalidInput, Problem
from estaleiro.naming import builds_model_image

T = TypeVar("T")


@dataclass(frozen=True)
class Card:
    """A version's card and the git blob id of its exact text, the evidence a deployment cites."""

    card: ModelCard
    file: str
    git_blob: str


@dataclass(frozen=True)
class Model:
    """One served model: its manifest, the card of each declared version, and where it came from."""

    name: str
    manifest: ModelManifest
    cards: Mapping[str, Card]
    file: str


@dataclass(frozen=True)
class Environment:
    """One stack, validated: the input of `components.Platform`."""

    name: str
    config: StackConfig
    models: tuple[Model, ...]
    config_file: str
    pipelines: Mapping[str, CompiledPipeline] = field(default_factory=lambda: MappingProxyType({}))
    image: ImageSettings | None = None  # images/model/image.yaml, when the repository has a model image

    def model(self, name: str) -> Model | None:
        return next((m for m in self.models if m.name == name), None)

    @property
    def builds_model_image(self) -> bool:
        return builds_model_image(self.config, self.name, self.image.registry if self.image else None)


def stack_dir(root: Path, stack: str) -> Path:
    """The folder of an existing stack; bad names and missing stacks are invalid input."""
    check_name(stack, STACK_NAME, layout.stack_folder(stack), "stack name")
    path = root / layout.stack_folder(stack)
    if not path.is_dir():
        existing = ", ".join(layout.stack_names(root)) or "none"
        raise InvalidInput([Problem(layout.stack_folder(stack), "", f"no such stack; existing stacks: {existing}")])
    return path


def check_name(value: str, regex: str, file: str, what: str) -> None:
    if not re.fullmatch(regex, value):
        raise InvalidInput([Problem(file, "", f"{what} {value!r} is not {ALLOWED[regex]}")])


def load_stack_config(root: Path, stack: str, folder: Path | None = None) -> StackConfig:
    """The stack file, valid and naming an upstream that exists; `folder` reads it from elsewhere (a clone)."""
    shown = layout.stack_file(stack)
    path = in_repository(root, (folder or stack_dir(root, stack)) / layout.stack_file_name(stack), shown)

    def upstream_exists(file: StackFile) -> list[Problem]:
        upstream = file.config.promotion.from_stack
        where = "config.estaleiro:promotion.from"
        if upstream == stack:
            return [Problem(shown, where, "a stack cannot promote from itself")]
        existing = layout.stack_names(root)
        if upstream is not None and upstream not in existing:
            return [Problem(shown, where, f"no such stack {upstream!r}; existing stacks: {', '.join(existing)}")]
        return []

    return load_file(StackFile, path, shown, upstream_exists).config


def load_environment(root: Path, stack: str, folder: Path | None = None) -> Environment:
    """Every file of the stack is checked and every problem reported before anything is built.

    `folder` reads the stack's files from there instead of `stacks/<stack>/` (a clone checked before
    it is moved in place); messages name them where they will be.
    """
    folder = folder or stack_dir(root, stack)
    problems: list[Problem] = []
    config = _collect(problems, lambda: load_stack_config(root, stack, folder))
    models = []
    for path in sorted((folder / layout.MODELS).glob("*")):
        shown = f"{layout.models_folder(stack)}/{path.name}"
        model = _collect(problems, lambda path=path, shown=shown: _load_model(root, path, shown, problems))  # type: ignore[misc]
        if model is not None:
            models.append(model)
    config_file = layout.stack_file(stack)
    image = _collect(problems, lambda: load_image_settings(root)) if (root / SETTINGS).is_file() else None
    if config is not None:
        builds_image = builds_model_image(config, stack, image.registry if image else None)
        problems.extend(check_names(config, stack, config_file, models, builds_image))
        problems.extend(peering_problems(config, models, config_file))
        problems.extend(request_log_problems(config, models, config_file))
    trained = [m for m in models if m.manifest.training is not None]
    measured = [m for m in models if m.manifest.monitoring.quality is not None]
    pipelines = _collect(problems, lambda: load_pipelines(root)) if trained or measured else None
    uses = [(m, m.manifest.training.pipeline, "training.pipeline") for m in trained]  # type: ignore[union-attr]
    uses += [(m, QUALITY_PIPELINE, "monitoring.quality") for m in measured]
    for model, wanted, key in uses if pipelines is not None else ():
        assert pipelines is not None
        if wanted not in pipelines:
            have = ", ".join(pipelines) or "none"
            message = f"no compiled pipeline {wanted!r}; run `estaleiro pipeline compile` (have: {have})"
            problems.append(Problem(model.file, key, message))
        elif pipelines[wanted].model_image is None:
            message = (
                f"{wanted} runs in {', '.join(pipelines[wanted].images) or 'no image'}: a pipeline runs all its "
                "steps in one model image's train target (<registry>/<name>-train:<tag>), so the versions it "
                "proposes serve that image's serve target and what it measures is scored by the same libraries"
            )
            problems.append(Problem(model.file, key, message))
    if problems or config is None:
        raise InvalidInput(problems)
    return Environment(stack, config, tuple(models), config_file, pipelines or MappingProxyType({}), image)


def peering_problems(config: StackConfig, models: list[Model], config_file: str) -> list[Problem]:
    """A peering stack serves one version per model: Vertex cannot deploy a second beside it."""
    if config.serving.private_network is None:
        return []
    reason = (
        f"{config_file} serves through private services access (estaleiro:serving.privateNetwork), whose endpoints "
        "serve one deployed model and cannot split traffic; declare one version, or switch the stack to "
        "privateServiceConnect"
    )
    return [
        Problem(m.file, "versions", f"{len(m.manifest.versions)} versions declared: {reason}")
        for m in models
        if len(m.manifest.versions) > 1
    ]


# What reads a model's request log, by the manifest key that asks for it.
LOG_READERS = {"monitoring.features": "drift monitoring", "monitoring.quality": "quality measurement"}


def request_log_problems(config: StackConfig, models: list[Model], config_file: str) -> list[Problem]:
    """Logging asked of an endpoint that cannot log, and drift or quality asked of a log nobody writes.

    https://cloud.google.com/vertex-ai/docs/predictions/choose-endpoint-type, row "Request-response
    logging": "No" for the private endpoint reached through private services access (VPC Network
    Peering). Drift reads the log (v1beta1 model_monitoring_spec.proto:215, VertexEndpointLogs: "The
    endpoints must enable the logging"), and so does the quality query.
    """
    problems = []
    peered = config.serving.private_network is not None
    for model in models:
        monitoring = model.manifest.monitoring
        asked = {"monitoring.features": bool(monitoring.features), "monitoring.quality": monitoring.quality is not None}
        readers = [(key, what) for key, what in LOG_READERS.items() if asked[key]]
        if peered:
            reason = (
                f"{config_file} serves through private services access (estaleiro:serving.privateNetwork), "
                "whose endpoints cannot log requests and responses (Google's endpoint-type comparison)"
            )
            if monitoring.request_logging:
                default = "" if "request_logging" in monitoring.model_fields_set else " (the default)"
                message = (
                    f"request-response logging is on{default}: {reason}; set monitoring.requestLogging: false, "
                    "or serve the stack through privateServiceConnect"
                )
                problems.append(Problem(model.file, "monitoring.requestLogging", message))
            fix = "or serve the stack through privateServiceConnect"
        elif not monitoring.request_logging:
            reason = "monitoring.requestLogging is false, so no request log is written"
            fix = "or set monitoring.requestLogging: true"
        else:
            continue
        for key, what in readers:
            message = f"{what} reads the request log: {reason}; remove {key}, {fix}"
            problems.append(Problem(model.file, key, message))
    return problems


def _load_model(root: Path, path: Path, shown: str, problems: list[Problem]) -> Model:
    """The model, with the cards that loaded; the problems of the others go to `problems`, so the
    model's names are still checked in the same run (the caller raises before anything is built)."""
    if path.suffix != ".yaml":
        raise InvalidInput([Problem(shown, "", "model manifests are <model>.yaml files; rename or remove this one")])
    check_name(path.stem, DNS_LABEL, shown, "model name")
    manifest = load_file(ModelManifest, in_repository(root, path, shown), shown)
    cards = {}
    for version, spec in manifest.versions.items():
        card = _collect(problems, lambda v=version, c=spec: _load_card(root, shown, path.stem, v, c))  # type: ignore[misc]
        if card is not None:
            cards[version] = card
    problems.extend(_baseline_problems(manifest, cards))
    return Model(path.stem, manifest, MappingProxyType(cards), shown)


def _baseline_problems(manifest: ModelManifest, cards: Mapping[str, Card]) -> list[Problem]:
    """Each served version's card must name a training table when the model is watched for drift."""
    if not manifest.monitoring.features:
        return []
    served = [cards[v] for v, percent in manifest.traffic.items() if percent > 0 and v in cards]
    found = [(c.file, training_table_problem(c.card.model_parameters.training_data.link)) for c in served]
    return [Problem(file, TRAINING_LINK, problem) for file, problem in found if problem]


def _load_card(root: Path, manifest: str, model: str, version: str, spec: VersionSpec) -> Card:
    where = f"versions.{version}.card"
    card_path = card_in_folder(root, model, spec.card)
    if card_path is None:
        message = (
            f"{spec.card!r} is not a card of {model}: a card lives in {layout.card_folder(model)}/ "
            "(no '..', no symlink, no other model's folder)"
        )
        raise InvalidInput([Problem(manifest, where, message)])
    if not card_path.is_file():
        raise InvalidInput(
            [Problem(manifest, where, f"{spec.card!r} does not exist; every deployed version needs a model card")]
        )
    card = load_card(card_path, spec.card, model, version)
    data = card_path.read_bytes()
    if card_sha256(data) != spec.card_sha256:
        message = (
            f"{spec.card_sha256} is not the sha256 of {spec.card} ({card_sha256(data)}): a card never changes "
            "once a version cites it (new evidence is a new version, with its own card); `estaleiro promote` "
            "records the hash of a new version's card"
        )
        raise InvalidInput([Problem(manifest, f"versions.{version}.cardSha256", message)])
    return Card(card, spec.card, git_blob_id(data))


def card_in_folder(root: Path, model: str, relative: str) -> Path | None:
    """`root/relative` when it names a file directly in `model_cards/<model>/`, reached through no symlink.

    A card elsewhere (another model's folder, a path through `..`, a link to any other file) would
    let one version cite evidence that its model's owners never reviewed as a card.
    """
    parts = PurePosixPath(relative).parts
    if len(parts) != 3 or "/".join(parts) != relative or (parts[0], parts[1]) != (layout.MODEL_CARDS, model):
        return None
    if parts[2] in (".", ".."):
        return None
    folders = (root / parts[0], root / parts[0] / parts[1], root / relative)
    return None if any(p.is_symlink() for p in folders) else root / relative


def load_card(path: Path, shown: str, model: str, version: str) -> ModelCard:
    """A card, validated, that must be about `model` `version`: evidence cannot be borrowed."""
    card = load_file(ModelCard, path, shown)
    details = card.model_details
    if (details.name, details.version.name) != (model, version):
        message = f"card is for {details.name} {details.version.name}, not {model} {version}"
        raise InvalidInput([Problem(shown, "model_details", message)])
    return card


def card_sha256(data: bytes) -> str:
    """What a manifest records of a version's card when the version is declared (`cardSha256`)."""
    return hashlib.sha256(data).hexdigest()


def git_blob_id(data: bytes) -> str:
    """The id git gives this content (`git hash-object`): stable, and `git cat-file -p` shows it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _collect(problems: list[Problem], load: Callable[[], T]) -> T | None:
    """Run one loader, keeping its problems so the caller can report all of them at once."""
    try:
        return load()
    except InvalidInput as err:
        problems.extend(err.problems)
        return None
