"""A stack that others promote into (it has `promotion.from`) protects what holds data or trust;
a stack without an upstream (dev) stays deletable, so teams can tear it down. KMS key rings and keys
are protected in every stack (components/kms.py): Google Cloud cannot delete them at all."""

from __future__ import annotations

from collections import Counter

from estaleiro.plan.model import Plan, PlannedResource

KMS = {"gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey"}


def protected(plan: Plan) -> list[PlannedResource]:
    """What the stack protects besides the undeletable keys, which every stack protects."""
    assert all(r.protect for r in plan.resources if r.type in KMS)
    return [r for r in plan.resources if r.protect and r.type not in KMS]


def test_prod_protects_exactly_its_endpoints_buckets_datasets_secret_pool_and_deployer(prod: Plan) -> None:
    kinds = Counter(r.type.rsplit(":", 1)[-1] for r in protected(prod))
    # prod serves one model, has four buckets, the request log and ground truth datasets, one secret.
    assert kinds == {"AiEndpoint": 1, "Bucket": 4, "Dataset": 2, "Secret": 1, "WorkloadIdentityPool": 1, "Account": 1}
    [account] = [r for r in protected(prod) if r.type.endswith(":Account")]
    assert account.inputs["accountId"] == "prod-ci-deployer"
    for kind in kinds:  # every one of that kind, not some
        assert all(r.protect for r in prod.resources if r.type.endswith(f":{kind}") and kind != "Account"), kind


def test_dev_protects_nothing(dev: Plan) -> None:
    assert protected(dev) == []
