"""The Google APIs the platform uses; everything else waits for them."""

from __future__ import annotations

import pulumi
import pulumi_gcp.projects as projects

from estaleiro.config.environment import Environment

REQUIRED_APIS = (
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
)


class Apis(pulumi.ComponentResource):
    services: list[projects.Service]

    def __init__(self, name: str, env: Environment, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("estaleiro:apis:Apis", name, None, opts)
        # disable_on_destroy=False: removing the stack must not switch off APIs other workloads use.
        self.services = [
            projects.Service(
                f"{name}-{api.split('.')[0]}",
                project=env.config.project,
                service=api,
                disable_on_destroy=False,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for api in REQUIRED_APIS
        ]
        self.register_outputs({"services": [s.service for s in self.services]})
