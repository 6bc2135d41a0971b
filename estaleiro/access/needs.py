"""What each identity needs, and why: the one table `estaleiro access` judges the grants against.

Every need is derived from the plan, so it follows what the stack declares: the deployer needs
what `pulumi up` does to each resource type the plan holds (`DEPLOYER`: a type missing there is
an `access/unmodelled` finding, never silently trusted), and may act as every account it attaches
to a resource; each runtime identity needs the permissions of the API methods its code calls
(`RUNTIME`), on the resources the plan names. Each line cites the Google page that maps the method
(or the documented duty) to the permission; roles.yaml's header lists the pages read and when
(NOTIFICATIONS is the page components/monitoring/channels.py already cites).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from estaleiro.access.model import BUCKET, AccessModel, Scope
from estaleiro.naming import GITHUB_CREDENTIALS
from estaleiro.plan.model import PlannedResource

VERTEX = "https://cloud.google.com/vertex-ai/docs/general/iam-permissions"
PIPELINE_ACCOUNT = "https://cloud.google.com/vertex-ai/docs/tabular-data/tabular-workflows/service-accounts"
STORAGE = "https://cloud.google.com/storage/docs/access-control/iam-json"
BIGQUERY = "https://cloud.google.com/bigquery/docs/access-control"
SECRET_ACCESS = "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access"
SECRETS = "https://cloud.google.com/iam/docs/roles-permissions/secretmanager"
TIME_SERIES = "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/create"
REGISTRY = "https://cloud.google.com/artifact-registry/docs/pushing-and-pulling"
REGISTRY_ROLES = "https://cloud.google.com/iam/docs/roles-permissions/artifactregistry"
TRIGGER_IDENTITY = "https://cloud.google.com/run/docs/triggering/trigger-with-events"
RUN = "https://cloud.google.com/iam/docs/roles-permissions/run"
EVENTARC = "https://cloud.google.com/eventarc/standard/docs/functions/roles-permissions"
ACT_AS = "https://cloud.google.com/iam/docs/service-account-permissions"
WORKLOAD_IDENTITY = "https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines"
CLOUD_BUILD = "https://cloud.google.com/build/docs/cloud-build-service-account"
BUILD_ACCOUNT = "https://cloud.google.com/build/docs/securing-builds/configure-user-specified-service-accounts"
NOTIFICATIONS = "https://cloud.google.com/monitoring/support/notification-options#pubsub"
ACCESS_LOGS = "https://cloud.google.com/storage/docs/access-logs"
# Cloud Storage's page: each CMEK integration asks the same of its service to its agent (components/kms.py).
CMEK = "https://cloud.google.com/storage/docs/encryption/using-customer-managed-keys"
CUSTOM_ACCOUNT = "https://cloud.google.com/vertex-ai/docs/general/custom-service-account"
ROLES = "https://cloud.google.com/iam/docs/roles-permissions/{}"
DEPLOYER = "ci-deployer"
NEEDS_FILE = "estaleiro/access/needs.py"


@dataclass(frozen=True, order=True)
class Need:
    identity: str
    permission: str
    scope: Scope
    reason: str
    source: str
    # the planned resource the need comes from, when there is one (not part of the need's identity)
    resource: PlannedResource | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Manages:
    """What `pulumi up` does to one resource type: the permissions, why, and the page that names them."""

    permissions: tuple[str, ...]
    reason: str
    source: str


def _crud(
    prefix: str, reason: str, source: str, verbs: tuple[str, ...] = ("create", "get", "update", "delete")
) -> Manages:
    return Manages(tuple(f"{prefix}.{verb}" for verb in verbs), reason, source)


def _iam(prefix: str, reason: str, source: str) -> Manages:
    return Manages((f"{prefix}.getIamPolicy", f"{prefix}.setIamPolicy"), reason, source)


# Resource type -> what the deployer does to it. A type the plan holds and this table lacks fails.
DEPLOYER_TYPES: dict[str, Manages] = {
    "gcp:artifactregistry/repository:Repository": _crud(
        "artifactregistry.repositories", "the image and pipeline repositories", REGISTRY_ROLES
    ),
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": _iam(
        "artifactregistry.repositories", "who may pull or push", REGISTRY_ROLES
    ),
    "gcp:bigquery/dataset:Dataset": _crud("bigquery.datasets", "the request log and ground truth", BIGQUERY),
    "gcp:bigquery/datasetIamMember:DatasetIamMember": _iam("bigquery.datasets", "who may read a dataset", BIGQUERY),
    "gcp:bigquery/table:Table": _crud("bigquery.tables", "a model's ground-truth table", BIGQUERY),
    # Cloud Build checks triggers with the builds permissions ("Can create builds and triggers").
    "gcp:cloudbuild/trigger:Trigger": _crud(
        "cloudbuild.builds", "the CI triggers", CLOUD_BUILD, ("create", "get", "update")
    ),
    "gcp:cloudfunctionsv2/function:Function": Manages(
        (
            *(f"cloudfunctions.functions.{verb}" for verb in ("create", "get", "update", "delete")),
            # A function's event trigger is an Eventarc trigger its deployer creates.
            *(f"eventarc.triggers.{verb}" for verb in ("create", "get", "update", "delete")),
        ),
        "the retraining function and its Eventarc trigger",
        EVENTARC,
    ),
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": _iam(
        "run.services", "who may invoke the retraining function", RUN
    ),
    "gcp:colab/schedule:Schedule": _crud("aiplatform.schedules", "training and quality schedules", VERTEX),
    # Spelled with the service's host, as Google's IAM API lists them (roles.yaml, roles/iam.workloadIdentityPoolAdmin).
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": _crud(
        "iam.googleapis.com/workloadIdentityPools", "the CI pool", ROLES.format("iam")
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": _crud(
        "iam.googleapis.com/workloadIdentityPoolProviders", "the GitHub provider", ROLES.format("iam")
    ),
    # Key rings and keys cannot be deleted in Google Cloud (components/kms.py protects them).
    "gcp:kms/keyRing:KeyRing": _crud("cloudkms.keyRings", "the key ring", ROLES.format("cloudkms"), ("create", "get")),
    "gcp:kms/cryptoKey:CryptoKey": _crud(
        "cloudkms.cryptoKeys", "the CMEK keys", ROLES.format("cloudkms"), ("create", "get", "update")
    ),
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _iam(
        "cloudkms.cryptoKeys", "the service agents' use of the keys", ROLES.format("cloudkms")
    ),
    "gcp:monitoring/alertPolicy:AlertPolicy": _crud(
        "monitoring.alertPolicies", "alert policies", ROLES.format("monitoring")
    ),
    "gcp:monitoring/dashboard:Dashboard": _crud("monitoring.dashboards", "dashboards", ROLES.format("monitoring")),
    "gcp:monitoring/metricDescriptor:MetricDescriptor": _crud(
        "monitoring.metricDescriptors", "the quality metrics", ROLES.format("monitoring"), ("create", "get", "delete")
    ),
    "gcp:monitoring/notificationChannel:NotificationChannel": _crud(
        "monitoring.notificationChannels", "notification channels", ROLES.format("monitoring")
    ),
    "gcp:projects/iAMCustomRole:IAMCustomRole": _crud("iam.roles", "the retrainer's custom role", ROLES.format("iam")),
    "gcp:projects/iAMMember:IAMMember": _iam(
        "resourcemanager.projects", "the project roles", ROLES.format("resourcemanager")
    ),
    # A project's audit configs are part of its IAM policy (AuditConfig, google/iam/v1/policy.proto).
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": _iam(
        "resourcemanager.projects", "the Data Access audit logs", ROLES.format("resourcemanager")
    ),
    # disable_on_destroy=False (components/apis.py): an API is enabled, never disabled.
    "gcp:projects/service:Service": _crud(
        "serviceusage.services", "the APIs", ROLES.format("serviceusage"), ("enable", "get")
    ),
    "gcp:projects/serviceIdentity:ServiceIdentity": _crud(
        "serviceusage.services", "the service agents' identities", ROLES.format("serviceusage"), ("enable", "get")
    ),
    "gcp:pubsub/topic:Topic": _crud("pubsub.topics", "the alerts topic", ROLES.format("pubsub")),
    "gcp:pubsub/topicIAMMember:TopicIAMMember": _iam("pubsub.topics", "who may publish alerts", ROLES.format("pubsub")),
    "gcp:secretmanager/secret:Secret": _crud("secretmanager.secrets", "the GitHub token's secret", SECRETS),
    "gcp:secretmanager/secretIamMember:SecretIamMember": _iam(
        "secretmanager.secrets", "who may read the token", SECRETS
    ),
    "gcp:serviceaccount/account:Account": _crud("iam.serviceAccounts", "the stack's accounts", ROLES.format("iam")),
    "gcp:serviceaccount/iAMMember:IAMMember": _iam(
        "iam.serviceAccounts", "who may act as an account", ROLES.format("iam")
    ),
    "gcp:storage/bucket:Bucket": _crud("storage.buckets", "the buckets", STORAGE),
    "gcp:storage/bucketIAMMember:BucketIAMMember": _iam("storage.buckets", "who may use a bucket", STORAGE),
    # Replacing an object needs delete as well as create (iam-json, objects.insert).
    "gcp:storage/bucketObject:BucketObject": _crud(
        "storage.objects", "the function's source and settings", STORAGE, ("create", "get", "delete")
    ),
    "gcp:vertex/aiEndpoint:AiEndpoint": _crud("aiplatform.endpoints", "the endpoints", VERTEX),
    "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember": _iam(
        "aiplatform.endpoints", "who may predict on a secure private endpoint", VERTEX
    ),
    # The dynamic providers (components/providers/), by the methods they call.
    "pulumi-python:dynamic/vertex:ModelVersion": Manages(
        (
            "aiplatform.models.upload",
            "aiplatform.models.get",
            "aiplatform.models.list",
            "aiplatform.models.update",
            "aiplatform.models.delete",
        ),
        "model_version.py: UploadModel, GetModel, ListModelVersions, MergeVersionAliases, DeleteModelVersion",
        VERTEX,
    ),
    "pulumi-python:dynamic/vertex:EndpointDeployment": Manages(
        (
            "aiplatform.endpoints.get",
            "aiplatform.endpoints.deploy",
            "aiplatform.endpoints.undeploy",
            "aiplatform.endpoints.update",
            "aiplatform.models.get",
            "aiplatform.models.update",
        ),
        "endpoint_deployment.py: GetEndpoint, DeployModel, UndeployModel, MutateDeployedModel, UpdateEndpoint, "
        "GetModel, MergeVersionAliases",
        VERTEX,
    ),
    "pulumi-python:dynamic/vertex:ModelMonitors": Manages(
        (
            "aiplatform.modelMonitors.create",
            "aiplatform.modelMonitors.get",
            "aiplatform.modelMonitors.list",
            "aiplatform.modelMonitors.update",
            "aiplatform.modelMonitors.delete",
            "aiplatform.schedules.create",
            "aiplatform.schedules.list",
            "aiplatform.schedules.update",
            "aiplatform.schedules.delete",
        ),
        "model_monitor.py: Create/Get/List/Update/DeleteModelMonitor and their monitoring-job schedules",
        VERTEX,
    ),
    "pulumi-python:dynamic/kfp:PipelineTemplate": Manages(
        (
            "artifactregistry.kfpartifacts.create",
            "artifactregistry.versions.get",
            "artifactregistry.tags.create",
            "artifactregistry.tags.update",
            "artifactregistry.tags.delete",
        ),
        "pipeline_template.py: kfp RegistryClient upload_pipeline, get_version, create/update/delete_tag",
        REGISTRY_ROLES,
    ),
}


def deployer_needs(model: AccessModel) -> Iterator[Need]:
    """`pulumi up` of every declared resource, and acting as every account a resource runs as."""
    for resource in model.plan.resources:
        if not resource.custom or resource.type.startswith("pulumi:"):
            continue
        manages = DEPLOYER_TYPES.get(resource.type)
        if manages is None:
            continue  # judge.py reports it as access/unmodelled
        project = str(resource.inputs.get("project") or _bucket_project(model, resource) or model.project)
        for permission in manages.permissions:
            yield Need(
                DEPLOYER, permission, Scope("project", project, project), manages.reason, manages.source, resource
            )
        for email in attached_accounts(resource):
            yield Need(
                DEPLOYER,
                "iam.serviceAccounts.actAs",
                Scope("serviceAccount", email, email.split("@")[1].split(".")[0]),
                f"attaches {email} to {resource.name}",
                ACT_AS,
                resource,
            )


def _bucket_project(model: AccessModel, resource: PlannedResource) -> str:
    bucket = resource.inputs.get("bucket")
    return model.bucket(str(bucket)).project if bucket else ""


def attached_accounts(resource: PlannedResource) -> list[str]:
    """The accounts a resource runs something as (the caller needs actAs on each)."""
    inputs = resource.inputs
    found: list[Any] = []
    if resource.type == "gcp:cloudfunctionsv2/function:Function":
        found += [
            str(inputs.get("buildConfig", {}).get("serviceAccount", "")).rsplit("/", 1)[-1],
            inputs.get("serviceConfig", {}).get("serviceAccountEmail"),
            inputs.get("eventTrigger", {}).get("serviceAccountEmail"),
        ]
    elif resource.type == "gcp:cloudbuild/trigger:Trigger":
        found.append(str(inputs.get("serviceAccount", "")).rsplit("/", 1)[-1])
    elif resource.type == "gcp:colab/schedule:Schedule":
        found.append(inputs["createPipelineJobRequest"]["pipelineJob"].get("serviceAccount"))
    elif resource.type == "pulumi-python:dynamic/vertex:EndpointDeployment":
        found += [v.get("service_account") for v in inputs.get("versions", {}).values()]
    return sorted({str(email) for email in found if email})


# --- runtime identities -------------------------------------------------------------------------

Located = Sequence[tuple[Scope, PlannedResource | None]]  # what a need is about, and where it comes from
Where = Callable[[AccessModel], Located]


def _project(model: AccessModel) -> Located:
    return [(Scope("project", model.project, model.project), None)]


def _schedules(model: AccessModel, pipeline: str) -> list[PlannedResource]:
    return [
        s
        for s in model.of_type("gcp:colab/schedule:Schedule")
        if s.inputs["createPipelineJobRequest"]["pipelineJob"].get("labels", {}).get("pipeline") == pipeline
    ]


def _parameter(schedule: PlannedResource, key: str) -> str:
    return str(
        schedule.inputs["createPipelineJobRequest"]["pipelineJob"]["runtimeConfig"]["parameterValues"].get(key, "")
    )


def _dataset_of(uri: str) -> Scope:
    project, dataset, _ = uri.removeprefix("bq://").split(".", 2)
    return Scope("dataset", dataset, project)


def _output_buckets(model: AccessModel) -> Located:
    """Each run's output directory: every step writes its outputs there and the next reads them."""
    found: dict[Scope, PlannedResource | None] = {}
    for schedule in model.of_type("gcp:colab/schedule:Schedule"):
        uri = schedule.inputs["createPipelineJobRequest"]["pipelineJob"]["runtimeConfig"]["gcsOutputDirectory"]
        found.setdefault(model.bucket(str(uri).removeprefix("gs://").split("/")[0]), schedule)
    return sorted(found.items(), key=lambda item: item[0])


