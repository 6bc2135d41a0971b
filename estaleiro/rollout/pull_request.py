"""The suggested pull request for a manifest change: a title, and a body a reviewer can judge it by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from estaleiro.config.card import ModelCard
from estaleiro.config.manifest import VersionSpec
from estaleiro.config.types import Threshold
from estaleiro.gate.thresholds import describe, shortfall
from estaleiro.rollout.split import by_number


@dataclass(frozen=True)
class Proposal:
    """One serving change of one model in one stack, with the evidence it cites."""

    summary: str  # "Promote churn v7 to prod"
    model: str
    version: str  # the version the change is about: promoted, ramped, completed or rolled back to
    stack: str
    why: str  # why the version gets its share; for a rollback, the reason still to be written
    before: Mapping[str, int]  # every version declared before the change, with its share (0 % included)
    after: Mapping[str, int]  # every version declared after it
    card: ModelCard
    card_file: str
    thresholds: Mapping[str, Threshold]
    serving: Mapping[str, ModelCard]  # the other versions serving before the change, to compare with
    upload: VersionSpec | None  # what the change registers, when the version is new to the stack


def title(proposal: Proposal) -> str:
    percent = proposal.after[proposal.version]
    return f"{proposal.summary} ({'all traffic' if percent == 100 else f'{percent} % canary'})"


def body(proposal: Proposal) -> str:
    versions = by_number(set(proposal.before) | set(proposal.after))
    details = proposal.card.model_details.version
    compare = by_number(proposal.serving)
    lines = [
        f"**Model** `{proposal.model}` · **version** `{proposal.version}` · **stack** `{proposal.stack}`",
        "",
        proposal.why,
        "",
        "### Traffic",
        "",
        "| version | before | after |",
        "|---|---:|---:|",
        *(f"| {v} | {_share(proposal.before, v)} | {_share(proposal.after, v)} |" for v in versions),
        "",
    ]
    if proposal.upload:
        lines += [
            f"### Uploaded: `{proposal.version}`",
            "",
            f"- artifact: `{proposal.upload.artifact_uri}`",
            f"- image: `{proposal.upload.image}`",
            "",
        ]
    lines += [
        f"### Evidence: `{proposal.card_file}`",
        "",
        f"{details.name} ({details.date}): {details.diff or 'no change summary in the card'}",
        "",
        "| metric | "
        + " | ".join([proposal.version, *(f"{v} (serving {proposal.before[v]} %)" for v in compare)])
        + " | threshold |",
        "|---|" + "---:|" * (1 + len(compare)) + "---|",
    ]
    for metric in proposal.card.quantitative_analysis.performance_metrics:
        if metric.slice:
            continue
        values = [metric.value, *(proposal.serving[v].metric(metric.type) for v in compare)]
        shown = " | ".join("-" if value is None else str(value) for value in values)
        lines.append(f"| {metric.type} | {shown} | {_bound(proposal.thresholds.get(metric.type), metric.value)} |")
    lines += [
        "",
        "### Rollback",
        "",
        f"`estaleiro rollback {proposal.model} --in {proposal.stack}` moves all traffic back to the version that",
        "served most before this change; `git revert` of this pull request's merge commit restores the",
        "*before* column exactly. Either is a pull request like this one.",
    ]
    return "\n".join(lines) + "\n"


def _share(split: Mapping[str, int], version: str) -> str:
    return f"{split[version]} %" if version in split else "-"


def _bound(threshold: Threshold | None, value: float) -> str:
    if threshold is None:
        return "-"
    return describe(threshold) + ("" if shortfall(threshold, value) is None else " **not met**")
