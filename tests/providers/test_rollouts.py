"""A model's whole life on a Private Service Connect endpoint, as `pulumi up` drives both providers.

Each `up` does what Pulumi does for one model: create (upload or adopt) the versions the
manifest adds, reconcile the deployment, then delete the versions it retired. Pulumi saves a
resource's state only when its step finishes, so a crash loses the step under way and the
next `up` runs it again from what the cloud holds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc
import pytest
from google.api_core.exceptions import GoogleAPICallError

from components.providers.endpoint_deployment import EndpointDeploymentProvider
from components.providers.model_version import ModelVersionProvider
from components.providers.vertex_clients import VertexClients
from tests.providers.conftest import LOCATION, REGION, as_pulumi_sends
from tests.providers.fake_vertex import FakeVertex, serving_violations
from tests.providers.test_model_version import MODEL
from tests.providers.test_model_version import props as version_props

PSC_ENDPOINT = f"{LOCATION}/endpoints/prod-churn"
SA = "prod-model-serving@acme-ml-dev.iam.gserviceaccount.com"


class Stack:
    """The Pulumi state of one served model, and `up` to move it to a manifest's traffic split."""

    def __init__(self, clients: VertexClients) -> None:
        self.versions = ModelVersionProvider(clients)
        self.deployment = EndpointDeploymentProvider(clients)
        self.registered: dict[str, str] = {}  # version key -> ModelVersion id, as saved in state
        self.deployed: dict[str, object] | None = None  # the deployment's saved state (its outputs)

    def up(self, split: dict[str, int]) -> None:
        for version in split:
            if version not in self.registered:
                self.registered[version] = self.versions.create(version_props(version)).id
        wanted = self.inputs(split)
        if self.deployed is None:
            self.deployed = self.deployment.create(wanted).outs
        else:
            self.deployed = self.deployment.update("id", self.deployed, wanted).outs
        for version in [v for v in self.registered if v not in split]:
            self.versions.delete(self.registered[version], version_props(version))
            del self.registered[version]

    def inputs(self, split: dict[str, int]) -> dict[str, object]:
        versions = {
            v: {
                "model": self.registered[v],
                "traffic_percent": pct,
                "machine_type": "n1-standard-4",
                "min_replicas": 2,
                "max_replicas": 6,
                "service_account": SA,
            }
            for v, pct in split.items()
        }
        return as_pulumi_sends(
            {"project": "acme-ml-dev", "region": REGION, "endpoint": PSC_ENDPOINT, "versions": versions}
        )


@pytest.fixture
def prod(vertex: FakeVertex) -> Iterator[FakeVertex]:
    vertex.add_endpoint(PSC_ENDPOINT, psc_projects=["acme-ml-prod", "acme-apps-prod"])
    yield vertex


def settled(vertex: FakeVertex, split: dict[str, int]) -> None:
    """The endpoint serves the split; the registry holds exactly its versions; `default` is on the leader."""
    assert vertex.serving(PSC_ENDPOINT) == split
    assert sorted(m.version_aliases[0] for m in vertex.model_versions(MODEL)) == sorted(split)
    leader = max(sorted(split), key=lambda v: split[v])
    assert vertex.default_version(MODEL) == leader


def test_first_deploy_canary_ramp_complete(prod: FakeVertex, clients: VertexClients) -> None:
    stack = Stack(clients)
    for split in ({"v6": 100}, {"v6": 90, "v7": 10}, {"v6": 10, "v7": 90}, {"v7": 100}):
        stack.up(split)
        settled(prod, split)
    assert prod.calls.count("DeployModel") == 2 and prod.calls.count("UploadModel") == 2


def test_rollback_by_revert_retires_the_canary(prod: FakeVertex, clients: VertexClients) -> None:
    stack = Stack(clients)
    stack.up({"v6": 100})
    stack.up({"v6": 90, "v7": 10})
    prod.calls.clear()
    stack.up({"v6": 100})
    settled(prod, {"v6": 100})
    assert prod.mutating_calls() == ["UpdateEndpoint", "UndeployModel", "DeleteModelVersion"]


def test_retiring_the_default_holder_leaves_default_on_the_leader_not_the_newest(
    prod: FakeVertex, clients: VertexClients
) -> None:
    """Vertex would hand `default` to the newest version (the 10 % canary v8); it belongs to v7."""
    stack = Stack(clients)
    stack.up({"v6": 80, "v7": 10, "v8": 10})
    stack.up({"v7": 90, "v8": 10})
    settled(prod, {"v7": 90, "v8": 10})


STEPS = [
    "UploadModel",
    "GetOperation",
    "DeployModel",
    "UpdateEndpoint",
    "MergeVersionAliases",
    "UndeployModel",
    "DeleteModelVersion",
]


