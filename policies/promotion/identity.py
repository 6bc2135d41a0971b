"""What makes a version the version it claims to be: its artifact and its image (the card is evidence about them)."""

from __future__ import annotations

from estaleiro.config.manifest import VersionSpec


def differences(old: VersionSpec, new: VersionSpec) -> list[tuple[str, str, str]]:
    """(manifest key, old value, new value) for each identifying field that differs."""
    pairs = (("artifactUri", old.artifact_uri, new.artifact_uri), ("image", old.image, new.image))
    return [(key, a, b) for key, a, b in pairs if a != b]
