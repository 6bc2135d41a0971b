"""The vendored role data: each role with its reference page and read day; a hand-edited file is bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from estaleiro.access.roles import ROLES_DISPLAY, ROLES_FILE, RolesFile, permissions, predefined
from estaleiro.config.validation import load_file
from estaleiro.errors import InvalidInput


def test_every_role_cites_its_reference_page_and_the_day_it_was_read() -> None:
    for name, role in predefined().items():
        service = name.removeprefix("roles/").split(".")[0]
        assert role.source == f"https://cloud.google.com/iam/docs/roles-permissions/{service}", name
        assert role.read.isoformat() == "2026-12-02", name
        assert list(role.permissions) == sorted(set(role.permissions)), name


def test_custom_roles_come_from_the_plan_and_unknown_roles_from_nowhere() -> None:
    custom = {"projects/p/roles/r": frozenset({"aiplatform.pipelineJobs.list"})}
    assert permissions("projects/p/roles/r", custom) == frozenset({"aiplatform.pipelineJobs.list"})
    assert permissions("roles/run.invoker", custom) == frozenset(
        {"run.instances.invoke", "run.jobs.run", "run.routes.invoke"}
    )
    assert permissions("roles/made.up", custom) is None


def test_a_hand_edited_roles_file_is_bad_input_naming_the_file_line_and_key(tmp_path: Path) -> None:
    broken = tmp_path / "roles.yaml"
    broken.write_text(ROLES_FILE.read_text().replace("    read: 2026-12-02\n", "", 1))
    with pytest.raises(InvalidInput) as raised:
        load_file(RolesFile, broken, ROLES_DISPLAY)
    assert str(raised.value).startswith(f"{ROLES_DISPLAY}:")
    assert "roles.roles/aiplatform.admin.read" in str(raised.value) and len(str(raised.value).splitlines()) == 1
