"""Wall time of `estaleiro check` on this repository, with checkov's share shown separately.

Run: .venv/bin/python bench/check_time.py [--runs N]
checkov's share is measured by timing its subprocesses (ESTALEIRO_CHECKOV_TIMINGS names a file
each checkov run appends its duration to).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    totals, checkov = [], []
    for _ in range(args.runs):
        with tempfile.NamedTemporaryFile(suffix=".timings") as timings:
            env = {**os.environ, "ESTALEIRO_CHECKOV_TIMINGS": timings.name}
            start = time.perf_counter()
            result = subprocess.run([ROOT / ".venv/bin/estaleiro", "check"], cwd=ROOT, env=env, capture_output=True)
            totals.append(time.perf_counter() - start)
            checkov.append(sum(float(line) for line in Path(timings.name).read_text().split()))
        if result.returncode not in (0, 1):
            raise SystemExit(f"estaleiro check failed ({result.returncode}): {result.stderr.decode()}")
    total, share = statistics.median(totals), statistics.median(checkov)
    print(
        f"estaleiro check: median {total:.2f} s over {args.runs} runs; checkov {share:.2f} s of it "
        f"({share / total:.0%}); the rest {total - share:.2f} s; target < 15 s"
    )


if __name__ == "__main__":
    main()
