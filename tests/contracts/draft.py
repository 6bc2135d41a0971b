"""Print draft contract entries (YAML) for field paths that have none: `python -m tests.contracts.draft PATH...`.

The quote and its line come from the vendored `.proto` (never retyped); the check starts as
`stated_rule_none` and is set by hand where the quoted comment states a rule.
"""

from __future__ import annotations

import sys

import yaml

from tests.contracts.protos import comment_from, definitions, draft_quote


def draft(paths: list[str]) -> str:
    entries = {}
    for path in paths:
        field = definitions().at(path)
        line, quote = draft_quote(field)
        entries[path] = {"source": f"{field.file}:{line}", "quote": quote, "check": "stated_rule_none"}
    return yaml.safe_dump(entries, sort_keys=True, allow_unicode=True, width=1000)


if __name__ == "__main__":
    print(draft(sys.argv[1:]), end="")


def quote_at(file: str, line: int, begins: str, sentences: int = 1) -> str:
    """The comment's words from `begins` (found on `line`) through `sentences` sentences."""
    first, joined, _ = comment_from(file, line)
    start = joined.index(begins, 0, len(first))
    ends = [
        i + 1 for i in range(start, len(joined)) if joined[i] == "." and (i + 1 == len(joined) or joined[i + 1] == " ")
    ]
    return joined[start : ends[sentences - 1] if len(ends) >= sentences else len(joined)]
