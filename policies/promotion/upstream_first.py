"""A version starts serving in a stack only if it serves, as the same artifact and image, upstream.

Upstream is the stack `estaleiro:promotion.from` names, as it was at the base ref: a pull
request cannot promote what it also adds upstream. Versions already serving here are not
judged again, so retiring a version upstream (completing a rollout there) condemns nothing
here, and moving traffic back to a serving version (a rollback) needs nothing upstream.
"""

from __future__ import annotations

from estaleiro.config.environment import Environment, Model
from estaleiro.findings import Finding
from estaleiro.gate import traffic
from estaleiro.gate.base import Base
from policies.promotion.finding import violation
from policies.promotion.identity import differences


def upstream_first(base: Base, head: Environment) -> list[Finding]:
    upstream = head.config.promotion.from_stack
    if upstream is None:
        return []
    findings = []
    for model in head.models:
        source = base.upstream_model(model.name)
        for version in traffic.entering(base.model(model.name), model):
            problem = _problem(source, model, version, upstream, base.ref)
            if problem:
                findings.append(
                    violation(
                        "upstream-first",
                        model.file,
                        model.name,
                        version,
                        f"{version} starts serving in {head.name} but {problem}: serve it in {upstream} first "
                        "(its own pull request, merged)",
                    )
                )
    return findings


def _problem(source: Model | None, model: Model, version: str, upstream: str, ref: str) -> str:
    if source is None:
        return f"{upstream} did not serve {model.name} at {ref}"
    if source.manifest.traffic.get(version, 0) == 0:
        declared = "declares it at 0 %" if version in source.manifest.versions else "does not declare it"
        return f"{upstream} {declared} at {ref}"
    for key, theirs, mine in differences(source.manifest.versions[version], model.manifest.versions[version]):
        return f"its {key} {mine} is not {upstream}'s {theirs}"
    return ""
