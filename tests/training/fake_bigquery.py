"""A BigQuery REST API v2 fake on 127.0.0.1 that runs GoogleSQL on DuckDB (transpiled with sqlglot).

Tables are pandas DataFrames (or pyarrow Tables) registered under `project.dataset.table`; a query
runs on a fresh DuckDB connection holding the tables it names. It speaks the calls
`google-cloud-bigquery` 3.47 makes (read from the client and recorded against this fake):
jobs.insert, jobs.get, jobs.getQueryResults, jobs.query, tables.get and tabledata.list. Each rule
cites the REST reference page it follows (https://cloud.google.com/bigquery/docs/reference/rest/v2/
...); tests/training/test_fake_bigquery.py tests them one by one.

Use it with the real client:

    warehouse = Warehouse()
    warehouse.add("acme-ml-dev.churn.training", frame)
    with serve(warehouse) as endpoint:
        client = warehouse_client(endpoint, "acme-ml-dev")
        client.query("SELECT ... WHERE x > @x", job_config=QueryJobConfig(query_parameters=[...])).result()

Known limits: every result is computed at once (no running jobs); DuckDB's TIMESTAMP and
TIMESTAMPTZ both come back as TIMESTAMP (the connection's time zone is UTC), so DATETIME never
does; only scalar query parameters (no ARRAY or STRUCT), named ones only.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import duckdb
import pandas as pd
import pyarrow as pa
import sqlglot
from sqlglot import exp

PREFIX = "/bigquery/v2"
LOCATION = "US"
JOBS = re.compile(rf"^{PREFIX}/projects/(?P<project>[^/]+)/jobs$")
JOB = re.compile(rf"^{PREFIX}/projects/(?P<project>[^/]+)/jobs/(?P<job>[^/]+)$")
QUERIES = re.compile(rf"^{PREFIX}/projects/(?P<project>[^/]+)/queries$")
RESULTS = re.compile(rf"^{PREFIX}/projects/(?P<project>[^/]+)/queries/(?P<job>[^/]+)$")
TABLE = re.compile(rf"^{PREFIX}/projects/(?P<project>[^/]+)/datasets/(?P<dataset>[^/]+)/tables/(?P<table>[^/]+)$")
DATA = re.compile(rf"^{PREFIX}/projects/(?P<project>[^/]+)/datasets/(?P<dataset>[^/]+)/tables/(?P<table>[^/]+)/data$")

# QueryParameter (reference/rest/v2/QueryParameter): parameterType.type names a GoogleSQL type and
# parameterValue.value is its value as a string; the fake casts the value to the declared type.
PARAMETER_TYPES = {"STRING": "STRING", "INT64": "INT64", "FLOAT64": "FLOAT64", "BOOL": "BOOL", "TIMESTAMP": "TIMESTAMP"}


class BigQueryError(Exception):
    """An error answer: HTTP status, ErrorProto reason and message (reference/rest/v2/ErrorProto)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message

    def proto(self) -> dict[str, str]:
        # ErrorProto: {"reason", "location", "debugInfo", "message"}; the reasons are those of
        # https://cloud.google.com/bigquery/docs/error-messages (notFound 404, invalidQuery 400, ...).
        return {"reason": self.reason, "message": self.message}

    def body(self) -> dict[str, Any]:
        # Google APIs' error answer, as BigQuery documents it (docs/error-messages, "Error table"):
        # {"error": {"code", "message", "errors": [ErrorProto...], "status"}}.
        status = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ALREADY_EXISTS"}.get(
            self.status, "UNKNOWN"
        )
        error = {**self.proto(), "domain": "global"}
        return {"error": {"code": self.status, "message": self.message, "errors": [error], "status": status}}


@dataclass
class Job:
    resource: dict[str, Any]
    result: pa.Table | None = None
    error: BigQueryError | None = None


