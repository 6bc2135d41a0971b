"""`estaleiro ci deploy` with a fake `pulumi` that keeps a per-stack update history and lock.

The fake records what Pulumi records (each update's result and `git.head`, Pulumi's docs:
"pulumi stack history" and "Update metadata") and answers `pulumi stack history --json` from it;
the ordering rules are the command's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import commit_all, git

ZEROS = "0" * 40  # a push's `before` on a branch's first push
FAKE_PULUMI = f"""#!{sys.executable}
import json, os, subprocess, sys
from pathlib import Path

state = Path(os.environ["FAKE_PULUMI_STATE"])
args = sys.argv[1:]
with open(state / "calls", "a") as calls:
    calls.write(" ".join(args) + "\\n")
stack = args[args.index("--stack") + 1]
history = state / f"{{stack}}.json"
if args[:2] == ["stack", "history"]:
    print(history.read_text() if history.exists() else "[]")
elif args[0] == "up":
    updates = json.loads(history.read_text()) if history.exists() else []
    lock = state / f"{{stack}}.lock"
    if lock.exists():
        lock.unlink()
        print("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end")
        sys.exit(255)
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    failing = os.environ.get("FAKE_PULUMI_FAIL") == stack
    result = "failed" if failing else "succeeded"
    updates.insert(0, {{"kind": "update", "result": result, "environment": {{"git.head": head}}}})
    history.write_text(json.dumps(updates))
    print(f"Updating {{stack}}")
    sys.exit(1 if failing else 0)
"""


@pytest.fixture
def pulumi(tmp_path: Path) -> Path:
    """The fake's state folder; its `pulumi` is first on PATH."""
    state, bin_dir = tmp_path / "pulumi-state", tmp_path / "bin"
    state.mkdir()
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(FAKE_PULUMI)
    (bin_dir / "pulumi").chmod(0o755)
    return state


@pytest.fixture
def workspace(repo: Path) -> Path:
    """The repository's program and stacks, committed: the base of each case."""
    return repo


def record(state: Path, stack: str, result: str, commit: str) -> None:
    history = state / f"{stack}.json"
    updates = json.loads(history.read_text()) if history.exists() else []
    updates.insert(0, {"kind": "update", "result": result, "environment": {"git.head": commit}})
    history.write_text(json.dumps(updates))


def change(repo: Path, path: str) -> str:
    with (repo / path).open("a") as f:
        f.write("\n# changed\n")
    return commit_all(repo, f"change {path}")


def deploy(
    repo: Path, state: Path, stack: str, *extra: str, fail: str = "", base: str = "HEAD~1"
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{state.parent / 'bin'}:{os.environ['PATH']}",
        "FAKE_PULUMI_STATE": str(state),
        "FAKE_PULUMI_FAIL": fail,
    }
    command = [
        sys.executable,
        "-m",
        "estaleiro.cli",
        "ci",
        "deploy",
        stack,
        "--base",
        base,
        "--interval",
        "0.05",
        *extra,
    ]
    result = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    assert "Traceback" not in result.stderr, result.stderr  # expected failures are one line, never a crash
    return result


def ups(state: Path) -> list[str]:
    calls = (state / "calls").read_text().splitlines() if (state / "calls").exists() else []
    return [c for c in calls if c.startswith("up ")]


def test_a_change_to_prod_alone_deploys_prod_at_once(workspace: Path, pulumi: Path) -> None:
    head = change(workspace, "stacks/prod/Pulumi.prod.yaml")
    result = deploy(workspace, pulumi, "prod")
    assert result.returncode == 0, result.stderr
    assert ups(pulumi) == ["up --yes --non-interactive --stack prod --config-file stacks/prod/Pulumi.prod.yaml"]
    assert json.loads((pulumi / "prod.json").read_text())[0]["environment"]["git.head"] == head


def test_prod_waits_for_dev_to_run_the_commit(workspace: Path, pulumi: Path) -> None:
    head = change(workspace, "components/platform.py")  # shared code: both stacks change
    result = deploy(workspace, pulumi, "prod", "--timeout", "0.3")
    assert result.returncode == 1 and "waiting for dev" in result.stdout and "gave up" in result.stderr
    assert ups(pulumi) == []
    record(pulumi, "dev", "succeeded", head)
    assert deploy(workspace, pulumi, "prod").returncode == 0
    assert [u.split()[4] for u in ups(pulumi)] == ["prod"]


