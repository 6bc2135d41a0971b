"""The drift monitor ids the provider creates and the stack's load-time checks judge."""

from __future__ import annotations

import re

import pytest

from estaleiro.monitoring_ids import MAX_LENGTH, PATTERN, monitor_id, monitor_id_problem


def test_an_id_that_fits_is_the_prefix_and_the_version() -> None:
    assert monitor_id("acme-ml-dev-churn", "v7") == "acme-ml-dev-churn-v7"


@pytest.mark.parametrize("length", [60, 61, 62, 63])
@pytest.mark.parametrize("version", ["v7", "v123456"])
def test_the_longest_model_names_still_make_valid_distinct_ids(length: int, version: str) -> None:
    """Prefixes the stack's 63-character model id check lets through (model names of 61-63 characters included)."""
    prefix, neighbour = "a" * length, "a" * (length - 1) + "b"
    ids = {monitor_id(prefix, version), monitor_id(neighbour, version)}
    assert len(ids) == 2
    assert all(len(i) <= MAX_LENGTH and re.fullmatch(PATTERN, i) and i.endswith(f"-{version}") for i in ids)
    assert monitor_id_problem(prefix, version) is None


def test_the_same_prefix_always_makes_the_same_id() -> None:
    assert monitor_id("a" * 70, "v7") == monitor_id("a" * 70, "v7")


@pytest.mark.parametrize(("prefix", "version"), [("Acme-dev-churn", "v7"), ("acme_dev_churn", "v7"), ("7acme", "v7")])
def test_ids_vertex_refuses_are_named(prefix: str, version: str) -> None:
    problem = monitor_id_problem(prefix, version)
    assert problem is not None and f"'{prefix}-{version}'" in problem and "which Vertex refuses" in problem
