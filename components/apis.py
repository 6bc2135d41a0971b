"""The Google APIs a stack uses; every resource that needs one waits for it."""

from __future__ import annotations

import pulumi
import pulumi_gcp.projects as projects

from estaleiro.config.environment import Environment
from estaleiro.config.stack import StackConfig

REQUIRED_APIS = (
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",  # the retraining function (components/retraining.py), with run and eventarc
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",  # the GitHub token CI builds read (components/secrets.py)
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
)
# Private services access endpoints peer with the serving VPC: Google asks for these in the serving
# project too. Private Service Connect needs nothing more here: the endpoint publishes a service
# attachment, and each allowed project creates its forwarding rule with its own Compute Engine API.
PEERING_APIS = ("compute.googleapis.com", "dns.googleapis.com", "servicenetworking.googleapis.com")


def required_apis(config: StackConfig) -> tuple[str, ...]:
    private = PEERING_APIS if config.serving.private_network else ()
    return tuple(sorted((*REQUIRED_APIS, *private)))


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
            for api in required_apis(env.config)
        ]
        self.register_outputs({"services": [s.service for s in self.services]})