def _tables(pipeline: str, *keys: str) -> Where:
    def where(model: AccessModel) -> Located:
        found: dict[Scope, PlannedResource | None] = {}
        for schedule in _schedules(model, pipeline):
            for key in keys:
                if _parameter(schedule, key).startswith("bq://"):
                    found.setdefault(_dataset_of(_parameter(schedule, key)), schedule)
        return sorted(found.items(), key=lambda item: item[0])

    return where


def _models_buckets(model: AccessModel) -> Located:
    found: dict[Scope, PlannedResource | None] = {}
    for schedule in _schedules(model, "continuous-training"):
        bucket = _parameter(schedule, "models_bucket").removeprefix("gs://").split("/")[0]
        found.setdefault(model.bucket(bucket), schedule)
    return sorted(found.items(), key=lambda item: item[0])


def _token_if_proposing(model: AccessModel) -> Located:
    """The continuous-training runs that open pull requests read the GitHub token (estaleiro/training/propose.py)."""
    proposing = [
        s for s in _schedules(model, "continuous-training") if _parameter(s, "repository").startswith("github:")
    ]
    return [(Scope("secret", GITHUB_CREDENTIALS, model.project), proposing[0])] if proposing else []


def _if_runs(pipeline: str, where: Where) -> Where:
    return lambda model: where(model) if _schedules(model, pipeline) else []


