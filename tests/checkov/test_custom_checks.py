from __future__ import annotations

from pathlib import Path

import pytest

from estaleiro.checkov.tfplan import address_name, terraform_type
from tests.checkov.cases import CASES, case_plan
from tests.checkov.conftest import Verdicts, run_checkov


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    """One checkov run over every check's fixtures (checkov costs seconds per start)."""
    return run_checkov({check: case_plan(check) for check in CASES}, tmp_path_factory.mktemp("cases"))


@pytest.mark.parametrize("check", sorted(CASES))
def test_check_passes_and_fails_exactly_its_fixtures(verdicts: Verdicts, check: str) -> None:
    expected = {
        verdict: {
            (check, f"{terraform_type(type_)}.{address_name(name)}")
            for type_, resources in CASES[check]
            for name in resources
            if name.startswith(verdict[:4])
        }
        for verdict in ("passed", "failed")
    }
    own = {verdict: {r for r in verdicts[check][verdict] if r[0] == check} for verdict in ("passed", "failed")}
    assert own == expected


def test_every_custom_check_has_fixtures() -> None:
    files = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "policies/checkov").glob("[A-Z]*.py"))
    assert len(files) == len(CASES) == 8
