"""Write a folder of files to a `gs://` location, or to a local stand-in for the bucket.

pyarrow's filesystems do the copying, so the cloud path and the laptop path are one code
path: in the cloud `mirror` is empty and files go to Cloud Storage; on this machine
`gs://bucket/key` lands at `<mirror>/bucket/key`.
"""

from __future__ import annotations

from pathlib import Path

from pyarrow import fs


def upload(folder: Path, uri: str, mirror: str = "") -> str:
    """Copy every file under `folder` to `uri`; returns where they are."""
    bucket_and_key = uri.removeprefix("gs://").rstrip("/")
    if mirror:
        destination = Path(mirror, bucket_and_key)
        destination.mkdir(parents=True, exist_ok=True)
        target: fs.FileSystem = fs.LocalFileSystem()
        path = destination.as_posix()
    else:
        target, path = fs.GcsFileSystem(), bucket_and_key
    fs.copy_files(folder.as_posix(), path, source_filesystem=fs.LocalFileSystem(), destination_filesystem=target)
    return path if mirror else uri