def _if_any_schedule(where: Where) -> Where:
    return lambda model: where(model) if model.of_type("gcp:colab/schedule:Schedule") else []


def _served_models(model: AccessModel) -> Located:
    """The buckets the served versions' artifacts are in: images/model/server.py downloads them."""
    found: dict[Scope, PlannedResource | None] = {}
    for version in model.of_type("pulumi-python:dynamic/vertex:ModelVersion"):
        bucket = str(version.inputs["artifact_uri"]).removeprefix("gs://").split("/")[0]
        found.setdefault(model.bucket(bucket), version)
    return sorted(found.items(), key=lambda item: item[0])


def _serving_images(model: AccessModel) -> Located:
    """The Artifact Registry repositories of the served images. Google's prebuilt prediction images (project
    vertex-ai, as google-cloud-aiplatform's constants/prediction.py names them) are Google's, nothing to grant."""
    found: dict[Scope, PlannedResource | None] = {}
    for version in model.of_type("pulumi-python:dynamic/vertex:ModelVersion"):
        host, project, repository = [*str(version.inputs["serving_image"]).split("/"), "", ""][:3]
        if host.endswith("-docker.pkg.dev") and project != "vertex-ai":
            found.setdefault(
                Scope("repository", f"{host.removesuffix('-docker.pkg.dev')}/{repository}", project), version
            )
    return sorted(found.items(), key=lambda item: item[0])


