"""A model version in the Vertex AI Model Registry, uploaded once and found again by its alias.

The version key (`v7`) is also a Vertex version alias, so `models/ID@v7` resolves to it:
a re-run, or a run after a crash between upload and state save, adopts the existing
version instead of uploading it twice. Versions are recognised by model id and version id,
never by the full name: Vertex spells names with the project number, the inputs with the
project id. A replacement (new artifact, image or key under the
same key) takes the alias off the old version, uploads the new one, and leaves the old
version to Pulumi's delete once the endpoint has moved off it: create before delete.

This resource touches only the versions it uploaded: update and delete act on the exact
version id recorded in its state, and every version it uploads carries the label
`uploaded-by: estaleiro`, so a version someone uploaded by hand to the same model is never
adopted, relabelled, stripped of an alias or deleted. If such a version holds the alias of a
version key, the create is refused with a message naming it (Vertex would otherwise move the
alias off it: "If you apply an existing alias that is used in another model version, the alias
is removed from that version", https://cloud.google.com/vertex-ai/docs/model-registry/model-alias).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, UpdateResult

from components.providers.resource_names import model_version_ids
from components.providers.vertex_clients import VertexProvider

REPLACE_ON = ("project", "region", "model_id", "version", "artifact_uri", "serving_image", "encryption_key")
UPDATE_ON = ("display_name", "description", "labels")
UPLOADED_BY = {"uploaded-by": "estaleiro"}


@dataclass(frozen=True)
class ModelVersionArgs:
    project: str
    region: str
    model_id: str
    display_name: str
    version: str
    artifact_uri: str
    serving_image: str
    labels: Mapping[str, str]
    description: str = ""
    encryption_key: pulumi.Input[str] | None = None


def model_name(props: Mapping[str, Any]) -> str:
    return f"projects/{props['project']}/locations/{props['region']}/models/{props['model_id']}"


def version_labels(props: Mapping[str, Any]) -> dict[str, str]:
    return {**props.get("labels", {}), "version": props["version"], **UPLOADED_BY}


def uploaded_here(model: Any) -> bool:
    """Whether a registered version is one this provider uploaded (it carries the label it sets)."""
    return all(model.labels.get(key) == value for key, value in UPLOADED_BY.items())


def _built_from(model: Any, props: Mapping[str, Any]) -> bool:
    """Whether a registered version holds what `props` would upload (the replace-on fields)."""
    return (model.artifact_uri, model.container_spec.image_uri, model.encryption_spec.kms_key_name) == (
        props["artifact_uri"],
        props["serving_image"],
        props.get("encryption_key") or "",
    )


class ModelVersionProvider(VertexProvider):
    """Create = adopt by alias or upload; update = labels and descriptions; delete = that version."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self.clients.model_service(props["region"])
        versioned = self._adopt(client, props) or self._upload(client, props)
        return CreateResult(id_=versioned, outs=self._outs(props, versioned))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in REPLACE_ON if olds.get(key) != news.get(key)]
        updates = [key for key in UPDATE_ON if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(replaces or updates), replaces=replaces, delete_before_replace=False)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Vertex takes version fields (labels, version description) and model fields in separate requests."""
        from google.cloud.aiplatform_v1 import Model
        from google.protobuf.field_mask_pb2 import FieldMask

        client = self.clients.model_service(news["region"])
        requests = []
        if (olds.get("labels"), olds.get("description")) != (news["labels"], news["description"]):
            version = Model(name=id_, labels=version_labels(news), version_description=news["description"])
            requests.append((version, ["labels", "version_description"]))
        if (olds.get("display_name"), olds.get("description")) != (news["display_name"], news["description"]):
            model = Model(name=model_name(news), display_name=news["display_name"], description=news["description"])
            requests.append((model, ["display_name", "description"]))
        for model, paths in requests:
            client.update_model(model=model, update_mask=FieldMask(paths=paths), retry=self.clients.retry())
        return UpdateResult(outs=self._outs(news, id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Vertex refuses to delete a model's only version: the model goes with it instead.

        The version's `default` alias needs no care here: the EndpointDeployment has already
        moved it to the version taking the most traffic (Pulumi deletes retired resources after
        updating what depends on them), and Vertex moves it on by itself when nothing serves.
        """
        from google.api_core.exceptions import NotFound

        client = self.clients.model_service(props["region"])
        retry = self.clients.retry()
        _, version_id = model_version_ids(id_)
        try:
            versions = [m.version_id for m in client.list_model_versions(name=model_name(props), retry=retry)]
            if versions == [version_id]:
                self.clients.wait(client.delete_model(name=model_name(props), retry=retry))
            elif version_id in versions:
                self.clients.wait(client.delete_model_version(name=f"{model_name(props)}@{version_id}", retry=retry))
        except NotFound:
            return

    def _adopt(self, client: Any, props: Mapping[str, Any]) -> str | None:
        """The version this key already names, if it holds this artifact; otherwise free the key."""
        from google.api_core.exceptions import NotFound

        retry = self.clients.retry()
        try:
            model = client.get_model(name=f"{model_name(props)}@{props['version']}", retry=retry)
        except NotFound:
            return None
        versioned = f"{model.name}@{model.version_id}"
        if not uploaded_here(model):
            raise ValueError(
                f"{model_name(props)}: alias {props['version']} is held by version {model.version_id}, which this "
                f"stack did not upload; remove that alias from it (or rename the version key) and run again"
            )
        if _built_from(model, props):
            return versioned
        client.merge_version_aliases(name=versioned, version_aliases=[f"-{props['version']}"], retry=retry)
        return None

    def _upload(self, client: Any, props: Mapping[str, Any]) -> str:
        from google.api_core.exceptions import NotFound
        from google.cloud.aiplatform_v1 import EncryptionSpec, Model, ModelContainerSpec, UploadModelRequest

        parent_model = model_name(props)
        try:
            client.get_model(name=parent_model, retry=self.clients.retry())
            placement = {"parent_model": parent_model}
        except NotFound:
            placement = {"model_id": props["model_id"]}
        key = props.get("encryption_key")
        model = Model(
            display_name=props["display_name"],
            description=props["description"],
            version_description=props["description"],
            artifact_uri=props["artifact_uri"],
            container_spec=ModelContainerSpec(image_uri=props["serving_image"]),
            labels=version_labels(props),
            version_aliases=[props["version"]],
            encryption_spec=EncryptionSpec(kms_key_name=key) if key else None,
        )
        request = UploadModelRequest(
            parent=f"projects/{props['project']}/locations/{props['region']}", model=model, **placement
        )
        response = self.clients.wait(client.upload_model(request=request, retry=self.clients.retry()))
        return f"{response.model}@{response.model_version_id}"

    @staticmethod
    def _outs(props: Mapping[str, Any], versioned: str) -> dict[str, Any]:
        name, _, version_id = versioned.partition("@")
        return {**props, "model_name": name, "version_id": version_id, "versioned_name": versioned}


class ModelVersion(pulumi.dynamic.Resource, module="vertex", name="ModelVersion"):
    model_name: pulumi.Output[str]
    version_id: pulumi.Output[str]
    versioned_name: pulumi.Output[str]

    def __init__(self, name: str, args: ModelVersionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {f.name: getattr(args, f.name) for f in fields(args)}
        props.update(labels=dict(args.labels), model_name=None, version_id=None, versioned_name=None)
        super().__init__(ModelVersionProvider(), name, props, opts)
