"""What Vertex AI offers: the machine types prediction deploys on and the regions it runs in.

The lists are data files shipped in the package (`estaleiro/data/`), each naming the page it
was copied from and the day, so a reviewer can check one against the other and refresh it.
A value outside a list is refused with the nearest values it holds.
"""

from __future__ import annotations

import datetime
import difflib
from functools import cache
from importlib import resources
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr

MACHINE_TYPES = "vertex-machine-types.yaml"
REGIONS = "vertex-regions.yaml"
NEAREST = 3


class Offering(BaseModel):
    """One data file: what its values are, where they were read and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)  # `types.Frozen`'s, which imports this module

    what: StrictStr
    source: Annotated[StrictStr, Field(pattern=r"^https://")]
    retrieved: datetime.date
    values: tuple[StrictStr, ...] = Field(min_length=1)


@cache
def offering(file: str) -> Offering:
    text = resources.files("estaleiro").joinpath("data", file).read_text(encoding="utf-8")
    return Offering.model_validate(yaml.safe_load(text))


def machine_type(value: str) -> str:
    return _offered(MACHINE_TYPES, value)


def region(value: str) -> str:
    return _offered(REGIONS, value)


def _offered(file: str, value: str) -> str:
    """`value` if the file lists it; otherwise a `ValueError` naming the nearest values it lists."""
    listed = offering(file)
    if value in listed.values:
        return value
    nearest = difflib.get_close_matches(value, listed.values, n=NEAREST)
    everything = f"all {len(listed.values)} are listed in estaleiro/data/{file}"
    hint = f"nearest: {', '.join(nearest)}" if nearest else everything
    raise ValueError(f"got {value!r}, not {listed.what} ({hint}; from {listed.source}, {listed.retrieved})")
