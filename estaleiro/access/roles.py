"""Role -> permissions: Google's predefined roles from `roles.yaml`, custom roles as the plan declares them."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic import Field

from estaleiro.config.types import Frozen, Text
from estaleiro.config.validation import load_file

ROLES_FILE = Path(__file__).resolve().parent / "roles.yaml"
ROLES_DISPLAY = "estaleiro/access/roles.yaml"


class PredefinedRole(Frozen):
    title: Text
    source: Text = Field(description="the role's reference page, cloud.google.com/iam/docs/roles-permissions/<service>")
    read: datetime.date = Field(description="the day its permissions were read")
    permissions: tuple[Text, ...] = Field(min_length=1)


class RolesFile(Frozen):
    roles: dict[str, PredefinedRole]


@cache
def predefined() -> Mapping[str, PredefinedRole]:
    return load_file(RolesFile, ROLES_FILE, ROLES_DISPLAY).roles


def permissions(role: str, custom: Mapping[str, frozenset[str]]) -> frozenset[str] | None:
    """The permissions `role` holds (custom roles by their full name), or None when nothing says."""
    if role in custom:
        return custom[role]
    known = predefined().get(role)
    return frozenset(known.permissions) if known else None
