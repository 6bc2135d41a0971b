"""The published JSON Schemas match the models, and the repository's own data files satisfy them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from estaleiro.config.schemas import SCHEMA_DIR, SCHEMAS, render

REPO = Path(__file__).resolve().parents[2]
DATA = {
    "stack": sorted(REPO.glob("stacks/*/Pulumi.*.yaml")),
    "model-manifest": sorted(REPO.glob("stacks/*/models/*.yaml")),
    "model-card": sorted(REPO.glob("model_cards/*/*.yaml")),
    "waivers": [REPO / "policies/waivers.yaml"],
}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_published_schema_is_current(name: str) -> None:
    published = (SCHEMA_DIR / f"{name}.schema.json").read_text()
    assert published == render(name), "stale schema: run `.venv/bin/python -m estaleiro.config.schemas`"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_data_file_validates_against_its_schema_and_names_it(name: str) -> None:
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())
    assert DATA[name]
    for path in DATA[name]:
        text = path.read_text()
        assert text.startswith("# yaml-language-server: $schema=") and f"{name}.schema.json" in text.splitlines()[0]
        data = json.loads(json.dumps(yaml.safe_load(text), default=str))  # dates as editors see them: strings
        jsonschema.validate(data, schema)


def test_schemas_reject_unknown_keys_as_editors_would() -> None:
    schema = json.loads((SCHEMA_DIR / "model-manifest.schema.json").read_text())
    data = yaml.safe_load((REPO / "stacks/dev/models/churn.yaml").read_text())
    data["replicas"] = 3
    with pytest.raises(jsonschema.ValidationError, match="Additional properties are not allowed"):
        jsonschema.validate(data, schema)
