"""What the sniffer reads an input as when its first lines could mislead it: JSON lines a strict
parser refuses, plain lines that open with a bracket, JSON lines under a preamble of comments."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()


def classify(model: Path, *args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def ids(output: str) -> list[object]:
    return [json.loads(line)["id"] for line in output.splitlines() if line.strip()]


# Raw control characters inside JSON strings (no JSON, strictly, but common from exporters)


def _tabbed(count: int) -> str:
    # Four lines in five hold a raw tab in their text: most of the sniffer's sample.
    return "".join(
        json.dumps({"id": f"p{i}", "text": f"Post {i} about the food bank drive"}).replace(" about", "\tabout" if i % 5 else " about")
        + "\n"
        for i in range(1, count + 1)
    )


def test_json_lines_with_raw_tabs_in_their_text_are_read_as_json_lines(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "tabs.jsonl"
    path.write_text(_tabbed(100))
    result = classify(small_model_path, str(path), "--keep-fields")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [f"p{i}" for i in range(1, 101)]
    assert json.loads(result.stdout.splitlines()[0])["record"]["text"] == "Post 1\tabout the food bank drive"
    assert result.stderr == f"{path}: read as jsonl, text field 'text' (detected), id field 'id'\n"


def test_json_lines_with_raw_separators_in_their_text_are_read_from_stdin(small_model_path: Path) -> None:
    lines = [
        {"id": name, "text": f"first half{sep}second half"} for name, sep in (("ff", "\f"), ("vt", "\v"), ("ls", "\u2028"), ("nel", "\x85"))
    ]
    # json.dumps escapes them; written raw, as a sloppy exporter does.
    raw = "".join(json.dumps(line, ensure_ascii=False).replace("\\f", "\f").replace("\\u000b", "\v") + "\n" for line in lines)
    assert "\f" in raw and "\v" in raw
    result = classify(small_model_path, "-", "--keep-fields", input=raw.encode())
    assert result.exit_code == 0, result.stderr
    # Split at line feeds alone: the texts hold other line breaks.
    assert [json.loads(line)["record"]["text"] for line in result.stdout.split("\n")[:-1]] == [line["text"] for line in lines]


def test_a_json_document_with_a_raw_tab_in_a_post_is_read(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text('[\n  {"id": 1, "text": "a\tb"},\n  {"id": 2, "text": "lost my bag"}\n]\n')
    result = classify(small_model_path, str(path), "--keep-fields")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["record"]["text"] for line in result.stdout.splitlines()] == ["a\tb", "lost my bag"]


def test_a_text_given_twice_is_still_found_in_a_line_with_a_raw_tab(small_model_path: Path) -> None:
    given = '{"id": "1", "text": "first\twords", "text": "other words"}\n{"id": "2", "text": "lost my bag"}\n'
    result = classify(small_model_path, "-", input=given)
    assert result.exit_code == 0, result.stderr
    first = json.loads(result.stdout.splitlines()[0])
    assert (first["label"], first["reason"]) == (None, "'text' is given twice in this record")
