"""Median wall time of `estaleiro plan dev` (a fresh process each run, as a user or CI pays it).

Run: .venv/bin/python bench/plan_time.py [--runs N] [--stack S]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESTALEIRO = ROOT / ".venv" / "bin" / "estaleiro"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args()
    times, resources = [], 0
    for _ in range(args.runs):
        start = time.perf_counter()
        out = subprocess.run(
            [ESTALEIRO, "plan", args.stack, "--format", "json"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        times.append(time.perf_counter() - start)
        resources = len(json.loads(out)["resources"])
    print(
        f"estaleiro plan {args.stack}: median {statistics.median(times):.2f} s over {args.runs} runs "
        f"(min {min(times):.2f}, max {max(times):.2f}); {resources} resources; target < 2 s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
