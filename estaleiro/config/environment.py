"""Loads `stacks/<env>/` and the model cards it cites into one immutable `Environment`.

This is the only place that reads environment files; components receive the result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from estaleiro.config.card import ModelCard
from estaleiro.config.image import ModelImage, load_model_image
from estaleiro.config.pipelines import CompiledPipeline, load_pipelines
from estaleiro.config.manifest import ModelManifest
from estaleiro.config.stack import StackConfig, StackFile
from estaleiro.config.types import ALLOWED, DNS_LABEL, STACK_NAME
from estaleiro.config.validation import load_file
from estaleiro.errors import InvalidInput, Problem
from estaleiro.repo import display, inside

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
    model_image: ModelImage | None = None  # known where a model is retrained

    def model(self, name: str) -> Model | None:
        return next((m for m in self.models if m.name == name), None)


def stack_dir(root: Path, stack: str) -> Path:
    """The folder of an existing stack; bad names and missing stacks are invalid input."""
    check_name(stack, STACK_NAME, f"stacks/{stack}", "stack name")
    path = root / "stacks" / stack
    if not path.is_dir():
        existing = sorted(p.name for p in (root / "stacks").glob("*/") if p.is_dir())
        raise InvalidInput(
            [Problem(f"stacks/{stack}", "", f"no such stack; existing stacks: {', '.join(existing) or 'none'}")]
        )
    return path


def check_name(value: str, regex: str, file: str, what: str) -> None:
    if not re.fullmatch(regex, value):
        raise InvalidInput([Problem(file, "", f"{what} {value!r} is not {ALLOWED[regex]}")])


def config_path(root: Path, stack: str) -> Path:
    return stack_dir(root, stack) / f"Pulumi.{stack}.yaml"


def load_stack_config(root: Path, stack: str) -> StackConfig:
    path = config_path(root, stack)
    return load_file(StackFile, path, display(root, path)).config


def load_environment(root: Path, stack: str) -> Environment:
    """Every file of the stack is checked and every problem reported before anything is built."""
    folder = stack_dir(root, stack)
    problems: list[Problem] = []
    config = _collect(problems, lambda: load_stack_config(root, stack))
    models = []
    for path in sorted((folder / "models").glob("*")):
        model = _collect(problems, lambda path=path: _load_model(root, path))  # type: ignore[misc]
        if model is not None:
            models.append(model)
    trained = [m for m in models if m.manifest.training is not None]
    pipelines = _collect(problems, lambda: load_pipelines(root)) if trained else None
    image = _collect(problems, lambda: load_model_image(root)) if trained else None
    for model in trained if pipelines is not None else ():
        wanted = model.manifest.training.pipeline  # type: ignore[union-attr]
        if wanted not in pipelines:
            message = f"no compiled pipeline {wanted!r}; run `estaleiro pipeline compile` (have: {', '.join(pipelines) or 'none'})"
            problems.append(Problem(model.file, "training.pipeline", message))
    if problems or config is None:
        raise InvalidInput(problems)
    return Environment(
        stack, config, tuple(models), display(root, config_path(root, stack)), pipelines or MappingProxyType({}), image
    )


def _load_model(root: Path, path: Path) -> Model:
    shown = display(root, path)
    if path.suffix != ".yaml":
        raise InvalidInput([Problem(shown, "", "model manifests are <model>.yaml files; rename or remove this one")])
    check_name(path.stem, DNS_LABEL, shown, "model name")
    manifest = load_file(ModelManifest, path, shown)
    problems: list[Problem] = []
    cards = {}
    for version, spec in manifest.versions.items():
        card = _collect(problems, lambda v=version, c=spec.card: _load_card(root, shown, path.stem, v, c))  # type: ignore[misc]
        if card is not None:
            cards[version] = card
    if problems:
        raise InvalidInput(problems)
    return Model(path.stem, manifest, MappingProxyType(cards), shown)


def _load_card(root: Path, manifest: str, model: str, version: str, relative: str) -> Card:
    where = f"versions.{version}.card"
    card_path = inside(root, relative)
    if card_path is None:
        raise InvalidInput([Problem(manifest, where, f"{relative!r} is outside the repository")])
    if not card_path.is_file():
        raise InvalidInput(
            [Problem(manifest, where, f"{relative!r} does not exist; every deployed version needs a model card")]
        )
    shown = display(root, card_path)
    card = load_card(card_path, shown, model, version)
    return Card(card, shown, git_blob_id(card_path.read_bytes()))


def load_card(path: Path, shown: str, model: str, version: str) -> ModelCard:
    """A card, validated, that must be about `model` `version`: evidence cannot be borrowed."""
    card = load_file(ModelCard, path, shown)
    details = card.model_details
    if (details.name, details.version.name) != (model, version):
        message = f"card is for {details.name} {details.version.name}, not {model} {version}"
        raise InvalidInput([Problem(shown, "model_details", message)])
    return card


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
