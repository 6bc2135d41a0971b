"""Hand-edited files that bypass the commands: exit 2, one line naming file and key, nothing written.

Each bad file is committed first, so `git status --porcelain` staying empty proves nothing was written.
`env clone` loads a whole stack (stack file, manifests, cards) before it writes anything; `plan` and
`check` load the same way in their workers.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from estaleiro.config.card import RANGES
from estaleiro.training.metrics import METRICS
from tests.conftest import commit_all, git
from tests.rollout.edits import record_card_hash, sha256

MANIFEST = "stacks/dev/models/churn.yaml"
CARD = "model_cards/churn/v7.yaml"
STACK = "stacks/dev/Pulumi.dev.yaml"
PROD_STACK = "stacks/prod/Pulumi.prod.yaml"
CLONE = ("env", "clone", "dev", "copy", "--project", "acme-copy-ml")


def replace(relative: str, old: bytes, new: bytes) -> Callable[[Path], None]:
    def edit(repo: Path) -> None:
        path = repo / relative
        assert old in path.read_bytes(), old
        path.write_bytes(path.read_bytes().replace(old, new, 1))

    return edit


def linked_outside(relative: str) -> Callable[[Path], None]:
    """The file becomes a symlink to a copy of itself outside the repository."""

    def edit(repo: Path) -> None:
        outside = repo.parent / "outside" / Path(relative).name
        outside.parent.mkdir(exist_ok=True)
        shutil.move(repo / relative, outside)
        (repo / relative).symlink_to(outside)

    return edit


CASES = {
    "merge key hiding a second traffic": (
        replace(MANIFEST, b"\ntraffic:", b"\n<<: {traffic: {v7: 0}}\ntraffic:"),
        f"{MANIFEST}:27: <<: merge keys (<<) are not allowed in data files; write the keys out",
    ),
    "not UTF-8": (
        replace(CARD, b"Churn data science", b"Churn data sci\xe9nce"),
        f"{CARD}:8: not UTF-8 text (byte 0xe9); save the file as UTF-8",
    ),
    "invalid date": (
        replace(CARD, b"date: 2026-11-02", b"date: 2026-02-30"),
        f"{CARD}:12: model_details.version.date: input should be a valid date or datetime, day value is outside "
        "expected range (got a string '2026-02-30')",
    ),
    "duplicate key": (
        replace(STACK, b"  gcp:region: us-central1\n", b"  gcp:region: us-central1\n  gcp:region: europe-west4\n"),
        f"{STACK}:7: config.gcp:region: key written twice (lines 6 and 7); YAML would keep only the last: remove one",
    ),
    "anchor and alias": (
        replace(MANIFEST, b"  auc: {min: 0.80}\n  log_loss:", b"  auc: &auc {min: 0.80}\n  recall: *auc\n  log_loss:"),
        f"{MANIFEST}: line 14, column 8: anchors and aliases (&name, *name, <<) are not allowed in data files; "
        "write the values out",
    ),
    "manifest symlinked out": (
        linked_outside(MANIFEST),
        f"{MANIFEST}: leads outside the repository (to OUTSIDE/churn.yaml); copy it in",
    ),
    "stack file symlinked out": (
        linked_outside(STACK),
        f"{STACK}: leads outside the repository (to OUTSIDE/Pulumi.dev.yaml); copy it in",
    ),
    "NaN metric": (
        replace(CARD, b"{type: log_loss, value: 0.371}", b"{type: log_loss, value: .nan}"),
        f"{CARD}:33: quantitative_analysis.performance_metrics.1.value: input should be a finite number "
        "(got float nan)",
    ),
    "infinite metric": (
        replace(CARD, b"{type: recall, value: 0.74}", b"{type: recall, value: -.inf}"),
        f"{CARD}:35: quantitative_analysis.performance_metrics.3.value: input should be a finite number "
        "(got float -inf)",
    ),
    "metric twice for one slice": (
        replace(CARD, b"    - {type: recall, value: 0.74}\n", b"    - {type: auc, value: 0.9}\n"),
        f"{CARD}:31: quantitative_analysis.performance_metrics: auc (overall) is reported twice, items 0 and 3: "
        "keep one",
    ),
    "metric twice for one named slice": (
        replace(CARD, b"{type: recall, value: 0.74}", b'{type: auc, value: 0.8, slice: "tenure < 6 months"}'),
        f"{CARD}:31: quantitative_analysis.performance_metrics: auc (slice 'tenure < 6 months') is reported twice, "
        "items 3 and 4: keep one",
    ),
    "threshold min above max": (
        replace(MANIFEST, b"auc: {min: 0.80}", b"auc: {min: 0.80, max: 0.5}"),
        f"{MANIFEST}:14: thresholds.auc: min (0.8) is above max (0.5): no value can meet it",
    ),
    "metric above its range": (
        replace(CARD, b"{type: recall, value: 0.74}", b"{type: recall, value: 7.5}"),
        f"{CARD}:35: quantitative_analysis.performance_metrics.3: recall is 7.5, outside the range of recall (0 "
        "to 1): report the measured value",
    ),
    "metric below its range": (
        replace(CARD, b"{type: log_loss, value: 0.371}", b"{type: log_loss, value: -3}"),
        f"{CARD}:33: quantitative_analysis.performance_metrics.1: log_loss is -3.0, outside the range of log_loss "
        "(0 or more): report the measured value",
    ),
    "confidence interval inverted": (
        replace(CARD, b"lower_bound: 0.869, upper_bound: 0.879", b"lower_bound: 0.879, upper_bound: 0.869"),
        f"{CARD}:32: quantitative_analysis.performance_metrics.0: auc's confidence interval is inverted "
        "(lower_bound 0.879 is above upper_bound 0.869)",
    ),
    "value outside its confidence interval": (
        replace(CARD, b"lower_bound: 0.869, upper_bound: 0.879", b"lower_bound: 0.88, upper_bound: 0.89"),
        f"{CARD}:32: quantitative_analysis.performance_metrics.0: auc is 0.874, outside its own confidence "
        "interval [0.88, 0.89]",
    ),
    "confidence interval outside the range": (
        replace(CARD, b"lower_bound: 0.869, upper_bound: 0.879", b"lower_bound: 0.869, upper_bound: 1.2"),
        f"{CARD}:32: quantitative_analysis.performance_metrics.0: auc's confidence interval reaches 1.2, outside "
        "the range of auc (0 to 1)",
    ),
    "date not a date": (
        replace(CARD, b"date: 2026-11-02", b"date: 0"),
        f"{CARD}:12: model_details.version.date: got 0, expected a date written YYYY-MM-DD",
    ),
    "date with a time": (
        replace(CARD, b"date: 2026-11-02", b"date: 2026-11-02T00:00:00Z"),
        f"{CARD}:12: model_details.version.date: got '2026-11-02T00:00:00Z', expected a date written YYYY-MM-DD",
    ),
    "owner with a look-alike domain": (
        replace(MANIFEST, b"  - churn-ds@acme.example.com", "  - churn-ds@acme.ex\u0430mple.com".encode()),
        f"{MANIFEST}:7: owners.0: got 'churn-ds@acme.ex\u0430mple.com', which holds U+0430 CYRILLIC SMALL LETTER A: "
        "an address is ASCII (a look-alike or invisible character sends mail elsewhere; write an "
        "internationalised domain as xn--)",
    ),
    "notification address with a right-to-left override": (
        replace(STACK, b"ml-oncall@acme.example.com", "ml-oncall@\u202emoc.elpmaxe.emca".encode()),
        f"{STACK}:12: config.estaleiro:notificationEmails.0: got 'ml-oncall@\\u202emoc.elpmaxe.emca', which holds "
        "U+202E RIGHT-TO-LEFT OVERRIDE: an address is ASCII (a look-alike or invisible character sends mail "
        "elsewhere; write an internationalised domain as xn--)",
    ),
    "card contact with a zero-width space": (
        replace(CARD, b"contact: churn-ds@acme.example.com", "contact: churn-ds@acme\u200b.example.com".encode()),
        f"{CARD}:9: model_details.owners.0.contact: got 'churn-ds@acme\\u200b.example.com', which holds U+200B "
        "ZERO WIDTH SPACE: an address is ASCII (a look-alike or invisible character sends mail elsewhere; write an "
        "internationalised domain as xn--)",
    ),
    "card owner name with a bidi control": (
        replace(CARD, b"name: Churn data science", "name: Churn \u2067data science".encode()),
        f"{CARD}:8: model_details.owners.0.name: holds U+2067 RIGHT-TO-LEFT ISOLATE, an invisible or bidi control "
        "character that makes text read other than it is: remove it",
    ),
    "huge integer": (
        replace(MANIFEST, b"maxReplicas: 3", b"maxReplicas: " + b"9" * 5000),
        f"{MANIFEST}: unreadable value: Exceeds the limit (4300 digits) for integer string conversion: value has "
        "5000 digits; use sys.set_int_max_str_digits() to increase the limit",
    ),
}


def test_every_metric_training_computes_has_its_range() -> None:
    """A metric the pipeline writes into cards is judged at load like the ones people write."""
    assert set(METRICS) <= set(RANGES)


@pytest.mark.parametrize(
    ("metric", "value"),
    [("recall", b"1.0"), ("precision", b"0"), ("log_loss", b"0"), ("log_loss", b"12.5"), ("mape", b"-4")],
)
def test_metrics_at_the_edges_of_their_range_load(repo: Path, cli, metric: str, value: bytes) -> None:
    before = sha256(repo, CARD)
    replace(CARD, b"{type: recall, value: 0.74}", b"{type: %s, value: %s}" % (metric.encode(), value))(repo)
    replace(CARD, b"{type: log_loss, value: 0.371}", b"{type: brier, value: 0.2}")(repo)
    record_card_hash(repo, CARD, before)
    commit_all(repo, f"{metric} at {value!r}")
    assert cli(repo, *CLONE)[0] == 0


# Every case through `env clone`; `plan` loads in its workers as clone does, and must say the same.
BAD_FILES = [pytest.param(case, CLONE, id=case) for case in sorted(CASES)] + [
    pytest.param("NaN metric", ("plan", "dev"), id="NaN metric, plan")
]


@pytest.mark.parametrize(("case", "command"), BAD_FILES)
def test_bad_file_is_one_line_exit_2_and_nothing_written(repo: Path, cli, case: str, command: tuple[str, ...]) -> None:
    edit, expected = CASES[case]
    edit(repo)
    commit_all(repo, case)
    assert cli(repo, *command) == (2, "", expected.replace("OUTSIDE", str(repo.parent / "outside")) + "\n")
    assert git(repo, "status", "--porcelain") == ""


def test_a_manifest_that_is_a_fifo(repo: Path, cli) -> None:
    """Reading it waited for a writer forever (git cannot commit a FIFO: the working tree has it)."""
    (repo / MANIFEST).unlink()
    os.mkfifo(repo / MANIFEST)
    expected = f"{MANIFEST}: not a regular file (a FIFO, a device or a socket); data files are files\n"
    assert cli(repo, *CLONE) == (2, "", expected)
    assert not (repo / "stacks/copy").exists()


PROMOTION_FROM = {"qa": "no such stack 'qa'; existing stacks: dev, prod", "prod": "a stack cannot promote from itself"}


@pytest.mark.parametrize("upstream", sorted(PROMOTION_FROM))
def test_a_bad_promotion_source_is_one_line_from_stacks_and_check(repo: Path, cli, upstream: str) -> None:
    """`stacks` and `check` both read `promotion.from` through the stack loader, so they agree."""
    replace(PROD_STACK, b"from: dev", f"from: {upstream}".encode())(repo)
    commit_all(repo, f"upstream {upstream}")
    expected = f"{PROD_STACK}:26: config.estaleiro:promotion.from: {PROMOTION_FROM[upstream]}"
    assert cli(repo, "stacks") == (2, "", expected + "\n")
    code, report, _ = cli(repo, "check", "prod")
    assert code == 2
    assert f"VIOLATION schema/invalid-input {expected}" in report.splitlines()
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("command", [("plan", "dev"), ("check",), ("stacks",), CLONE])
def test_a_git_repository_that_is_not_an_estaleiro_repository(tmp_path: Path, cli, command: tuple[str, ...]) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "Pulumi.yaml").write_text("name: something-else\n")
    assert cli(tmp_path, *command) == (
        2,
        "",
        f"{tmp_path}: not an Estaleiro repository: no __main__.py, no stacks/; run estaleiro in a fork of Estaleiro\n",
    )
    assert git(tmp_path, "status", "--porcelain") == "?? Pulumi.yaml\n"


HOSTILE = {
    "binary": bytes(range(256)) * 4,
    "control characters": b"config:\x00\x07\n",
    "deeply nested": b"[" * 50_000 + b"]" * 50_000,
    "deeply nested mapping": b"".join(b"  " * i + b"k:\n" for i in range(200)),
    "huge int": b"config: " + b"9" * 10_000 + b"\n",
    "huge float": b"config: 1.0e+99999\n",
    "tabs": b"config:\n\tgcp:project: x\n",
    "bom then garbage": b"\xef\xbb\xbf: : :\n",
    "empty": b"",
    "list at the top": b"- config\n- versions\n",
    "null everywhere": b"config: null\nversions: null\nmodel_details: ~\napiVersion:\ntraffic: {v1: null}\n",
    "null keys": b"? null\n: null\n~: 1\n",
    "complex keys": b"? [a, b]\n: 1\n? {c: d}\n: 2\n",
    "alias bomb": b"a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n",
    "python tag": b"config: !!python/object/apply:os.system ['touch pwned']\n",
    "binary tag": b"config: !!binary aGVsbG8=\n",
    "set": b"config: !!set {a, b}\n",
    "bad timestamp tag": b"config: !!timestamp 2026-13-45\n",
    "many documents": b"config: {}\n---\nconfig: {}\n",
    "scalar": b"just a string\n",
    "strings for everything": b"config: {gcp:project: 1, gcp:region: [], estaleiro:labels: x}\napiVersion: [1]\n",
}


@pytest.mark.parametrize("target", [STACK, MANIFEST, CARD])
def test_hostile_documents_are_bad_input_never_a_crash(repo: Path, cli, target: str) -> None:
    original = (repo / target).read_bytes()
    for name, content in HOSTILE.items():
        (repo / target).write_bytes(content)
        code, out, err = cli(repo, *CLONE)
        assert (code, out) == (2, ""), (name, err)
        assert err.startswith(target) and "unexpected" not in err, (name, err)
        assert not (repo / "stacks/copy").exists() and git(repo, "status", "--porcelain") == f" M {target}\n", name
    (repo / target).write_bytes(original)
    assert cli(repo, *CLONE)[0] == 0
