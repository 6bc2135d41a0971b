"""Turns YAML text and pydantic errors into `Problem`s that say where, what, and what is allowed."""

from __future__ import annotations

import types
import typing
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, Union

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from estaleiro.config.types import ALLOWED
from estaleiro.errors import InvalidInput, Problem

M = TypeVar("M", bound=BaseModel)


def load_file(model: type[M], path: Path, display: str) -> M:
    """Read, parse and validate one file; each problem names the line its key starts on."""
    text = _read(path, display)
    data = _safe_load(text, display)
    try:
        return parse(model, data, display)
    except InvalidInput as err:
        lines = _line_index(yaml.compose(text))
        raise InvalidInput([replace(p, line=_line_of(lines, p.path)) for p in err.problems]) from err


def read_yaml(path: Path, display: str) -> Any:
    """Parse one YAML document; a syntax error names the file, line and column."""
    return _safe_load(_read(path, display), display)


def _read(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise InvalidInput([Problem(display, "", f"cannot read: {err.strerror}")]) from err


def _safe_load(text: str, display: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(err, "problem", None) or str(err)
        raise InvalidInput([Problem(display, where, f"malformed YAML: {reason}")]) from err


def parse(model: type[M], data: Any, display: str) -> M:
    """Validate `data` as `model`, reporting every error of the file at once."""
    if not isinstance(data, dict):
        raise InvalidInput([Problem(display, "", f"expected a mapping at the top, got {_kind(data)}")])
    try:
        return model.model_validate(data)
    except ValidationError as err:
        errors = err.errors()
        raise InvalidInput([_problem(model, e, display) for e in errors if not _caused_by_items(e, errors)]) from err


def _line_index(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
    """Dotted key path (as problems spell it) -> 1-based line where its value starts."""
    index: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            index[path] = key.start_mark.line + 1
            index.update(_line_index(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            path = f"{prefix}.{position}" if prefix else str(position)
            index[path] = item.start_mark.line + 1
            index.update(_line_index(item, path))
    return index


def _line_of(index: dict[str, int], path: str) -> int:
    """The line of `path`, or of its nearest ancestor present in the file (a missing key's parent)."""
    while path:
        if path in index:
            return index[path]
        path = path.rpartition(".")[0]
    return 0


def _caused_by_items(error: ErrorDetails, errors: list[ErrorDetails]) -> bool:
    """A container's 'too short' that only restates that one of its items was rejected."""
    loc = tuple(error["loc"])
    return error["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors
    )


def _problem(model: type[BaseModel], error: ErrorDetails, display: str) -> Problem:
    loc = tuple(error["loc"])
    path = ".".join(str(part) for part in loc)
    kind, ctx, got = error["type"], error.get("ctx", {}), error.get("input")
    if kind == "extra_forbidden":
        allowed = ", ".join(_keys_at(model, loc[:-1]))
        return Problem(display, path, f"unknown key; allowed keys: {allowed}")
    if kind == "missing":
        return Problem(display, path, "required key is missing")
    if kind == "string_pattern_mismatch":
        expected = ALLOWED.get(ctx.get("pattern", ""), f"a string matching {ctx.get('pattern')}")
        return Problem(display, path, f"got {got!r}, expected {expected}")
    if kind == "value_error":
        return Problem(display, path, str(ctx.get("error", error["msg"])))
    if kind == "literal_error":
        return Problem(display, path, f"got {got!r}, expected {ctx.get('expected')}")
    return Problem(display, path, f"{error['msg'][0].lower()}{error['msg'][1:]} (got {_kind(got)} {got!r})")


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _keys_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed in the mapping found at `loc` inside `model`."""
    target: Any = model
    for part in loc:
        target = _step(target, part)
    target = _unwrap(target)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return [field.alias or name for name, field in target.model_fields.items()]
    return []


def _step(annotation: Any, part: int | str) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    args = [arg for arg in typing.get_args(annotation) if arg is not Ellipsis]
    return args[-1] if args else None  # dict[K, V] -> V, tuple[X, ...] -> X


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional so only the structural type remains."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        else:
            return annotation
