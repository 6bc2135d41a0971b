"""What makes a version the version it claims to be: its artifact, its image, and the card that vouches for them.

The card is compared by path and by the content hash the manifest records, so evidence edited,
or renamed and re-pointed, after a stack cited it is a different version, not the same one.
"""

from __future__ import annotations

from estaleiro.config.manifest import VersionSpec


def differences(old: VersionSpec, new: VersionSpec) -> list[tuple[str, str, str]]:
    """(manifest key, old value, new value) for each identifying field that differs."""
    pairs = (
        ("artifactUri", old.artifact_uri, new.artifact_uri),
        ("image", old.image, new.image),
        ("card", old.card, new.card),
        ("cardSha256", old.card_sha256, new.card_sha256),
    )
    return [(key, a, b) for key, a, b in pairs if a != b]
