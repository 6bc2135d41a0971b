"""The pipeline-root and model-artifact buckets, the bucket their access logs go to, and the
bucket pull-request build logs go to (its builder holds no project role, so no Cloud Logging).

Every bucket: uniform bucket-level access, public access prevention enforced, versioning,
the storage CMEK key, lifecycle rules, labels. Grants are per bucket, never project-wide
storage roles.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp.storage as storage

from components.service_accounts import Access, targets
from estaleiro.config.environment import Environment
from estaleiro.naming import BUCKETS, bucket_name, labels

# (role, days after which objects go, days after which replaced versions go; 0 = never)
RETENTION = {"pipeline-root": (180, 30), "models": (0, 365), "access-logs": (365, 30), "build-logs": (90, 7)}
# Cloud Storage writes usage logs as this Google group; with uniform access it needs an IAM grant.
LOG_WRITER = "group:cloud-storage-analytics@google.com"


class Buckets(pulumi.ComponentResource):
    ROLES = BUCKETS
    pipeline_root: storage.Bucket
    models: storage.Bucket
    access_logs: storage.Bucket
    build_logs: storage.Bucket

    def __init__(
        self,
        name: str,
        env: Environment,
        kms_key: pulumi.Input[str],
        access: Sequence[Access],
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("estaleiro:storage:Buckets", name, None, opts)
        self._env, self._name, self._key, self._depends_on = env, name, kms_key, list(depends_on)
        # The log bucket cannot log to itself; it is the one bucket without access logging.
        self.access_logs = self._bucket("access-logs", log_to=None)
        self.pipeline_root = self._bucket("pipeline-root", log_to=self.access_logs)
        self.models = self._bucket("models", log_to=self.access_logs)
        self.build_logs = self._bucket("build-logs", log_to=self.access_logs)
        by_role = {
            "pipeline-root": self.pipeline_root,
            "models": self.models,
            "access-logs": self.access_logs,
            "build-logs": self.build_logs,
        }
        storage.BucketIAMMember(
            f"{name}-access-logs-writer",
            bucket=self.access_logs.name,
            role="roles/storage.objectCreator",
            member=LOG_WRITER,
            opts=pulumi.ResourceOptions(parent=self.access_logs),
        )
        for grant, bucket in targets(access, by_role, "bucket"):
            storage.BucketIAMMember(
                grant.resource_name(name),
                bucket=bucket.name,
                role=grant.role,
                member=grant.member,
                opts=pulumi.ResourceOptions(parent=bucket),
            )
        self.register_outputs({role: bucket.url for role, bucket in by_role.items()})

    def _bucket(self, role: str, log_to: storage.Bucket | None) -> storage.Bucket:
        config, name = self._env.config, bucket_name(self._env.config, self._env.name, role)
        age, noncurrent = RETENTION[role]
        rules = [
            _delete(
                storage.BucketLifecycleRuleConditionArgs(days_since_noncurrent_time=noncurrent, with_state="ARCHIVED")
            )
        ]
        if age:
            rules.append(_delete(storage.BucketLifecycleRuleConditionArgs(age=age)))
        return storage.Bucket(
            f"{self._name}-{role}",
            name=name,
            project=config.project,
            location=config.region.upper(),  # Cloud Storage reports locations upper-case: no perpetual diff
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=storage.BucketVersioningArgs(enabled=True),
            encryption=storage.BucketEncryptionArgs(default_kms_key_name=self._key),
            logging=storage.BucketLoggingArgs(log_bucket=log_to.name, log_object_prefix=name) if log_to else None,
            lifecycle_rules=rules,
            labels=labels(config, self._env.name, purpose=role),
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._depends_on),
        )


def _delete(condition: storage.BucketLifecycleRuleConditionArgs) -> storage.BucketLifecycleRuleArgs:
    return storage.BucketLifecycleRuleArgs(
        action=storage.BucketLifecycleRuleActionArgs(type="Delete"), condition=condition
    )
