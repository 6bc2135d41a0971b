"""The incident `--local` writes reads, through the retraining function's own parser, as a retraining decline alert."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from estaleiro.config.environment import load_environment
from estaleiro.quality.incident import incident
from estaleiro.quality.series import decline_condition
from tests.conftest import REPO
from tests.quality.conftest import NOW


def retrain_main() -> ModuleType:
    spec = importlib.util.spec_from_file_location("retrain_main", Path(REPO, "functions/retrain/main.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def test_the_retraining_function_reads_an_open_quality_incident_for_the_model() -> None:
    env = load_environment(REPO, "dev")
    quality = env.model("churn").manifest.monitoring.quality  # type: ignore[union-attr]
    assert quality is not None
    document = incident(env.config, "dev", "churn", "v6", quality, NOW)
    parsed = retrain_main().parse(json.dumps(document).encode())
    assert (parsed.state, parsed.model, parsed.labels["env"]) == ("open", "churn", "dev")
    assert parsed.condition == decline_condition("churn", quality)
    assert parsed.asks_for_retraining
    assert parsed.labels["team"] == env.config.team and parsed.labels["managed-by"] == "estaleiro"
    assert document["incident"]["metric"]["labels"]["version"] == "v6"
    assert incident(env.config, "dev", "churn", "v6", quality, NOW) == document, "the same run, the same incident"
    assert incident(env.config, "dev", "churn", "v7", quality, NOW)["incident"]["incident_id"] != parsed.incident_id


def test_the_local_incident_names_the_condition_and_labels_of_the_planned_decline_policy() -> None:
    """What `--local` writes is what the policy `pulumi up` declares would publish: one source for both."""
    from tests.components.conftest import plan_platform

    env = load_environment(REPO, "dev")
    quality = env.model("churn").manifest.monitoring.quality  # type: ignore[union-attr]
    assert quality is not None
    policies = plan_platform("dev").of_type("gcp:monitoring/alertPolicy:AlertPolicy")
    [policy] = [p.inputs for p in policies if p.name.endswith("-churn-quality")]
    [condition] = policy["conditions"]
    opened = incident(env.config, "dev", "churn", "v6", quality, NOW)["incident"]
    assert (opened["condition_name"], opened["policy_user_labels"]) == (condition["displayName"], policy["userLabels"])
    assert condition["conditionThreshold"]["filter"].startswith(f'metric.type = "{opened["metric"]["type"]}"')
