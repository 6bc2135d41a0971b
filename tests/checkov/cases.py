"""Pass and fail fixtures for each custom check, as the plan records resources (pulumi-gcp types, camelCase).

Names say the expected verdict: `pass-*` must pass the check, `fail-*` must fail it.
"""

from __future__ import annotations

from typing import Any

from estaleiro.naming import GITHUB_CREDENTIALS
from estaleiro.plan.model import Plan, PlannedResource

LABELS = {"env": "dev", "team": "ml-platform", "managed-by": "estaleiro"}
ALERT = {"displayName": "drift", "combiner": "OR", "conditions": [{"displayName": "c"}], "userLabels": LABELS}
PR_EVENT = {"owner": "acme", "name": "estaleiro", "pullRequest": {"branch": "^main$"}}
DEPLOYER = "deployer@p.iam.gserviceaccount.com"


def account(email: str) -> str:
    return f"projects/p/serviceAccounts/{email}"


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
    # Triggers are judged against the grants beside them in the plan; `grant-*` resources are not judged.
    "CKV_EST_8": [
        (
            "gcp:cloudbuild/trigger:Trigger",
            {
                "pass-pr-unprivileged": {
                    "filename": "cloudbuild/pr.yaml",
                    "github": PR_EVENT,
                    "serviceAccount": account("pr@p.iam.gserviceaccount.com"),
                },
                "fail-pr-as-deployer": {"filename": "x", "github": PR_EVENT, "serviceAccount": account(DEPLOYER)},
                "fail-pr-acting-as-another": {
                    "filename": "x",
                    "github": PR_EVENT,
                    "serviceAccount": account("actor@p.iam.gserviceaccount.com"),
                },
                "fail-pr-bound": {
                    "filename": "x",
                    "repositoryEventConfig": {"repository": "r", "pullRequest": {"branch": "^main$"}},
                    "serviceAccount": account("bound@p.iam.gserviceaccount.com"),
                },
                "fail-pr-default-account": {"filename": "x", "github": PR_EVENT},
                "push-as-deployer": {
                    "filename": "cloudbuild/deploy.yaml",
                    "github": {"owner": "acme", "name": "estaleiro", "push": {"branch": "^main$"}},
                    "serviceAccount": account(DEPLOYER),
                },
            },
        ),
        (
            "gcp:projects/iAMMember:IAMMember",
            {"grant-deployer": {"project": "p", "role": "roles/editor", "member": f"serviceAccount:{DEPLOYER}"}},
        ),
        (
            "gcp:projects/iAMBinding:IAMBinding",
            {
                "grant-bound": {
                    "project": "p",
                    "role": "roles/logging.logWriter",
                    "members": ["serviceAccount:bound@p.iam.gserviceaccount.com"],
                }
            },
        ),
        (
            "gcp:serviceaccount/iAMMember:IAMMember",
            {
                "grant-actor": {
                    "serviceAccountId": account(DEPLOYER),
                    "role": "roles/iam.serviceAccountUser",
                    "member": "serviceAccount:actor@p.iam.gserviceaccount.com",
                },
                "grant-deployer-acts-as-pr": {  # acting *as* the PR account gives the PR account nothing
                    "serviceAccountId": account("pr@p.iam.gserviceaccount.com"),
                    "role": "roles/iam.serviceAccountUser",
                    "member": f"serviceAccount:{DEPLOYER}",
                },
            },
        ),
        (
            "gcp:secretmanager/secretIamMember:SecretIamMember",
            {
                "grant-pr-token": {
                    "project": "p",
                    "secretId": GITHUB_CREDENTIALS,
                    "role": "roles/secretmanager.secretAccessor",
                    "member": "serviceAccount:pr@p.iam.gserviceaccount.com",
                }
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
