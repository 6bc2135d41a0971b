from __future__ import annotations

import pytest

from estaleiro.rollout.split import with_share


@pytest.mark.parametrize(
    ("split", "version", "percent", "expected"),
    [
        ({"v6": 100}, "v7", 10, {"v6": 90, "v7": 10}),
        ({"v6": 90, "v7": 10}, "v8", 20, {"v6": 72, "v7": 8, "v8": 20}),
        ({"v1": 34, "v2": 33, "v3": 33}, "v4", 1, {"v1": 33, "v2": 33, "v3": 33, "v4": 1}),
        ({"v6": 90, "v7": 10}, "v7", 50, {"v6": 50, "v7": 50}),
        ({}, "v1", 100, {"v1": 100}),
    ],
)
def test_shares_sum_to_100(split: dict[str, int], version: str, percent: int, expected: dict[str, int]) -> None:
    result = with_share(split, version, percent)
    assert result == expected and sum(result.values()) == 100


def test_a_lone_version_cannot_be_a_canary() -> None:
    with pytest.raises(ValueError, match="must take 100"):
        with_share({}, "v1", 10)
