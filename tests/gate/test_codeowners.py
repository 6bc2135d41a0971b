"""`.github/CODEOWNERS` says what the stacks say, and reads back as GitHub reads it."""

from __future__ import annotations

import pytest

from estaleiro.gate.codeowners import CODEOWNERS, generate, owners_of
from tests.conftest import REPO

PLATFORM = ("@acme/ml-platform",)
CHURN = ("churn-ds@acme.example.com", "ml-oncall@acme.example.com")


def test_the_checked_in_codeowners_is_what_the_stacks_call_for() -> None:
    assert (REPO / CODEOWNERS).read_text() == generate(REPO), (
        "regenerate: python -c 'from pathlib import Path; from estaleiro.gate.codeowners import generate; "
        'Path(".github/CODEOWNERS").write_text(generate(Path(".")))\''
    )


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("stacks/prod/models/churn.yaml", CHURN),
        ("model_cards/churn/v7.yaml", CHURN),
        ("stacks/prod/Pulumi.prod.yaml", PLATFORM),
        ("policies/waivers.yaml", PLATFORM),
        ("estaleiro/gate/traffic.py", PLATFORM),
        (".github/workflows/pr.yml", PLATFORM),
        ("README.md", PLATFORM),
    ],
)
def test_each_file_is_owned_by_the_last_matching_line(path: str, owners: tuple[str, ...]) -> None:
    assert owners_of((REPO / CODEOWNERS).read_text(), path) == owners


def test_patterns_read_as_github_reads_them() -> None:
    text = "# comment\n*.py @py\n/docs/ @docs  # trailing comment\nbuild/ @build\n/top.txt @top\n"
    assert owners_of(text, "a/b/c.py") == ("@py",)
    assert owners_of(text, "docs/x/y.md") == ("@docs",)
    assert owners_of(text, "src/docs/y.md") == ()  # anchored: only at the root
    assert owners_of(text, "src/build/out.bin") == ("@build",)  # unanchored folder: at any depth
    assert owners_of(text, "top.txt") == ("@top",)
    assert owners_of(text, "src/top.txt") == ()