@dataclass
class Warehouse:
    """What the fake holds: tables by `project.dataset.table`, the jobs it ran, and every request."""

    tables: dict[str, pd.DataFrame | pa.Table] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)  # tables the caller may not read (IAM)
    jobs: dict[str, Job] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, rows: pd.DataFrame | pa.Table) -> None:
        if name.count(".") != 2:
            raise ValueError(f"{name}: tables are registered as project.dataset.table")
        self.tables[name] = rows

    def run(self, sql: str, parameters: list[dict[str, Any]], project: str, default: dict[str, str] | None) -> pa.Table:
        """The query's rows, or a BigQueryError as BigQuery would answer it."""
        try:
            tree = sqlglot.parse_one(sql, read="bigquery")
        except sqlglot.errors.ParseError as err:
            detail = err.errors[0]["description"] if err.errors else str(err)
            raise BigQueryError(400, "invalidQuery", f"Syntax error: {detail}") from None
        tree, tables = self._bind_tables(tree, project, default)
        _json_arguments_are_strings(
            tree, {column for name in tables.values() for column in _repeated(self.tables[name])}
        )
        tree, values = _bind_parameters(tree, parameters)
        connection = duckdb.connect()
        try:
            connection.execute("SET TimeZone = 'UTC'")
            for alias, name in tables.items():
                connection.register(alias, self.tables[name])
            return connection.sql(tree.sql(dialect="duckdb"), params=values or None).to_arrow_table()
        except duckdb.Error as err:
            raise BigQueryError(400, "invalidQuery", str(err).splitlines()[0]) from None
        finally:
            connection.close()

    def _bind_tables(
        self, tree: exp.Expr, project: str, default: dict[str, str] | None
    ) -> tuple[exp.Expr, dict[str, str]]:
        ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        tables: dict[str, str] = {}

        def bind(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, exp.Table) or not node.name or (not node.db and node.name in ctes):
                return node
            if node.db:
                name = f"{node.catalog or project}.{node.db}.{node.name}"
            elif default:
                # jobs.query / JobConfigurationQuery.defaultDataset: "Specifies the default datasetId and
                # projectId to assume for any unqualified table names in the query."
                name = f"{default.get('projectId', project)}.{default['datasetId']}.{node.name}"
            else:
                raise BigQueryError(
                    400, "invalidQuery", f'Table "{node.name}" must be qualified with a dataset (e.g. dataset.table).'
                )
            _readable(self, name)
            alias = f"t{len(tables)}"
            tables[alias] = name
            return exp.table_(alias).as_(node.alias or node.name)

        return tree.transform(bind), tables


def _repeated(rows: pd.DataFrame | pa.Table) -> set[str]:
    """The ARRAY columns of a registered table (an Arrow list; in a DataFrame, a column holding lists)."""
    if isinstance(rows, pa.Table):
        return {f.name for f in rows.schema if pa.types.is_list(f.type) or pa.types.is_large_list(f.type)}
    return {str(c) for c in rows.columns if len(rows) and isinstance(rows[c].iloc[0], list)}


JSON_FUNCTIONS = (exp.JSONExtractScalar, exp.JSONExtract, exp.JSONExtractArray)


def _json_arguments_are_strings(tree: exp.Expr, repeated: set[str]) -> None:
    """JSON_VALUE, JSON_QUERY, JSON_EXTRACT(_SCALAR) and JSON_QUERY_ARRAY take a JSON-formatted STRING or a
    JSON value (standard-sql/json_functions: `JSON_VALUE(json_string_expr[, json_path])`, "json_string_expr:
    A JSON-formatted string", or `json_expr`: JSON); an ARRAY has no signature. DuckDB would read it as NULL.
    """
    for call in tree.find_all(*JSON_FUNCTIONS):
        argument = call.this
        if isinstance(argument, exp.Column) and argument.name in repeated:
            name = call.sql(dialect="bigquery").split("(", 1)[0]
            raise BigQueryError(
                400,
                "invalidQuery",
                f"No matching signature for function {name} for argument types: ARRAY<STRING>, STRING",
            )


def _readable(warehouse: Warehouse, name: str) -> None:
    """docs/error-messages: notFound (404) for a table that does not exist; accessDenied (403) for one
    the caller has no access to."""
    project, rest = name.split(".", 1)
    if name not in warehouse.tables:
        raise BigQueryError(404, "notFound", f"Not found: Table {project}:{rest} was not found in location {LOCATION}")
    if name in warehouse.denied:
        message = (
            f"Access Denied: Table {project}:{rest}: User does not have permission to read table {project}:{rest}."
        )
        raise BigQueryError(403, "accessDenied", message)


