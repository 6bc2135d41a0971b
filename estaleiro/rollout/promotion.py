"""Promote: a version joins a stack, at the canary limit (or `canary`), as its upstream serves it.

A stack without an upstream takes versions new to the repository (artifact in its own bucket
unless given, the newest version's image unless given); a stack with one takes them exactly
as the upstream declared them at `HEAD`. A model's first manifest in a stack is the
upstream's, serving only the promoted version.
"""

from __future__ import annotations

from pathlib import Path

from estaleiro import layout
from estaleiro.config.environment import Environment, Model, card_sha256, load_card, load_environment
from estaleiro.errors import InvalidInput, Problem, Refused
from estaleiro.gate.base import Base, load_base
from estaleiro.gate.run import base_tree
from estaleiro.gate.traffic import canary_limit
from estaleiro.naming import models_bucket
from estaleiro.rollout import manifest_edit
from estaleiro.rollout.edit import Edit, Step, check_names, propose
from estaleiro.rollout.split import by_number, with_share


def promotion(
    root: Path,
    model: str,
    version: str,
    to: str,
    *,
    canary: int | None = None,
    artifact_uri: str | None = None,
    image: str | None = None,
) -> Edit:
    """The edit that promotes `model` `version` into stack `to`, judged by the promotion rules."""
    check_names(model, version)
    if canary is not None and not 1 <= canary <= 99:
        raise InvalidInput([Problem("--canary", "", f"{canary} is not a percentage from 1 to 99")])
    head = load_environment(root, to)
    _card(root, model, version)
    file = layout.manifest_file(to, model)
    current = head.model(model)
    if current is not None and version in current.manifest.versions:
        message = (
            f"already declared; move traffic to it with `estaleiro ramp {model} {version} --in {to} --to PCT` "
            f"or `estaleiro complete {model} {version} --in {to}`"
        )
        raise InvalidInput([Problem(file, f"versions.{version}", message)])
    upstream = head.config.promotion.from_stack
    if upstream is None and current is None:
        raise InvalidInput([Problem(file, "", "no such manifest: write the model's first one, then promote")])
    if upstream is not None and (artifact_uri or image):
        raise InvalidInput([Problem("--artifact-uri/--image", "", f"{to} takes versions as {upstream} serves them")])
    if current is None and canary is not None:
        raise InvalidInput(
            [Problem("--canary", "", f"{model} is new to {to}: there is nothing to run a canary beside")]
        )
    summary = f"Promote {model} {version} to {to}"
    with base_tree(root, None) as tree:
        base = load_base(tree, head)
        if current is None:
            source = _upstream_model(base, model, version)
            note = f"Promoted from {upstream} by `estaleiro promote`; review serving and owners for {to}."
            document = manifest_edit.new_manifest(manifest_edit.load(tree.text(source.file)), version, note)
            why = f"{version} takes all traffic: {model} is new to {to}, so there is nothing to run a canary beside."
            return propose(root, tree, to, model, None, document, Step(summary, version, why))
        if upstream is None:
            spec = _new_version(root, head, current, version, artifact_uri, image)
        else:
            spec = _upstream_model(base, model, version).manifest.versions[version].model_dump(by_alias=True)
        percent, why = _share(base, head, current, version, canary)
        before = (root / file).read_text(encoding="utf-8")
        document = manifest_edit.load(before)
        manifest_edit.add_version(document, version, spec)
        if percent == 100:
            manifest_edit.retire_all_but(document, version)
        else:
            manifest_edit.set_traffic(document, with_share(current.manifest.traffic, version, percent))
        return propose(root, tree, to, model, (current, before), document, Step(summary, version, why))


def _share(base: Base, head: Environment, current: Model, version: str, canary: int | None) -> tuple[int, str]:
    """The share `version` starts with, and the sentence that says why."""
    limit = canary_limit(base, head, current.name)
    if limit is None or limit.percent == 100:
        if canary is not None:
            return (
                canary,
                f"{version} starts at {canary} % of traffic, as asked (--canary); {head.name} sets no canary limit.",
            )
        return 100, f"{version} takes all traffic: {head.name} sets no canary limit for {current.name}."
    if canary is not None:
        return canary, (
            f"{version} starts at {canary} % of traffic, as asked (--canary); the canary limit is "
            f"{limit.percent} % ({limit.set_by})."
        )
    return limit.percent, f"{version} starts at {limit.percent} % of traffic: the canary limit set by {limit.set_by}."


def _card(root: Path, model: str, version: str) -> None:
    """The version's card must exist (and be about this version) before it goes anywhere."""
    card_file = layout.card_file(model, version)
    if not (root / card_file).is_file():
        raise InvalidInput([Problem(card_file, "", f"no model card for {model} {version}: write and review it first")])
    load_card(root / card_file, card_file, model, version)


def _new_version(
    root: Path, env: Environment, current: Model, version: str, uri: str | None, image: str | None
) -> dict[str, str]:
    """A version new to the repository: its artifact in the stack's bucket, the newest version's image, and the
    hash of its card as it is now (from here on, the card cannot change).

    Given values are checked where every manifest is, when the edited one loads.
    """
    newest = by_number(current.manifest.versions)[-1]
    card = layout.card_file(current.name, version)
    return {
        "artifactUri": uri or f"gs://{models_bucket(env.config, env.name)}/{current.name}/{version}/",
        "image": image or current.manifest.versions[newest].image,
        "card": card,
        "cardSha256": card_sha256((root / card).read_bytes()),
    }


def _upstream_model(base: Base, model: str, version: str) -> Model:
    """The upstream's manifest at the base, which must declare `version`: it is where the version comes from."""
    source = base.upstream_model(model)
    upstream = base.upstream.name if base.upstream else "the upstream"
    if source is None or version not in source.manifest.versions:
        raise Refused(
            f"{model} {version} is not declared in {upstream} at {base.ref}: "
            f"promote it to {upstream} and merge that first"
        )
    return source
