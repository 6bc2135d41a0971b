"""Every field the project sends to Google has a contract: the rule the API definition states for it,
quoted from the vendored `.proto` at the line cited, and a check every value sent passes.

What is sent comes from the plans of every stack (each `gcp:*` resource's inputs, read as the
API message it becomes; the JSON documents inside, such as the dashboard) and from the requests the
fakes receive while our providers, the retraining function and the quality job run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from estaleiro.contracts import Contract, contracts
from tests.contracts import recorded
from tests.contracts.protos import comment_from, definitions
from tests.contracts.sent import RESOURCES, Sent, from_plan

REPO = Path(__file__).resolve().parents[2]
STACKS = sorted(p.name for p in (REPO / "stacks").iterdir() if (p / f"Pulumi.{p.name}.yaml").exists())


def _plan(stack: str) -> dict[str, object]:
    """The stack's plan as `estaleiro plan STACK --format json` prints it (the real command, its own process)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from estaleiro.cli import main; sys.exit(main())",
            "plan",
            stack,
            "--format",
            "json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    plan: dict[str, object] = json.loads(done.stdout)
    return plan


@pytest.fixture(scope="module")
def sent() -> list[Sent]:
    everything: list[Sent] = []
    for stack in STACKS:
        plan = _plan(stack)
        everything += [*from_plan(plan), *recorded.retraining(plan, stack)]
    return [
        *everything,
        *recorded.vertex_serving(),
        *recorded.model_monitoring(),
        *recorded.quality_points(),
        *recorded.quality_queries(),
    ]


def by_path(sent: list[Sent]) -> dict[str, list[Sent]]:
    paths: dict[str, list[Sent]] = defaultdict(list)
    for each in sent:
        paths[each.path].append(each)
    return paths


def test_every_field_sent_has_a_contract(sent: list[Sent], capsys: pytest.CaptureFixture[str]) -> None:
    paths = by_path(sent)
    missing = sorted(set(paths) - set(contracts()))
    with capsys.disabled():
        print(f"\ncontracts: {len(paths)} field paths sent, {len(contracts())} entries, {len(missing)} missing")
    assert not missing, (
        "fields sent with no contract (draft with `python -m tests.contracts.draft PATH...`, then set the check):\n"
        + "\n".join(f"  {p}  (e.g. from {paths[p][0].where})" for p in missing)
    )


def test_every_plan_type_maps_to_an_api_message(sent: list[Sent]) -> None:
    unmapped = sorted({s.path for s in sent if s.path.startswith("unmapped:")})
    assert not unmapped, f"add these pulumi-gcp types to tests/contracts/sent.py RESOURCES: {unmapped}"


def test_every_contract_names_a_field_of_the_vendored_definitions() -> None:
    unknown = []
    for path in contracts():
        try:
            definitions().at(path)
        except (KeyError, ValueError) as err:
            unknown.append(f"{path}: {err}")
    assert not unknown, "\n".join(unknown)


def quote_problem(entry: Contract) -> str | None:
    """Why the contract's quote is not the field's comment, verbatim, from the cited line; None if it is."""
    field = definitions().at(entry.path)
    if entry.file != field.file:
        return f"cites {entry.file}, but the field is declared in {field.file}"
    if not entry.quote:
        return None if not field.comment and entry.line == field.line else "an empty quote for a commented field"
    if entry.line not in {n for n, _ in field.comment}:
        return f"line {entry.line} is not in the comment above the field (line {field.line})"
    first, joined, _ = comment_from(entry.file, entry.line)
    at = joined.find(entry.quote)
    if at < 0 or at >= len(first):
        return f"not found verbatim starting on line {entry.line}: {entry.quote!r}"
    return None


def test_every_quote_is_verbatim_at_its_file_and_line() -> None:
    wrong = {path: problem for path, entry in contracts().items() if (problem := quote_problem(entry)) is not None}
    assert not wrong, "\n".join(f"{p}: {m}" for p, m in sorted(wrong.items()))


def violations(sent: list[Sent]) -> Iterator[tuple[str, str]]:
    table = contracts()
    for each in sent:
        if each.path in table and (problem := table[each.path].problem(each.value, each.siblings)) is not None:
            yield each.path, f"{each.where}: {problem}"


def test_every_value_sent_meets_its_contract(sent: list[Sent]) -> None:
    found: dict[str, list[str]] = defaultdict(list)
    for path, message in violations(sent):
        found[path].append(message)
    assert not found, "\n".join(f"{p}:\n  " + "\n  ".join(m[:3]) for p, m in sorted(found.items()))


def test_the_quote_check_refuses_a_quote_that_is_not_at_its_line() -> None:
    real = contracts()["google.monitoring.v3.AlertPolicy.conditions.condition_threshold.comparison"]
    assert quote_problem(real) is None
    for changed in (
        replace(real, quote=real.quote.replace("COMPARISON_GT", "COMPARISON_GE")),
        replace(real, line=real.line - 1),
        replace(real, file="googleapis/google/monitoring/v3/common.proto"),
    ):
        assert quote_problem(changed) is not None, changed


def test_resources_table_names_real_fields() -> None:
    """Each renamed target in the mapping table is a field (or a whole message) of the vendored definitions."""
    defs = definitions()
    wrong = []
    for kind, resource in RESOURCES.items():
        for target in resource.renamed.values():
            if target in defs.messages:
                continue
            try:
                defs.at(target)
            except (KeyError, ValueError):
                wrong.append(f"{kind}: {target}")
    assert not wrong, wrong
