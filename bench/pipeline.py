"""Compile time of the pipelines, and the wall time of a whole continuous-training run on this machine.

The run happens in a throwaway clone (it commits a proposal branch there), in a fresh process,
as `estaleiro pipeline run continuous-training --model churn --in dev --local` runs it.
Run: .venv/bin/python bench/pipeline.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESTALEIRO = ROOT / ".venv" / "bin" / "estaleiro"
RUN = ["pipeline", "run", "continuous-training", "--model", "churn", "--in", "dev", "--local"]


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    compiles, runs = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="estaleiro-bench-") as scratch:
            clone = Path(scratch, "repo")
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            for key, value in (("user.email", "bench@example.com"), ("user.name", "bench")):
                subprocess.run(["git", "config", key, value], cwd=clone, check=True)
            compiles.append(timed([str(ESTALEIRO), "pipeline", "compile"], clone))
            subprocess.run(["git", "checkout", "-q", "--", "."], cwd=clone, check=True)
            runs.append(timed([str(ESTALEIRO), *RUN], clone))
    print(
        f"estaleiro pipeline compile: median {statistics.median(compiles):.2f} s; "
        f"local continuous-training run (7 steps, {args.runs} runs): median {statistics.median(runs):.1f} s "
        f"(min {min(runs):.1f}, max {max(runs):.1f}); target < 60 s"
    )


if __name__ == "__main__":
    main()
