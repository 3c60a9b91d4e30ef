"""Delimited input at its edges: a CR alone (in a row, or as every line end) and a quote that never closes."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.errors import InputError
from smclass.reading import delimited
from smclass.reading.inputs import Reading, read_stream
from smclass.reading.records import Record
from smclass.reading.sniff import sniff

from .conftest import Generated

runner = CliRunner()

CR_IN_A_ROW = (
    b"post_id,author,body\n"
    b"101,ana,our bakery opens early on saturday\n"
    b"102,bo,my order arrived damaged\rplease help\n"
    b"103,cy,the team finished the migration\n"
)


def classify(model: Path, *args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def ids(output: str) -> list[Any]:
    return [json.loads(line)["id"] for line in output.splitlines() if line.strip()]


def read(data: bytes, input_format: str | None = None) -> list[Record]:
    return list(read_stream(io.BytesIO(data), "in", reading=Reading(input_format)))


# A CR alone inside one row


def test_a_cr_alone_inside_a_row_leaves_the_file_a_csv() -> None:
    assert sniff(CR_IN_A_ROW).fmt == "csv"


@pytest.mark.parametrize("input_format", [None, "csv"])
def test_a_cr_alone_inside_a_row_rejects_that_row_alone_as_input_format_csv_does(input_format: str | None) -> None:
    records = read(CR_IN_A_ROW, input_format)
    assert [(r.line, r.data.get("post_id")) for r in records] == [(2, "101"), (3, None), (4, "103")]
    error = records[1].error
    assert error is not None and str(error) == "in:3: invalid CSV (a carriage return (CR) alone inside an unquoted field)"
    assert records[1].raw == b"102,bo,my order arrived damaged\rplease help\n"


def test_a_cr_alone_inside_a_row_is_one_reject_and_the_rows_around_it_are_read(small_model_path: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    result = classify(small_model_path, "--on-error", "skip", "--rejects", str(rejects), input=CR_IN_A_ROW)
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["101", "103"]
    assert "read as lines" not in result.stderr
    assert rejects.read_bytes() == b"post_id,author,body\n102,bo,my order arrived damaged\rplease help\n"


def test_a_cr_alone_inside_a_row_stops_a_run_at_that_row(small_model_path: Path) -> None:
    result = classify(small_model_path, input=CR_IN_A_ROW)
    assert result.exit_code == 1
    assert ids(result.stdout) == ["101"]
    assert "Error: <stdin>:3: invalid CSV (a carriage return (CR) alone inside an unquoted field)" in result.stderr


def test_a_cr_alone_in_a_quoted_field_is_part_of_the_post() -> None:
    records = read(b'id,text\n1,"two\rlines"\n2,plain\n')
    assert [r.data for r in records] == [{"id": "1", "text": "two\rlines"}, {"id": "2", "text": "plain"}]


def test_a_first_line_with_a_cr_alone_is_read_as_lines_with_a_note_that_says_why() -> None:
    detected = sniff(b"Good morning, all\rof you\nHappy Friday, team\nSee you Monday, folks\n")
    assert detected.fmt == "lines"
    assert detected.note == "its first line holds a carriage return (CR) alone outside quotes, so it is no CSV header"


def test_crlf_line_ends_are_not_a_cr_alone() -> None:
    records = read(b"id,text\r\n1,first post\r\n2,second post\r\n")
    assert [r.data for r in records] == [{"id": "1", "text": "first post"}, {"id": "2", "text": "second post"}]


# Lines that end in CR alone (old Mac line ends)

CR_ONLY = {
    "csv": b"id,text\r1,first post\r2,second post\r",
    "lines": b"first post\rsecond post\rthird post\r",
    "jsonl": b'{"id": 1, "text": "first post"}\r{"id": 2, "text": "second post"}\r',
    "tsv": b"id\ttext\r1\tfirst post\r",
}


@pytest.mark.parametrize("kind", sorted(CR_ONLY))
@pytest.mark.parametrize("named", [False, True])
def test_a_file_whose_lines_end_in_cr_alone_is_refused_not_read_as_one_line(kind: str, named: bool) -> None:
    with pytest.raises(InputError) as caught:
        read(CR_ONLY[kind], kind if named else None)
    message = str(caught.value)
    assert message.startswith("in: its lines end in CR alone")
    assert "tr '\\r' '\\n'" in message and "\n" not in message


def test_a_cr_only_file_is_refused_with_a_delimiter_named_too() -> None:
    with pytest.raises(InputError, match="lines end in CR alone"):
        list(read_stream(io.BytesIO(CR_ONLY["csv"]), "in", reading=Reading(delimiter=",")))


def test_a_cr_only_file_exits_1_with_one_line_and_no_results(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(CR_ONLY["csv"])
    result = classify(small_model_path, str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: {path}: its lines end in CR alone")
    assert result.stderr.count("\n") == 1


def test_a_cr_only_file_not_in_utf8_is_told_the_mac_roman_that_excel_writes_with_it(small_model_path: Path, tmp_path: Path) -> None:
    # Excel's "CSV (Macintosh)": CR line ends and Mac Roman (0x8e is é). Converted, the UTF-8 error had said "e.g. cp1252", which reads Ž.
    path = tmp_path / "mac.csv"
    path.write_bytes("id,text\r1,the caf\u00e9 on the pier reopened\r".encode("mac_roman"))
    result = classify(small_model_path, str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f'Error: {path}: its lines end in CR alone (old Mac line ends, as Excel\'s "CSV (Macintosh)" writes), so it would read as '
        "one line: convert them first, e.g. tr '\\r' '\\n' < IN > OUT, then read it with --encoding mac_roman if it is Excel's "
        "(its text is not UTF-8)\n"
    )
    path.write_bytes(path.read_bytes().replace(b"\r", b"\n"))
    converted = classify(small_model_path, str(path), "--encoding", "mac_roman", "--keep-fields")
    assert converted.exit_code == 0, converted.stderr
    assert json.loads(converted.stdout)["record"]["text"] == "the caf\u00e9 on the pier reopened"


def test_a_json_document_with_cr_line_ends_is_still_read() -> None:
    records = read(b'{\r  "id": 1,\r  "text": "a post"\r}\r')
    assert [(r.data.get("text"), r.error) for r in records] == [("a post", None)]


def test_one_post_that_ends_in_a_cr_is_not_refused() -> None:
    assert [r.data for r in read(b"a single post\r")] == [{"text": "a single post"}]


MIXED_CR = (
    b"My flight got cancelled, where is my refund @SkyAir\rVolunteers needed at the food bank Saturday\r"
    b"Breaking: council closes the library\nJust finished my painting\nTeam standup moved to 10am\r\n"
)


def test_a_line_that_holds_a_cr_alone_among_lf_lines_is_rejected_not_read_as_one_post() -> None:
    records = read(MIXED_CR, "lines")
    assert [(r.line, r.data.get("text")) for r in records] == [
        (1, None),
        (2, "Just finished my painting"),
        (3, "Team standup moved to 10am"),
    ]
    assert records[0].error is not None and records[0].error.message.startswith(
        "the line holds a carriage return (CR) alone, an old Mac line end: the posts on either side of it would be read as one"
    )
    assert records[0].raw == MIXED_CR.split(b"\n")[0] + b"\n"


def test_a_line_with_a_cr_alone_stops_a_run_or_is_one_reject(small_model_path: Path, tmp_path: Path) -> None:
    stopped = classify(small_model_path, "-q", input=MIXED_CR)
    assert (stopped.exit_code, stopped.stdout) == (1, "")
    assert stopped.stderr.splitlines()[-1].startswith("Error: <stdin>:1: the line holds a carriage return (CR) alone")
    rejects = tmp_path / "rejects.txt"
    skipped = classify(small_model_path, "-q", "--on-error", "skip", "--rejects", str(rejects), input=MIXED_CR)
    assert (skipped.exit_code, ids(skipped.stdout)) == (0, [2, 3])
    assert rejects.read_bytes() == MIXED_CR.split(b"\n")[0] + b"\n"


def test_crs_that_end_a_line_are_line_ends_not_a_cr_alone() -> None:
    records = read(b"first post\r\r\nsecond post\r\nthird post\r", "lines")
    assert [(r.error, r.data["text"]) for r in records] == [(None, "first post"), (None, "second post"), (None, "third post")]


# A quote that never closes


def _runaway(rows: int) -> bytes:
    body = b"".join(b"%d,an ordinary post about the weekend market\n" % i for i in range(3, rows + 3))
    return b'id,text\n1,fine\n2,"this quote never closes\n' + body


def _seen(records: list[Record]) -> list[tuple[Any, ...]]:
    return [(r.line, r.index, r.raw, r.data, None if r.error is None else r.error.line) for r in records]


def test_a_quote_left_open_past_the_limit_rejects_its_line_and_reads_on_as_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _runaway(2000)
    at_the_end = read(data)
    monkeypatch.setattr(delimited, "SPAN_LIMIT", 4096)
    bounded = read(data)
    assert _seen(bounded) == _seen(at_the_end)
    assert len(bounded) == 2002
    failed = [r for r in bounded if r.error is not None]
    assert [(r.line, r.raw) for r in failed] == [(3, b'2,"this quote never closes\n')]
    assert failed[0].error is not None and failed[0].error.message == delimited.UNCLOSED
    assert at_the_end[1].error is not None and at_the_end[1].error.message == delimited.RUNAWAY


def test_the_message_of_a_quote_left_open_names_the_limit() -> None:
    assert delimited.UNCLOSED == "a quote opened on this line is not closed within 16 MiB or 1,000,000 lines, the most a row may span"


def test_a_quote_left_open_over_more_lines_than_a_row_may_span_is_one_reject_and_the_rows_after_are_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Short lines by the million in one quote: each line held on its own cost 40 bytes and more.
    monkeypatch.setattr(delimited, "SPAN_LINES", 50)
    records = read(b'id,text\n1,"open\n' + b"a\n" * 200 + b"2,after\n")
    failed = [r for r in records if r.error is not None]
    assert [(r.line, r.error.message) for r in failed if r.error is not None] == [(2, delimited.UNCLOSED)]
    assert [r.data for r in records if r.error is None][-1] == {"id": "2", "text": "after"}


def test_a_quoted_field_over_many_lines_within_the_limit_is_one_post(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delimited, "SPAN_LIMIT", 4096)
    text = "\n".join(f"log line {i}" for i in range(300))  # about 3 KB
    records = read(b'id,text\n1,"' + text.encode() + b'"\n2,after\n')
    assert [(r.line, r.data) for r in records] == [(2, {"id": "1", "text": text}), (302, {"id": "2", "text": "after"})]


def test_a_header_whose_quote_runs_past_the_limit_is_an_error_at_line_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delimited, "SPAN_LIMIT", 1024)
    with pytest.raises(InputError) as caught:
        read(b'id,"text\n' + b"1,a post that is a row\n" * 100, "csv")
    assert str(caught.value) == f"in:1: invalid CSV header ({delimited.UNCLOSED})"


def test_a_quote_left_open_near_the_top_of_a_big_file_holds_little_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delimited, "SPAN_LIMIT", 256 << 10)
    row = b",an ordinary post about the weekend market and some bread\n"

    def parts() -> Iterator[bytes]:
        yield b'id,text\n1,"this quote never closes\n'
        for k in range(2, 200_002, 10_000):  # about 13 MB
            yield b"".join(b"%d" % i + row for i in range(k, k + 10_000))

    kept: list[Record] = []
    count = 0
    tracemalloc.start()
    try:
        for record in read_stream(io.BufferedReader(Generated(parts())), "big"):
            count += 1
            if record.error is not None or len(kept) < 2:
                kept.append(record)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_001
    assert [(r.line, r.error is None) for r in kept] == [(2, False), (3, True)]
    assert peak < 4 * 2**20, peak


def test_a_quote_left_open_stops_a_run_at_its_line_without_reading_on(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delimited, "SPAN_LIMIT", 4096)
    result = classify(small_model_path, input=_runaway(2000))
    assert result.exit_code == 1
    assert ids(result.stdout) == ["1"]
    assert f"Error: <stdin>:3: {delimited.UNCLOSED}" in result.stderr


def test_a_quoted_empty_cell_of_a_one_column_csv_is_a_post_with_no_text(small_model_path: Path) -> None:
    # As pandas writes a one-column frame with an empty and a missing value; the blank line is no row.
    result = classify(small_model_path, input='text\nfirst post here\n""\n""\n\nthird post\n')
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["reason"] if r["label"] is None else "labelled") for r in out] == [
        (1, "labelled"),
        (2, "'text' is empty"),
        (3, "'text' is empty"),
        (4, "labelled"),
    ]


def test_lines_ended_by_cr_with_a_last_lf_are_refused_not_one_post(small_model_path: Path) -> None:
    result = classify(small_model_path, input=b"hello there my friend\rsecond line of text\rthird one\n")
    assert (result.exit_code, result.stdout) == (1, "")
    assert "its lines end in CR alone" in result.stderr


# Excel's "sep=;" first line

SEP_LINE = b"\xef\xbb\xbfsep=;\r\nid;text\r\n7;the ferry runs late, again\r\n8;a;b;c\r\n9;lunch by the river\r\n"


@pytest.mark.parametrize("input_format", [None, "csv"])
def test_an_excel_sep_line_names_the_delimiter_and_the_header_is_the_line_after_it(input_format: str | None) -> None:
    records = read(SEP_LINE, input_format)
    assert [(r.line, r.data.get("id"), r.data.get("text")) for r in records] == [
        (3, "7", "the ferry runs late, again"),
        (4, None, None),
        (5, "9", "lunch by the river"),
    ]
    assert records[1].error is not None and "row has 4 fields but the header has 2" in str(records[1].error)


# A report's preamble above the CSV header (Brandwatch, Talkwalker)

PREAMBLE = (
    b"Mentions export\n"
    b"Report:,Tea shop, spring\n"
    b"From:,2025-03-01\n"
    b"\n"
    b"Date,Author,Full Text,Url\n"
    b'2025-03-02,ana,"@TeaCo the lid leaked again, nice",https://x.example/1\n'
    b"2025-03-03,desk,Tea prices rose this month,https://news.example/2\n"
)


def test_a_header_under_a_report_preamble_is_refused_with_the_line_to_read_from(small_model_path: Path) -> None:
    result = classify(small_model_path, input=PREAMBLE)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: <stdin>:5: this line reads as a CSV header (Date, Author, Full Text, Url) under 4 lines of something else "
        "(a report's preamble?): read from it with 'tail -n +5 FILE | smclass classify -', "
        "or say --input-format lines to read every line as a post\n"
    )
    tail = classify(small_model_path, "-q", input=PREAMBLE.split(b"\n", 4)[4])
    assert ids(tail.stdout) == ["https://x.example/1", "https://news.example/2"]


def test_posts_one_per_line_that_hold_commas_are_still_read_as_lines() -> None:
    posts = b"Good morning all\nPost, then run: the usual Sunday\nMilk, eggs, bread\nTea, toast, done\n"
    assert [r.data["text"] for r in read(posts)] == [line.decode() for line in posts.splitlines()]


def test_a_quote_closed_rows_later_with_text_after_it_rejects_those_lines_together() -> None:
    # A stray quote, or a real one followed by a word: either way where the row ends cannot be
    # told, and reading the lines again as rows could make posts (and labels) of a field's lines.
    data = (
        b"id,text,label\n"
        b'1,"Wow what a day at the beach with the kids,Personal\n'
        b"2,Breaking: floods close the main highway,Media\n"
        b'3,Council says the road reopens Monday" officials said,Media\n'
        b"4,@SkyAir where is my refund,Customer\n"
    )
    records = read(data)
    assert [(r.line, r.error is None) for r in records] == [(2, False), (5, True)]
    assert records[0].raw == data[len(b"id,text,label\n") : data.index(b"4,@")]
    assert records[0].error is not None
    closed = "closed on line 4 with text after it (',' expected after '\"')"
    assert records[0].error.message == f"a quoted field opened on this line is {closed}: lines 2 to 4 are rejected together"


# A stray quote that a later cell closes cleanly: the rows between are no field of one post

STRAY = {
    "csv": (
        b"id,text\n"
        b"t1,My flight got cancelled\n"
        b't2,"Never give up on your dreams\n'
        b"t3,Volunteers needed at the food bank\n"
        b"t4,Breaking: council closes library\n"
        b't5,as my grandma always said"\n'
        b"t6,Just finished my painting\n"
    ),
    # jq -r '[.id,.text]|@tsv' writes a post's quotes as they are: one that starts with a quote mark, one that ends with an inch mark.
    "tsv": (
        b"id\ttext\n"
        b"1\tFlight delayed again, thanks @SkyAir\n"
        b'2\t"Be the change you wish to see in the world\n'
        b"3\tFood bank drive this Saturday, volunteers welcome\n"
        b"4\tQuarterly numbers are out: revenue up 4%\n"
        b'5\tFinally got my new monitor, 27"\n'
        b"6\tJust finished my first marathon!\n"
    ),
}
RUNS_THROUGH = (
    "a quote opened on this line seems to run through the next rows, whose lines read as rows of their own (a stray quote?): "
    "lines 3 to 6 are rejected together"
)


@pytest.mark.parametrize("kind", sorted(STRAY))
def test_a_stray_quote_closed_cleanly_rows_later_rejects_those_lines_together_not_one_post(kind: str) -> None:
    records = read(STRAY[kind])
    assert [(r.line, r.error is None) for r in records] == [(2, True), (3, False), (7, True)]
    assert records[1].error is not None and records[1].error.message == RUNS_THROUGH
    lines = STRAY[kind].splitlines(keepends=True)
    assert records[1].raw == b"".join(lines[2:6])


@pytest.mark.parametrize("kind", sorted(STRAY))
def test_a_stray_quote_stops_a_run_at_its_line_and_skip_keeps_its_lines_as_one_reject(
    kind: str, small_model_path: Path, tmp_path: Path
) -> None:
    stopped = classify(small_model_path, "-q", input=STRAY[kind])
    assert (stopped.exit_code, len(ids(stopped.stdout))) == (1, 1)
    assert stopped.stderr.splitlines()[-1] == f"Error: <stdin>:3: {RUNS_THROUGH}"
    rejects = tmp_path / f"rejects.{kind}"
    skipped = classify(small_model_path, "-q", "--on-error", "skip", "--rejects", str(rejects), input=STRAY[kind])
    assert skipped.exit_code == 0, skipped.stderr
    assert len(ids(skipped.stdout)) == 2
    lines = STRAY[kind].splitlines(keepends=True)
    assert rejects.read_bytes() == lines[0] + b"".join(lines[2:6])


def test_a_stray_quote_over_the_next_row_alone_is_caught_too() -> None:
    records = read(b'id\ttext\nt1\t"Stay hungry, stay foolish\nt2\tSelling my old TV, 55"\nt3\tfine\n')
    assert [(r.line, r.error is not None) for r in records] == [(2, True), (4, False)]


@pytest.mark.parametrize(
    "cell",
    [
        # A post's own commas have a space after them, and its lines do not start like the row's id.
        b'"Dear team, thanks for today\nWe met, talked, agreed on a plan\nSee you Monday, all"',
        b'"Plans:\nok,see you at 7\nbye,then"',
        b'"We did it!\n1,000 people came, 2,5 tonnes of food\n"',
        b'"Status\n\nQ1,done\nQ2,planned"',
    ],
)
def test_a_quoted_post_over_several_lines_with_commas_in_them_is_still_one_post(cell: bytes) -> None:
    records = read(b"id,text\n7," + cell + b"\n8,next post\n")
    assert [(r.error, r.data) for r in records] == [
        (None, {"id": "7", "text": cell[1:-1].decode()}),
        (None, {"id": "8", "text": "next post"}),
    ]


@pytest.mark.parametrize(
    "data",
    [
        # A username first, and one line of the post that reads as a row of it: a post all the same.
        b'author,text\nbob,"Running late\nok,see you soon"\nalice,"hello there"\n',
        # A numeric id, and one such line: by chance, where a stray quote runs over whole rows.
        b'id,text\n101,"Dinner tonight at mine\n4,maybe 5 of us"\n102,"hello there"\n',
    ],
)
def test_a_csv_post_with_one_line_that_reads_as_a_row_is_still_a_post(data: bytes) -> None:
    records = read(data)
    assert [r.error for r in records] == [None, None]
    assert "\n" in records[0].data["text"]


def test_a_stray_quote_in_a_middle_column_is_caught_by_its_lines_being_whole_rows() -> None:
    data = b'id,text,label\nt2,"Never give up,Personal\nt3,Volunteers needed,Emergent\nt5,as grandma said",Personal\nt6,fine,Media\n'
    records = read(data)
    assert [(r.line, r.error is not None) for r in records] == [(2, True), (5, False)]


def test_a_quoted_post_over_several_lines_in_a_wider_csv_or_an_excel_tsv_is_still_one_post() -> None:
    wide = read(b'id,text,author\nt7,"Line one, with a comma\nline two,here\nand done",ana\n', "csv")
    assert [(r.error, r.data["author"]) for r in wide] == [(None, "ana")]
    # Its first line is no whole row: the quote is a field's, whatever its last line looks like.
    rowlike = read(b'id,text,author\nt7,"garden meeting at the bank\nt8,garden fake row",a7\nt9,next,a9\n', "csv")
    assert [(r.error, r.data["text"]) for r in rowlike] == [(None, "garden meeting at the bank\nt8,garden fake row"), (None, "next")]
    tsv = read(b'id\ttext\n7\t"Line one, as Excel quotes it\nline two\n\nline three"\n8\tnext\n', "tsv")
    assert [(r.error, r.data["text"]) for r in tsv] == [(None, "Line one, as Excel quotes it\nline two\n\nline three"), (None, "next")]


def test_a_line_whose_quotes_are_words_is_read_as_written() -> None:
    records = read(b'id,text\n1,"Best day ever" she said\n2,fine day\n')
    assert [r.data for r in records] == [{"id": "1", "text": '"Best day ever" she said'}, {"id": "2", "text": "fine day"}]
    tsv = read(b'id\ttext\tlabel\n1\t"Best day" she said\tPersonal\n', "tsv")
    assert tsv[0].data == {"id": "1", "text": '"Best day" she said', "label": "Personal"}


def test_a_line_whose_quotes_leave_it_the_wrong_width_is_an_error() -> None:
    records = read(b'id,text\n1,"Best day, ever" she, said\n2,fine day\n')
    assert records[0].error is not None and records[0].error.message == "invalid CSV (',' expected after '\"')"
    assert records[1].data == {"id": "2", "text": "fine day"}


def test_a_line_cut_inside_its_quotes_is_no_literal_row_and_a_cell_quoted_whole_is_unquoted() -> None:
    cut = read(b'id,text,label\n1,"Hello, world" she said\n2,Plain post here,Personal\n')
    assert cut[0].error is not None and cut[0].error.message == "invalid CSV (',' expected after '\"')"
    whole = read(b'id,text,label\n1,"Hi" there,"Personal"\n')
    assert whole[0].data == {"id": "1", "text": '"Hi" there', "label": "Personal"}


def test_a_literal_cell_that_starts_and_ends_with_quoted_words_keeps_its_quotes() -> None:
    records = read(b'id,text,label\n1,"Best day" ever "really",Personal\n2,"say ""hi""",Media\n')
    assert records[0].data["text"] == '"Best day" ever "really"'
    assert records[1].data["text"] == 'say "hi"'  # a cell quoted whole, read by the csv module itself


