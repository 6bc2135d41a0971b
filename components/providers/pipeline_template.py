"""A compiled pipeline published to an Artifact Registry KFP repository, with kfp's `RegistryClient`.

pulumi-gcp cannot upload a template. A version is named by the digest of its content
(`sha256:...`) and never changes; tags are mutable pointers to versions. Schedules run a
version, never a tag (Vertex fails runs of tagged templates with 500s and agent-auth errors),
so the output that matters is `template_uri`, which names the version. Publishing the same
content again uploads nothing; a changed template is a new version and the tags move to it.
Versions are never deleted here: a schedule or a past run may still name one, and the
repository's cleanup policy keeps the newest. Deleting the resource removes its tags.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import partial
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult


@dataclass(frozen=True)
class PipelineTemplateArgs:
    host: pulumi.Input[str]  # https://<region>-kfp.pkg.dev/<project>/<repository>
    package: str  # the pipeline's name in its spec (`pipelineInfo.name`)
    template: str  # the compiled spec, as checked in
    tags: Sequence[str]


def digest(template: str) -> str:
    return "sha256:" + hashlib.sha256(template.encode("utf-8")).hexdigest()


class PipelineTemplateProvider(ResourceProvider):
    """`auth` is for tests (a local registry); in the cloud kfp takes application-default credentials."""

    serialize_as_secret_always = False

    def __init__(self, auth: Any = None) -> None:
        super().__init__()
        self.auth = auth

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._publish(props)
        return CreateResult(id_=f"{props['host']}/{props['package']}", outs=outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self._client(news["host"])
        for tag in set(olds.get("tags", ())) - set(news["tags"]):
            client.delete_tag(news["package"], tag)
        return UpdateResult(outs=self._publish(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in ("host", "package") if olds.get(key) != news.get(key)]
        changed = bool(replaces) or any(olds.get(k) != news.get(k) for k in ("template", "tags"))
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Which version each tag points at now: a tag moved by hand shows as a change."""
        client = self._client(props["host"])
        tags = [
            t
            for t in props["tags"]
            if _version_of(_found(partial(client.get_tag, props["package"], t)) or {}) == props["version"]
        ]
        return ReadResult(id_=id_, outs={**props, "tags": tags})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        client = self._client(props["host"])
        for tag in props["tags"]:
            client.delete_tag(props["package"], tag)

    def _publish(self, props: dict[str, Any]) -> dict[str, Any]:
        client = self._client(props["host"])
        package, version = props["package"], digest(props["template"])
        if _found(lambda: client.get_version(package, version)) is None:
            with tempfile.TemporaryDirectory() as scratch:
                path = Path(scratch, f"{package}.yaml")
                path.write_text(props["template"], encoding="utf-8")
                uploaded_package, uploaded = client.upload_pipeline(str(path))
            if (uploaded_package, uploaded) != (package, version):
                raise RuntimeError(f"registry stored {uploaded_package}/{uploaded}, expected {package}/{version}")
        for tag in props["tags"]:
            current = _found(partial(client.get_tag, package, tag))
            if current is None:
                client.create_tag(package, version, tag)
            elif _version_of(current) != version:
                client.update_tag(package, version, tag)
        return {**props, "version": version, "template_uri": f"{props['host']}/{package}/{version}"}

    def _client(self, host: str) -> Any:
        from kfp.registry import RegistryClient

        return RegistryClient(host=host, auth=self.auth)


def _found(get: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """The resource, or None where the registry answers 404 (kfp raises requests' HTTPError)."""
    import requests

    try:
        return get()
    except requests.HTTPError as err:
        if err.response is not None and err.response.status_code == 404:
            return None
        raise


def _version_of(tag: dict[str, Any]) -> str:
    """A tag's `version` is a resource name: .../versions/sha256:..."""
    return str(tag.get("version", "")).rsplit("/", 1)[-1]


class PipelineTemplate(pulumi.dynamic.Resource, module="kfp", name="PipelineTemplate"):
    version: pulumi.Output[str]
    template_uri: pulumi.Output[str]

    def __init__(self, name: str, args: PipelineTemplateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {f.name: getattr(args, f.name) for f in fields(args)}
        props.update(tags=list(args.tags), version=None, template_uri=None)
        super().__init__(PipelineTemplateProvider(), name, props, opts)
