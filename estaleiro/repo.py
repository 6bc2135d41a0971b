"""Moved to `estaleiro.layout`; kept only for `estaleiro/commands/promote.py` until it imports from there."""

from estaleiro.layout import display, inside, repo_root

__all__ = ["display", "inside", "repo_root"]
