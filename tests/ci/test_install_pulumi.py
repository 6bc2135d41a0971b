"""scripts/install-pulumi against a local release folder laid out as Pulumi publishes releases:
`pulumi-v<version>-linux-<arch>.tar.gz` (a `pulumi/` folder of binaries) beside
`pulumi-<version>-checksums.txt` (sha256sum lines), read by curl through file:// URLs."""

from __future__ import annotations

import hashlib
import io
import os
import platform
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VERSION = "3.272.0"
ARCH = {"x86_64": "x64", "aarch64": "arm64"}[platform.machine()]
ARCHIVE = f"pulumi-v{VERSION}-linux-{ARCH}.tar.gz"


def tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in {"pulumi": f"#!/bin/sh\necho v{VERSION}\n", "pulumi-language-python": "#!/bin/sh\n"}.items():
            data = text.encode()
            info = tarfile.TarInfo(f"pulumi/{name}")
            info.size, info.mode = len(data), 0o755
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def releases(tmp_path: Path) -> Path:
    folder = tmp_path / "releases"
    folder.mkdir()
    data = tarball()
    (folder / ARCHIVE).write_bytes(data)
    other = f"pulumi-v{VERSION}-darwin-arm64.tar.gz"
    (folder / f"pulumi-{VERSION}-checksums.txt").write_text(
        f"{hashlib.sha256(b'x').hexdigest()}  {other}\n{hashlib.sha256(data).hexdigest()}  {ARCHIVE}\n"
    )
    return folder


def install(releases: Path, into: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PULUMI_RELEASES": f"file://{releases}"}
    command = [str(REPO / "scripts/install-pulumi"), VERSION, str(into)]
    return subprocess.run(command, env=env, capture_output=True, text=True)


def test_a_verified_archive_is_installed(releases: Path, tmp_path: Path) -> None:
    result = install(releases, tmp_path / "pulumi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"v{VERSION}\n"
    assert sorted(p.name for p in (tmp_path / "pulumi/bin").iterdir()) == ["pulumi", "pulumi-language-python"]


def test_a_corrupt_archive_is_refused(releases: Path, tmp_path: Path) -> None:
    with (releases / ARCHIVE).open("ab") as archive:
        archive.write(b"tampered")
    result = install(releases, tmp_path / "pulumi")
    assert result.returncode != 0 and "FAILED" in result.stdout + result.stderr
    assert not (tmp_path / "pulumi").exists()


def test_an_archive_missing_from_the_sums_is_refused(releases: Path, tmp_path: Path) -> None:
    sums = releases / f"pulumi-{VERSION}-checksums.txt"
    sums.write_text(sums.read_text().splitlines()[0] + "\n")
    result = install(releases, tmp_path / "pulumi")
    assert result.returncode == 1 and f"{ARCHIVE} is not in pulumi-{VERSION}-checksums.txt" in result.stderr
    assert not (tmp_path / "pulumi").exists()


@pytest.mark.parametrize("missing", [ARCHIVE, f"pulumi-{VERSION}-checksums.txt"])
def test_a_failed_download_fails(releases: Path, tmp_path: Path, missing: str) -> None:
    (releases / missing).unlink()
    result = install(releases, tmp_path / "pulumi")
    assert result.returncode != 0 and "curl" in result.stderr
    assert not (tmp_path / "pulumi").exists()
