from __future__ import annotations

import json

from estaleiro.plan.diff import ABSENT, Change, diff
from estaleiro.plan.model import Plan, PlannedResource
from estaleiro.plan.render import render_diff


def resource(name: str, **inputs: object) -> PlannedResource:
    urn = f"urn:pulumi:dev::estaleiro::gcp:storage/bucket:Bucket::{name}"
    return PlannedResource(urn, "gcp:storage/bucket:Bucket", name, True, None, (), inputs)


BASE = Plan("dev", (resource("a", location="US"), resource("b", labels={"env": "dev"}, versioning={"enabled": True})))
HEAD = Plan(
    "dev",
    (
        resource("b", labels={"env": "dev", "team": "ml"}, versioning={"enabled": False}),
        resource("c", location="EU"),
    ),
)


def test_create_update_delete_with_each_changed_path() -> None:
    result = diff(BASE, HEAD, "main")
    assert [(r.action, r.name) for r in result.resources] == [("delete", "a"), ("update", "b"), ("create", "c")]
    assert result.resources[1].changes == (
        Change("labels.team", ABSENT, "ml"),
        Change("versioning.enabled", True, False),
    )
    assert result.unchanged == 0


def test_identical_plans_have_no_changes() -> None:
    result = diff(BASE, BASE, "main")
    assert result.resources == () and result.unchanged == 2


def test_list_elements_are_compared_by_position() -> None:
    old = Plan("dev", (resource("x", versions=[{"traffic": 90}, {"traffic": 10}]),))
    new = Plan("dev", (resource("x", versions=[{"traffic": 80}, {"traffic": 20}, {"traffic": 0}]),))
    changes = diff(old, new, "main").resources[0].changes
    assert [(c.path, c.old, c.new) for c in changes] == [
        ("versions[0].traffic", 90, 80),
        ("versions[1].traffic", 10, 20),
        ("versions[2].traffic", ABSENT, 0),
    ]


def test_reverse_diff_is_the_exact_inverse() -> None:
    forward, backward = diff(BASE, HEAD, "x"), diff(HEAD, BASE, "x")
    flip = {"create": "delete", "delete": "create", "update": "update"}
    assert [(flip[r.action], r.urn) for r in forward.resources] == [(r.action, r.urn) for r in backward.resources]
    for there, back in zip(forward.resources, backward.resources, strict=True):
        assert [(c.path, c.new, c.old) for c in there.changes] == [(c.path, c.old, c.new) for c in back.changes]


def test_markdown_is_a_summary_line_then_a_table() -> None:
    text = render_diff(diff(BASE, HEAD, "main"), "md")
    lines = text.splitlines()
    assert lines[0] == "### Estaleiro plan for `dev` against `main`"
    assert lines[2] == "**1 to create, 1 to update, 1 to delete, 0 unchanged**"
    assert lines[4:6] == ["| | resource | type | changes |", "|---|---|---|---|"]
    assert lines[7] == (
        '| ~ update | `b` | `gcp:storage/bucket:Bucket` | `labels.team`: (absent) → "ml"<br>'
        "`versioning.enabled`: true → false |"
    )


def test_markdown_says_when_nothing_changes() -> None:
    assert "No changes" in render_diff(diff(BASE, BASE, "main"), "md")


def test_json_omits_the_absent_side() -> None:
    data = json.loads(render_diff(diff(BASE, HEAD, "main"), "json"))
    assert data["summary"] == {"create": 1, "update": 1, "delete": 1, "unchanged": 0}
    assert data["resources"][1]["changes"][0] == {"path": "labels.team", "new": "ml"}


def test_text_marks_each_action() -> None:
    text = render_diff(diff(BASE, HEAD, "main"), "text")
    assert "- delete  gcp:storage/bucket:Bucket  a" in text
    assert "      versioning.enabled: true -> false" in text