def _function_settings(model: AccessModel) -> Located:
    """The one settings object the retraining function reads (functions/retrain/main.py read_settings)."""
    found = []
    for function in model.of_type("gcp:cloudfunctionsv2/function:Function"):
        for value in function.inputs.get("serviceConfig", {}).get("environmentVariables", {}).values():
            if str(value).startswith("gs://"):
                bucket, _, rest = str(value).removeprefix("gs://").partition("/")
                scope = model.bucket(bucket)
                found.append((Scope("bucket", bucket, scope.project, rest.split("#")[0]), function))
    return found


def _functions(model: AccessModel) -> Located:
    return [
        (
            Scope(
                "runService", f"{f.inputs['location']}/{f.inputs['name']}", str(f.inputs.get("project", model.project))
            ),
            f,
        )
        for f in model.of_type("gcp:cloudfunctionsv2/function:Function")
    ]


def _runner_account(model: AccessModel) -> Located:
    email = model.account("pipeline-runner")
    functions = model.of_type("gcp:cloudfunctionsv2/function:Function")
    return [(Scope("serviceAccount", email, model.project), functions[0])] if functions else []


ADMITTED = re.compile(r"assertion\.repository == '([^']+)'")


def federation_needs(model: AccessModel) -> Iterator[Need]:
    """Keyless CI: the GitHub repository a provider admits exchanges its jobs' tokens for the deployer's."""
    for provider in model.of_type("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"):
        admitted = ADMITTED.search(str(provider.inputs.get("attributeCondition", "")))
        if admitted:
            yield Need(
                f"github:{admitted.group(1)}",
                "iam.serviceAccounts.getAccessToken",
                Scope("serviceAccount", model.account(DEPLOYER), model.project),
                "Workload Identity Federation: the deploy job impersonates the deployer",
                WORKLOAD_IDENTITY,
                provider,
            )


