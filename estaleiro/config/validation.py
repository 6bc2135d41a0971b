"""Turns data files and pydantic errors into `Problem`s that say where, what, and what is allowed."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, Union

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from estaleiro import layout
from estaleiro.config.data_file import read_document
from estaleiro.config.types import ALLOWED
from estaleiro.errors import InvalidInput, Problem

M = TypeVar("M", bound=BaseModel)


def load_file(
    model: type[M], path: Path, display: str, references: Callable[[M], Iterable[Problem]] | None = None
) -> M:
    """Read, parse and validate one file; each problem names the line its key starts on.

    `references` checks what the file names elsewhere (another stack, a card) once its shape is valid.
    """
    document = read_document(path, display)
    try:
        loaded = parse(model, document.data, display)
        problems = list(references(loaded)) if references else []
        if problems:
            raise InvalidInput(problems)
        return loaded
    except InvalidInput as err:
        raise InvalidInput([_with_line(p, display, document.lines) for p in err.problems]) from err


def in_repository(root: Path, path: Path, shown: str) -> Path:
    """`path`, unless a symlink leads it out of the repository, where no pull request reviews it."""
    if layout.inside(root, path) is None:
        raise InvalidInput([Problem(shown, "", f"leads outside the repository (to {path.resolve()}); copy it in")])
    return path


def read_yaml(path: Path, display: str) -> Any:
    """The plain data of one file, read as every data file is (see `data_file`)."""
    return read_document(path, display).data


def parse(model: type[M], data: Any, display: str) -> M:
    """Validate `data` as `model`, reporting every error of the file at once."""
    if not isinstance(data, dict):
        raise InvalidInput([Problem(display, "", f"expected a mapping at the top, got {_kind(data)}")])
    try:
        return model.model_validate(data)
    except ValidationError as err:
        errors = err.errors()
        raise InvalidInput([_problem(model, e, display) for e in errors if not _caused_by_items(e, errors)]) from err


def _with_line(problem: Problem, display: str, lines: Mapping[str, int]) -> Problem:
    if problem.file != display or problem.line:
        return problem
    return replace(problem, line=_line_of(lines, problem.path))


def _line_of(index: Mapping[str, int], path: str) -> int:
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
