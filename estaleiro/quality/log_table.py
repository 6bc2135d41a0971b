"""The request-response log table as Vertex AI creates it, and the instance field that joins it to labels.

What Google says, and where:
- google/cloud/aiplatform/v1/endpoint.proto (googleapis f8291d2b, lines 359-375),
  PredictRequestResponseLoggingConfig: Vertex creates the table ("If no table name is given, a new
  table will be created with name `request_response_logging`"); io.proto lines 71-84,
  BigQueryDestination: with a full table reference "the Dataset must exist and table must not exist".
- The v1beta1 PredictRequestResponseLoggingConfig and the v1 ModelDeploymentMonitoringBigQueryTable
  carry `request_response_logging_schema_version`, output only: 'The versions are "v1" and "v2".
  The current default version is "v1"' (aiplatform_v1beta1 types/endpoint.py, read through the code
  search; https://cloud.google.com/python/docs/reference/aiplatform/latest/google.cloud.aiplatform_v1beta1.types.PredictRequestResponseLoggingConfig).
- The columns are not listed on https://cloud.google.com/vertex-ai/docs/predictions/online-prediction-logging
  as far as the page could be read here. Two readers of real tables give them:
  elastic/beats x-pack/metricbeat/module/gcp/vertexai_logs (data.go: `RequestPayload []string`,
  `ResponsePayload []string`; vertexai_logs.go selects `CAST(request_id AS STRING)`, and the v2 columns
  `model`, `model_version`, `api_method`, `full_request`, `full_response`, `metadata` (JSON) and
  `otel_log`); and a Google engineer's Vertex pipeline (code search, a kfp `prepare_training_data`
  step) reading an endpoint's table with `FROM table, UNNEST(request_payload) AS payload` and
  `logging_time` as a TIMESTAMP. So: `request_payload` and `response_payload` are ARRAY<STRING>, one
  JSON text per instance and per prediction, in the order of the request; `request_id` is
  Vertex's own (NUMERIC), which no labelling system ever sees.

Left open by Google's text, and read both ways: whether an element is the instance's JSON object or
an array (the key is read from objects; an array instance is served but cannot be labelled), whether
a prediction is a JSON number or a string holding one, and whether the key is a JSON string or number.
The quality query reads only the columns both schema versions share. A team confirms its table's
layout with `bq show --schema --format=prettyjson PROJECT:DATASET.TABLE` (README, "Served quality").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

REQUEST_KEY = "request_key"  # the instance field clients set and the label feed carries; the model ignores it

# BigQuery's TableFieldSchema of each version (name, type, mode), what the generator writes and the fake serves.
SHARED = (
    ("endpoint", "STRING", "NULLABLE"),
    ("deployed_model_id", "STRING", "NULLABLE"),
    ("logging_time", "TIMESTAMP", "NULLABLE"),
    ("request_id", "NUMERIC", "NULLABLE"),
    ("request_payload", "STRING", "REPEATED"),
    ("response_payload", "STRING", "REPEATED"),
)
V2_ONLY = (
    ("model", "STRING", "NULLABLE"),
    ("model_version", "STRING", "NULLABLE"),
    ("api_method", "STRING", "NULLABLE"),
    ("full_request", "JSON", "NULLABLE"),
    ("full_response", "JSON", "NULLABLE"),
    ("metadata", "JSON", "NULLABLE"),
)
SCHEMAS = {"v1": SHARED, "v2": SHARED + V2_ONLY}

# BigQuery's Arrow marking of a JSON column (Storage Read API, "Arrow schema details").
_JSON = {b"ARROW:extension:name": b"google:sqlType:json"}


def arrow_schema(version: str) -> pa.Schema:
    """The version's columns in Arrow: NUMERIC as BigQuery's decimal(38, 9), REPEATED as a list, JSON marked.

    pyarrow is imported here, not above: the stack (components/monitoring/ground_truth.py) reads REQUEST_KEY.
    """
    import pyarrow as pa

    types = {"STRING": pa.string(), "TIMESTAMP": pa.timestamp("us", tz="UTC"), "NUMERIC": pa.decimal128(38, 9)}
    fields = []
    for name, kind, mode in SCHEMAS[version]:
        if kind == "JSON":
            fields.append(pa.field(name, pa.string(), metadata=_JSON))
        else:
            fields.append(pa.field(name, pa.list_(types[kind]) if mode == "REPEATED" else types[kind]))
    return pa.schema(fields)