def _triggers(model: AccessModel, role: str) -> list[PlannedResource]:
    """The stack's Cloud Build triggers of one role (pr, deploy, model-image: estaleiro.naming.TRIGGERS)."""
    return [t for t in model.of_type("gcp:cloudbuild/trigger:Trigger") if str(t.inputs["name"]).endswith(f"-{role}")]


def _ci_image(role: str) -> Where:
    """The repository of the CI image a trigger's steps run (its _CI_IMAGE substitution)."""

    def where(model: AccessModel) -> Located:
        found = []
        for trigger in _triggers(model, role):
            image = str(trigger.inputs.get("substitutions", {}).get("_CI_IMAGE", ""))
            host, project, repository = [*image.split("/"), "", "", ""][:3]
            found.append(
                (Scope("repository", f"{host.removesuffix('-docker.pkg.dev')}/{repository}", project), trigger)
            )
        return found

    return where


def _log_bucket(role: str) -> Where:
    def where(model: AccessModel) -> Located:
        found = []
        for trigger in _triggers(model, role):
            logs = str(trigger.inputs.get("substitutions", {}).get("_LOGS_BUCKET", ""))
            if logs:
                found.append((model.bucket(logs.removeprefix("gs://")), trigger))
        return found

    return where


def _trigger_token(role: str) -> Where:
    """cloudbuild/<role>.yaml reads projects/${PROJECT_ID}/secrets/github-token (availableSecrets)."""
    return lambda model: [
        (Scope("secret", GITHUB_CREDENTIALS, str(t.inputs.get("project", model.project))), t)
        for t in _triggers(model, role)
    ]


