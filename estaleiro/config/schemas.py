"""The published JSON Schemas, generated from the pydantic models so the two never disagree.

Regenerate after changing a model: `python -m estaleiro.config.schemas`.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from estaleiro.config.card import ModelCard
from estaleiro.config.manifest import ModelManifest
from estaleiro.config.stack import StackFile
from estaleiro.waivers import WaiversFile

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SCHEMAS: dict[str, type[BaseModel]] = {
    "stack": StackFile,
    "model-manifest": ModelManifest,
    "model-card": ModelCard,
    "waivers": WaiversFile,
}


def render(name: str) -> str:
    schema = SCHEMAS[name].model_json_schema(by_alias=True)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{name}.schema.json", **schema}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_all() -> list[Path]:
    paths = []
    for name in SCHEMAS:
        path = SCHEMA_DIR / f"{name}.schema.json"
        path.write_text(render(name), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_all():
        print(f"wrote {written}")
