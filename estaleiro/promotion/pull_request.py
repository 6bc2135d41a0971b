"""The suggested pull request for a manifest change: a title, and a body a reviewer can judge it by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from estaleiro.config.card import ModelCard
from estaleiro.config.manifest import Threshold
from estaleiro.promotion.thresholds import describe, meets


@dataclass(frozen=True)
class Change:
    """One serving change of one model in one stack, with the evidence it cites."""

    summary: str  # "Promote churn v7 to prod"
    model: str
    version: str
    stack: str
    before: Mapping[str, int]
    after: Mapping[str, int]
    card: ModelCard
    card_file: str
    thresholds: Mapping[str, Threshold]
    incumbent: tuple[str, ModelCard] | None  # the version that served most before, to compare with


def title(change: Change) -> str:
    percent = change.after[change.version]
    return f"{change.summary} ({'all traffic' if percent == 100 else f'{percent} % canary'})"


def body(change: Change) -> str:
    versions = sorted(set(change.before) | set(change.after), key=lambda v: int(v[1:]))
    details = change.card.model_details.version
    compare = [change.incumbent] if change.incumbent else []
    lines = [
        f"**Model** `{change.model}` · **version** `{change.version}` · **stack** `{change.stack}`",
        "",
        "### Traffic",
        "",
        "| version | before | after |",
        "|---|---:|---:|",
        *(f"| {v} | {_share(change.before, v)} | {_share(change.after, v)} |" for v in versions),
        "",
        f"### Evidence: `{change.card_file}`",
        "",
        f"{details.name} ({details.date}): {details.diff or 'no change summary in the card'}",
        "",
        "| metric | " + " | ".join([change.version, *(f"{v} (serving)" for v, _ in compare)]) + " | threshold |",
        "|---|" + "---:|" * (1 + len(compare)) + "---|",
    ]
    for metric in change.card.quantitative_analysis.performance_metrics:
        if metric.slice:
            continue
        values = [metric.value, *(card.metric(metric.type) for _, card in compare)]
        shown = " | ".join("-" if value is None else str(value) for value in values)
        lines.append(f"| {metric.type} | {shown} | {_bound(change.thresholds.get(metric.type), metric.value)} |")
    lines += [
        "",
        "### Rollback",
        "",
        "`git revert <this commit>` (the merge commit of this pull request), opened as a pull request",
        "like this one: merging it restores the traffic in the *before* column.",
    ]
    return "\n".join(lines) + "\n"


def _share(split: Mapping[str, int], version: str) -> str:
    return f"{split[version]} %" if version in split else "-"


def _bound(threshold: Threshold | None, value: float) -> str:
    if threshold is None:
        return "-"
    return describe(threshold) + ("" if meets(threshold, value) else " **not met**")