def _bind_parameters(tree: exp.Expr, parameters: list[dict[str, Any]]) -> tuple[exp.Expr, dict[str, str | None]]:
    """Each `@name` becomes a cast of its string value to its declared type (QueryParameter)."""
    declared: dict[str, str] = {}
    values: dict[str, str | None] = {}
    for parameter in parameters:
        # QueryParameter.name: "If unset, this is a positional parameter"; the fake speaks NAMED mode only.
        name = parameter.get("name")
        kind = parameter.get("parameterType", {}).get("type", "")
        if not name:
            raise BigQueryError(400, "invalid", "Positional parameters are not supported by this fake")
        if kind not in PARAMETER_TYPES:
            raise BigQueryError(400, "invalid", f"Unsupported query parameter type {kind!r} for parameter {name}")
        declared[name.lower()] = kind
        # QueryParameterValue.value: "The value of this value, if a simple scalar type"; absent is NULL.
        values[name.lower()] = parameter.get("parameterValue", {}).get("value")

    def bind(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Parameter):
            return node
        name = node.name.lower()
        if name not in declared:
            # Parameter names are case-insensitive in GoogleSQL; an undeclared one is an invalid query.
            raise BigQueryError(400, "invalidQuery", f"Query parameter '{node.name}' not found")
        kind = exp.DataType.build(PARAMETER_TYPES[declared[name]], dialect="bigquery")
        return exp.cast(exp.Placeholder(this=name), kind)

    bound = tree.transform(bind)
    used = {p.name for p in bound.find_all(exp.Placeholder)}
    return bound, {k: v for k, v in values.items() if k in used}


# How BigQuery marks a JSON column in Arrow (the Storage Read API's extension name for JSON columns,
# https://cloud.google.com/bigquery/docs/reference/storage#arrow_schema_details).
JSON_EXTENSION = {b"ARROW:extension:name": b"google:sqlType:json"}


def schema(table: pa.Schema) -> dict[str, Any]:
    """TableSchema (reference/rest/v2/tables#TableSchema): fields with the legacy type names the API returns.

    TableFieldSchema.mode: "NULLABLE, REQUIRED and REPEATED"; an ARRAY<T> column is a field of type T
    in mode REPEATED (docs/nested-repeated). A string field carrying the JSON extension is type JSON.
    """
    return {"fields": [_field(f) for f in table]}


def _field(column: pa.Field) -> dict[str, str]:
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        return {"name": column.name, "type": _type(column.type.value_type), "mode": "REPEATED"}
    json = (column.metadata or {}).items() >= JSON_EXTENSION.items()
    return {"name": column.name, "type": "JSON" if json else _type(column.type), "mode": "NULLABLE"}


def _type(kind: pa.DataType) -> str:
    # TableFieldSchema.type: STRING, BYTES, INTEGER (or INT64), FLOAT (or FLOAT64), BOOLEAN (or BOOL),
    # TIMESTAMP, DATE, TIME, NUMERIC, ...; the API answers with the first spelling (INTEGER, FLOAT, BOOLEAN).
    checks = (
        (pa.types.is_boolean, "BOOLEAN"),
        (pa.types.is_integer, "INTEGER"),
        # DuckDB sums integers into HUGEINT (Arrow decimal128(38, 0)) where GoogleSQL's SUM/COUNTIF of
        # INT64 is INT64; BigQuery's NUMERIC always has scale 9, so scale 0 is never a NUMERIC.
        (lambda t: pa.types.is_decimal(t) and t.scale == 0, "INTEGER"),
        (pa.types.is_floating, "FLOAT"),
        (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t), "STRING"),
        (pa.types.is_timestamp, "TIMESTAMP"),
        (pa.types.is_date, "DATE"),
        (pa.types.is_time, "TIME"),
        (pa.types.is_decimal, "NUMERIC"),
        (lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t), "BYTES"),
    )
    for check, name in checks:
        if check(kind):
            return name
    raise BigQueryError(400, "invalidQuery", f"this fake cannot return a column of type {kind}")


def rows(table: pa.Table, int64_timestamps: bool) -> list[dict[str, Any]]:
    """TableRow (reference/rest/v2/tabledata/list): {"f": [{"v": cell}]}, every non-null cell a string."""
    types = [_field(f)["type"] for f in table.schema]
    columns = []
    for kind, column in zip(types, table.columns, strict=True):
        if kind == "TIMESTAMP" and pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("us", tz=column.type.tz)).cast(pa.int64())
        columns.append(column.to_pylist())
    return [
        {"f": [{"v": _cell(kind, value, int64_timestamps)} for kind, value in zip(types, row, strict=True)]}
        for row in zip(*columns, strict=True)
    ]


def _cell(kind: str, value: Any, int64_timestamps: bool) -> str | list[dict[str, Any]] | None:
    if value is None:
        return None
    if isinstance(value, list):
        # A REPEATED cell is a list of {"v": element} (tabledata.list's TableRow, nested-repeated data).
        return [{"v": _cell(kind, element, int64_timestamps)} for element in value]
    if kind == "BOOLEAN":
        return "true" if value else "false"
    if kind == "FLOAT":
        special = {float("inf"): "Infinity", float("-inf"): "-Infinity"}
        return "NaN" if value != value else special.get(value, repr(value))
    if kind == "TIMESTAMP":
        # DataFormatOptions.useInt64Timestamp: "Output timestamp as usec int64. Default is false", when
        # the timestamp is seconds since the epoch as a floating-point string.
        return str(value) if int64_timestamps else repr(value / 1e6)
    if kind == "BYTES":
        return base64.b64encode(value).decode()
    if isinstance(value, (datetime.date, datetime.time, Decimal)):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return str(value)


