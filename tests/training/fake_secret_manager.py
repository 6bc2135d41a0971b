"""A Secret Manager v1 fake (AccessSecretVersion only), in process, on the real protobuf messages.

Rules, each tested in tests/training/test_fake_secret_manager.py:
[name]    AccessSecretVersionRequest.name: "projects/*/secrets/*/versions/*"; "projects/*/secrets/*/versions/latest
          is an alias to the most recently created SecretVersion" (reference/rpc/google.cloud.secretmanager.v1).
[missing] an unknown secret or version is NOT_FOUND.
[iam]     a caller without roles/secretmanager.secretAccessor on the secret gets PERMISSION_DENIED
          (secret-manager/docs/access-control).
[state]   SecretVersion.State: "DISABLED: may not be accessed"; "DESTROYED: the secret data is no longer stored"
          (secret-manager/docs/disable-secret, destroy-secret-version): access is FAILED_PRECONDITION, and
          `latest` names the newest version whatever its state.
[crc32c]  SecretPayload.data_crc32c: the CRC32C of the data, "encoded as a Int64"; "When you access a secret
          version, Secret Manager returns the secret data along with its checksum" (secret-manager/docs/data-integrity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import google_crc32c
import grpc
from google.cloud import secretmanager_v1 as v1

from tests.providers.grpc_fake import GrpcFake, Method, Rejected

SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"
NAME = re.compile(r"projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/]+)/versions/(?P<version>[^/]+)")
State = v1.SecretVersion.State


@dataclass
class Version:
    data: bytes
    state: State = State.ENABLED
    crc32c: int | None = None  # what the fake answers as data_crc32c; None: the data's own checksum


class FakeSecretManager(GrpcFake):
    """Secrets by `projects/<project>/secrets/<id>`, each a list of versions (version n at index n - 1)."""

    readonly = frozenset({"AccessSecretVersion"})

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, list[Version]] = {}
        self.denied: set[str] = set()  # secrets the caller has no accessor role on

    def add(self, project: str, secret: str, *versions: Version) -> None:
        self.secrets.setdefault(f"projects/{project}/secrets/{secret}", []).extend(versions)

    def methods(self) -> list[Method]:
        return [
            (
                SERVICE,
                "AccessSecretVersion",
                v1.AccessSecretVersionRequest.deserialize,
                v1.AccessSecretVersionResponse.serialize,
                self._access,
            )
        ]

    def _access(self, request: v1.AccessSecretVersionRequest) -> v1.AccessSecretVersionResponse:
        match = NAME.fullmatch(request.name)
        if match is None:  # [name]
            raise Rejected(
                grpc.StatusCode.INVALID_ARGUMENT, f"Invalid resource field value in the request: {request.name}"
            )
        secret = f"projects/{match['project']}/secrets/{match['secret']}"
        if secret in self.denied:  # [iam]
            raise Rejected(
                grpc.StatusCode.PERMISSION_DENIED,
                f"Permission 'secretmanager.versions.access' denied for resource '{request.name}' "
                "(or it may not exist).",
            )
        versions = self.secrets.get(secret, [])
        asked = match["version"]
        number = len(versions) if asked == "latest" else int(asked) if asked.isdigit() else 0
        if not 1 <= number <= len(versions):  # [missing]
            raise Rejected(grpc.StatusCode.NOT_FOUND, f"Secret Version [{request.name}] not found.")
        name = f"{secret}/versions/{number}"
        version = versions[number - 1]
        if version.state != State.ENABLED:  # [state]
            raise Rejected(
                grpc.StatusCode.FAILED_PRECONDITION, f"Secret Version [{name}] is in {version.state.name} state."
            )
        checksum = google_crc32c.value(version.data) if version.crc32c is None else version.crc32c  # [crc32c]
        return v1.AccessSecretVersionResponse(
            name=name, payload=v1.SecretPayload(data=version.data, data_crc32c=checksum)
        )
