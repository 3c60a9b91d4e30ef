"""LinkedIn's Comments.csv escapes quotes with a backslash: its rows are read whole, and never cut by quote parity."""

from __future__ import annotations

import io
from pathlib import Path

from smclass.reading.inputs import read_stream
from smclass.reading.plan import ReadOptions
from smclass.run import csv_ranges

COMMENTS = (
    b"Date,Link,Message\n"
    b"2026-06-10 18:53:49,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A1,"
    b'"We called the \\"autumn cleanup, part two\\" a success\n'
    b"\n"
    b'and the park looked great."\n'
    b"2026-06-11 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A2,Congratulations on the move!\n"
    b'2026-06-12 10:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A3,"Fully agree with \\"keep it simple\\""\n'
)


def read(data: bytes, name: str = "Comments.csv") -> list:  # type: ignore[type-arg]
    return list(read_stream(io.BytesIO(data), name))


def test_comments_csv_with_backslash_escaped_quotes_reads_each_comment_whole() -> None:
    records = read(COMMENTS)
    assert [r.error for r in records] == [None, None, None]
    assert [r.data["Message"] for r in records] == [
        'We called the "autumn cleanup, part two" a success\n\nand the park looked great.',
        "Congratulations on the move!",
        'Fully agree with "keep it simple"',
    ]
    assert [r.line for r in records] == [2, 5, 6]
    assert records[0].raw == COMMENTS.split(b"\n", 1)[1].split(b"2026-06-11")[0]


def test_a_csv_of_the_same_header_that_doubles_its_quotes_is_read_as_it_shows() -> None:
    data = b'Date,Link,Message\n2026-01-01,https://example.org/1,"The sign said ""closed"" all week"\n'
    assert [r.data["Message"] for r in read(data)] == ['The sign said "closed" all week']


def test_an_escaped_quote_at_the_end_of_a_cut_file_is_a_runaway_row_not_a_post() -> None:
    data = COMMENTS + b'2026-06-13 10:00:00,https://example.org/4,"A note that was cut \\"mid\nsentence\n'
    records = read(data)
    assert [r.error is None for r in records] == [True, True, True, False, True]
    assert (records[3].line, records[3].error.message) == (7, "a quoted field is not closed before the end of the input")
    assert records[4].data["Date"] == "sentence"


def test_the_dask_range_cutter_leaves_a_backslash_escaped_csv_whole(tmp_path: Path) -> None:
    escaped = tmp_path / "Comments.csv"
    escaped.write_bytes(COMMENTS * 50)
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"Date,Link,Text\n" + b'2026-01-01,https://example.org/1,"A post, with a comma"\n' * 50)
    assert csv_ranges.layout(str(escaped), str(escaped), ReadOptions()) is None
    assert csv_ranges.layout(str(plain), str(plain), ReadOptions()) is not None
