"""The one reader of data files: what YAML allows but a data file may not say, each one line."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from estaleiro.config import data_file
from estaleiro.config.data_file import MAX_DEPTH, Document, parse_document, read_document
from estaleiro.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


@pytest.fixture(autouse=True, params=["libyaml", "pure Python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every rule and message holds whether libyaml composes or PyYAML was built without it."""
    if request.param == "libyaml":
        assert yaml.__with_libyaml__, "PyYAML without libyaml: reinstall the pinned wheel"
    else:
        monkeypatch.setattr(data_file, "LIBYAML", False)
    return str(request.param)


def problems(tmp_path: Path, content: str | bytes) -> list[str]:
    path = tmp_path / "data.yaml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(InvalidInput) as caught:
        read_document(path, "data.yaml")
    return [str(p) for p in caught.value.problems]


def test_plain_data_and_the_line_of_every_key(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("\ufeffa:\n  b: [1, 2]\n  c: {d: 2026-11-02}\n")  # a byte-order mark is fine
    document = read_document(path, "data.yaml")
    assert document.data == {"a": {"b": [1, 2], "c": {"d": "2026-11-02"}}}  # dates stay text for the models
    assert dict(document.lines) == {"a": 1, "a.b": 2, "a.b.0": 2, "a.b.1": 2, "a.c": 3, "a.c.d": 3}


def test_duplicate_keys_name_both_lines(tmp_path: Path) -> None:
    assert problems(tmp_path, "a:\n  b: 1\n  c: 2\n  b: 3\n") == [
        "data.yaml:4: a.b: key written twice (lines 2 and 4); YAML would keep only the last: remove one"
    ]
    assert problems(tmp_path, "{x: 1, x: 2}\n") == [
        "data.yaml:1: x: key written twice (lines 1 and 1); YAML would keep only the last: remove one"
    ]


def test_keys_that_only_look_alike_are_different(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("1: int\n'1': text\n")
    assert read_document(path, "data.yaml").data == {1: "int", "1": "text"}


def test_anchors_and_aliases_are_refused(tmp_path: Path) -> None:
    message = "anchors and aliases (&name, *name, <<) are not allowed in data files; write the values out"
    assert problems(tmp_path, "a: 1\nb: &x {c: 1}\nd: *x\n") == [f"data.yaml: line 2, column 4: {message}"]
    assert problems(tmp_path, "base: {c: 1}\nd:\n  <<: *base\n") == [f"data.yaml: line 3, column 7: {message}"]


def test_merge_keys_are_refused_even_without_an_alias(tmp_path: Path) -> None:
    """`<<: {traffic: ...}` merged silently; under a written key it hid a second value for it."""
    message = "merge keys (<<) are not allowed in data files; write the keys out"
    assert problems(tmp_path, "traffic: {v1: 100}\n<<: {traffic: {v2: 100}}\n") == [f"data.yaml:2: <<: {message}"]
    assert problems(tmp_path, "a:\n  <<: {b: 1}\n") == [f"data.yaml:2: a.<<: {message}"]


@pytest.mark.parametrize("kind", ["FIFO", "device"])
def test_only_regular_files_are_opened(tmp_path: Path, kind: str) -> None:
    """Reading a FIFO waited for a writer forever; a device reads what it likes."""
    path = tmp_path / "data.yaml"
    if kind == "FIFO":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        read_document(path, "data.yaml")
    assert str(caught.value) == "data.yaml: not a regular file (a FIFO, a device or a socket); data files are files"
    assert time.perf_counter() - started < 1


def test_an_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    started = time.perf_counter()
    [message] = problems(tmp_path, ALIAS_BOMB)
    assert message.startswith("data.yaml: line 1, column 4: anchors and aliases")
    assert time.perf_counter() - started < 1


def test_nesting_is_bounded(tmp_path: Path) -> None:
    assert problems(tmp_path, "[" * 100_000 + "]" * 100_000) == [
        f"data.yaml: line 1, column {MAX_DEPTH + 1}: nested more than {MAX_DEPTH} levels deep"
    ]


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    assert problems(tmp_path, b"a: 1\nb: caf\xe9\n") == [
        "data.yaml:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    ]


def test_invalid_timestamp_written_as_a_tag(tmp_path: Path) -> None:
    assert problems(tmp_path, "d: !!timestamp 2026-02-30\n") == [
        "data.yaml: unreadable value: day is out of range for month"
    ]


def test_a_huge_integer(tmp_path: Path) -> None:
    [message] = problems(tmp_path, "n: " + "9" * 5000 + "\n")
    assert message.startswith("data.yaml: unreadable value: Exceeds the limit (4300 digits)")


def test_python_tags_are_refused(tmp_path: Path) -> None:
    [message] = problems(tmp_path, "a: !!python/object/apply:os.system ['true']\n")
    assert message.startswith("data.yaml: line 1, column 4: malformed YAML: could not determine a constructor")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "a:\n\tb: 1\n",
            "data.yaml: line 2, column 1: malformed YAML: while scanning for the next token, "
            "found character '\\t' that cannot start any token",
        ),
        ("a: 1\x00\n", "data.yaml: character 5: malformed YAML: special characters are not allowed"),
        (
            "a: [1\n",
            "data.yaml: line 2, column 1: malformed YAML: while parsing a flow sequence, "
            "expected ',' or ']', but got '<stream end>'",
        ),
        (
            "a: 1\n---\nb: 2\n",
            "data.yaml: line 2, column 1: malformed YAML: "
            "expected a single document in the stream, but found another document",
        ),
    ],
)
def test_malformed_yaml(tmp_path: Path, content: str, expected: str) -> None:
    assert problems(tmp_path, content) == [expected]