def test_short_rows_get_their_missing_cells_empty_in_the_headers_order() -> None:
    records = read(b"text,author,likes\nthe tram is back,ana\nour picnic moved,bo,4\n", "csv")
    assert [list(r.data.items()) for r in records] == [
        [("text", "the tram is back"), ("author", "ana"), ("likes", "")],
        [("text", "our picnic moved"), ("author", "bo"), ("likes", "4")],
    ]


def test_a_short_row_under_blank_names_keeps_the_last_blank_columns_cell() -> None:
    # Blank names repeat in spreadsheet exports; as for a full row, the last such column gives the value.
    (record,) = read(b"text,,x,\nthe ferry is late,5\n", "csv")
    assert record.data == {"text": "the ferry is late", "": "", "x": ""}


def test_the_plans_sample_counts_a_records_fields_not_only_its_bytes() -> None:
    from smclass.reading.posts import SNIFF_RECORDS, first_records

    # 100 short rows under a header of 50,000 columns are 100 records of 50,000 fields each.
    header = ",".join(["text", *(f"c{i}" for i in range(50_000))]).encode()
    rows = b"".join(b"the bus came early %d,x\n" % i for i in range(SNIFF_RECORDS + 20))
    records = read_stream(io.BytesIO(header + b"\n" + rows), "wide.csv", reading=Reading("csv"))
    first = first_records(records)
    assert 1 <= len(first) < 5
    assert first[0].data["text"] == "the bus came early 0"


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_header_repeated_further_down_is_a_bad_row_not_a_post(bom: bytes) -> None:
    export = bom + b"id,text\r\n1,the ferry is late\r\n2,our bake sale raised 300\r\n"
    records = read(export + export, "csv")
    assert [(r.line, r.data.get("id")) for r in records] == [(2, "1"), (3, "2"), (4, None), (5, "1"), (6, "2")]
    assert records[2].error is not None
    assert str(records[2].error) == "in:4: this row repeats the header (CSV files joined one after another?): it is no post"


