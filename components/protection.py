"""What `pulumi destroy` or a replacing change may not delete: in a stack that others promote into.

A stack with an upstream (`estaleiro:promotion.from`, prod) serves what was proven elsewhere and
keeps its users' data, so its endpoints, buckets, BigQuery datasets, secret, Workload Identity pool
and CI deployer are protected: Pulumi refuses to delete a protected resource until a reviewed change
unprotects it (https://www.pulumi.com/docs/iac/concepts/resources/options/protect/). A stack
without one (dev) stays deletable so its team can tear it down and start again. One transformation
on the platform decides it for every component, so a new endpoint or bucket is covered where it is
written.
"""

from __future__ import annotations

import pulumi

from estaleiro.config.environment import Environment
from estaleiro.naming import account_id

PROTECTED_TYPES = frozenset(
    {
        "gcp:vertex/aiEndpoint:AiEndpoint",
        "gcp:storage/bucket:Bucket",
        "gcp:bigquery/dataset:Dataset",
        "gcp:secretmanager/secret:Secret",
        "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
    }
)
ACCOUNT = "gcp:serviceaccount/account:Account"


def protects(env: Environment) -> bool:
    return env.config.promotion.from_stack is not None


def protection(env: Environment) -> list[pulumi.ResourceTransformation]:
    """The platform's transformation: protect the stateful resources and the deployer, where `protects`."""
    if not protects(env):
        return []
    deployer = account_id(env.name, "ci-deployer")

    def protect(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        kept = args.type_ in PROTECTED_TYPES or (args.type_ == ACCOUNT and args.props.get("account_id") == deployer)
        if not kept and args.opts.protect is not None:
            return None  # decided where it is declared (the KMS keys)
        # Pulumi gives a child its parent's `protect` unless told ("the default is to inherit this value
        # from the parent resource", same page): the grants parented to a protected
        # dataset, secret or account stay deletable, so they are told.
        return pulumi.ResourceTransformationResult(
            args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=kept))
        )

    return [protect]
