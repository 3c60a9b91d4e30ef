"""A record past the most one may take (16 MiB) is one bad record, never held whole in memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from typer.testing import CliRunner

from smclass.cli import app
from smclass.reading.inputs import read_stream
from smclass.reading.lines import RECORD_LIMIT
from smclass.run import ranges

from .conftest import Generated

runner = CliRunner()
LONG = RECORD_LIMIT + (4 << 20)


def classify(model: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)])


def ids(output: str) -> list[object]:
    return [json.loads(line)["id"] for line in output.splitlines()]


def long_post(post_id: int) -> bytes:
    return json.dumps({"id": post_id, "text": "word " * (LONG // 5)}).encode()


def test_a_json_line_past_the_limit_is_skipped_and_kept_byte_for_byte(small_model_path: Path, tmp_path: Path) -> None:
    long_line = long_post(2) + b"\r\n"
    posts = tmp_path / "posts.jsonl"
    posts.write_bytes(b'{"id": 1, "text": "the team ships on friday"}\n' + long_line + b'{"id": 3, "text": "march with us"}\n')
    rejects = tmp_path / "rejects.jsonl"
    result = classify(small_model_path, str(posts), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 3]
    assert f"skipped {posts}:2: the line is {len(long_line):,} bytes, over the 16 MiB one record may take\n" in result.stderr
    assert rejects.read_bytes() == long_line


def test_a_json_line_past_the_limit_stops_the_run_without_skip(small_model_path: Path, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_bytes(b'{"id": 1, "text": "first"}\n' + long_post(2) + b"\n")
    result = classify(small_model_path, str(posts))
    assert result.exit_code == 1
    assert ids(result.stdout) == [1]
    assert result.stderr.endswith(f"Error: {posts}:2: the line is {len(long_post(2)) + 1:,} bytes, over the 16 MiB one record may take\n")


def test_a_long_line_is_read_in_little_memory() -> None:
    def parts() -> Iterator[bytes]:
        yield b'{"id": 1, "text": "'
        for _ in range(64):  # a line of 64 MiB
            yield b"x" * (1 << 20)
        yield b'"}\n{"id": 2, "text": "after it"}\n'

    tracemalloc.start()
    try:
        found = [(record.line, record.error is None, record.data) for record in read_stream(io.BufferedReader(Generated(parts())), "big")]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == [(1, False, {}), (2, True, {"id": 2, "text": "after it"})]
    assert peak < 2 * RECORD_LIMIT + (8 << 20), peak


def test_a_csv_row_past_the_limit_is_rejected_under_its_header(small_model_path: Path, tmp_path: Path) -> None:
    row = b"2," + b"w" * LONG + b"\n"
    table = tmp_path / "posts.csv"
    table.write_bytes(b"id,text\n1,the team ships on friday\n" + row + b"3,march with us\n")
    rejects = tmp_path / "rejects.csv"
    result = classify(small_model_path, str(table), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["1", "3"]
    assert f"skipped {table}:3: the line is {len(row):,} bytes" in result.stderr
    assert rejects.read_bytes() == b"id,text\n" + row


def test_a_plain_line_past_the_limit_keeps_the_numbering(small_model_path: Path, tmp_path: Path) -> None:
    text = tmp_path / "posts.txt"
    text.write_bytes(b"first post\n" + b"q" * LONG + b"\nthird post")
    rejects = tmp_path / "rejects.txt"
    result = classify(small_model_path, str(text), "--input-format", "lines", "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 3]
    assert rejects.read_bytes() == b"q" * LONG + b"\n"


def test_a_json_array_element_past_the_limit_is_passed_over_and_the_array_read_on(small_model_path: Path, tmp_path: Path) -> None:
    # Brackets and escaped quotes inside its strings do not end it early.
    big = b'{"id": 2, "text": "' + b'a \\"] } [{' * (LONG // 10) + b'", "tags": ["x", {"y": "]"}]}'
    document = tmp_path / "posts.json"
    document.write_bytes(b'[\n {"id": 1, "text": "first post"},\n ' + big + b',\n {"id": 3, "text": "third post"}\n]\n')
    rejects = tmp_path / "rejects.jsonl"
    result = classify(small_model_path, str(document), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 3]
    assert f"skipped {document}:3: a JSON value over 16 MiB, the most one record may take\n" in result.stderr
    assert rejects.read_bytes() == big + b"\n"


def test_a_document_on_one_long_line_is_read_as_a_document(small_model_path: Path, tmp_path: Path) -> None:
    posts = [{"id": i, "text": f"team update number {i} for the launch"} for i in range(RECORD_LIMIT // 50)]
    document = tmp_path / "page.json"
    document.write_text(json.dumps({"posts": posts}) + "\n\n")
    assert document.stat().st_size > RECORD_LIMIT
    result = classify(small_model_path, str(document), "-q")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [post["id"] for post in posts]


def test_a_one_line_document_with_a_value_past_the_limit_is_one_bad_record(small_model_path: Path, tmp_path: Path) -> None:
    document = tmp_path / "one.json"
    document.write_bytes(long_post(1))
    rejects = tmp_path / "rejects.json"
    result = classify(small_model_path, str(document), "--on-error", "skip", "--rejects", str(rejects))
    assert (result.exit_code, result.stdout) == (0, "")
    assert f"skipped {document}:1: its member 'text' is a JSON value over 16 MiB, the most one record may take\n" in result.stderr
    assert rejects.read_bytes() == long_post(1) + b"\n"


def test_an_object_member_past_the_limit_is_named_in_the_error(small_model_path: Path, tmp_path: Path) -> None:
    # Only top-level arrays are read entry by entry; a big export nested in an object (a Telegram
    # account's "chats") is refused, and the error says which member was too big.
    chats = {"about": "", "list": [{"id": 7, "type": "personal_chat", "messages": [{"id": 1, "text": "a" * LONG}]}]}
    document = tmp_path / "result.json"
    document.write_text(json.dumps({"about": "", "chats": chats}, indent=1))
    result = classify(small_model_path, str(document))
    assert (result.exit_code, result.stdout) == (1, "")
    too_big = "its member 'chats' is a JSON value over 16 MiB, the most one record may take"
    assert result.stderr.splitlines()[-1] == f"Error: {document}:3: {too_big}"


def test_ranges_cut_inside_a_long_line_read_as_the_whole_file(tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_bytes(b'{"id": 1, "text": "first"}\n' + long_post(2) + b'\n{"id": 3, "text": "third"}\n')
    cut = ranges.Span(0, RECORD_LIMIT // 2), ranges.Span(RECORD_LIMIT // 2, None)
    first = ranges.count(str(posts), cut[0])
    found = [*ranges.records(str(posts), "p", cut[0], []), *ranges.records(str(posts), "p", cut[1], [first])]
    assert [(r.line, r.index, r.error is None) for r in found] == [(1, 1, True), (2, 2, False), (3, 3, True)]


def test_a_csv_row_spanning_lines_up_to_the_limit_is_read_whole(small_model_path: Path, tmp_path: Path) -> None:
    # An email thread of 9 MiB in one quoted cell: one post, not its lines made posts.
    body = "Dear team,\n" + "the figures are in the sheet\n" * (9 * 2**20 // 29)
    table = tmp_path / "mail.csv"
    table.write_text(f'id,text\n1,hello friends\n2,"{body}"\n3,refund please\n')
    result = classify(small_model_path, str(table), "--on-error", "skip")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["1", "2", "3"]
    assert "skipped" not in result.stderr
