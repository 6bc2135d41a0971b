"""The hostile pull request's repository, for every gate test module (defined beside the first suite)."""

from tests.gate.test_hostile_pr import pr

__all__ = ["pr"]
