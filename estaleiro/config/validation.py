"""Turns YAML text and pydantic errors into `Problem`s that say where, what, and what is allowed."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, TypeVar, Union

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from estaleiro.config.types import ALLOWED
from estaleiro.errors import InvalidInput, Problem

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path, display: str) -> Any:
    """Parse one YAML document; a syntax error names the file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InvalidInput([Problem(display, "", f"cannot read: {err.strerror}")]) from err
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
