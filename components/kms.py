"""Customer-managed keys, one per purpose, and the Google service agents allowed to use each.

Keys rotate every `kmsRotationDays` (at most 90). Key rings and keys cannot be deleted in
Google Cloud, so they are protected: a destroy must not pretend to remove them. Each agent
gets encrypt/decrypt on its own key only, never a project-wide KMS role.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp.bigquery as bigquery
import pulumi_gcp.kms as kms
import pulumi_gcp.projects as projects
import pulumi_gcp.storage as storage

from estaleiro.config.environment import Environment
from estaleiro.naming import KEYS, key_ring_name, labels

ENCRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
SECONDS_PER_DAY = 86_400


class Keys(pulumi.ComponentResource):
    key_ring: kms.KeyRing
    storage: kms.CryptoKey
    artifacts: kms.CryptoKey
    vertex: kms.CryptoKey
    bigquery: kms.CryptoKey
    pubsub: kms.CryptoKey
    grants: dict[str, kms.CryptoKeyIAMMember]

    def __init__(
        self,
        name: str,
        env: Environment,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:kms:Keys", name, None, opts)
        config = env.config
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        kept = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on), protect=True)
        self.key_ring = kms.KeyRing(
            f"{name}-keys",
            name=key_ring_name(env.name),
            project=config.project,
            location=config.region,
            opts=kept,
        )
        keys = {
            purpose: kms.CryptoKey(
                f"{name}-{purpose}",
                name=purpose,
                key_ring=self.key_ring.id,
                purpose="ENCRYPT_DECRYPT",
                rotation_period=f"{config.kms_rotation_days * SECONDS_PER_DAY}s",
                labels=labels(config, env.name, purpose=purpose),
                opts=kept,
            )
            for purpose in KEYS
        }
        self.storage, self.artifacts, self.vertex = keys["storage"], keys["artifacts"], keys["vertex"]
        self.bigquery, self.pubsub = keys["bigquery"], keys["pubsub"]
        invoked = pulumi.InvokeOutputOptions(parent=self, depends_on=list(depends_on))
        agents = {
            "storage": storage.get_project_service_account_output(project=config.project, opts=invoked).member,
            "artifacts": projects.ServiceIdentity(
                f"{name}-artifactregistry-agent",
                project=config.project,
                service="artifactregistry.googleapis.com",
                opts=child,
            ).member,
            "vertex": projects.ServiceIdentity(
                f"{name}-aiplatform-agent", project=config.project, service="aiplatform.googleapis.com", opts=child
            ).member,
            # The request-response log (BigQuery) and the alert topic (Pub/Sub) of the monitoring components.
            "bigquery": bigquery.get_default_service_account_output(project=config.project, opts=invoked).member,
            "pubsub": projects.ServiceIdentity(
                f"{name}-pubsub-agent", project=config.project, service="pubsub.googleapis.com", opts=child
            ).member,
        }
        self.grants = {
            purpose: kms.CryptoKeyIAMMember(
                f"{name}-{purpose}-agent",
                crypto_key_id=keys[purpose].id,
                role=ENCRYPTER,
                member=member,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for purpose, member in agents.items()
        }
        self.register_outputs({purpose: key.id for purpose, key in keys.items()})
