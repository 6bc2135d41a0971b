"""Copy the API definitions the project sends messages to from a googleapis checkout into apis/googleapis/.

Usage: python apis/vendor.py /path/to/googleapis.git COMMIT

ROOTS are the files that define the messages we send; each one's imports are followed
(transitively) and copied too, except definitions that only annotate (google/api/annotations,
field_behavior, resource, client, ...), and packages whose types the contracts treat as leaves
(google/protobuf, google/type, google/rpc, google/longrunning). Re-running with the same commit
writes the same bytes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOTS = (
    # Cloud Monitoring: alert policies, notification channels, metric descriptors, time series, dashboards
    "google/monitoring/v3/alert_service.proto",
    "google/monitoring/v3/notification_service.proto",
    "google/monitoring/v3/metric_service.proto",
    "google/monitoring/dashboard/v1/dashboards_service.proto",
    # Vertex AI: endpoints, models, pipeline jobs, schedules (v1); model monitors and their schedules (v1beta1)
    "google/cloud/aiplatform/v1/endpoint_service.proto",
    "google/cloud/aiplatform/v1/model_service.proto",
    "google/cloud/aiplatform/v1/pipeline_service.proto",
    "google/cloud/aiplatform/v1/schedule_service.proto",
    "google/cloud/aiplatform/v1beta1/model_monitoring_service.proto",
    "google/cloud/aiplatform/v1beta1/schedule_service.proto",
    # BigQuery (datasets, tables), Cloud Storage (buckets, objects)
    "google/cloud/bigquery/v2/dataset.proto",
    "google/cloud/bigquery/v2/table.proto",
    "google/cloud/bigquery/v2/job.proto",  # the quality job's queries (jobs.insert, jobs.query)
    "google/storage/v2/storage.proto",
    # Build, functions, registries, keys, secrets, topics
    "google/devtools/cloudbuild/v1/cloudbuild.proto",
    "google/cloud/functions/v2/functions.proto",
    "google/devtools/artifactregistry/v1/repository.proto",
    "google/cloud/kms/v1/service.proto",
    "google/cloud/secretmanager/v1/service.proto",
    "google/pubsub/v1/pubsub.proto",
    # IAM: policy bindings, service accounts, custom roles, workload identity federation; service enablement
    "google/iam/v1/iam_policy.proto",
    "google/iam/admin/v1/iam.proto",
    "google/iam/v1beta/workload_identity_pool.proto",
    "google/api/serviceusage/v1/serviceusage.proto",
    "google/api/serviceusage/v1beta1/serviceusage.proto",
    # Long-running operations: the endpoint deployment lists an endpoint's unfinished operations before acting
    "google/longrunning/operations.proto",
)
ANNOTATIONS = {
    f"google/api/{name}.proto"
    for name in ("annotations", "client", "field_behavior", "field_info", "resource", "http", "routing", "visibility")
}
LEAF_PACKAGES = ("google/protobuf/", "google/type/", "google/rpc/", "google/longrunning/", "google/logging/type/")
IMPORT = re.compile(r'^import (?:public )?"([^"]+)";', re.MULTILINE)
OUT = Path(__file__).resolve().parent / "googleapis"


def followed(path: str) -> bool:
    return path not in ANNOTATIONS and not path.startswith(LEAF_PACKAGES)


def vendor(repo: str, commit: str) -> list[str]:
    todo, done = list(ROOTS), set[str]()
    while todo:
        path = todo.pop()
        if path in done:
            continue
        done.add(path)
        text = subprocess.run(
            ["git", "-C", repo, "show", f"{commit}:{path}"], check=True, capture_output=True, text=True
        ).stdout
        (OUT / path).parent.mkdir(parents=True, exist_ok=True)
        (OUT / path).write_text(text, encoding="utf-8")
        todo.extend(p for p in IMPORT.findall(text) if followed(p))
    return sorted(done)


if __name__ == "__main__":
    for copied in vendor(sys.argv[1], sys.argv[2]):
        print(copied)