def test_prod_stops_when_dev_failed_the_commit(workspace: Path, pulumi: Path) -> None:
    head = change(workspace, "components/platform.py")
    assert deploy(workspace, pulumi, "dev", fail="dev").returncode == 1
    record(pulumi, "dev", "succeeded", git(workspace, "rev-parse", "HEAD~1").strip())  # an older success
    result = deploy(workspace, pulumi, "prod", "--timeout", "5")
    assert result.returncode == 1 and f"dev failed to deploy {head}" in result.stderr
    assert [u.split()[4] for u in ups(pulumi)] == ["dev"]


def test_a_stack_never_goes_back_to_an_older_commit(workspace: Path, pulumi: Path) -> None:
    older = change(workspace, "stacks/dev/Pulumi.dev.yaml")
    newer = change(workspace, "stacks/dev/Pulumi.dev.yaml")
    record(pulumi, "dev", "succeeded", newer)  # the later merge's build finished first
    git(workspace, "checkout", "-q", older)
    result = deploy(workspace, pulumi, "dev")
    assert result.returncode == 0 and f"already runs {newer}" in result.stdout
    assert ups(pulumi) == []
    git(workspace, "checkout", "-q", newer)
    assert deploy(workspace, pulumi, "dev").returncode == 0  # the same commit again: reconcile (drift)
    assert len(ups(pulumi)) == 1


def test_a_locked_stack_is_waited_for(workspace: Path, pulumi: Path) -> None:
    change(workspace, "stacks/dev/Pulumi.dev.yaml")
    (pulumi / "dev.lock").touch()  # another build's update holds the lock, then ends
    result = deploy(workspace, pulumi, "dev")
    assert result.returncode == 0 and "holds the stack's lock" in result.stdout
    assert len(ups(pulumi)) == 2


def test_a_failed_update_fails_the_build_without_retrying(workspace: Path, pulumi: Path) -> None:
    change(workspace, "stacks/dev/Pulumi.dev.yaml")
    assert deploy(workspace, pulumi, "dev", fail="dev").returncode == 1
    assert len(ups(pulumi)) == 1


@pytest.mark.parametrize("base", [ZEROS, "f" * 40], ids=["first-push", "force-push"])
def test_an_unknown_base_counts_as_every_stack_changed(workspace: Path, pulumi: Path, base: str) -> None:
    """A first push or a force-push cannot say what changed: prod still waits for dev to run the commit."""
    head = change(workspace, "stacks/prod/Pulumi.prod.yaml")  # with a known base, only prod changed
    result = deploy(workspace, pulumi, "prod", "--timeout", "0", base=base)  # one look, reported, then give up
    assert result.returncode == 1 and "waiting for dev" in result.stdout and "giving up" in result.stdout
    assert "gave up" in result.stderr
    assert "every stack" in result.stderr
    record(pulumi, "dev", "succeeded", head)
    assert deploy(workspace, pulumi, "prod", base=base).returncode == 0


def test_a_failing_pulumi_history_is_one_line_and_exit_1(workspace: Path, pulumi: Path) -> None:
    change(workspace, "stacks/dev/Pulumi.dev.yaml")
    (pulumi / "dev.json").write_text("not json")
    result = deploy(workspace, pulumi, "dev")
    assert result.returncode == 1 and ups(pulumi) == []
    assert result.stderr.startswith("pulumi stack history --stack dev --json printed no JSON")


@pytest.mark.parametrize("value", ["nan", "inf"])
@pytest.mark.parametrize("option", ["--interval", "--timeout"])
def test_a_wait_that_is_not_a_finite_number_is_bad_input(
    workspace: Path, pulumi: Path, option: str, value: str
) -> None:
    """`--interval nan` slept forever or crashed; `inf` waited forever."""
    change(workspace, "stacks/prod/Pulumi.prod.yaml")
    result = deploy(workspace, pulumi, "prod", option, value)
    assert (result.returncode, result.stdout) == (2, "") and ups(pulumi) == []
    assert result.stderr.splitlines() == [f"{option}: got {float(value)}, expected a finite number of seconds"]


def test_without_the_pulumi_cli_is_one_line(workspace: Path, tmp_path: Path) -> None:
    change(workspace, "stacks/dev/Pulumi.dev.yaml")
    env = {**os.environ, "PATH": str(Path(shutil.which("git") or "git").parent)}
    command = [sys.executable, "-m", "estaleiro.cli", "ci", "deploy", "dev", "--base", "HEAD~1"]
    result = subprocess.run(command, cwd=workspace, env=env, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (4, "")
    assert result.stderr.splitlines() == ["pulumi is not on PATH: install the Pulumi CLI (scripts/install-pulumi)"]
