"""`estaleiro promote` and `estaleiro complete`: write the one manifest change a promotion PR carries.

Both change `stacks/<stack>/models/<model>.yaml` and nothing else. Bad input (exit 2) and
what policy refuses (exit 1) are found before anything is written; the file is then replaced
in one step, and its diff and a suggested pull request are printed.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click
import yaml
from ruamel.yaml.comments import CommentedMap

from estaleiro.config.card import ModelCard
from estaleiro.config.environment import Environment, Model, check_name, load_card, load_environment
from estaleiro.config.manifest import DIGEST_PIN, ModelManifest
from estaleiro.config.types import DNS_LABEL, VERSION
from estaleiro.config.validation import load_file, parse
from estaleiro.errors import InvalidInput, Problem, Refused
from estaleiro.naming import models_bucket
from estaleiro.output import write_atomic
from estaleiro.promotion import manifest_edit, pull_request
from estaleiro.promotion.split import with_share
from estaleiro.repo import display


def promote(
    root: Path,
    model: str,
    version: str,
    to: str,
    canary: int | None = None,
    artifact_uri: str | None = None,
    image: str | None = None,
) -> int:
    _check_names(model, version)
    if canary is not None and not 1 <= canary <= 99:
        raise InvalidInput([Problem("--canary", "", f"{canary} is not a percentage from 1 to 99")])
    env = load_environment(root, to)
    card_file = _card(root, model, version)
    path = _manifest_path(root, to, model)
    shown = display(root, path)
    current = env.model(model)
    if current is not None and version in current.manifest.versions:
        raise InvalidInput(
            [
                Problem(
                    shown,
                    f"versions.{version}",
                    f"already declared; to give it all traffic run `estaleiro complete {model} {version} --in {to}`",
                )
            ]
        )
    summary = f"Promote {model} {version} to {to}"
    upstream = env.config.promotion.from_stack
    if upstream is None:
        if current is None:
            raise InvalidInput([Problem(shown, "", "no such manifest: write the model's first one, then promote")])
        spec = _new_version(env, current, model, version, card_file, artifact_uri, image)
    else:
        if artifact_uri or image:
            raise InvalidInput(
                [Problem("--artifact-uri/--image", "", f"{to} takes versions as {upstream} serves them")]
            )
        if current is None and canary is not None:
            raise InvalidInput(
                [Problem("--canary", "", f"{model} is new to {to}: there is nothing to run a canary beside")]
            )
        spec = _from_upstream(root, upstream, model, version, to)
        if current is None:
            source = _manifest_path(root, upstream, model).read_text(encoding="utf-8")
            note = f"Promoted from {upstream} by `estaleiro promote`; review serving and owners for {to}."
            document = manifest_edit.new_manifest(manifest_edit.load(source), version, note)
            return _save(root, to, model, version, summary, "", document, None)
    limit = current.manifest.canary_limit_percent or env.config.promotion.canary_limit_percent
    percent = canary or limit
    if percent > limit:
        raise Refused(f"{model} {version} would start at {percent} % in {to}; the canary limit is {limit} %")
    before_text = path.read_text(encoding="utf-8")
    document = manifest_edit.load(before_text)
    manifest_edit.add_version(document, version, spec)
    if percent == 100:
        manifest_edit.retire_all_but(document, version)
    else:
        manifest_edit.set_traffic(document, with_share(current.manifest.traffic, version, percent))
    return _save(root, to, model, version, summary, before_text, document, current)


def complete(root: Path, model: str, version: str, stack: str) -> int:
    _check_names(model, version)
    env = load_environment(root, stack)
    current = env.model(model)
    path = _manifest_path(root, stack, model)
    shown = display(root, path)
    if current is None:
        raise InvalidInput([Problem(shown, "", f"{stack} does not serve {model}")])
    if version not in current.manifest.versions:
        declared = ", ".join(current.manifest.versions)
        raise InvalidInput([Problem(shown, "versions", f"{version} is not declared; declared: {declared}")])
    if len(current.manifest.versions) == 1:
        raise InvalidInput(
            [Problem(shown, "versions", f"{version} is the only version; it already serves all traffic")]
        )
    before_text = path.read_text(encoding="utf-8")
    document = manifest_edit.load(before_text)
    manifest_edit.retire_all_but(document, version)
    return _save(root, stack, model, version, f"Complete {model} {version} in {stack}", before_text, document, current)


def _check_names(model: str, version: str) -> None:
    check_name(model, DNS_LABEL, "MODEL", "model name")
    check_name(version, VERSION, "VERSION", "version")


def _manifest_path(root: Path, stack: str, model: str) -> Path:
    return root / "stacks" / stack / "models" / f"{model}.yaml"


def _card(root: Path, model: str, version: str) -> str:
    """The version's card, which must exist (and be about this version) before it goes anywhere."""
    card_file = f"model_cards/{model}/{version}.yaml"
    if not (root / card_file).is_file():
        raise InvalidInput([Problem(card_file, "", f"no model card for {model} {version}: write and review it first")])
    load_card(root / card_file, card_file, model, version)
    return card_file