def page(table: pa.Table, query: dict[str, list[str]], default_size: int | None) -> dict[str, Any]:
    """One page: `maxResults` rows from `pageToken` (or `startIndex`), and the next page's token if any.

    tabledata.list and jobs.getQueryResults: "maxResults: Row limit of the table"/"Maximum number of
    results to read"; "pageToken: To retrieve the next page of table data, set this field to the
    string provided in the pageToken field of the response body from your previous call";
    "startIndex: Start row index of the table".
    """
    start = int(query.get("pageToken", query.get("startIndex", ["0"]))[0])
    size = int(query["maxResults"][0]) if "maxResults" in query else default_size
    end = table.num_rows if size is None else min(start + size, table.num_rows)
    int64 = query.get("formatOptions.useInt64Timestamp", ["false"])[0].lower() == "true"
    answer: dict[str, Any] = {"totalRows": str(table.num_rows)}
    if end > start:
        answer["rows"] = rows(table.slice(start, end - start), int64)
    if end < table.num_rows and end > start:
        answer["pageToken"] = str(end)
    return answer


class Handler(BaseHTTPRequestHandler):
    warehouse: Warehouse

    def log_message(self, *_: object) -> None:
        return

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", 0))
        return json.loads(self.rfile.read(length)) if length else {}

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        url = urlparse(self.path)
        self.warehouse.requests.append((method, self.path))
        query = parse_qs(url.query)
        routes = {
            ("POST", JOBS): self._insert,
            ("GET", JOB): self._get_job,
            ("POST", QUERIES): self._query,
            ("GET", RESULTS): self._results,
            ("GET", TABLE): self._table,
            ("GET", DATA): self._data,
        }
        for (verb, pattern), action in routes.items():
            match = pattern.match(url.path)
            if verb == method and match:
                try:
                    self._reply(200, action(match.groupdict(), query))
                except BigQueryError as err:
                    self._reply(err.status, err.body())
                return
        self._reply(404, BigQueryError(404, "notFound", f"Not found: URL {url.path}").body())

    def _insert(self, path: dict[str, str], _: dict[str, list[str]]) -> dict[str, Any]:
        """jobs.insert (reference/rest/v2/jobs/insert): the request body is the Job; the answer is the Job."""
        body = self._body()
        configuration = body.get("configuration", {})
        if "query" not in configuration:
            raise BigQueryError(400, "invalid", "This fake runs query jobs only")
        reference = {"projectId": path["project"], "location": LOCATION, **body.get("jobReference", {})}
        job_id = reference.setdefault("jobId", f"job_{uuid.uuid4().hex}")
        if job_id in self.warehouse.jobs:
            # Creating a job with the id of an existing one is 409 duplicate ("Already Exists: Job ...").
            raise BigQueryError(409, "duplicate", f"Already Exists: Job {path['project']}:{LOCATION}.{job_id}")
        job = self._execute(reference, configuration)
        return job.resource

    def _execute(self, reference: dict[str, str], configuration: dict[str, Any]) -> Job:
        query = configuration["query"]
        # JobConfigurationQuery.useLegacySql / QueryRequest.useLegacySql: "The default value is true."
        if query.get("useLegacySql", True):
            raise BigQueryError(400, "invalid", "This fake speaks GoogleSQL only (useLegacySql: false)")
        now = str(int(datetime.datetime.now(datetime.UTC).timestamp() * 1000))
        resource: dict[str, Any] = {
            "kind": "bigquery#job",
            "id": f"{reference['projectId']}:{LOCATION}.{reference['jobId']}",
            "jobReference": reference,
            "configuration": configuration,
            # Job.status.state: PENDING, RUNNING or DONE; the fake finishes every job before answering.
            "status": {"state": "DONE"},
            "statistics": {"creationTime": now, "startTime": now, "endTime": now, "query": {"statementType": "SELECT"}},
        }
        job = Job(resource)
        try:
            job.result = self.warehouse.run(
                query["query"], query.get("queryParameters", []), reference["projectId"], query.get("defaultDataset")
            )
        except BigQueryError as err:
            # JobStatus.errorResult: "Final error result of the job. If present, indicates that the job has
            # completed and was unsuccessful."; JobStatus.errors: all errors encountered.
            job.error = err
            resource["status"].update(errorResult=err.proto(), errors=[err.proto()])
        self.warehouse.jobs[reference["jobId"]] = job
        return job

    def _job(self, path: dict[str, str]) -> Job:
        job = self.warehouse.jobs.get(path["job"])
        if job is None or job.resource["jobReference"]["projectId"] != path["project"]:
            raise BigQueryError(404, "notFound", f"Not found: Job {path['project']}:{path['job']}")
        return job

    def _get_job(self, path: dict[str, str], _: dict[str, list[str]]) -> dict[str, Any]:
        """jobs.get (reference/rest/v2/jobs/get): the Job resource."""
        return self._job(path).resource

    def _results(self, path: dict[str, str], query: dict[str, list[str]]) -> dict[str, Any]:
        """jobs.getQueryResults (reference/rest/v2/jobs/getQueryResults): a page of a finished query's rows.

        A job that failed answers with its error, as the troubleshooting table maps reasons to codes.
        """
        job = self._job(path)
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": job.resource["jobReference"],
            "jobComplete": True,
            "schema": schema(job.result.schema),
            **page(job.result, query, None),
        }

    def _query(self, path: dict[str, str], _: dict[str, list[str]]) -> dict[str, Any]:
        """jobs.query (reference/rest/v2/jobs/query): runs the query and answers its first page.

        The request is a QueryRequest (query, queryParameters, defaultDataset, maxResults,
        useLegacySql, ...); the answer a QueryResponse with jobReference, schema, rows, totalRows,
        pageToken and jobComplete. An error comes back as the HTTP error, not as a job.
        """
        body = self._body()
        reference = {"projectId": path["project"], "location": LOCATION, "jobId": f"job_{uuid.uuid4().hex}"}
        fields = ("query", "queryParameters", "defaultDataset", "useLegacySql")
        job = self._execute(reference, {"query": {k: body[k] for k in fields if k in body}})
        if job.error is not None:
            raise job.error
        assert job.result is not None
        options = body.get("formatOptions", {})
        query = {"formatOptions.useInt64Timestamp": [str(options.get("useInt64Timestamp", False))]}
        if "maxResults" in body:
            query["maxResults"] = [str(body["maxResults"])]
        return {
            "kind": "bigquery#queryResponse",
            "jobReference": reference,
            "jobComplete": True,
            "schema": schema(job.result.schema),
            **page(job.result, query, None),
        }

    def _stored(self, path: dict[str, str]) -> tuple[str, pa.Table]:
        """The table as registered (an Arrow table keeps its declared types; a DataFrame is converted)."""
        name = f"{path['project']}.{path['dataset']}.{path['table']}"
        _readable(self.warehouse, name)
        stored = self.warehouse.tables[name]
        return name, stored if isinstance(stored, pa.Table) else pa.Table.from_pandas(stored, preserve_index=False)

    def _table(self, path: dict[str, str], _: dict[str, list[str]]) -> dict[str, Any]:
        """tables.get (reference/rest/v2/tables/get): the Table resource, with its schema and numRows."""
        name, table = self._stored(path)
        project, dataset, table_id = name.split(".")
        return {
            "kind": "bigquery#table",
            "id": f"{project}:{dataset}.{table_id}",
            "tableReference": {"projectId": project, "datasetId": dataset, "tableId": table_id},
            "schema": schema(table.schema),
            "numRows": str(table.num_rows),
            "type": "TABLE",
            "location": LOCATION,
        }

    def _data(self, path: dict[str, str], query: dict[str, list[str]]) -> dict[str, Any]:
        """tabledata.list (reference/rest/v2/tabledata/list): a page of the table's rows (TableDataList).

        `selectedFields`: "Subset of fields to return, supports select into sub fields", comma-separated.
        """
        _, table = self._stored(path)
        if "selectedFields" in query:
            table = table.select(query["selectedFields"][0].split(","))
        return {"kind": "bigquery#tableDataList", **page(table, query, None)}


@contextmanager
def serve(warehouse: Warehouse) -> Iterator[str]:
    """The fake on a free port of 127.0.0.1; yields the endpoint (`client_options={"api_endpoint": ...}`)."""
    handler = type("BoundHandler", (Handler,), {"warehouse": warehouse})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def warehouse_client(endpoint: str, project: str) -> Any:
    """The real `google.cloud.bigquery.Client`, pointed at the fake with anonymous credentials."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(
        project=project, credentials=AnonymousCredentials(), client_options={"api_endpoint": endpoint}
    )