def test_a_bom_at_the_start_of_a_row_further_down_is_dropped_from_its_first_cell_and_kept_in_its_raw_line() -> None:
    # Two UTF-8 exports with a BOM joined with cat, the second without its header.
    second = b'\xef\xbb\xbf"t2","Finished my painting, at last"\n'
    records = read(b"\xef\xbb\xbfid,text\nt1,hello there friends\n" + second, "csv")
    assert [(r.error, r.data) for r in records] == [
        (None, {"id": "t1", "text": "hello there friends"}),
        (None, {"id": "t2", "text": "Finished my painting, at last"}),
    ]
    assert records[1].raw == second


def test_a_bom_at_the_start_of_a_plain_line_further_down_is_no_part_of_its_post() -> None:
    records = read(b"\xef\xbb\xbfMy flight got cancelled\nVolunteers needed\n\xef\xbb\xbfJust finished my painting\n", "lines")
    assert [r.data["text"] for r in records] == ["My flight got cancelled", "Volunteers needed", "Just finished my painting"]


def test_a_row_that_only_starts_like_the_header_is_a_post() -> None:
    records = read(b"text,id\ntext,7\n", "csv")
    assert [(r.error, r.data) for r in records] == [(None, {"text": "text", "id": "7"})]


@pytest.mark.parametrize("header", [b",id,text", b'"","id","text"'])
def test_a_repeated_header_whose_first_name_is_blank_is_a_bad_row(header: bytes) -> None:
    # pandas' to_csv writes its index under a blank name, R's write.csv writes "": two such files joined with cat.
    records = read(header + b"\n0,1,hello there friends\n" + header + b"\n1,3,lunch was great\n")
    assert [(r.line, r.error is not None and "repeats the header" in str(r.error)) for r in records] == [(2, False), (3, True), (4, False)]


