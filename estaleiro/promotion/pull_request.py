"""The suggested pull request for a promotion: a title, and a body a reviewer can judge it by."""

from __future__ import annotations

from collections.abc import Mapping

from estaleiro.config.card import ModelCard
from estaleiro.config.manifest import Threshold


def title(action: str, model: str, version: str, stack: str, percent: int) -> str:
    share = "all traffic" if percent == 100 else f"{percent} % canary"
    return f"{action} {model} {version} in {stack} ({share})"


def body(
    model: str,
    version: str,
    stack: str,
    before: Mapping[str, int],
    after: Mapping[str, int],
    card: ModelCard,
    card_file: str,
    thresholds: Mapping[str, Threshold],
) -> str:
    versions = sorted(set(before) | set(after))
    lines = [
        f"Serving change for **{model}** in **{stack}**, written by `estaleiro promote` / `estaleiro complete`.",
        "",
        "| version | traffic before | traffic after |",
        "|---|---:|---:|",
        *(f"| {v} | {before.get(v, 0)} % | {after.get(v, 0)} % |" for v in versions),
        "",
        f"Model card: `{card_file}` ({card.model_details.version.date}): {card.model_details.version.diff or '-'}",
        "",
        "| metric | value | threshold |",
        "|---|---:|---|",
    ]
    for metric in card.quantitative_analysis.performance_metrics:
        if metric.slice:
            continue
        bound = thresholds.get(metric.type)
        rule = " ".join(
            part
            for part in (
                f">= {bound.min}" if bound and bound.min is not None else "",
                f"<= {bound.max}" if bound and bound.max is not None else "",
            )
            if part
        )
        lines.append(f"| {metric.type} | {metric.value} | {rule or '-'} |")
    lines += [
        "",
        f"The plan diff (`estaleiro plan {stack} --base main`) and `estaleiro check` run on this pull request.",
        "Merging deploys with no downtime: new versions join at 0 %, then traffic shifts, then retired versions go.",
        "To roll back: `git revert <the merge commit of this pull request>` in a new pull request.",
    ]
    return "\n".join(lines) + "\n"