def _image_repository(model: AccessModel) -> Located:
    found = []
    for repository in model.purpose("gcp:artifactregistry/repository:Repository", "containers"):
        if _triggers(model, "model-image"):
            location, repo = repository.inputs["location"], repository.inputs["repositoryId"]
            found.append((Scope("repository", f"{location}/{repo}", str(repository.inputs["project"])), repository))
    return found


def _function_source(model: AccessModel) -> Located:
    found = []
    for function in model.of_type("gcp:cloudfunctionsv2/function:Function"):
        source = function.inputs.get("buildConfig", {}).get("source", {}).get("storageSource", {})
        if source.get("bucket"):
            found.append((model.bucket(str(source["bucket"])), function))
    return found


def _monitored(key: str) -> Where:
    """What Model Monitoring reads and writes for each monitored model (components/providers/model_monitor.py)."""

    def where(model: AccessModel) -> Located:
        found: dict[Scope, PlannedResource | None] = {}
        for monitors in model.of_type("pulumi-python:dynamic/vertex:ModelMonitors"):
            if key in ("bq://", "gs://"):  # each version's baseline: a BigQuery table, or a file in Cloud Storage
                for version in monitors.inputs.get("versions", {}).values():
                    baseline = str(version["training_table"])
                    if baseline.startswith("bq://") and key == "bq://":
                        found.setdefault(_dataset_of(baseline), monitors)
                    elif baseline.startswith("gs://") and key == "gs://":
                        found.setdefault(model.bucket(baseline.removeprefix("gs://").split("/")[0]), monitors)
            elif key == "output_uri":
                found.setdefault(model.bucket(str(monitors.inputs[key]).removeprefix("gs://").split("/")[0]), monitors)
        for endpoint in model.of_type("gcp:vertex/aiEndpoint:AiEndpoint") if key == "request_log" else []:
            logged = endpoint.inputs.get("predictRequestResponseLoggingConfig", {})
            if logged.get("enabled") and model.of_type("pulumi-python:dynamic/vertex:ModelMonitors"):
                found.setdefault(_dataset_of(str(logged["bigqueryDestination"]["outputUri"])), endpoint)
        return sorted(found.items(), key=lambda item: item[0])

    return where


# Which service agent uses a resource's CMEK key, by the resource type that names the key.
KEY_USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    BUCKET: ("agent:storage", ("encryption", "defaultKmsKeyName")),
    "gcp:artifactregistry/repository:Repository": ("agent:artifactregistry", ("kmsKeyName",)),
    "gcp:bigquery/dataset:Dataset": ("agent:bigquery", ("defaultEncryptionConfiguration", "kmsKeyName")),
    "gcp:bigquery/table:Table": ("agent:bigquery", ("encryptionConfiguration", "kmsKeyName")),
    "gcp:pubsub/topic:Topic": ("agent:pubsub", ("kmsKeyName",)),
    "gcp:vertex/aiEndpoint:AiEndpoint": ("agent:aiplatform", ("encryptionSpec", "kmsKeyName")),
    "pulumi-python:dynamic/vertex:ModelVersion": ("agent:aiplatform", ("encryption_key",)),
    "pulumi-python:dynamic/vertex:ModelMonitors": ("agent:aiplatform", ("encryption_key",)),
}


def key_needs(model: AccessModel) -> Iterator[Need]:
    """A CMEK-encrypted resource's service agent encrypts and decrypts with its key."""
    for type_, (agent, path) in KEY_USERS.items():
        for resource in model.of_type(type_):
            key: Any = resource.inputs
            for step in path:
                key = key.get(step) if isinstance(key, dict) else None
            if key:
                scope = Scope("cryptoKey", str(key), str(key).split("/")[1])
                for use in ("useToEncrypt", "useToDecrypt"):
                    yield Need(
                        agent,
                        f"cloudkms.cryptoKeyVersions.{use}",
                        scope,
                        f"encrypts {resource.name} with its customer-managed key",
                        CMEK,
                        resource,
                    )


