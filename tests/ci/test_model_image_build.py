"""The model image's Cloud Build: its trigger only in the stack that owns the image's registry, its
account, its path filters, and the references it pushes (those the compiled pipelines name)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from components.service_accounts import roles
from estaleiro.config.environment import load_environment
from estaleiro.config.image import STAGES, ImageSettings, ModelImage, _files, context_patterns, load_model_image
from estaleiro.config.pipelines import load_pipelines
from estaleiro.errors import InvalidInput
from estaleiro.naming import IMAGE_BUILDER, docker_registry
from estaleiro.pipelines.catalog import PIPELINES
from estaleiro.pipelines.compile import compile_text
from estaleiro.plan.model import Plan
from tests.ci.test_triggers import email, grants_to, plans, triggers

REPO = Path(__file__).resolve().parents[2]
__all__ = ["plans"]  # the module-scoped fixture: both stacks planned once
CONTAINERS = "us-central1-docker.pkg.dev/acme-ml-dev/acme-ml-dev-containers"
ACCOUNT = "gcp:serviceaccount/account:Account"


def test_the_model_image_is_built_by_dev_alone_on_merges_that_change_its_build_context(
    plans: dict[str, Plan],
) -> None:
    [trigger] = [t.inputs for name, t in triggers(plans["dev"]).items() if name == "acme-ml-dev-model-image"]
    assert trigger["github"] == {"owner": "acme", "name": "estaleiro", "push": {"branch": "^main$"}}
    assert trigger["filename"] == "cloudbuild/model-image.yaml" and (REPO / trigger["filename"]).is_file()
    assert trigger["includedFiles"] == ["images/model/**", "pyproject.toml", "estaleiro/**"]
    assert trigger["serviceAccount"] == f"projects/acme-ml-dev/serviceAccounts/{email('dev', IMAGE_BUILDER)}"
    assert trigger["substitutions"] == {
        "_CI_IMAGE": f"{CONTAINERS}/estaleiro-ci:3.272.0",
        "_LOGS_BUCKET": "gs://acme-ml-dev-build-logs",
    }
    assert not [name for name in triggers(plans["prod"]) if "model-image" in name]


def test_the_image_builder_may_push_to_its_repository_and_write_its_log_nothing_else(plans: dict[str, Plan]) -> None:
    member = f"serviceAccount:{email('dev', IMAGE_BUILDER)}"
    assert sorted(grants_to(plans["dev"], member)) == [
        ("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "roles/artifactregistry.writer",
         "acme-ml-dev-containers"),
        ("gcp:storage/bucketIAMMember:BucketIAMMember", "roles/storage.objectAdmin", "acme-ml-dev-build-logs"),
    ]  # fmt: skip
    acts_as = [r for r in plans["dev"].resources if r.inputs.get("role") == "roles/iam.serviceAccountUser"]
    builder = email("dev", IMAGE_BUILDER)
    on_builder = [r.inputs["member"] for r in acts_as if str(r.inputs["serviceAccountId"]).endswith(builder)]
    assert on_builder == [f"serviceAccount:{email('dev', 'ci-deployer')}"], "only the deployer attaches it"
    prod_accounts = {r.inputs["accountId"] for r in plans["prod"].of_type(ACCOUNT)}
    assert f"prod-{IMAGE_BUILDER}" not in prod_accounts and "prod-pr-builder" in prod_accounts


def test_the_stack_that_builds_is_the_one_whose_containers_repository_the_image_names() -> None:
    dev, prod = (load_environment(REPO, stack) for stack in ("dev", "prod"))
    assert dev.image is not None and dev.image.registry == CONTAINERS == docker_registry(dev.config, "dev")
    assert (dev.builds_model_image, prod.builds_model_image) == (True, False)
    moved = ImageSettings(registry=docker_registry(prod.config, "prod"), name=dev.image.name)
    assert not replace(dev, image=moved).builds_model_image and replace(prod, image=moved).builds_model_image
    assert IMAGE_BUILDER in roles(replace(prod, image=moved)) and IMAGE_BUILDER not in roles(prod)
    assert not replace(dev, image=None).builds_model_image  # a repository without images/model/image.yaml


def test_the_path_filters_cover_every_file_of_the_build_context_and_nothing_beyond_it() -> None:
    patterns = context_patterns()
    for path in _files(REPO):
        relative = path.relative_to(REPO).as_posix()
        assert any(fnmatch.fnmatch(relative, p) for p in patterns), f"{relative} changes the tag but builds nothing"
    for outside in ("components/ci_triggers.py", "stacks/dev/Pulumi.dev.yaml", "images/ci/Dockerfile", "tests/x.py"):
        assert not any(fnmatch.fnmatch(outside, p) for p in patterns), outside


def test_a_bad_image_settings_file_is_bad_input_naming_file_and_key(
    repo: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    """Every stack reads it (which stack builds the image?), so a stack's plan refuses it, as does the command."""
    (repo / "images/model").mkdir(parents=True)
    (repo / "images/model/image.yaml").write_text("registry: docker.io/library\nname: churn-model\n")
    for args in (("plan", "prod"), ("pipeline", "image")):
        code, out, err = cli(repo, *args)
        [line] = err.splitlines()
        assert (code, out) == (2, ""), args
        assert line.startswith("images/model/image.yaml:1: registry: got 'docker.io/library', expected"), line
    with pytest.raises(InvalidInput):
        load_environment(repo, "dev")


