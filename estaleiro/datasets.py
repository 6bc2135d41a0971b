"""Reading one data set (CSV or Parquet, a local path or gs://) into an Arrow table, once, at the edge.

File problems become `InvalidInput` naming the file. CSV is read as pandas reads it (what
TFDV's `generate_statistics_from_dataframe` sees): empty cells and NaN spellings are
missing, in text columns too.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from estaleiro.errors import InvalidInput, Problem

GCS = "gs://"
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_CONVERSION = re.compile(r"In CSV column #(\d+): .*CSV conversion error")


def read_table(location: str, gcs: Callable[[], pafs.FileSystem] = pafs.GcsFileSystem) -> pa.Table:
    """The whole data set at `location`; `gs://bucket/path` goes through `gcs()` (pyarrow's GcsFileSystem)."""
    suffix = next((s for s in FORMATS if location.lower().endswith(s)), None)
    if suffix is None:
        raise InvalidInput([Problem(location, "", "unsupported file type; expected a .csv or .parquet file")])
    filesystem, path = (
        (gcs(), location.removeprefix(GCS)) if location.startswith(GCS) else (pafs.LocalFileSystem(), location)
    )
    info = filesystem.get_file_info(path)
    if info.type != pafs.FileType.File:
        raise InvalidInput([Problem(location, "", "no such file")])
    try:
        table = _csv(filesystem, path) if FORMATS[suffix] == "csv" else pq.read_table(path, filesystem=filesystem)
    except (pa.ArrowInvalid, OSError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InvalidInput([Problem(location, "", f"cannot parse as {FORMATS[suffix]}: {first_line}")]) from err
    if table.num_rows == 0:
        raise InvalidInput([Problem(location, "", "no rows: a side with no data cannot be compared")])
    return table


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
