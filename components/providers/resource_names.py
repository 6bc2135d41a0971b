"""Vertex resource names compared by what identifies them, never by their spelling.

Vertex answers with the project number (`projects/123456789012/...`) whatever the request
spelled, so `projects/acme-ml-dev/locations/us-central1/models/churn@3` and
`projects/123456789012/locations/us-central1/models/churn@3` are the same version. The
providers work in one project and region, so a model version is its model id and version id.
"""

from __future__ import annotations


def model_version_ids(name: str) -> tuple[str, str]:
    """`.../models/ID@VERSION` -> `(ID, VERSION)`; VERSION is "" when the name has none."""
    model, _, version = name.partition("@")
    return model.rpartition("/models/")[2], version
