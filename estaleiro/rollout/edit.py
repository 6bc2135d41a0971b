"""One manifest change made in memory: judged by the promotion rules, then proposed and written.

`propose` is where every rollout step meets the gate: the repository's own rules run on the
stack with the edit applied, against the base (`HEAD`), waivers apply as in `estaleiro check`,
and anything left refuses the edit, so a step never yields what the check would fail.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import click
import yaml
from ruamel.yaml.comments import CommentedMap

from estaleiro import layout
from estaleiro.config.environment import Environment, Model, check_name, load_card
from estaleiro.config.manifest import ModelManifest
from estaleiro.config.types import DNS_LABEL, VERSION
from estaleiro.config.validation import parse
from estaleiro.errors import InvalidInput, Problem, Refused
from estaleiro.gate.base import BaseTree
from estaleiro.gate.run import judge
from estaleiro.output import write_atomic
from estaleiro.rollout import manifest_edit
from estaleiro.rollout.pull_request import Proposal, body, title
from estaleiro.waivers import load_waivers


@dataclass(frozen=True)
class Edit:
    stack: str
    model: str
    file: str  # the manifest, repository-relative: stacks/<stack>/models/<model>.yaml
    before: str  # its text now; "" when the edit creates it
    after: str  # its text after the edit
    proposal: Proposal


def check_names(model: str, version: str | None) -> None:
    check_name(model, DNS_LABEL, "MODEL", "model name")
    if version is not None:
        check_name(version, VERSION, "VERSION", "version")


def existing(root: Path, head: Environment, model: str, version: str | None = None) -> tuple[Model, str]:
    """`model` as `head` serves it, and its manifest's text; invalid input unless it exists (and declares `version`)."""
    file = layout.manifest_file(head.name, model)
    current = head.model(model)
    if current is None:
        raise InvalidInput([Problem(file, "", f"{head.name} does not serve {model}")])
    if version is not None and version not in current.manifest.versions:
        declared = ", ".join(current.manifest.versions)
        raise InvalidInput([Problem(file, "versions", f"{version} is not declared; declared: {declared}")])
    return current, (root / file).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Step:
    """What a rollout step says about its edit, for the pull request."""

    summary: str  # "Promote churn v7 to prod"
    version: str  # the version the step is about
    why: str  # why that version gets its share


def propose(
    root: Path,
    tree: BaseTree,
    stack: str,
    model: str,
    current: tuple[Model, str] | None,
    document: CommentedMap,
    step: Step,
) -> Edit:
    """The edit of `model`'s manifest in `stack` (`current`: as loaded, and its text; None when new) into `document`.

    Refused (exit 1) unless the promotion rules pass it, one line per failing rule; invalid
    input (exit 2) when the edited manifest or a card it cites does not load.
    """
    file = layout.manifest_file(stack, model)
    text = manifest_edit.dump(document)
    findings = load_waivers(root).apply(judge(root, [stack], tree, {file: text}))
    failing = [f for f in findings if not f.waived]
    if failing:
        raise Refused("\n".join(f"{f.rule} {f.file} [{f.resource}]: {f.message}" for f in failing))
    manifest = parse(ModelManifest, yaml.safe_load(text), file)
    spec = manifest.versions[step.version]
    loaded, text_before = current if current else (None, "")
    before = _declared_shares(loaded.manifest) if loaded else {}
    proposal = Proposal(
        summary=step.summary,
        model=model,
        version=step.version,
        stack=stack,
        why=step.why,
        before=before,
        after=_declared_shares(manifest),
        card=load_card(root / spec.card, spec.card, model, step.version),
        card_file=spec.card,
        thresholds=manifest.thresholds,
        serving={v: loaded.cards[v].card for v, p in before.items() if loaded and p > 0 and v != step.version},
        upload=None if loaded and step.version in loaded.manifest.versions else spec,
    )
    return Edit(stack, model, file, text_before, text, proposal)


def _declared_shares(manifest: ModelManifest) -> dict[str, int]:
    """Every declared version's share, 0 % included: a version kept at 0 % is not a retired one."""
    return {v: manifest.traffic.get(v, 0) for v in manifest.versions}


def write(root: Path, edit: Edit) -> None:
    """Replace the manifest in one step (its folder made for a model's first manifest in a stack)."""
    path = root / edit.file
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, edit.after)


def deliver(root: Path, edit: Edit) -> int:
    """What a command does with a judged edit: write it, then print its diff and pull request."""
    write(root, edit)
    click.echo(show(edit), nl=False)
    return 0


def show(edit: Edit) -> str:
    """The diff, why the version gets its share, and the suggested pull request."""
    old = f"a/{edit.file}" if edit.before else "/dev/null"
    diff = difflib.unified_diff(edit.before.splitlines(True), edit.after.splitlines(True), old, f"b/{edit.file}")
    return (
        "".join(diff)
        + f"\n{edit.proposal.why}\n\n"
        + f"Suggested pull request title:\n\n{title(edit.proposal)}\n\n"
        + f"Suggested pull request body:\n\n{body(edit.proposal)}"
    )