def test_image_settings_linked_out_of_the_repository_are_refused(
    repo: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    """Every stack's plan reads them: a link out would let a file no pull request shows name the registry."""
    outside = repo.parent / "image.yaml"
    outside.write_text((REPO / "images/model/image.yaml").read_text())
    (repo / "images/model").mkdir(parents=True)
    (repo / "images/model/image.yaml").symlink_to(outside)
    expected = f"images/model/image.yaml: leads outside the repository (to {outside}); copy it in\n"
    assert cli(repo, "pipeline", "image") == (2, "", expected)


def test_pipeline_image_prints_the_references_the_pipelines_compile_with(
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    code, out, err = cli(REPO, "pipeline", "image")
    assert (code, err) == (0, "")
    image = load_model_image(REPO)
    assert out == "".join(f"{stage} {image.target(stage)}\n" for stage in STAGES)
    assert image.tag and image.tag in out and "latest" not in out
    [train] = [line.split()[1] for line in out.splitlines() if line.startswith("train ")]
    for pipeline in PIPELINES.values():
        compiled = yaml.safe_load(compile_text(REPO, pipeline))
        images = {e["container"]["image"] for e in compiled["deploymentSpec"]["executors"].values()}
        assert images == {train}, pipeline.name


def test_the_checked_in_pipeline_runs_in_this_image_repository() -> None:
    """The tag of the checked-in spec is as fresh as its last `estaleiro pipeline compile` (any change under
    estaleiro/ moves it); its registry and name are the image's."""
    image = load_model_image(REPO)
    for compiled in load_pipelines(REPO).values():
        named = compiled.model_image
        assert isinstance(named, ModelImage) and (named.registry, named.name) == (image.registry, image.name)


def test_the_build_pushes_exactly_the_references_the_command_prints() -> None:
    config = yaml.safe_load((REPO / "cloudbuild/model-image.yaml").read_text())
    steps = {step["id"]: step for step in config["steps"]}
    assert ".venv/bin/estaleiro pipeline image > model-image.txt" in steps["references"]["args"][1]
    build = steps["build-and-push"]
    assert build["env"] == ["DOCKER_BUILDKIT=1"]  # BuildKit reads images/model/Dockerfile.dockerignore
    script = build["args"][1]
    assert 'docker build --file images/model/Dockerfile --target "$$target" --tag "$$reference" .' in script
    assert 'docker push "$$reference"' in script and "done < model-image.txt" in script
    assert "images" not in config, "Cloud Build's own push would fail the build on an existing immutable tag"