def _alert_topics(model: AccessModel) -> Located:
    found = []
    for channel in model.of_type("gcp:monitoring/notificationChannel:NotificationChannel"):
        if channel.inputs.get("type") == "pubsub":
            topic = str(channel.inputs["labels"]["topic"])
            found.append((Scope("topic", topic.rsplit("/", 1)[-1], topic.split("/")[1]), channel))
    return found


def _access_log_buckets(model: AccessModel) -> Located:
    found: dict[Scope, PlannedResource | None] = {}
    for bucket in model.of_type(BUCKET):
        target = (bucket.inputs.get("logging") or {}).get("logBucket")
        if target:
            found.setdefault(model.bucket(str(target)), bucket)
    return sorted(found.items(), key=lambda item: item[0])


# (identity, permission, where, why, source): every runtime identity's work, one line per permission.
RUNTIME: tuple[tuple[str, str, Where, str, str], ...] = (
    # The pipelines (pipeline_specs/), run by Vertex AI Pipelines as the schedules' account.
    ("pipeline-runner", "aiplatform.metadataStores.get", _if_any_schedule(_project),
     "a pipeline job records its run in Vertex ML Metadata", PIPELINE_ACCOUNT),
    ("pipeline-runner", "storage.objects.create", _output_buckets,
     "each step writes its outputs under the run's output directory", PIPELINE_ACCOUNT),
    ("pipeline-runner", "storage.objects.get", _output_buckets,
     "each step reads the outputs of the steps before it", PIPELINE_ACCOUNT),
    ("pipeline-runner", "bigquery.tables.get", _tables("continuous-training", "data_uri", "baseline_uri"),
     "ingest: list_rows reads the table's schema (estaleiro/training/ingest.py)", BIGQUERY),
    ("pipeline-runner", "bigquery.tables.getData", _tables("continuous-training", "data_uri", "baseline_uri"),
     "ingest: list_rows reads the training and baseline rows (tabledata.list)", BIGQUERY),
    ("pipeline-runner", "storage.objects.create", _models_buckets,
     "propose: uploads the challenger's artifact (estaleiro/training/storage.py)", STORAGE),
    ("pipeline-runner", "secretmanager.versions.access", _token_if_proposing,
     "propose: reads the GitHub token to push its branch and open the pull request", SECRET_ACCESS),
    ("pipeline-runner", "bigquery.jobs.create", _if_runs("model-quality", _project),
     "measure: runs the quality query as a job billed to the project (estaleiro/quality/bigquery.py)", BIGQUERY),
    ("pipeline-runner", "bigquery.tables.getData", _tables("model-quality", "requests", "labels"),
     "measure: the query reads the request log and the ground truth", BIGQUERY),
    ("pipeline-runner", "monitoring.timeSeries.create", _if_runs("model-quality", _project),
     "decide: writes the measured quality as metric points (estaleiro/quality/points.py)", TIME_SERIES),
    # The model server (images/model/server.py) as the deployments' account.
    ("model-serving", "storage.objects.get", _served_models,
     "load_model downloads the version's artifact from AIP_STORAGE_URI", STORAGE),
    # The retraining function (functions/retrain/main.py) and the Eventarc trigger that runs as it.
    ("retrainer", "aiplatform.pipelineJobs.create", lambda m: _project(m) if _functions(m) else [],
     "CreatePipelineJob: starts a model's continuous-training run", VERTEX),
    ("retrainer", "aiplatform.pipelineJobs.list", lambda m: _project(m) if _functions(m) else [],
     "ListPipelineJobs: the model's recent runs (the rate limit)", VERTEX),
    ("retrainer", "iam.serviceAccounts.actAs", _runner_account,
     "the runs it creates run as the pipeline runner", ACT_AS),
    ("retrainer", "storage.objects.get", _function_settings,
     "read_settings: the one settings object the function's variable names", STORAGE),
    ("retrainer", "run.routes.invoke", _functions,
     "the Eventarc trigger delivers alerts as this account to the function's service", TRIGGER_IDENTITY),
    # Cloud Build: each trigger's account runs its config's steps (cloudbuild/*.yaml).
    ("pr-builder", "artifactregistry.repositories.downloadArtifacts", _ci_image("pr"),
     "pulls the CI image its steps run in", REGISTRY),
    ("pr-builder", "storage.objects.create", _log_bucket("pr"), "writes its build log (logsBucket)", BUILD_ACCOUNT),
    ("pr-builder", "storage.objects.delete", _log_bucket("pr"),
     "rewrites its build log as it grows (replacing an object needs delete)", STORAGE),
    ("pr-builder", "secretmanager.versions.access", _trigger_token("pr"),
     "reads the GitHub token to fetch history and post its comment", SECRET_ACCESS),
    (DEPLOYER, "artifactregistry.repositories.downloadArtifacts", _ci_image("deploy"),
     "the deploy trigger pulls the CI image its steps run in", REGISTRY),
    (DEPLOYER, "logging.logEntries.create", lambda m: _project(m) if _triggers(m, "deploy") else [],
     "cloudbuild/deploy.yaml logs to Cloud Logging (CLOUD_LOGGING_ONLY)", BUILD_ACCOUNT),
    (DEPLOYER, "secretmanager.versions.access", _trigger_token("deploy"),
     "cloudbuild/deploy.yaml reads the GitHub token to fetch history", SECRET_ACCESS),
    (DEPLOYER, "storage.objects.get", _function_source,
     "as the function's build account, the build reads the source archive", BUILD_ACCOUNT),
    (DEPLOYER, "logging.logEntries.create", _function_source,
     "as the function's build account, the build writes its log", BUILD_ACCOUNT),
    ("image-builder", "artifactregistry.repositories.downloadArtifacts", _ci_image("model-image"),
     "pulls the CI image its steps run in", REGISTRY),
    ("image-builder", "artifactregistry.repositories.uploadArtifacts", _image_repository,
     "pushes the model image's train and serve targets", REGISTRY),
    ("image-builder", "storage.objects.create", _log_bucket("model-image"), "writes its build log", BUILD_ACCOUNT),
    ("image-builder", "storage.objects.delete", _log_bucket("model-image"),
     "rewrites its build log as it grows (replacing an object needs delete)", STORAGE),
    # Google's service agents.
    ("agent:aiplatform", "artifactregistry.repositories.downloadArtifacts", _serving_images,
     "Vertex AI's service agent pulls a deployed model's serving image", CUSTOM_ACCOUNT),
    ("agent:aiplatform", "bigquery.tables.getData", _monitored("request_log"),
     "Model Monitoring reads the endpoint's request-response log", VERTEX),
    ("agent:aiplatform", "bigquery.tables.getData", _monitored("bq://"),
     "Model Monitoring reads each version's training data as its drift baseline", VERTEX),
    ("agent:aiplatform", "storage.objects.get", _monitored("gs://"),
     "Model Monitoring reads a version's baseline file (a proposed version's training rows)", VERTEX),
    ("agent:aiplatform", "storage.objects.create", _monitored("output_uri"),
     "Model Monitoring writes its results under the monitors' output directory", VERTEX),
    ("agent:monitoring-notification", "pubsub.topics.publish", _alert_topics,
     "Cloud Monitoring publishes incidents to the Pub/Sub channel's topic", NOTIFICATIONS),
    ("group:cloud-storage-analytics@google.com", "storage.objects.create", _access_log_buckets,
     "Cloud Storage writes usage logs into the access-log bucket", ACCESS_LOGS),
)  # fmt: skip


def runtime_needs(model: AccessModel) -> Iterator[Need]:
    for identity, permission, where, reason, source in RUNTIME:
        for scope, resource in where(model):
            yield Need(identity, permission, scope, reason, source, resource)


def needs(model: AccessModel) -> list[Need]:
    """Every need of the stack, deduplicated (one identity, permission and scope once, its first reason)."""
    found: dict[tuple[str, str, Scope], Need] = {}
    for need in (*deployer_needs(model), *runtime_needs(model), *key_needs(model), *federation_needs(model)):
        found.setdefault((need.identity, need.permission, need.scope), need)
    return sorted(found.values(), key=lambda n: (n.identity, n.permission, n.scope))
