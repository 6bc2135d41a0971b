"""Pass and fail fixtures for each custom check, as the plan records resources (pulumi-gcp types, camelCase).

Names say the expected verdict: `pass-*` must pass the check, `fail-*` must fail it.
"""

from __future__ import annotations

from typing import Any

from estaleiro.plan.model import Plan, PlannedResource

LABELS = {"env": "dev", "team": "ml-platform", "managed-by": "estaleiro"}
ALERT = {"displayName": "drift", "combiner": "OR", "conditions": [{"displayName": "c"}], "userLabels": LABELS}
CLEANUP = [{"id": "delete-untagged", "action": "DELETE", "condition": {"tagState": "UNTAGGED"}}]

# check id -> [(pulumi type, {resource name: inputs}), ...]
CASES: dict[str, list[tuple[str, dict[str, dict[str, Any]]]]] = {
    "CKV_EST_1": [
        (
            "gcp:cloudbuild/trigger:Trigger",
            {
                "pass-dedicated": {
                    "filename": "cloudbuild/pr.yaml",
                    "serviceAccount": "projects/p/serviceAccounts/dev-ci-deployer@p.iam.gserviceaccount.com",
                },
                "fail-default": {
                    "filename": "x",
                    "serviceAccount": "projects/p/serviceAccounts/123@cloudbuild.gserviceaccount.com",
                },
                "fail-compute": {
                    "filename": "x",
                    "serviceAccount": "projects/p/serviceAccounts/123-compute@developer.gserviceaccount.com",
                },
                "fail-unset": {"filename": "x"},
            },
        ),
    ],
    "CKV_EST_2": [
        (
            "gcp:monitoring/alertPolicy:AlertPolicy",
            {
                "pass-channel": {**ALERT, "notificationChannels": ["projects/p/notificationChannels/1"]},
                "fail-empty": {**ALERT, "notificationChannels": []},
                "fail-unset": dict(ALERT),
            },
        ),
    ],
    "CKV_EST_3": [
        (
            "gcp:monitoring/alertPolicy:AlertPolicy",
            {
                "pass-documented": {
                    **ALERT,
                    "documentation": {"content": "Runbook: https://wiki/churn", "mimeType": "text/markdown"},
                },
                "fail-blank": {**ALERT, "documentation": {"content": "", "mimeType": "text/markdown"}},
                "fail-undocumented": dict(ALERT),
            },
        ),
    ],
    "CKV_EST_4": [
        (
            "gcp:artifactregistry/repository:Repository",
            {
                "pass-cleanup": {
                    "repositoryId": "r1",
                    "format": "DOCKER",
                    "labels": LABELS,
                    "kmsKeyName": "k",
                    "cleanupPolicies": CLEANUP,
                },
                "fail-empty": {
                    "repositoryId": "r2",
                    "format": "DOCKER",
                    "labels": LABELS,
                    "kmsKeyName": "k",
                    "cleanupPolicies": [],
                },
                "fail-unset": {"repositoryId": "r3", "format": "DOCKER", "labels": LABELS, "kmsKeyName": "k"},
            },
        ),
    ],
    "CKV_EST_5": [
        (
            "gcp:storage/bucket:Bucket",
            {
                "pass-labelled": {"name": "b1", "location": "US", "labels": {**LABELS, "extra": "x"}},
                "fail-no-team": {"name": "b2", "location": "US", "labels": {"env": "dev", "managed-by": "estaleiro"}},
                "fail-unlabelled": {"name": "b3", "location": "US"},
            },
        ),
    ],
    "CKV_EST_6": [
        (
            "gcp:serviceaccount/key:Key",
            {
                "fail-key": {"serviceAccountId": "projects/p/serviceAccounts/x@p.iam.gserviceaccount.com"},
            },
        ),
    ],
    "CKV_EST_7": [
        (
            "gcp:projects/iAMMember:IAMMember",
            {
                "pass-account": {
                    "project": "p",
                    "role": "roles/aiplatform.user",
                    "member": "serviceAccount:x@p.iam.gserviceaccount.com",
                },
                "fail-all-users": {"project": "p", "role": "roles/aiplatform.user", "member": "allUsers"},
                "fail-all-authenticated": {"project": "p", "role": "roles/viewer", "member": "allAuthenticatedUsers"},
            },
        ),
        (
            "gcp:secretmanager/secretIamBinding:SecretIamBinding",
            {
                "pass-binding": {
                    "secretId": "s",
                    "role": "roles/secretmanager.secretAccessor",
                    "members": ["group:ml@acme.example"],
                },
                "fail-public-binding": {
                    "secretId": "s",
                    "role": "roles/secretmanager.secretAccessor",
                    "members": ["group:ml@acme.example", "allUsers"],
                },
            },
        ),
    ],
}


def case_plan(check: str) -> Plan:
    return Plan(
        stack=check,
        resources=tuple(
            PlannedResource(f"urn:pulumi:s::estaleiro::{type_}::{name}", type_, name, True, None, (), inputs)
            for type_, resources in CASES[check]
            for name, inputs in resources.items()
        ),
    )