@pytest.mark.parametrize("step", STEPS)
def test_a_crash_after_any_step_then_a_rerun_converges(prod: FakeVertex, clients: VertexClients, step: str) -> None:
    """Killed after `step` (the cloud finishes what was started); the re-run redeploys nothing that
    serves, uploads nothing twice, and leaves no version behind."""
    stack = Stack(clients)
    stack.up({"v6": 100})
    prod.calls.clear()
    prod.crash_after(step)
    with pytest.raises(GoogleAPICallError) as crashed:
        stack.up({"v7": 100})
    assert crashed.value.grpc_status_code == grpc.StatusCode.CANCELLED  # type: ignore[attr-defined]
    prod.finish_operations()
    prod.clear_faults()
    stack.up({"v7": 100})
    settled(prod, {"v7": 100})
    assert (prod.calls.count("UploadModel"), prod.calls.count("DeployModel")) == (1, 1)
    prod.calls.clear()
    stack.up({"v7": 100})
    assert prod.mutating_calls() == []


def test_an_adopted_version_is_deleted_when_retired(prod: FakeVertex, clients: VertexClients) -> None:
    """The crash loses v7's state; the re-run adopts it by alias; the revert must still delete it."""
    stack = Stack(clients)
    stack.up({"v6": 100})
    prod.crash_after("UploadModel")
    with pytest.raises(GoogleAPICallError):
        stack.up({"v6": 90, "v7": 10})
    prod.finish_operations()
    stack.up({"v6": 90, "v7": 10})
    stack.up({"v6": 100})
    settled(prod, {"v6": 100})
    assert prod.calls.count("UploadModel") == 2  # v6 and v7, each once


def test_a_wait_that_runs_out_raises_and_the_rerun_does_not_deploy_again(
    prod: FakeVertex, clients: VertexClients
) -> None:
    """A deployment slower than `operation_timeout`: the wait gives up, the operation finishes anyway."""
    stack = Stack(clients)
    stack.up({"v6": 100})
    impatient = Stack(VertexClients(clients.channel, 0.01, 0.02, 1.0, operation_timeout=0.3))
    impatient.registered, impatient.deployed = dict(stack.registered), stack.deployed
    prod.operation_polls = 10**6  # never done while anyone polls
    with pytest.raises(TimeoutError):
        impatient.up({"v6": 90, "v7": 10})
    prod.operation_polls = 2
    prod.finish_operations()
    impatient.up({"v6": 90, "v7": 10})
    settled(prod, {"v6": 90, "v7": 10})
    assert prod.calls.count("DeployModel") == 2  # v6 once, v7 once


def killed_while_deploying(prod: FakeVertex, clients: VertexClients, stack: Stack, split: dict[str, int]) -> None:
    """A run killed while its DeployModel still runs in the cloud: its state is not saved."""
    killed = Stack(VertexClients(clients.channel, 0.01, 0.02, 1.0, operation_timeout=0.3))
    killed.registered, killed.deployed = dict(stack.registered), stack.deployed
    for version in split:  # the upload went through before the kill
        killed.registered.setdefault(version, killed.versions.create(version_props(version)).id)
    stack.registered = dict(killed.registered)
    prod.operation_polls = 10**6  # the deployment outlives the run
    with pytest.raises(TimeoutError):
        killed.up(split)
    prod.operation_polls = 2
    prod.take_polls(3)  # it ends a few polls later, whether or not its run is there to see it


@pytest.mark.parametrize("split", [{"v7": 100}, {"v6": 90, "v7": 10}])
def test_a_rerun_while_the_killed_runs_deployment_still_runs_deploys_once(
    prod: FakeVertex, clients: VertexClients, split: dict[str, int]
) -> None:
    """The re-run must not deploy the version again, and the late operation must not write its old split."""
    stack = Stack(clients)
    stack.up({"v6": 100})
    killed_while_deploying(prod, clients, stack, split)
    stack.up(split)
    prod.finish_operations()  # whatever was still running ends now
    assert serving_violations(prod.endpoint(PSC_ENDPOINT).history) == []
    settled(prod, split)
    assert sorted(m.display_name for m in prod.endpoint(PSC_ENDPOINT).deployed.values()) == sorted(split)
    prod.calls.clear()
    stack.up(split)
    assert prod.mutating_calls() == []


def test_two_concurrent_reconciles_converge(prod: FakeVertex, clients: VertexClients) -> None:
    """Two `pulumi up` of the same change at once: one deployment of v7, serving throughout."""
    stack = Stack(clients)
    stack.up({"v6": 100})
    stack.registered["v7"] = stack.versions.create(version_props("v7")).id  # registered, not deployed
    prod.calls.clear()
    twins = [Stack(clients) for _ in range(2)]
    for twin in twins:
        twin.registered, twin.deployed = dict(stack.registered), stack.deployed
    failures: list[BaseException] = []

    def up(twin: Stack) -> None:
        try:
            twin.up({"v6": 20, "v7": 80})
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=up, args=(twin,)) for twin in twins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert serving_violations(prod.endpoint(PSC_ENDPOINT).history) == []
    assert sorted(m.display_name for m in prod.endpoint(PSC_ENDPOINT).deployed.values()) == ["v6", "v7"]
    assert prod.serving(PSC_ENDPOINT) == {"v6": 20, "v7": 80}
