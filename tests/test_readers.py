from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from smclass.errors import InputError
from smclass.reading.inputs import read_path, read_stream
from smclass.reading.sniff import detect_format


def read(data: bytes, name: str = "in", fmt: str | None = None) -> list:  # type: ignore[type-arg]
    return list(read_stream(io.BytesIO(data), name, fmt))


@pytest.mark.parametrize(("name", "fmt"), [("posts.jsonl", "jsonl"), ("posts.json", "json"), ("posts.csv", "csv")])
def test_each_format_is_detected_from_content(fixtures: Path, name: str, fmt: str) -> None:
    assert detect_format((fixtures / name).read_bytes()) == fmt
    records = list(read_path(str(fixtures / name)))
    assert [r.data["id"] for r in records] == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert records[2].data["text"].startswith("Subject: Q3 forecast\n\nTeam,")


def test_lines_point_at_where_each_record_starts(fixtures: Path) -> None:
    assert [r.line for r in read_path(str(fixtures / "posts.csv"))] == [2, 3, 4, 10, 11, 12]
    assert [r.line for r in read_path(str(fixtures / "posts.json"))] == [2, 6, 10, 14, 18, 22]
    assert [r.line for r in read_path(str(fixtures / "posts.jsonl"))] == [1, 2, 3, 4, 5, 6]


def test_gzip_is_read_whatever_the_name(fixtures: Path) -> None:
    for name in ("posts.jsonl", "posts.csv", "posts.json"):
        records = read(gzip.compress((fixtures / name).read_bytes()), "x.bin")
        assert len(records) == 6


def test_tsv_is_detected_from_the_header() -> None:
    records = read(b"id\ttext\n1\thello, world\n2\tsecond\n")
    assert [r.data for r in records] == [{"id": "1", "text": "hello, world"}, {"id": "2", "text": "second"}]


def test_json_object_holding_a_list_of_records() -> None:
    records = read(b'{"meta": {"n": 2}, "posts": [{"text": "a"}, {"text": "b"}]}')
    assert [r.data["text"] for r in records] == ["a", "b"]


def test_bom_and_crlf_are_handled() -> None:
    records = read(b'\xef\xbb\xbf{"text": "a"}\r\n{"text": "b"}\r\n')
    assert [r.data["text"] for r in records] == ["a", "b"]
    csv_records = read(b"\xef\xbb\xbfid,text\r\n1,a\r\n")
    assert csv_records[0].data == {"id": "1", "text": "a"}


def test_json_lines_files_that_each_began_with_a_bom_joined_with_cat_are_read_line_by_line() -> None:
    bom = b"\xef\xbb\xbf"
    records = read(bom + b'{"text": "a"}\n' + bom + b'{"text": "b"}\n' + bom + b'{"text": "c"}\n')
    assert [(r.error, r.data["text"]) for r in records] == [(None, "a"), (None, "b"), (None, "c")]


def test_a_json_line_with_a_bom_that_is_no_json_is_rejected_as_it_came_its_bom_kept() -> None:
    # The rejects file keeps a BOM further down, as for a CSV row or a plain line: it had been dropped from the line written.
    bom = b"\xef\xbb\xbf"
    records = read(b'{"text": "a"}\n' + bom + b'{"text": broken\n' + bom + b'{"text": "c"}\n')
    assert [r.error is None for r in records] == [True, False, True]
    assert records[1].raw.startswith(bom + b'{"text": broken')
    # And a line read, to be rejected for what it holds (a text that is an object), as it came too.
    assert records[2].raw == bom + b'{"text": "c"}\n' and records[2].data == {"text": "c"}


def test_empty_input_yields_nothing() -> None:
    assert read(b"") == []
    assert read(b"  \n\n") == []


def test_bad_json_line_is_reported_on_its_record() -> None:
    records = read(b'{"text": "a"}\n{"text": \n{"text": "c"}\n')
    assert [r.error is None for r in records] == [True, False, True]
    assert str(records[1].error).startswith("in:2: invalid JSON")


def test_binary_file_is_refused() -> None:
    with pytest.raises(InputError, match=r"^in: looks like a binary file"):
        read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_truncated_json_array_keeps_what_came_before_and_names_the_problem() -> None:
    records = read(b'[{"text": "a"}, {"text": "b"')
    assert records[0].data == {"text": "a"}
    assert str(records[1].error) == "in:1: invalid JSON (expecting ',' delimiter at column 29)"
