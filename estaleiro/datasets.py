"""Reading one data set (CSV or Parquet, a local path or gs://) into an Arrow table, once, at the edge.

File problems become `InvalidInput` naming the file. CSV is read as pandas reads it (what
TFDV's `generate_statistics_from_dataframe` sees): empty cells and NaN spellings are
missing, in text columns too. A data set holds numbers, booleans and UTF-8 text in flat
columns: anything else (bytes Arrow could not decode, nested Parquet columns) is refused by
name before any statistic is computed. Other URL schemes are refused, and gs:// gives up
after `GCS_TIME_LIMIT` (without credentials the client would retry for minutes).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from estaleiro.errors import InvalidInput, Problem

GCS = "gs://"
GCS_TIME_LIMIT = timedelta(seconds=5)
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_CONVERSION = re.compile(r"In CSV column #(\d+): .*CSV conversion error")


def gcs_filesystem() -> pafs.FileSystem:
    """pyarrow's GcsFileSystem, retrying transient errors (no credentials, no network) for seconds, not minutes."""
    return pafs.GcsFileSystem(retry_time_limit=GCS_TIME_LIMIT)


def read_table(location: str, gcs: Callable[[], pafs.FileSystem] = gcs_filesystem) -> pa.Table:
    """The whole data set at `location`; `gs://bucket/path` goes through `gcs()` (pyarrow's GcsFileSystem)."""
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", location)
    if scheme and location[: scheme.end()] != GCS:
        message = f"{scheme.group(1)}:// is not supported; give a local path or a gs://bucket/path"
        raise InvalidInput([Problem(location, "", message)])
    suffix = next((s for s in FORMATS if location.lower().endswith(s)), None)
    if suffix is None:
        raise InvalidInput([Problem(location, "", "unsupported file type; expected a .csv or .parquet file")])
    filesystem, path = (
        (gcs(), location.removeprefix(GCS)) if location.startswith(GCS) else (pafs.LocalFileSystem(), location)
    )
    try:
        info = filesystem.get_file_info(path)
    except OSError as err:
        raise InvalidInput([Problem(location, "", f"cannot read: {_first_line(err)}")]) from err
    if info.type != pafs.FileType.File:
        raise InvalidInput([Problem(location, "", "no such file")])
    try:
        table = _csv(filesystem, path) if FORMATS[suffix] == "csv" else _parquet(filesystem, path)
    except (pa.ArrowInvalid, OSError) as err:
        raise InvalidInput([Problem(location, "", f"cannot parse as {FORMATS[suffix]}: {_first_line(err)}")]) from err
    if table.num_rows == 0:
        raise InvalidInput([Problem(location, "", "no rows: there is nothing to compare or train on")])
    problems = [Problem(location, field.name, _unsupported(field.type)) for field in table.schema]
    if any(problem.message for problem in problems):
        raise InvalidInput([problem for problem in problems if problem.message])
    return table


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _unsupported(kind: pa.DataType) -> str:
    """Why a column of this type cannot be compared, or "" when it can."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return "not UTF-8 text; save the file as UTF-8"
    if pa.types.is_nested(kind):
        return f"holds {kind} values; a feature is a flat column (numbers, booleans, text)"
    return ""


def _parquet(filesystem: pafs.FileSystem, path: str) -> pa.Table:
    """Text columns stay dictionary-encoded as stored: counting them then never builds a million strings."""
    schema = pq.read_schema(path, filesystem=filesystem)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return pq.read_table(path, filesystem=filesystem, read_dictionary=text)


def _csv(filesystem: pafs.FileSystem, path: str) -> pa.Table:
    """A column Arrow typed from its first block but that later holds text is read as text."""
    as_text: dict[str, pa.DataType] = {}
    while True:
        options = pcsv.ConvertOptions(strings_can_be_null=True, column_types=as_text)
        try:
            with filesystem.open_input_stream(path) as stream:
                return pcsv.read_csv(stream, convert_options=options)
        except pa.ArrowInvalid as err:
            match = _CONVERSION.search(str(err))
            if match is None:
                raise
            with filesystem.open_input_stream(path) as stream:
                header = pcsv.open_csv(stream).schema.names
            column = header[int(match.group(1))]
            if column in as_text:
                raise
            as_text[column] = pa.string()