def test_a_header_repeated_in_another_case_or_spacing_is_a_bad_row_as_an_exact_repeat_is() -> None:
    records = read(b"id,text\nt1,the ferry is late\nID, Text\nt2,our bake sale raised 300\n", "csv")
    assert [(r.line, r.data.get("id")) for r in records] == [(2, "t1"), (3, None), (4, "t2")]
    assert str(records[1].error) == "in:3: this row repeats the header (CSV files joined one after another?): it is no post"


CHANGED_HEADERS = {
    "swapped": (b"id,text\nt1,the ferry is late\ntext,id\nour bake sale raised 300,t2\n", "text, id from id, text"),
    "narrower": (b"id,text,author\nt1,the ferry is late,ana\nid,text\nt2,our bake sale raised 300\n", "id, text from id, text, author"),
    "reordered": (
        b"id,text,author\nt1,the ferry is late,ana\nauthor,id,text\nbo,t2,our bake sale raised 300\n",
        "author, id, text from id, text, author",
    ),
}


@pytest.mark.parametrize("kind", sorted(CHANGED_HEADERS))
def test_a_header_of_other_columns_further_down_stops_the_reading_at_its_line(kind: str) -> None:
    data, change = CHANGED_HEADERS[kind]
    records = read_stream(io.BytesIO(data), "in")
    first = next(records)
    assert (first.error, first.data["text"]) == (None, "the ferry is late")
    with pytest.raises(InputError) as caught:
        next(records)
    assert str(caught.value) == (
        f"in:3: the header changes here to {change} (files of other columns joined one after another?), and the rows under it "
        "would be read from the wrong columns: classify the parts apart, e.g. head -n 2 in and tail -n +3 in"
    )


