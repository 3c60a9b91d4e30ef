"""A file name holding a newline or another control character: messages stay one line and name that file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from smclass.errors import InputError, shown

NAME = "we:ird\nname.jsonl"


@pytest.fixture
def weird(tmp_path: Path) -> Path:
    path = tmp_path / NAME
    path.write_text('{"id": 1, "text": "hello there"}\n{"id": 2, "text":\n{"id": 3, "text": "ok then"}\n', encoding="utf-8")
    return path


def _classify(path: Path, model: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "smclass", "classify", path.name, "-m", str(model), *args]
    return subprocess.run(command, cwd=path.parent, capture_output=True, text=True, timeout=120)


def test_shown_escapes_controls_only() -> None:
    assert shown(NAME) == "we:ird\\nname.jsonl"
    assert shown("a\tb\x1bc.jsonl") == "a\\tb\\x1bc.jsonl"
    assert shown("café posts.jsonl") == "café posts.jsonl"
    assert str(InputError("bad", source=NAME, line=2)) == "we:ird\\nname.jsonl:2: bad"


def test_the_notes_name_the_file_on_one_line_each(weird: Path, small_model_path: Path) -> None:
    done = _classify(weird, small_model_path, "--on-error", "skip")
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        "we:ird\\nname.jsonl: read as jsonl, text field 'text' (detected), id field 'id'",
        "skipped we:ird\\nname.jsonl:2: invalid JSON (unexpected end of data)",
    ]
    # The results keep the real name: it is data, not a message.
    assert {json.loads(line).get("source", NAME) for line in done.stdout.splitlines()} == {NAME}


def test_the_error_names_the_file_escaped(weird: Path, small_model_path: Path) -> None:
    done = _classify(weird, small_model_path, "-q")
    assert done.returncode == 1
    assert done.stderr == "Error: we:ird\\nname.jsonl:2: invalid JSON (unexpected end of data)\n"


def test_an_output_that_cannot_be_written_is_named_escaped(tmp_path: Path, small_model_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text('{"id": 1, "text": "hello there"}\n', encoding="utf-8")
    target = tmp_path / "no\nsuch" / "out.jsonl"
    done = _classify(posts, small_model_path, "-q", "-o", str(target))
    assert done.returncode == 1
    assert done.stderr == f"Error: {tmp_path}/no\\nsuch/out.jsonl: cannot write (No such file or directory)\n"


def test_options_typed_under_an_ascii_locale_name_fields_tables_and_queries_as_typed(tmp_path: Path, small_model_path: Path) -> None:
    # PYTHONUTF8=0 LC_ALL=C: --text-field téxt was "no field 't\xc3\xa9xt'" (exit 2), --table café "no table",
    # and a --query holding an accent an internal error; a file name with an accent was read all along.
    import os
    import sqlite3

    posts = tmp_path / "café.jsonl"
    posts.write_text('{"id": "p1", "téxt": "our bake sale raised money for the shelter"}\n', encoding="utf-8")
    with sqlite3.connect(tmp_path / "posts.db") as db:
        db.execute("CREATE TABLE café (id TEXT, text TEXT, author TEXT)")
        db.execute("INSERT INTO café VALUES ('r1', 'volunteers needed at the food bank', 'José'), ('r2', 'my new bike', 'Ana')")
    db.close()
    env = {**os.environ, "PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0"}
    runs = [
        ["café.jsonl", "--text-field", "téxt"],
        ["posts.db", "--table", "café"],
        ["posts.db", "--query", "SELECT * FROM café WHERE author = 'José'"],
    ]
    ids = []
    for args in runs:
        command = [sys.executable, "-m", "smclass", "classify", *args, "-m", str(small_model_path), "-q"]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=120, env=env, check=False)
        assert (done.returncode, done.stderr) == (0, b"")
        ids.append([json.loads(line)["id"] for line in done.stdout.splitlines()])
    assert ids == [["p1"], ["r1", "r2"], ["r1"]]


def test_a_utf8_file_name_under_an_ascii_locale_is_its_name_in_results_and_notes(tmp_path: Path, small_model_path: Path) -> None:
    # PYTHONUTF8=0 LC_ALL=C: café.jsonl was "caf\\xc3\\xa9.jsonl" in source and notes, a name no file has.
    import os

    for name in ("café.jsonl", "b.jsonl"):
        (tmp_path / name).write_text('{"id": "p1", "text": "our bake sale raised money for the shelter"}\n', encoding="utf-8")
    env = {**os.environ, "PYTHONUTF8": "0", "LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0"}
    command = [sys.executable, "-m", "smclass", "classify", "café.jsonl", "b.jsonl", "-m", str(small_model_path)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=120, env=env, check=False)
    assert done.returncode == 0
    assert [json.loads(line)["source"] for line in done.stdout.splitlines()] == ["café.jsonl", "b.jsonl"]
    assert done.stderr.decode("utf-8").startswith("café.jsonl: read as json, text field 'text' (detected)")


def test_an_error_quoting_the_input_shows_its_escape_codes_escaped(tmp_path: Path, small_model_path: Path) -> None:
    # A header cell that retitles the terminal (OSC 0) reached it as it was, through an error
    # that quotes the first line; one that clears the screen (CSI 2J) too, on a terminal.
    (tmp_path / "h.csv").write_text("a\x1b[2Jb,c\x1b]0;pwned\x07\x9b1m\n1,2\n3,4\n", encoding="utf-8")
    done = _classify(tmp_path / "h.csv", small_model_path)
    assert done.returncode == 2
    assert done.stderr == (
        "Error: h.csv:1: cannot tell whether the first line (a\\x1b[2Jb, c\\x1b]0;pwned\\x07\\x9b1m) is a CSV header that names"
        " no text field or a post: say --input-format csv with --text-field NAME, or --input-format lines\n"
    )


def test_a_library_warning_shows_control_characters_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    # matplotlib names a glyph it cannot draw as the character itself: an ESC from an account name.
    from smclass.cli.app import _show_warning

    _show_warning(set(), UserWarning("Glyph 27 (\x1b) missing from font(s) DejaVu Sans."))
    assert capsys.readouterr().err == "warning: Glyph 27 (\\x1b) missing from font(s) DejaVu Sans.\n"
