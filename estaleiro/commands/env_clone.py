"""`estaleiro env clone SRC DST --project ID`: a new team's environment, as one folder for one PR.

What is rewritten: the project, region, team and names (they follow the stack name).
What is never copied: secrets (Pulumi's encryption keys, `secure:` values) and anything that
points into the source's project (its private network, its artifact buckets, its upstream).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import click
from ruamel.yaml import YAML

from estaleiro import layout
from estaleiro.config import catalog
from estaleiro.config.environment import check_name, load_environment
from estaleiro.config.types import LABEL_VALUE, PROJECT_ID, REGION, STACK_NAME
from estaleiro.errors import InvalidInput, Problem
from estaleiro.output import umask

SECRET_KEYS = ("secretsprovider", "encryptedkey", "encryptionsalt")
SOURCE_BOUND = ("estaleiro:allowedArtifactBuckets",)


def clone(
    root: Path,
    src: str,
    dst: str,
    *,
    project: str,
    region: str | None = None,
    team: str | None = None,
    with_models: bool = False,
) -> int:
    source = load_environment(root, src)
    _check_arguments(root, dst, project, region, team)
    text = (root / layout.stack_file(src)).read_text(encoding="utf-8")
    new_config = _rewrite(text, src, dst, source.config.project, project, region, team or dst)
    scratch = Path(tempfile.mkdtemp(prefix=f".{dst}.", dir=root / layout.STACKS))
    try:
        os.chmod(scratch, 0o777 & ~umask())  # mkdtemp's 0700 would hide the stack from the rest of the team
        (scratch / layout.stack_file_name(dst)).write_text(new_config, encoding="utf-8")
        if with_models and (root / layout.models_folder(src)).is_dir():
            shutil.copytree(root / layout.models_folder(src), scratch / layout.MODELS)
        load_environment(root, dst, scratch)  # what we wrote must load: never leave an invalid stack behind
        os.rename(scratch, root / layout.stack_folder(dst))
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    click.echo(_next_steps(src, dst, project, region or source.config.region))
    return 0


def _check_arguments(root: Path, dst: str, project: str, region: str | None, team: str | None) -> None:
    problems: list[Problem] = []
    checks = [(dst, STACK_NAME, layout.stack_folder(dst), "stack name"), (project, PROJECT_ID, "--project", "project")]
    optional = [(region, REGION, "--region", "region"), (team, LABEL_VALUE, "--team", "team")]
    checks += [(value, regex, where, what) for value, regex, where, what in optional if value is not None]
    for value, regex, where, what in checks:
        try:
            check_name(value, regex, where, what)
        except InvalidInput as err:
            problems.extend(err.problems)
    if region is not None and re.fullmatch(REGION, region):
        try:
            catalog.region(region)
        except ValueError as err:
            problems.append(Problem("--region", "", str(err)))
    if (root / layout.stack_folder(dst)).exists():
        problems.append(
            Problem(layout.stack_folder(dst), "", "already exists; clone never overwrites: pick another name")
        )
    if problems:
        raise InvalidInput(problems)


def _rewrite(text: str, src: str, dst: str, old_project: str, project: str, region: str | None, team: str) -> str:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    document = yaml.load(text)
    for key in SECRET_KEYS:
        document.pop(key, None)
    config = document["config"]
    for key in [k for k, v in config.items() if _is_secret(v)] + list(SOURCE_BOUND):
        config.pop(key, None)
    config["gcp:project"] = project
    if region is not None:
        config["gcp:region"] = region
    config["estaleiro:team"] = team
    for block, key in (
        ("estaleiro:serving", "privateNetwork"),
        ("estaleiro:serving", "privateServiceConnect"),
        ("estaleiro:promotion", "from"),
    ):
        if block in config:
            config[block].pop(key, None)
            if not config[block]:
                del config[block]
    out = io.StringIO()
    yaml.dump(document, out)
    body = re.sub(rf"(?<![a-z0-9-]){re.escape(old_project)}(?![a-z0-9-])", project, out.getvalue())
    return _retitle(body, src, dst)


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and "secure" in value


def _retitle(body: str, src: str, dst: str) -> str:
    """Comments that name the source stack (its file, `--stack src`) now name the new one."""
    body = body.replace(layout.stack_file(src), layout.stack_file(dst))
    body = body.replace(f"--stack {src} ", f"--stack {dst} ")
    return body.replace(f"for the {src} environment", f"for the {dst} environment (cloned from {src})")


def _next_steps(src: str, dst: str, project: str, region: str) -> str:
    folder, file = layout.stack_folder(dst), layout.stack_file(dst)
    return f"""Created {folder}/ from {layout.stack_folder(src)}/ for project {project} ({region}).

Next steps:
  1. Review {file}: notification e-mails, CI repository, labels,
     private serving (estaleiro:serving.privateServiceConnect.projectAllowlist), promotion upstream.
  2. Check it offline:   estaleiro plan {dst} && estaleiro check {dst}
  3. Open a pull request with {folder}/ only. Review and merge it.

One-time bootstrap (a project admin, once, before the first merge deploys):
  gcloud projects create {project}   # or use an existing project, with billing enabled
  pulumi stack init {dst}
  pulumi up --stack {dst} --config-file {file}
This first run, with the admin's own rights, creates the CI deployer account and the
Workload Identity Federation that CI uses from then on; no key is ever created."""
