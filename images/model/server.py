"""The model's prediction server: Vertex AI's custom-container contract, nothing more.

What Vertex AI asks of a custom container (https://cloud.google.com/vertex-ai/docs/predictions/custom-container-requirements):
listen on 0.0.0.0 at AIP_HTTP_PORT (default 8080); answer health checks at AIP_HEALTH_ROUTE with
200 once the model is loaded; answer AIP_PREDICT_ROUTE with {"predictions": [...]} for a POSTed
{"instances": [...]}; the model's artifacts are under AIP_STORAGE_URI (gs://, readable by the
deployment's service account). Instances are objects keyed by feature name, or arrays in the
order the model was trained on; each prediction is the probability of the positive class.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ARTIFACT = "model.joblib"  # what the pipeline's train step writes
MAX_BODY = 1_500_000  # Vertex AI rejects online prediction requests over 1.5 MB before they reach us


class BadRequest(ValueError):
    """A request the caller must fix: answered with 400 and the reason."""


def load_model(storage_uri: str) -> Any:
    """The fitted pipeline from `storage_uri`: a gs:// folder (downloaded once) or a local one."""
    if not storage_uri.startswith("gs://"):
        return joblib.load(Path(storage_uri, ARTIFACT))
    from google.cloud import storage

    bucket, _, prefix = storage_uri.removeprefix("gs://").partition("/")
    local = Path(tempfile.mkdtemp(prefix="model-"), ARTIFACT)
    storage.Client().bucket(bucket).blob(f"{prefix.rstrip('/')}/{ARTIFACT}".lstrip("/")).download_to_filename(local)
    return joblib.load(local)


def instances_frame(body: bytes, features: list[str]) -> pd.DataFrame:
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BadRequest(f"the body is not JSON: {err}") from err
    instances = document.get("instances") if isinstance(document, dict) else None
    if not isinstance(instances, list) or not instances:
        raise BadRequest('expected {"instances": [...]} with at least one instance')
    rows = []
    for index, instance in enumerate(instances):
        if isinstance(instance, list):
            if len(instance) != len(features):
                raise BadRequest(
                    f"instance {index} has {len(instance)} values; the model takes {len(features)}: {features}"
                )
            instance = dict(zip(features, instance, strict=True))
        if not isinstance(instance, dict):
            raise BadRequest(f"instance {index} is neither an object nor an array")
        missing = [name for name in features if name not in instance]
        if missing:
            raise BadRequest(f"instance {index} lacks {', '.join(missing)}")
        rows.append({name: instance[name] for name in features})
    return pd.DataFrame(rows, columns=features)


def create_app(model: Any) -> Starlette:
    features = [str(name) for name in model.feature_names_in_]

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def predict(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": f"request body over {MAX_BODY} bytes"}, status_code=413)
        try:
            frame = instances_frame(body, features)
            scores = model.predict_proba(frame)[:, 1]
        except (BadRequest, ValueError, TypeError) as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        return JSONResponse({"predictions": [round(float(s), 6) for s in scores]})

    return Starlette(
        routes=[
            Route(os.environ.get("AIP_HEALTH_ROUTE", "/health"), health, methods=["GET"]),
            Route(os.environ.get("AIP_PREDICT_ROUTE", "/predict"), predict, methods=["POST"]),
        ]
    )


def main() -> None:
    model = load_model(os.environ["AIP_STORAGE_URI"])
    uvicorn.run(create_app(model), host="0.0.0.0", port=int(os.environ.get("AIP_HTTP_PORT", "8080")), log_level="info")


if __name__ == "__main__":
    main()