def test_a_file_too_large_to_be_data(tmp_path: Path) -> None:
    assert problems(tmp_path, "a: " + "x" * (1 << 20) + "\n") == ["data.yaml: larger than 1024 KiB: not a data file"]


# Texts libyaml reads differently from the pure-Python loader (found by fuzzing the two against each
# other), and hostile ones: each must read exactly as the pure-Python loader reads it.
UNLIKE = [
    "a:\t1\n",
    "a: 1\t\n",
    "x: [1,\n\t2]\n",
    "a: 1\n\ufeff",
    "notificationEmails: [churn? ds@acme.example.com]\n",
    "- {type? recall, value: 0.74}\n",
    "- {type: precision_at_1b?t, value: 0.47}\n",
    "!\n",
    "! \x85",
    "#\u00e9   \u2028---: !\x85",
    "a: >#\n  x\n",
    "a: |-#\n  x\n",
    "a: &x 1\n",
    "a: *x\n",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
    "[" * 33 + "]" * 33,
    "\x00",
    "a: \ud800\n",
    "a: 1\n---\nb: 2\n",
    "a:\n  b: 1\n  b: 2\n",
    "? [a, b]\n: 1\n",
    "d: !!timestamp 2026-11-02\n",
    "n: " + "9" * 5000 + "\n",
    "cron: '0 * * * *'\nwhen: 2026-11-02\n",
]


def read(text: str) -> Document | str:
    try:
        return parse_document(text, "data.yaml")
    except InvalidInput as err:
        return "\n".join(map(str, err.problems))


@pytest.mark.parametrize("loader", ["libyaml"], indirect=True)
def test_libyaml_reads_every_file_as_the_pure_python_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [p.read_text() for p in ROOT.glob("**/*.yaml") if ".venv" not in p.parts and not p.is_symlink()]
    assert len(files) > 10
    fast = [read(text) for text in files + UNLIKE]
    monkeypatch.setattr(data_file, "LIBYAML", False)
    assert fast == [read(text) for text in files + UNLIKE]


@pytest.mark.parametrize("loader", ["libyaml"], indirect=True)
def test_a_plain_manifest_is_composed_by_libyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def careful(text: str) -> None:
        raise AssertionError("the pure-Python loader read a file libyaml reads alike")

    monkeypatch.setattr(data_file, "_DataLoader", careful)
    for path in ("stacks/dev/models/churn.yaml", "model_cards/churn/v7.yaml", "stacks/dev/Pulumi.dev.yaml"):
        assert parse_document((ROOT / path).read_text(), path).lines
