"""The rules Google's API definitions state for every field the project sends (see registry.py)."""

from estaleiro.contracts.registry import Contract, contract, contracts

__all__ = ["Contract", "contract", "contracts"]
