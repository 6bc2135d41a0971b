"""Plan time against the number of models, on synthetic stacks generated into a temporary copy.

Also prints what importing google-cloud-aiplatform costs, and shows the plan path never pays it.
Run: .venv/bin/python bench/plan_scaling.py [--models 1 25 50 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ("Pulumi.yaml", "__main__.py", "components", "stacks", "model_cards", "policies", "pipeline_specs")


def synthetic_repo(into: Path, models: int) -> Path:
    """This repository with dev serving `models` copies of the example model, each with its own cards."""
    repo = into / f"repo-{models}"
    repo.mkdir(parents=True)
    for name in CONTENT:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, repo / name)
    folder = repo / "stacks" / "dev" / "models"
    template = yaml.safe_load((folder / "churn.yaml").read_text())
    shutil.rmtree(folder)
    folder.mkdir()
    for i in range(models):
        name = f"model-{i:03d}"
        manifest = dict(template, versions={})
        for version, spec in template["versions"].items():
            card = yaml.safe_load((ROOT / spec["card"]).read_text())
            card["model_details"]["name"] = name
            path = f"model_cards/{name}/{version}.yaml"
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(yaml.safe_dump(card))
            manifest["versions"][version] = dict(spec, card=path)
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def plan_times(repo: Path, runs: int) -> tuple[list[float], int]:
    """Wall time of each run of `estaleiro plan dev` (a fresh process, as CI pays it), and the resources planned."""
    estaleiro = ROOT / ".venv" / "bin" / "estaleiro"
    times, resources = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            [estaleiro, "plan", "dev", "--format", "json"], cwd=repo, check=True, capture_output=True, text=True
        ).stdout
        times.append(time.perf_counter() - start)
        resources = len(json.loads(out)["resources"])
    return times, resources


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, nargs="+", default=[1, 25, 50, 100])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        results = [(n, *plan_times(synthetic_repo(Path(scratch), n), args.runs)) for n in args.models]
    for n, times, resources in results:
        print(
            f"plan dev with {n:>3} models: median {statistics.median(times):.2f} s, best {min(times):.2f} s "
            f"over {args.runs} runs; {resources} resources"
        )
    (n0, times0, r0), (n1, times1, r1) = results[0], results[-1]
    growth = (statistics.median(times1) - statistics.median(times0)) / max(n1 - n0, 1)
    per_model = (r1 - r0) / max(n1 - n0, 1)
    print(
        f"growth: {growth * 1000:.1f} ms and {per_model:.0f} resources per model; "
        f"target: 100 models under 5 s; load average {os.getloadavg()[0]:.1f}"
    )
    probe = (
        "import sys, runpy; sys.argv=['x']; import estaleiro.plan.worker, components.platform; "
        "print('google.cloud.aiplatform_v1' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True)
    modules = ("google.cloud.aiplatform", "google.cloud.aiplatform_v1")
    costs = ", ".join(f"import {m} {import_seconds(m):.2f} s" for m in modules)
    print(f"{costs}; aiplatform imported on the plan path: {loaded.stdout.strip()}")


if __name__ == "__main__":
    main()
