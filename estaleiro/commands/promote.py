"""`estaleiro promote` and `estaleiro complete`: write the one manifest change a promotion PR carries.

They change `stacks/<stack>/models/<model>.yaml` and nothing else, refuse what policy forbids
(exit 1) and bad input (exit 2) before writing anything, and print a suggested PR.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click
import yaml
from ruamel.yaml.comments import CommentedMap

from estaleiro.config.card import ModelCard
from estaleiro.config.environment import Environment, Model, check_name, load_environment
from estaleiro.config.manifest import ModelManifest
from estaleiro.config.types import DNS_LABEL, VERSION
from estaleiro.config.validation import load_file, parse
from estaleiro.errors import InvalidInput, Problem, Refused
from estaleiro.naming import models_bucket
from estaleiro.output import write_atomic
from estaleiro.promotion import manifest_edit, pull_request
from estaleiro.promotion.split import with_share
from estaleiro.repo import display

PINNED = "@sha256:"


def promote(
    root: Path,
    model: str,
    version: str,
    to: str,
    canary: int | None = None,
    artifact_uri: str | None = None,
    image: str | None = None,
) -> int:
    check_name(model, DNS_LABEL, "MODEL", "model name")
    check_name(version, VERSION, "VERSION", "version")
    if canary is not None and not 1 <= canary <= 99:
        raise InvalidInput([Problem("--canary", "", f"{canary} is not a percentage from 1 to 99")])
    env = load_environment(root, to)
    card = f"model_cards/{model}/{version}.yaml"
    if not (root / card).is_file():
        raise InvalidInput([Problem(card, "", f"no model card for {model} {version}: write and review it first")])
    path = root / "stacks" / to / "models" / f"{model}.yaml"
    current = env.model(model)
    if current is not None and version in current.manifest.versions:
        raise InvalidInput(
            [
                Problem(
                    display(root, path),
                    f"versions.{version}",
                    f"already declared; to give it all traffic run `estaleiro complete {model} {version} --in {to}`",
                )
            ]
        )
    upstream = env.config.promotion.from_stack
    if upstream is None:
        spec = _new_version(env, current, model, version, card, artifact_uri, image)
        percent = canary or 100
    else:
        if artifact_uri or image:
            raise InvalidInput(
                [Problem("--artifact-uri/--image", "", f"{to} takes versions as {upstream} serves them")]
            )
        spec = _from_upstream(root, upstream, model, version, to)
        limit = (
            current.manifest.canary_limit_percent if current else None
        ) or env.config.promotion.canary_limit_percent
        percent = 100 if current is None else (canary or limit)
        if current is not None and percent > limit:
            raise Refused(f"{model} {version} would start at {percent} % in {to}; the canary limit is {limit} %")
    before_text = path.read_text(encoding="utf-8") if current else ""
    if current is None:
        if upstream is None:
            raise InvalidInput(
                [
                    Problem(
                        display(root, path),
                        "",
                        "no manifest for this model yet: write the first one "
                        "by hand (displayName, owners, serving), then promote",
                    )
                ]
            )
        if canary is not None:
            raise InvalidInput([Problem("--canary", "", f"{model} is new to {to}: nothing to run a canary beside")])
        document = manifest_edit.new_manifest(
            manifest_edit.load(_manifest_path(root, upstream, model).read_text()), version
        )
        document["versions"][version] = spec
        before: dict[str, int] = {}
    else:
        document = manifest_edit.load(before_text)
        before = dict(current.manifest.traffic)
        manifest_edit.add_version(document, version, spec)
        if percent == 100:
            manifest_edit.retire_all_but(document, version)
        else:
            manifest_edit.set_traffic(document, with_share(before, version, percent))
    action = "Promote" if upstream else "Deploy"
    return _write(root, path, before_text, document, model, version, to, before, action)


def complete(root: Path, model: str, version: str, stack: str) -> int:
    check_name(model, DNS_LABEL, "MODEL", "model name")
    check_name(version, VERSION, "VERSION", "version")
    env = load_environment(root, stack)
    current = env.model(model)
    path = root / "stacks" / stack / "models" / f"{model}.yaml"
    if current is None:
        raise InvalidInput([Problem(display(root, path), "", f"{stack} does not serve {model}")])
    if version not in current.manifest.versions:
        declared = ", ".join(current.manifest.versions)
        raise InvalidInput(
            [Problem(display(root, path), "versions", f"{version} is not declared; declared: {declared}")]
        )
    if dict(current.manifest.traffic) == {version: 100} and len(current.manifest.versions) == 1:
        raise InvalidInput([Problem(display(root, path), "traffic", f"{version} already serves all traffic alone")])
    before_text = path.read_text(encoding="utf-8")
    document = manifest_edit.load(before_text)
    manifest_edit.retire_all_but(document, version)
    return _write(root, path, before_text, document, model, version, stack, dict(current.manifest.traffic), "Complete")


def _new_version(
    env: Environment, current: Model | None, model: str, version: str, card: str, uri: str | None, image: str | None
) -> dict[str, str]:
    if image is None and current is not None:
        image = list(current.manifest.versions.values())[-1].image
    if image is None:
        raise InvalidInput([Problem("--image", "", f"{model} is new to {env.name}: give the serving image")])
    bucket = models_bucket(env.config, env.name)
    return {"artifactUri": uri or f"gs://{bucket}/{model}/{version}/", "image": image, "card": card}


def _manifest_path(root: Path, stack: str, model: str) -> Path:
    return root / "stacks" / stack / "models" / f"{model}.yaml"


def _from_upstream(root: Path, upstream: str, model: str, version: str, to: str) -> dict[str, str]:
    """The version exactly as the upstream stack serves it; refused unless it serves it now."""
    source = load_environment(root, upstream).model(model)
    if source is None or source.manifest.traffic.get(version, 0) == 0:
        raise Refused(f"{model} {version} is not serving in {upstream} (traffic > 0), so it cannot go to {to}")
    spec = source.manifest.versions[version]
    if PINNED not in spec.image:
        raise Refused(
            f"{model} {version} runs {spec.image}: images going to {to} must be pinned by {PINNED}<digest>; "
            f"pin it in {upstream} first"
        )
    return {"artifactUri": spec.artifact_uri, "image": spec.image, "card": spec.card}


def _write(
    root: Path,
    path: Path,
    before_text: str,
    document: CommentedMap,
    model: str,
    version: str,
    stack: str,
    before: dict[str, int],
    action: str,
) -> int:
    """Validate the edited manifest and its card, then replace the file in one step and print the PR."""
    text = manifest_edit.dump(document)
    shown = display(root, path)
    manifest = parse(ModelManifest, yaml.safe_load(text), shown)
    card_file = manifest.versions[version].card
    card = load_file(ModelCard, root / card_file, card_file)
    write_atomic(path, text)
    after = dict(manifest.traffic)
    click.echo("".join(difflib.unified_diff(before_text.splitlines(True), text.splitlines(True), shown, shown)))
    click.echo(
        f"Suggested pull request title:\n  {pull_request.title(action, model, version, stack, after[version])}\n"
    )
    click.echo("Suggested pull request body:\n")
    click.echo(pull_request.body(model, version, stack, before, after, card, card_file, manifest.thresholds))
    return 0
