"""The serve target's server, run on loopback and asked as Vertex AI asks it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import joblib
import pytest

from estaleiro.config.training import Hyperparameters
from estaleiro.quality.log_table import REQUEST_KEY
from estaleiro.training.dataset import CATEGORICAL, LABEL, NUMERICAL, churn_frame
from estaleiro.training.train import fit
from tests.conftest import REPO

SERVER = REPO / "images" / "model" / "server.py"
FEATURES = {**dict.fromkeys(NUMERICAL, "numerical"), **dict.fromkeys(CATEGORICAL, "categorical")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("model")
    joblib.dump(
        fit(churn_frame(800, seed=1), FEATURES, LABEL, Hyperparameters.model_validate({"maxIter": 20}), seed=0),
        folder / "model.joblib",
    )
    port = _free_port()
    env = {
        **os.environ,
        "AIP_HTTP_PORT": str(port),
        "AIP_HEALTH_ROUTE": "/v1/endpoints/1/deployedModels/2",
        "AIP_PREDICT_ROUTE": "/v1/endpoints/1/deployedModels/2:predict",
        "AIP_STORAGE_URI": str(folder),
    }
    process = subprocess.Popen([sys.executable, str(SERVER)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1/endpoints/1/deployedModels/2"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base, timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _post(url: str, body: bytes) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_health_answers_ok_once_the_model_is_loaded(server: str) -> None:
    with urllib.request.urlopen(server, timeout=5) as response:
        assert response.status == 200


def test_predict_answers_a_probability_per_instance_by_name_or_by_position(server: str) -> None:
    rows = churn_frame(3, seed=9).drop(columns=[LABEL])
    named = [{k: (None if v != v else v) for k, v in row.items()} for row in rows.to_dict("records")]
    status, answer = _post(f"{server}:predict", json.dumps({"instances": named}).encode())
    assert status == 200
    predictions = answer["predictions"]
    assert isinstance(predictions, list) and len(predictions) == 3 and all(0 <= p <= 1 for p in predictions)
    order = [*CATEGORICAL, *NUMERICAL]  # the order the model was trained on
    positional = [[row[name] for name in order] for row in named]
    assert _post(f"{server}:predict", json.dumps({"instances": positional}).encode()) == (200, answer)


def test_the_readmes_keyed_instance_is_served_as_if_it_had_no_key(server: str) -> None:
    """README ("The key is the client's"): the request_key a client sends for its labels is not a feature."""
    example = (REPO / "README.md").read_text().split("**The key is the client's.**", 1)[1]
    keyed = json.loads(example.split("```json", 1)[1].split("```", 1)[0])
    assert all(REQUEST_KEY in instance for instance in keyed["instances"])
    plain = {"instances": [{k: v for k, v in i.items() if k != REQUEST_KEY} for i in keyed["instances"]]}
    answer = _post(f"{server}:predict", json.dumps(plain).encode())
    assert answer[0] == 200 and _post(f"{server}:predict", json.dumps(keyed).encode()) == answer


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "the body is not JSON"),
        (b'{"rows": []}', 'expected {"instances": [...]} with at least one instance'),
        (b'{"instances": [{"plan": "basic"}]}', "instance 0 lacks"),
        (b'{"instances": [[1, 2]]}', "instance 0 has 2 values; the model takes 9"),
        (b'{"instances": ["text"]}', "instance 0 is neither an object nor an array"),
    ],
)
def test_a_malformed_request_is_400_with_the_reason(server: str, body: bytes, message: str) -> None:
    status, answer = _post(f"{server}:predict", body)
    assert status == 400
    assert message in str(answer["error"])


def test_the_lock_file_pins_the_scikit_learn_that_trains(tmp_path: Path) -> None:
    import sklearn

    lock = (REPO / "images" / "model" / "requirements.lock").read_text(encoding="utf-8")
    assert f"scikit-learn=={sklearn.__version__}\n" in lock
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"scikit-learn=={sklearn.__version__}"' in pyproject
