"""Print draft contract entries (YAML) for field paths that have none: `python -m tests.contracts.draft PATH...`.

The quote and its line come from the vendored `.proto` (never retyped); the check starts as
`stated_rule_none` and is set by hand where the quoted comment states a rule.
"""

from __future__ import annotations

import sys

import yaml

from tests.contracts.protos import definitions, draft_quote


def draft(paths: list[str]) -> str:
    entries = {}
    for path in paths:
        field = definitions().at(path)
        line, quote = draft_quote(field)
        entries[path] = {"source": f"{field.file}:{line}", "quote": quote, "check": "stated_rule_none"}
    return yaml.safe_dump(entries, sort_keys=True, allow_unicode=True, width=1000)


if __name__ == "__main__":
    print(draft(sys.argv[1:]), end="")
