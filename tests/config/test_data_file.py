"""The one reader of data files: what YAML allows but a data file may not say, each one line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from estaleiro.config.data_file import MAX_DEPTH, read_document
from estaleiro.errors import InvalidInput

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


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
