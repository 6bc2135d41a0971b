"""Where alerts go: an e-mail channel per address, and a Pub/Sub topic for automation (retraining, chat).

Addresses are the stack's `notificationEmails` and every manifest's `monitoring.notificationEmails`,
each with one channel however many models name it. Cloud Monitoring publishes to the topic as
its notification service agent, so that agent, and only it, may publish there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp.monitoring as monitoring
import pulumi_gcp.organizations as organizations
import pulumi_gcp.pubsub as pubsub

from estaleiro.config.environment import Environment
from estaleiro.naming import global_name, labels


@dataclass(frozen=True)
class ChannelInputs:
    kms_key: pulumi.Input[str]
    depends_on: Sequence[pulumi.Resource] = field(default_factory=tuple)


def recipients(env: Environment) -> list[str]:
    """Every address some alert of this stack reaches, the stack's first, each once."""
    addresses = [
        *env.config.notification_emails,
        *(e for m in env.models for e in m.manifest.monitoring.notification_emails),
    ]
    return list(dict.fromkeys(addresses))


def slug(address: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", address.lower()).strip("-")


class NotificationChannels(pulumi.ComponentResource):
    """`emails[address]` and `pubsub` are channels; `for_model` picks those a model's alerts notify."""

    emails: dict[str, monitoring.NotificationChannel]
    topic: pubsub.Topic
    pubsub: monitoring.NotificationChannel

    def __init__(
        self, name: str, env: Environment, inputs: ChannelInputs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("estaleiro:monitoring:NotificationChannels", name, None, opts)
        self._sets: dict[tuple[str, ...], pulumi.Output[list[str]]] = {}
        config = env.config
        child = pulumi.ResourceOptions(parent=self, depends_on=list(inputs.depends_on))
        user_labels = labels(config, env.name)
        self.emails = {
            address: monitoring.NotificationChannel(
                f"{name}-email-{slug(address)}",
                project=config.project,
                display_name=f"{env.name}: {address}",
                type="email",
                labels={"email_address": address},
                user_labels=user_labels,
                opts=child,
            )
            for address in recipients(env)
        }
        self.topic = pubsub.Topic(
            f"{name}-alerts",
            name=global_name(config, env.name, "alerts"),
            project=config.project,
            kms_key_name=inputs.kms_key,
            labels=labels(config, env.name, purpose="alerts"),
            opts=child,
        )
        number = organizations.get_project_output(
            project_id=config.project, opts=pulumi.InvokeOutputOptions(parent=self)
        ).number
        pubsub.TopicIAMMember(
            f"{name}-alerts-publisher",
            project=config.project,
            topic=self.topic.name,
            role="roles/pubsub.publisher",
            # https://cloud.google.com/monitoring/support/notification-options#pubsub: the notification agent publishes.
            member=number.apply(
                lambda n: f"serviceAccount:service-{n}@gcp-sa-monitoring-notification.iam.gserviceaccount.com"
            ),
            opts=pulumi.ResourceOptions(parent=self.topic),
        )
        self.pubsub = monitoring.NotificationChannel(
            f"{name}-pubsub",
            project=config.project,
            display_name=f"{env.name}: alerts topic (automation)",
            type="pubsub",
            labels={"topic": self.topic.id},
            user_labels=user_labels,
            opts=child,
        )
        self.register_outputs(
            {"emails": {a: c.name for a, c in self.emails.items()}, "pubsub": self.pubsub.name, "topic": self.topic.id}
        )

    def for_model(self, extra: Sequence[str], stack_emails: Sequence[str]) -> pulumi.Output[list[str]]:
        """The stack's addresses, the model's own, and the automation topic: one output per distinct set."""
        addresses = tuple(dict.fromkeys([*stack_emails, *extra]))
        if addresses not in self._sets:
            self._sets[addresses] = pulumi.Output.all(*(self.emails[a].name for a in addresses), self.pubsub.name)
        return self._sets[addresses]
