"""LinkedIn's Comments.csv escapes quotes with a backslash: its rows are read whole, and never cut by quote parity.
Shares.csv wraps each line of a multi-line commentary in quotes of its own: they are taken off."""

from __future__ import annotations

import io
import json
from pathlib import Path

from typer.testing import CliRunner

from smclass.cli import app
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


SHARES = (
    b"Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"
    # Each line wrapped, its quotes doubled, then the cell quoted as CSV: the quotes double again.
    b'2024-05-02 08:15:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A201,"""Our team finished the river cleanup.""\n'
    b'""""\n'
    b'""Forty volunteers, """"three"""" tonnes of litter.""",,,MEMBER_NETWORK\n'
    b'2024-05-03 08:15:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A202,"Quote of the day:\n'
    b'""Done is better than perfect.""",,,MEMBER_NETWORK\n'
    b'2024-05-04 08:15:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A203,"""Yes,"" she said, ""go.""\n'
    b'""Now.""",,,MEMBER_NETWORK\n'
    b'2024-05-05 08:15:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A204,"""Be kind.""",,,MEMBER_NETWORK\n'
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


def test_shares_csv_commentary_loses_the_quotes_linkedin_wrote_around_each_of_its_lines() -> None:
    records = read(SHARES, "Shares.csv")
    assert [r.error for r in records] == [None, None, None, None]
    assert [r.data["ShareCommentary"] for r in records] == [
        'Our team finished the river cleanup.\n\nForty volunteers, "three" tonnes of litter.',
        # A line of its own in quotes, the others not: the post's own quotation.
        'Quote of the day:\n"Done is better than perfect."',
        # Quotes that open and close every line, but with single quotes inside: no wrappers.
        '"Yes," she said, "go."\n"Now."',
        # One line in quotes reads the same as a post that is one quotation: left as written.
        '"Be kind."',
    ]
    assert [r.shape for r in records] == ["LinkedIn shares"] * 4
    # --keep-fields carries the row as the export wrote it.
    assert records[0].original["ShareCommentary"].startswith('"Our team finished the river cleanup."\n""\n"Forty')


def test_classify_reads_shares_csv_with_its_shape_and_ids(small_model_path: Path) -> None:
    result = CliRunner().invoke(app, ["classify", "-", "--model", str(small_model_path), "--keep-fields"], input=SHARES)
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [f"https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A20{n}" for n in (1, 2, 3, 4)]
    assert "<stdin>: read as LinkedIn shares (csv), text field 'ShareCommentary' (detected), id field 'ShareLink'" in result.stderr