def _new_version(
    env: Environment, current: Model, model: str, version: str, card: str, uri: str | None, image: str | None
) -> dict[str, str]:
    """A version new to the repository: its artifact in the stack's bucket, the newest version's image."""
    newest = max(current.manifest.versions, key=lambda v: int(v[1:]))
    return {
        "artifactUri": uri or f"gs://{models_bucket(env.config, env.name)}/{model}/{version}/",
        "image": image or current.manifest.versions[newest].image,
        "card": card,
    }


def _from_upstream(root: Path, upstream: str, model: str, version: str, to: str) -> dict[str, str]:
    """The version exactly as the upstream stack serves it; refused unless it serves it now."""
    source = load_environment(root, upstream).model(model)
    if source is None or source.manifest.traffic.get(version, 0) == 0:
        raise Refused(f"{model} {version} is not serving in {upstream} (traffic > 0), so it cannot go to {to}")
    spec = source.manifest.versions[version]
    if not spec.pinned:
        raise Refused(
            f"{model} {version} runs {spec.image}: images going to {to} must be pinned by {DIGEST_PIN}<digest>; "
            f"pin it in {upstream} first"
        )
    return {"artifactUri": spec.artifact_uri, "image": spec.image, "card": spec.card}


def _save(
    root: Path,
    stack: str,
    model: str,
    version: str,
    summary: str,
    before_text: str,
    document: CommentedMap,
    current: Model | None,
) -> int:
    """Validate the edited manifest, replace the file in one step, print its diff and the PR."""
    path = _manifest_path(root, stack, model)
    shown = display(root, path)
    text = manifest_edit.dump(document)
    manifest = parse(ModelManifest, yaml.safe_load(text), shown)
    card_file = manifest.versions[version].card
    card = load_file(ModelCard, root / card_file, card_file)
    write_atomic(path, text)
    before = dict(current.manifest.traffic) if current else {}
    others = {v: p for v, p in before.items() if v != version and p > 0}
    incumbent = max(others, key=lambda v: others[v]) if others else None
    change = pull_request.Change(
        summary=summary,
        model=model,
        version=version,
        stack=stack,
        before=before,
        after=dict(manifest.traffic),
        card=card,
        card_file=card_file,
        thresholds=manifest.thresholds,
        incumbent=(incumbent, current.cards[incumbent].card) if current and incumbent else None,
    )
    old = f"a/{shown}" if before_text else "/dev/null"
    click.echo("".join(difflib.unified_diff(before_text.splitlines(True), text.splitlines(True), old, f"b/{shown}")))
    click.echo(f"Suggested pull request title:\n\n{pull_request.title(change)}\n")
    click.echo(f"Suggested pull request body:\n\n{pull_request.body(change)}", nl=False)
    return 0
