"""Keeps the cost of pickling a dynamic provider constant, however many dynamic resources a program declares.

pulumi 3.272's `pulumi.dynamic.dynamic.serialize_provider` sorts dictionaries by wrapping
`pickle._Pickler._batch_setitems` and never unwraps it: the n-th dynamic resource pickles
through n nested wrappers, so a program with n of them pays n² (400 monitors and deployments:
80 000 nested calls). Restoring the two methods after each call keeps its output byte for byte
(each call installs the same sorting again) and its cost per resource flat.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

from pulumi.dynamic import dynamic

_serialize_provider: Callable[[Any], str] = dynamic.serialize_provider


def serialize_provider(provider: Any) -> str:
    """Pulumi's own serialization, with the pickler left as it found it."""
    pickler: Any = pickle._Pickler
    saved = pickler._batch_setitems, pickler.save_dict
    try:
        return _serialize_provider(provider)
    finally:
        pickler._batch_setitems, pickler.save_dict = saved


dynamic.serialize_provider = serialize_provider