def test_a_header_of_other_columns_stops_a_run_even_with_on_error_skip(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "joined.csv"
    path.write_bytes(b"id,text\nt1,the ferry is late\ntext,id\nour bake sale raised 300,t2\n")
    for skip in ([], ["--on-error", "skip"]):
        result = classify(small_model_path, "-q", str(path), *skip)
        assert (result.exit_code, ids(result.stdout)) == (1, ["t1"])
        assert result.stderr.splitlines()[-1].startswith(f"Error: {path}:3: the header changes here to text, id from id, text")
        assert result.stderr.splitlines()[-1].endswith(f"head -n 2 {path} and tail -n +3 {path}")


def test_a_header_with_a_renamed_column_further_down_stops_the_reading_at_its_line() -> None:
    # Two exports joined with cat, the later one naming 'author' 'user': its header row had been labelled as a post
    # (id "id", text "text"), exit 0, and its rows read under the first file's names.
    records = read_stream(io.BytesIO(b"id,text,author\nt1,the ferry is late,ana\nid,text,user\nt2,our bake sale raised 300,bo\n"), "in")
    assert next(records).data["text"] == "the ferry is late"
    with pytest.raises(InputError) as caught:
        next(records)
    assert str(caught.value).startswith("in:3: the header changes here to id, text, user from id, text, author ")


def test_a_row_whose_cells_are_one_header_name_or_not_all_names_is_a_post() -> None:
    records = read(b"id,text,author\ntext,the ferry is late,\nid,7,bo\nauthor,Author,text\nText,,\n", "csv")
    assert [(r.error, r.data["id"]) for r in records] == [(None, "text"), (None, "id"), (None, "author"), (None, "Text")]


def test_a_short_row_whose_text_cell_is_missing_says_so_rather_than_that_it_is_empty(small_model_path: Path) -> None:
    data = "id,likes,text\nr1,5,the long run went well\nr2,refund my order please\nr3,2,\n"
    result = runner.invoke(app, ["classify", "-", "--model", str(small_model_path)], input=data)
    assert result.exit_code == 0, result.stderr
    reasons = [json.loads(line).get("reason") for line in result.stdout.splitlines()]
    assert reasons == [None, "'text' is missing: the row has 2 of its header's 3 cells", "'text' is empty"]


def test_input_format_csv_on_a_tab_separated_file_says_so_rather_than_misreading_it(small_model_path: Path) -> None:
    # Read with commas, the header was one name and a row with a comma in its post broke into two cells.
    data = "id\ttext\n1\tthe ferry is late, again\n2\tnew phone who dis\n"
    said = "--input-format csv, but its lines are split by tabs: say --input-format tsv, or --delimiter ',' to split them at commas"
    result = classify(small_model_path, "--input-format", "csv", input=data)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: <stdin>:1: {said}\n")
    as_tsv = classify(small_model_path, "--input-format", "tsv", input=data)
    assert (as_tsv.exit_code, ids(as_tsv.stdout)) == (0, ["1", "2"])


def test_json_lines_read_as_a_table_by_a_delimiter_say_so(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text('{"id": "1", "text": "hello; there"}\n{"id": "2", "text": "again; here"}\n')
    result = runner.invoke(app, ["classify", str(path), "--delimiter", ";", "-m", str(small_model_path), "-q"])
    assert result.exit_code == 1
    hint = "(its header is a line of JSON: the input looks like JSON lines, read as csv: drop --delimiter or --input-format)"
    assert result.stderr.splitlines()[-1].endswith(f"name it with --text-field {hint}")


@pytest.mark.parametrize("header", [b"id,TEXT,Text", b"id,text,Text", b"id,Message,message"])
def test_text_columns_that_differ_only_in_case_are_refused_not_one_picked(small_model_path: Path, tmp_path: Path, header: bytes) -> None:
    path = tmp_path / "two.csv"
    path.write_bytes(header + b"\nt1,my bag is lost,volunteers needed\n")
    result = runner.invoke(app, ["classify", str(path), "-m", str(small_model_path)])
    assert (result.exit_code, result.stdout) == (2, "")
    first, second = header.decode().split(",")[1:]
    said = f"the fields '{first}' and '{second}' differ only in case, and either could be the text: name one with --text-field"
    assert result.stderr.splitlines()[-1] == f"Error: {path}: {said}"


@pytest.mark.parametrize(
    ("data", "names"),
    [
        ("src,body\nid,text\nq1,the ferry runs late on sundays\nq2,our stand-up moves to ten\n", "(id, text) under the header (src, body)"),
        (",src,body\n,id,text\n0,q1,the ferry runs late on sundays\n", "(, id, text) under the header (, src, body)"),
    ],
)
def test_a_second_row_of_column_names_is_refused_not_labelled_as_a_post(small_model_path: Path, data: str, names: str) -> None:
    # pandas' to_csv of a frame whose columns have two levels: the row 'id,text' had been labelled as the post "text",
    # and the posts under it had record positions for ids (3 results for 2 rows, exit 0).
    result = classify(small_model_path, input=data)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        f"Error: <stdin>:2: this row names columns too {names}: two rows of column names, as pandas writes a frame whose "
        "columns have two levels (a MultiIndex), and the posts would be read under the first row's: keep one row of names "
        "(in pandas, df.columns = df.columns.get_level_values(-1) before writing it)"
    )


def test_a_first_post_that_is_one_field_name_is_still_a_post(small_model_path: Path) -> None:
    result = classify(small_model_path, input="id,text\nq1,text\nq2,message\n")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["q1", "q2"]


def test_blank_lines_over_a_csv_header_are_passed_as_the_sniffer_passed_them() -> None:
    # Told a CSV past them, its blank first line had been read as a header of no names: "row has 2 fields but the header has 0", exit 1.
    for blank in (b"\n", b"\xef\xbb\xbf\n", b"\r\n\n"):
        records = read(blank + b"id,text\n1,the bus was late again\n")
        assert [(record.data, record.line, record.error) for record in records] == [
            ({"id": "1", "text": "the bus was late again"}, blank.count(b"\n") + 2, None)
        ]
