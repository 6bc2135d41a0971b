"""The offline plan as a Terraform plan JSON, the form checkov's `terraform_plan` framework reads.

pulumi-gcp is bridged from the Terraform google provider, so types and attributes map
systematically: `gcp:<module>/<x>:<Class>` is `google_<module prefix>_<snake Class>`, camelCase
inputs are snake_case attributes, and a nested block is a list of objects. Left out, on
purpose: component resources (they declare nothing in the cloud) and `pulumi-python:dynamic`
resources (Vertex Model Registry and deployments, which Terraform has no type for: our
promotion rules judge those). checkov reads only `planned_values`; `resource_changes` is
written too, for tools that want it. checkov names a resource by its Terraform address, which
the program never spells: the export keeps each address's planned resource, so a finding can
name the resource as the program does (its Pulumi name and URN).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from estaleiro.errors import EstaleiroError
from estaleiro.plan.model import Plan, PlannedResource

MODULE_PREFIX = {
    "artifactregistry": "artifact_registry",
    "bigquery": "bigquery",
    "cloudbuild": "cloudbuild",
    "cloudfunctionsv2": "cloudfunctions2",
    "cloudrunv2": "cloud_run_v2",
    "colab": "colab",
    "compute": "compute",
    "iam": "iam",
    "kms": "kms",
    "logging": "logging",
    "monitoring": "monitoring",
    "organizations": "organization",
    "projects": "project",
    "pubsub": "pubsub",
    "secretmanager": "secret_manager",
    "serviceaccount": "service_account",
    "storage": "storage",
    "vertex": "vertex",
}
TYPE_OVERRIDES = {"gcp:serviceaccount/account:Account": "google_service_account"}
# Attributes whose value is a genuine string map, not a nested block: their keys stay as written.
MAP_ATTRIBUTES = frozenset(
    {
        "labels",
        "user_labels",
        "resource_labels",
        "attribute_mapping",
        "substitutions",
        "annotations",
        "effective_labels",
        "traffic_split",
        "metadata",
        "environment_variables",
    }
)
SKIPPED_PREFIXES = ("pulumi:", "pulumi-python:dynamic")


class UnmappedType(EstaleiroError):
    """A pulumi-gcp type this exporter has no Terraform name for: extend MODULE_PREFIX."""


def terraform_type(pulumi_type: str) -> str:
    if pulumi_type in TYPE_OVERRIDES:
        return TYPE_OVERRIDES[pulumi_type]
    package, module_member, class_name = pulumi_type.split(":")
    module = module_member.split("/")[0]
    if package != "gcp" or module not in MODULE_PREFIX:
        raise UnmappedType(
            f"no Terraform type for {pulumi_type}: add its module to MODULE_PREFIX in estaleiro/checkov/tfplan.py"
        )
    return f"google_{MODULE_PREFIX[module]}_{snake(class_name)}"


def snake(name: str) -> str:
    """`BucketIAMMember` -> `bucket_iam_member`, `uniformBucketLevelAccess` -> `uniform_bucket_level_access`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def attributes(inputs: dict[str, Any]) -> dict[str, Any]:
    return {snake(key): _value(snake(key), value) for key, value in inputs.items()}


def _value(attribute: str, value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value) if attribute in MAP_ATTRIBUTES else [attributes(value)]
    if isinstance(value, list):
        return [attributes(item) if isinstance(item, dict) else item for item in value]
    return value


@dataclass(frozen=True)
class TerraformPlan:
    """A plan as checkov reads it (`document`), and the way back: each address to its planned resource."""

    document: dict[str, Any]
    resources: Mapping[str, PlannedResource]


def to_terraform_plan(plan: Plan) -> TerraformPlan:
    exported = [r for r in plan.resources if r.custom and not r.type.startswith(SKIPPED_PREFIXES)]
    by_address = _addresses(exported)
    resources = [_resource(address, r) for address, r in by_address.items()]
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": [
            {key: r[key] for key in ("address", "mode", "type", "name", "provider_name")}
            | {"change": {"actions": ["create"], "before": None, "after": r["values"]}}
            for r in resources
        ],
    }
    return TerraformPlan(document, by_address)


def address_name(name: str) -> str:
    """Terraform names are identifiers: `acme-ml-dev-models` becomes `acme_ml_dev_models`."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _addresses(resources: list[PlannedResource]) -> dict[str, PlannedResource]:
    """One address per resource, in URN order. Pulumi names are unique per type and parent, Terraform
    addresses per type only (and `a-b` and `a_b` meet): a repeated address gets `_2`, `_3`, ..."""
    by_address: dict[str, PlannedResource] = {}
    for resource in resources:
        base = f"{terraform_type(resource.type)}.{address_name(resource.name)}"
        address, n = base, 1
        while address in by_address:
            n += 1
            address = f"{base}_{n}"
        by_address[address] = resource
    return by_address


def _resource(address: str, resource: PlannedResource) -> dict[str, Any]:
    tf_type, name = address.split(".", 1)
    return {
        "address": address,
        "mode": "managed",
        "type": tf_type,
        "name": name,
        "provider_name": "registry.terraform.io/hashicorp/google",
        "schema_version": 0,
        "values": attributes(dict(resource.inputs)),
    }
