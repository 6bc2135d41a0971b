"""Wall time of `estaleiro check` on this repository, with checkov's share shown separately.

Run: .venv/bin/python bench/check_time.py [--runs N]
The total is the command as a user runs it (a fresh process). checkov's share is the same two
checkov scans `check` runs (plans and repository files, side by side), timed on their own.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

from estaleiro.checkov.runner import StackPlan, scan
from estaleiro.checkov.tfplan import to_terraform_plan
from estaleiro.plan.run import plan_trees
from estaleiro.stacks import all_stacks

ROOT = Path(__file__).resolve().parent.parent


def checkov_seconds() -> float:
    stacks = all_stacks(ROOT)
    plans = plan_trees([(ROOT, s) for s in stacks])
    exported = [StackPlan(s, s, to_terraform_plan(plan)) for s, plan in zip(stacks, plans, strict=True)]
    start = time.perf_counter()
    scan(ROOT, exported)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    totals = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = subprocess.run([ROOT / ".venv/bin/estaleiro", "check"], cwd=ROOT, capture_output=True, text=True)
        totals.append(time.perf_counter() - start)
        if result.returncode not in (0, 1):
            raise SystemExit(f"estaleiro check failed ({result.returncode}): {result.stderr}")
    total = statistics.median(totals)
    share = statistics.median(checkov_seconds() for _ in range(args.runs))
    print(
        f"estaleiro check: median {total:.2f} s over {args.runs} runs; checkov {share:.2f} s of it "
        f"({share / total:.0%}), plans and rules {total - share:.2f} s; target < 15 s"
    )


if __name__ == "__main__":
    main()
