"""`images/model/image.yaml` and the build context: the model image (train and serve targets) by content.

One registry for the repository, like the CI image: Cloud Build pushes there, every stack's
pipelines run from it and every stack serves from it, so a compiled pipeline template names
exactly one image and is the same template in every stack. Tags are hashes of the build
context, never `latest`: the repository has immutable tags, and changing anything the image
installs (the Dockerfile, the lock file, the server, the estaleiro package) is a new image and
so a new pipeline template.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, StrictStr

from estaleiro.config.types import DnsLabel, Frozen
from estaleiro.config.validation import in_repository, load_file

SETTINGS = Path("images/model/image.yaml")
# What `images/model/Dockerfile` copies from the repository root (its context; see .dockerignore).
CONTEXT = (
    "images/model/Dockerfile",
    "images/model/requirements.lock",
    "images/model/server.py",
    "pyproject.toml",
    "estaleiro/",  # a trailing slash marks a folder
)
BYTECODE_FOLDER, BYTECODE = "__pycache__", ".pyc"  # never part of the context (.dockerignore)
STAGES = ("train", "serve")  # the Dockerfile's targets Cloud Build builds and pushes
TRAIN_TARGET = re.compile(r"^(?P<registry>.+)/(?P<name>[a-z][a-z0-9-]*)-train:(?P<tag>[A-Za-z0-9._-]+)$")

REGISTRY = r"^[a-z0-9-]+-docker\.pkg\.dev/[a-z][a-z0-9-]{4,28}[a-z0-9]/[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"


class ImageSettings(Frozen):
    registry: Annotated[
        StrictStr,
        Field(
            pattern=REGISTRY,
            description="an Artifact Registry Docker repository: <region>-docker.pkg.dev/<project>/<repo>",
        ),
    ]
    name: DnsLabel = Field(default="model", description="image name; the targets are <name>-train and <name>-serve")


@dataclass(frozen=True)
class ModelImage:
    registry: str
    name: str
    tag: str

    def target(self, stage: str) -> str:
        """`stage` is a Dockerfile target: `train` or `serve`."""
        return f"{self.registry}/{self.name}-{stage}:{self.tag}"

    @classmethod
    def of_train_target(cls, reference: str) -> ModelImage | None:
        """The image whose train target `reference` names (what a compiled pipeline runs), if it is one."""
        match = TRAIN_TARGET.match(reference)
        return cls(match["registry"], match["name"], match["tag"]) if match else None


def context_patterns() -> list[str]:
    """Cloud Build path filters for the build context: its folders whole, and all of `images/model/`
    (the image settings and the Dockerfile's own .dockerignore decide the build too)."""
    image_folder = SETTINGS.parent.as_posix()
    patterns = [f"{image_folder}/**"]
    for entry in CONTEXT:
        pattern = entry + "**" if entry.endswith("/") else entry
        if not entry.startswith(f"{image_folder}/") and pattern not in patterns:
            patterns.append(pattern)
    return patterns


def context_hash(root: Path) -> str:
    """sha256 over every file of the build context, by path and content, in path order."""
    digest = hashlib.sha256()
    for path in sorted(_files(root)):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def load_image_settings(root: Path) -> ImageSettings:
    return load_file(ImageSettings, in_repository(root, root / SETTINGS, SETTINGS.as_posix()), SETTINGS.as_posix())


def load_model_image(root: Path) -> ModelImage:
    settings = load_image_settings(root)
    return ModelImage(settings.registry, settings.name, context_hash(root))


def _files(root: Path) -> list[Path]:
    found = []
    for entry in CONTEXT:
        path = root / entry
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        found += [p for p in candidates if p.is_file() and not _bytecode(p.relative_to(root))]
    return found


def _bytecode(relative: Path) -> bool:
    """Judged by the path inside the repository: a clone in `~/my.pycharm/` still hashes its files."""
    return relative.suffix == BYTECODE or BYTECODE_FOLDER in relative.parts
