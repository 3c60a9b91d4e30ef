"""Inputs that were read in part with exit 0 and no word: each is now read whole, or refused in one line."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.reading.inputs import Reading, read_stream

runner = CliRunner()


def classify(model: Path, *args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def ids(output: str) -> list[object]:
    return [json.loads(line)["id"] for line in output.splitlines() if line.strip()]


# More after a JSON array


def test_a_second_json_array_appended_stops_the_run_at_its_line(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "pp.json"
    first = json.dumps([{"id": 1, "text": "first"}], indent=2)
    path.write_text(first + "\n" + json.dumps([{"id": 2, "text": "lost my bag"}, {"id": 3, "text": "third"}], indent=2) + "\n")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert ids(result.stdout) == [1]
    assert result.stderr.splitlines()[-1] == f"Error: {path}:7: invalid JSON (extra data after the array at column 1)"


def test_text_after_a_json_array_is_one_reject_with_skip(small_model_path: Path, tmp_path: Path) -> None:
    path, rejects = tmp_path / "tr.json", tmp_path / "tr.rej"
    path.write_text('[{"id":1,"text":"a post"}] trailing')
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1]
    assert f"skipped {path}:1: invalid JSON (extra data after the array at column 28)" in result.stderr
    assert rejects.read_bytes() == b"trailing\n"


def test_blanks_after_a_json_array_are_fine(small_model_path: Path) -> None:
    result = classify(small_model_path, input='[{"id": 1, "text": "a post"}]\n\n  \t\n')
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1]


# Several lists of posts in one object


def test_an_object_holding_two_lists_of_posts_is_refused_naming_them(small_model_path: Path) -> None:
    result = classify(small_model_path, input='{"posts":[{"id":1,"text":"a"}],"comments":[{"id":9,"text":"b"}]}')
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: <stdin>:1: the object holds 2 lists of posts ('posts', 'comments'): pick them out with jq, "
        "e.g. jq -c '.posts[], .comments[]' FILE | smclass classify -\n"
    )


def test_a_json_line_holding_two_lists_of_posts_is_one_bad_record(small_model_path: Path) -> None:
    data = '{"posts":[{"id":1,"text":"a"}],"my replies":[{"id":9,"message":"b"}]}\n{"posts":[{"id":2,"text":"c"}]}\n'
    result = classify(small_model_path, "--on-error", "skip", input=data)
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [2]
    assert (
        "skipped <stdin>:1: the object holds 2 lists of posts ('posts', 'my replies'): pick them out with jq, "
        """e.g. jq -c '.posts[], .["my replies"][]' FILE | smclass classify -"""
    ) in result.stderr


def test_lists_beside_the_posts_that_hold_no_posts_leave_the_posts_read(small_model_path: Path) -> None:
    page = {
        "data": [{"id": "1", "text": "Volunteers needed Saturday"}, {"id": "2", "text": "Lost my bag at the station"}],
        "errors": [{"message": "Could not find tweet 3"}],
        "users": [{"id": "u1", "name": "gazette", "description": "Local news, every day"}],
    }
    result = classify(small_model_path, input=json.dumps(page, indent=1))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["1", "2"]


# A CSV header that names a column twice


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("id,text,text\n1,volunteers needed,lost my bag\n", "the header names 'text' twice (columns 2 and 3): rename one"),
        ("id,text,id\n1,hello there,2\n", "the header names 'id' twice (columns 1 and 3): rename one"),
        ("id,text,tag,tag,tag\n1,hello there,a,b,c\n", "the header names 'tag' 3 times (columns 3, 4 and 5): rename all but one"),
    ],
)
def test_a_csv_header_that_names_a_column_twice_is_refused(small_model_path: Path, tmp_path: Path, data: str, error: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(data)
    result = classify(small_model_path, str(path), "--keep-fields")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {path}:1: {error}\n"


def test_an_excel_header_that_names_a_column_twice_is_refused(small_model_path: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "d.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["id", "text", "text"])
    book.active.append([1, "volunteers needed", "lost my bag"])
    book.save(path)
    result = classify(small_model_path, str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {path}:1: the header names 'text' twice (columns 2 and 3): rename one\n"


def _excel_rows(path: Path, rows: list[list[object]]) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_an_excel_sheet_with_a_second_row_of_column_names_is_refused_not_read_as_a_post(small_model_path: Path, tmp_path: Path) -> None:
    # pandas' to_excel of a frame whose columns have two levels: the row of 'id' and 'text' had been labelled as a post.
    path = _excel_rows(tmp_path / "levels.xlsx", [[None, "src", "body"], [None, "id", "text"], [0, "q1", "the ferry runs late on sundays"]])
    result = classify(small_model_path, str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1].startswith(
        f"Error: {path}:2: this row names columns too (, id, text) under the header (column_1, src, body): two rows of column names"
    )


def test_an_excel_header_under_a_title_row_is_refused_not_read_as_a_post(small_model_path: Path, tmp_path: Path) -> None:
    # With --text-field column_3 the header row had been labelled as a post ("text"), the ids record positions, exit 0.
    title = ["Mentions of the ferry company, week 14"]
    path = _excel_rows(tmp_path / "t.xlsx", [title, [], ["id", "author", "text"], ["f1", "ines", "the 8:15 ferry left without us again"]])
    for given in ([], ["--text-field", "column_3"]):
        result = classify(small_model_path, str(path), *given)
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr.endswith(
            f"Error: {path}:3: this row reads as a header (id, author, text) under a row of something else (a report's title?), "
            "which would be read as the header and this row as a post: delete the rows above it in the sheet\n"
        )


def test_an_excel_sheet_whose_header_names_no_known_field_is_still_read(small_model_path: Path, tmp_path: Path) -> None:
    rows = [["Nr", "Beitrag", "Quelle"], [1, "the ferry left without us again", "web"], [2, "ID", "Text"]]
    path = _excel_rows(tmp_path / "t.xlsx", rows)
    result = classify(small_model_path, str(path), "--text-field", "Beitrag", "--id-field", "Nr", "-q")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 2]


def test_an_excel_sheet_of_short_posts_beside_their_kind_is_read_not_taken_for_a_title_and_header(
    small_model_path: Path, tmp_path: Path
) -> None:
    # A row no wider than the first is one of its table's rows, even one of short words naming a field
    # ("Comment", "id"): such sheets had been refused as a header under a report's title, exit 1.
    for rows in (
        [["Feedback", "Source"], ["Love it", "Comment"], ["Too slow", "Post"], ["Crashes on start", "Message"]],
        [["Question", "Answer"], ["Has a photo", "Yes"], ["Name", "id"], ["Works offline", "No"]],
    ):
        path = _excel_rows(tmp_path / "t.xlsx", rows)
        result = classify(small_model_path, str(path), "--text-field", rows[0][0], "-q")
        assert result.exit_code == 0, result.stderr
        assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 2, 3]


def test_an_excel_cover_sheet_with_nothing_in_it_is_passed_over_for_the_sheet_with_posts(small_model_path: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active["B3"] = "   "  # a formatted cell, blank
    posts = book.create_sheet("Posts")
    posts.append(["id", "text"])
    posts.append([1, "I baked bread this morning"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = classify(small_model_path, str(path))
    # It had been "holds no records", exit 0, and the posts never read.
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1]
    assert f"{path}: read as Excel sheet 'Posts' (xlsx)" in result.stderr


def test_excel_sheets_after_the_one_read_are_looked_at_only_so_far_and_named(small_model_path: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.active.title = "posts"
    book.active.append(["id", "text"])
    book.active.append([1, "I baked bread this morning"])
    template = book.create_sheet("template")
    for row in range(1, 1201):  # styled, empty: read whole, such a sheet had made reading ten times slower
        template.cell(row=row, column=1).font = Font(bold=True)
    template.cell(row=1200, column=2, value="a note far down")
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert f"{path}: read as Excel sheet 'posts' (not read: 'template', blank in the 1,000 rows looked at) (xlsx)" in result.stderr


def test_an_excel_sheet_that_declares_too_small_a_size_is_read_to_its_last_row(small_model_path: Path, tmp_path: Path) -> None:
    import zipfile

    whole = _excel_rows(tmp_path / "whole.xlsx", [["id", "text", "n"], *([i, f"release {i} shipped", i] for i in range(1, 7))])
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(cut, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                # What another tool may write: a <dimension> that stops at row 3, column B.
                assert b'<dimension ref="A1:C7" />' in data
                data = data.replace(b'<dimension ref="A1:C7" />', b'<dimension ref="A1:B3" />')
            target.writestr(info, data)
    result = classify(small_model_path, str(cut), "--keep-fields", "-q")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["record"]["n"] for line in result.stdout.splitlines()] == [1, 2, 3, 4, 5, 6]


def test_an_excel_row_shorter_than_the_header_has_its_missing_cells_as_null(small_model_path: Path, tmp_path: Path) -> None:
    path = _excel_rows(tmp_path / "short.xlsx", [["id", "text", "note"], [1, "release shipped", "ok"], [2, "garden day"]])
    result = classify(small_model_path, str(path), "--keep-fields", "-q")
    assert [json.loads(line)["record"] for line in result.stdout.splitlines()][1] == {"id": 2, "text": "garden day", "note": None}


def test_an_excel_cell_past_the_headers_last_name_is_read_under_its_column_number(small_model_path: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["id", "text"])
    book.active.append([1, "release shipped"])
    book.active.append([2, "garden day", None, "note: check"])  # an annotator's note in column D
    path = tmp_path / "notes.xlsx"
    book.save(path)
    result = classify(small_model_path, str(path), "--keep-fields", "-q")
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line)["record"] for line in result.stdout.splitlines()]
    assert records[1] == {"id": 2, "text": "garden day", "column_3": None, "column_4": "note: check"}


def test_an_excel_error_cell_is_no_text_to_label(small_model_path: Path, tmp_path: Path) -> None:
    path = _excel_rows(tmp_path / "err.xlsx", [["id", "text", "lookup"], [1, "#N/A", 5], [2, "garden day with the kids", "#DIV/0!"]])
    result = classify(small_model_path, str(path), "-q")
    assert result.exit_code == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["label"], first["reason"]) == (None, "'text' holds the spreadsheet error #N/A")
    assert second["label"] is not None  # an error in another column leaves the post alone


def test_an_excel_cell_shown_as_a_date_alone_is_that_day_not_a_time_at_midnight(small_model_path: Path, tmp_path: Path) -> None:
    import datetime

    # openpyxl shows a date as yyyy-mm-dd and a datetime as yyyy-mm-dd h:mm:ss, as Excel does when one is typed;
    # LibreOffice and pandas write a date's format in capitals, YYYY-MM-DD.
    day, midnight = datetime.date(2024, 3, 10), datetime.datetime(2024, 3, 11, 0, 0)
    rows = [["id", "date", "text"], [1, day, "garden day with the kids"], [2, midnight, "late ferry"], [3, day, "fish market"]]
    path = _excel_rows(tmp_path / "days.xlsx", rows)
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path)
    book.active["B4"].number_format = "YYYY-MM-DD"
    book.save(path)
    result = classify(small_model_path, str(path), "--keep-fields", "-q")
    assert result.exit_code == 0, result.stderr
    # Before, the day came out as "2024-03-10T00:00:00", exit 0, and report charted its post at midnight, by the hour.
    dates = [json.loads(line)["record"]["date"] for line in result.stdout.splitlines()]
    assert dates == ["2024-03-10", "2024-03-11T00:00:00", "2024-03-10"]
    report = runner.invoke(app, ["report", str(path), "--json", "-q", "--model", str(small_model_path)])
    assert json.loads(report.stdout)["over_time"]["unit"] == "day"


def test_a_chart_sheet_first_is_passed_for_the_first_sheet_with_rows(small_model_path: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Data"
    book.active.append(["id", "text"])
    book.active.append([1, "release shipped"])
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("Chart", 0).add_chart(chart)
    path = tmp_path / "chart.xlsx"
    book.save(path)
    result = classify(small_model_path, str(path), "-q")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1]
    named = classify(small_model_path, str(path), "--table", "Chart")
    assert (named.exit_code, named.stderr) == (2, f"Error: {path}: sheet 'Chart' is a chart, with no rows (sheets with rows: Data)\n")


def test_a_sqlite_query_that_names_a_column_twice_is_refused(small_model_path: Path, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "join.db"
    with sqlite3.connect(path) as db:
        db.execute("create table posts (id integer, user_id integer, text text)")
        db.execute("create table users (id integer, text text)")
        db.execute("insert into posts values (101, 1, 'our bakery has a new loaf this week')")
        db.execute("insert into users values (1, 'bio: baker and runner')")
    db.close()
    query = "select * from posts join users on users.id = posts.user_id"
    result = classify(small_model_path, str(path), "--query", query)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {path}: the query names 'id' twice (columns 1 and 4): rename one with AS\n"
    query = "select posts.id, posts.text, users.text as bio from posts join users on users.id = posts.user_id"
    renamed = classify(small_model_path, str(path), "--query", query)
    assert renamed.exit_code == 0, renamed.stderr
    assert ids(renamed.stdout) == [101]


def test_a_parquet_file_that_names_a_column_twice_is_refused(small_model_path: Path, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "dup.parquet"
    columns = [pa.array([1]), pa.array(["lost my bag"]), pa.array([2]), pa.array(["bio"])]
    pq.write_table(pa.table(columns, names=["id", "text", "id", "text"]), path)
    result = classify(small_model_path, str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {path}: the file's schema names 'id' twice (columns 1 and 3): rename one\n"


def test_a_parquet_file_keeps_the_ids_pandas_wrote_as_a_range_index(small_model_path: Path, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    texts = ["the ferry is late again", "our choir sings at the market on friday", "I repainted the shed blue"]
    frame = pd.DataFrame({"id": [501, 502, 503], "text": texts})
    # Consecutive ids make a RangeIndex, which pandas keeps in the file's metadata alone, not as a column.
    frame.set_index("id").to_parquet(tmp_path / "ranged.parquet")
    frame.set_index(pd.Index([7, 3, 9], name="id")).drop(columns="id").to_parquet(tmp_path / "listed.parquet")
    for name, expected in (("ranged.parquet", [501, 502, 503]), ("listed.parquet", [7, 3, 9])):
        result = classify(small_model_path, str(tmp_path / name), "--keep-fields")
        assert result.exit_code == 0, result.stderr
        assert f"{tmp_path / name}: read as parquet, text field 'text' (detected), id field 'id'" in result.stderr
        out = [json.loads(line) for line in result.stdout.splitlines()]
        assert [row["id"] for row in out] == expected
        assert [row["record"]["text"] for row in out] == texts
    # An index without a name is no one's id: positions, as before.
    frame.drop(columns="id").to_parquet(tmp_path / "plain.parquet")
    assert ids(classify(small_model_path, str(tmp_path / "plain.parquet")).stdout) == [1, 2, 3]


def test_several_blank_header_names_are_fine(small_model_path: Path) -> None:
    result = classify(small_model_path, "--keep-fields", input="id,text,,,\n1,hello there,,,\n")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["record"] for line in result.stdout.splitlines()] == [{"id": "1", "text": "hello there", "": ""}]


# A first line that starts with a field name and goes on as a post


@pytest.mark.parametrize(
    "data", ["Text, call me when you land\nGreat news, we won the cup\nJust a normal post today\n", "Text, call me when you land\n"]
)
def test_a_first_line_that_starts_with_a_field_name_then_words_is_ambiguous(small_model_path: Path, data: str) -> None:
    result = classify(small_model_path, input=data)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: <stdin>:1: cannot tell whether the first line (Text, call me when you land) is a CSV header or a post: "
        "say --input-format csv or --input-format lines\n"
    )
    as_lines = classify(small_model_path, "--input-format", "lines", input=data)
    assert ids(as_lines.stdout) == list(range(1, data.count("\n") + 1))


LONE_HEADERS = ["id,text\n", "Post ID,Comment Text\n", "Comment ID,Comment text\n", "post_id,message\n", "id,text,author,like_count\n"]


@pytest.mark.parametrize("header", LONE_HEADERS)
def test_a_lone_header_that_names_its_columns_is_an_empty_csv(small_model_path: Path, header: str) -> None:
    result = classify(small_model_path, input=header)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "<stdin>: holds no records\n")


@pytest.mark.parametrize(
    "data, shown",
    [
        ("Message, call me back\nOur team shipped the release today\nI baked bread this morning\n", "Message, call me back"),
        ("Post, share, repeat\nOur team shipped today\nVolunteers needed, food bank, Saturday, 10am\n", "Post, share, repeat"),
        # Alone, such a line had been a header with no rows: "holds no records", exit 0, the post lost.
        ("Message, call me back\n", "Message, call me back"),
        ("Comment, nice photo", "Comment, nice photo"),
        ("Body,\n", "Body, "),
        # Without a space after the comma, as lost as with one.
        ("Message,call me back\n", "Message, call me back"),
        ("Text,ok thanks\n", "Text, ok thanks"),
        # Words each capitalised, or one word, may be a post's as well as a column's.
        ("Text,Happy New Year!\n", "Text, Happy New Year!"),
        ("Message,ok\n", "Message, ok"),
        ("Body,Thanks\n", "Body, Thanks"),
        ("Text,iPhone\n", "Text, iPhone"),
        ("Text,good_morning\n", "Text, good_morning"),
    ],
)
def test_a_first_line_of_short_names_that_no_line_under_it_is_as_wide_as_is_ambiguous(
    small_model_path: Path, data: str, shown: str
) -> None:
    # Read as a header, the first post was lost and every id moved up by one.
    result = classify(small_model_path, input=data)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: <stdin>:1: cannot tell whether the first line ({shown}) is a CSV header or a post: "
        "say --input-format csv or --input-format lines\n"
    )


@pytest.mark.parametrize(
    "data", ["text,label\nI love this brand\nrefund please\n", "id,text,label\n1,hello there\n2,more words\n", "text,author\nhello world\n"]
)
def test_a_csv_that_leaves_its_last_cells_off_every_row_is_still_csv(small_model_path: Path, data: str) -> None:
    # A sheet still to label writes no trailing commas: its short rows have their missing cells empty.
    result = classify(small_model_path, input=data)
    assert result.exit_code == 0, result.stderr
    assert "read as csv, text field 'text'" in result.stderr
    assert len(result.stdout.splitlines()) == data.count("\n") - 1


@pytest.mark.parametrize("data", ["id,text\n", "Post ID,Created Time,Message\r\n", "text"])
def test_a_header_alone_is_an_empty_csv(small_model_path: Path, data: str) -> None:
    result = classify(small_model_path, input=data)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "<stdin>: holds no records\n")


def test_a_csv_with_long_column_names_over_rows_as_wide_is_still_csv(small_model_path: Path) -> None:
    data = "id,How satisfied are you with our service today?,text\n1,Very,great service\n2,Not at all,slow and rude\n"
    result = classify(small_model_path, input=data)
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["1", "2"]
    assert "<stdin>: read as csv" in result.stderr


# Lines that are not UTF-8 in JSON lines


def test_a_line_that_is_not_utf8_does_not_turn_json_lines_into_lines(small_model_path: Path) -> None:
    result = classify(small_model_path, "--on-error", "skip", input=b'BAD\n{"id":2,"text":"\xff"}\n{"id":3,"text":"ok"}\n')
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [3]
    assert "<stdin>: read as jsonl" in result.stderr
    assert (
        "skipped <stdin>:2: not valid UTF-8 (byte 0xff at column 17): name the input's encoding with --encoding, e.g. cp1252"
    ) in result.stderr


def test_a_json_line_that_is_not_utf8_is_skipped_byte_for_byte(small_model_path: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    data = b'{"id":1,"text":"ok"}\nBAD\n{"id":3,"text":"\xff"}\n'
    result = classify(small_model_path, "--on-error", "skip", "--rejects", str(rejects), input=data)
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1]
    assert rejects.read_bytes() == b'BAD\n{"id":3,"text":"\xff"}\n'


# A cut gzip


def _cut_gzip(count: int) -> tuple[bytes, list[bytes]]:
    body = [json.dumps({"id": i, "text": f"post number {i} about things"}).encode() for i in range(count)]
    packed = gzip.compress(b"".join(line + b"\n" for line in body))
    return packed[: len(packed) // 2], body


def test_a_cut_gzip_puts_only_input_lines_in_the_rejects_file(small_model_path: Path, tmp_path: Path) -> None:
    path, rejects = tmp_path / "big.gz", tmp_path / "bg.rej"
    cut, body = _cut_gzip(400)
    path.write_bytes(cut)
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    done = len(ids(result.stdout))
    # One reject: the line the cut went through, as far as it got; the damage itself is no record.
    [partial] = rejects.read_bytes().splitlines()
    assert body[done].startswith(partial) and partial != body[done]
    assert result.stderr.splitlines()[-1] == (
        f"skipped {path}: damaged gzip data (Compressed file ended before the end-of-stream marker was reached); "
        "reading of this input stopped there"
    )


@pytest.mark.parametrize("fmt", ["csv", "lines"])
def test_the_row_a_cut_gzip_cuts_short_is_rejected_not_read(small_model_path: Path, tmp_path: Path, fmt: str) -> None:
    rows = [f"{i},post number {i} about things and stuff".encode() for i in range(400)]
    packed = gzip.compress(b"".join(row + b"\n" for row in [b"id,text", *rows]))
    path, rejects = tmp_path / "c.gz", tmp_path / "c.rej"
    path.write_bytes(packed[: len(packed) // 2])
    result = classify(small_model_path, str(path), "-f", fmt, "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    done = len(result.stdout.splitlines())
    kept = rejects.read_bytes().splitlines()[1 if fmt == "csv" else 0 :]
    # The cut row's start ("1" of "192,...") is no record with id "1": it is the one reject.
    [partial] = kept
    assert rows[done - (1 if fmt == "lines" else 0)].startswith(partial)
    assert json.loads(result.stdout.splitlines()[-1])["label"] is not None
    assert f"skipped {path}:{done + 2 if fmt == 'csv' else done + 1}: cut short: damaged gzip data (" in result.stderr


def test_a_damaged_gzip_is_a_note_with_skip_and_an_error_without() -> None:
    notes: list[str] = []
    skipping = Reading(on_error="skip", notify=notes.append)
    assert list(read_stream(io.BytesIO(b"\x1f\x8b"), "tiny.gz", reading=skipping)) == []
    assert notes == [
        "skipped tiny.gz: damaged gzip data (Compressed file ended before the end-of-stream marker was reached); "
        "reading of this input stopped there"
    ]
    [record] = read_stream(io.BytesIO(b"\x1f\x8b"), "tiny.gz")
    assert str(record.error).startswith("tiny.gz: damaged gzip data (")


# Damaged records before the first readable ones


def test_fields_are_chosen_from_readable_records_past_a_damaged_start(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad_start.jsonl"
    damaged = "".join(f'[{i}, "an array, not a post"]\n' for i in range(150))
    path.write_text(
        damaged + '{"post_id": 5001, "body": "our charity run raised a lot"}\n{"post_id": 5003, "body": "phone broke, refund?"}\n'
    )
    result = classify(small_model_path, str(path), "--on-error", "skip")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [5001, 5003]
    assert result.stderr.splitlines()[0] == f"{path}: read as jsonl, text field 'body' (detected), id field 'post_id'"


def test_an_input_with_no_readable_record_says_its_fields_are_guessed(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "all_bad.jsonl"
    path.write_text("[1]\n[2]\n")
    result = classify(small_model_path, str(path), "--on-error", "skip")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.splitlines()[0] == (
        f"{path}: read as jsonl, text field 'text' (guessed: no readable record to tell by), ids are record positions"
    )


def test_the_posts_of_a_file_are_written_before_a_later_file_is_refused(small_model_path: Path, tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": 1, "text": "the stand-up moves to ten"}\n{"id": 2, "text": "lunch is on the team"}\n')
    # A first line that could be a header naming no text field, or a post: refused, not guessed.
    (tmp_path / "b.csv").write_text("Channel Id,Channel Url,Channel Title\nUC1,http://example.com/c/UC1,Cooking With Sam\n")
    result = classify(small_model_path, str(tmp_path))
    assert result.exit_code == 2
    assert ids(result.stdout) == [1, 2]
    assert "stopped early: 2 results written to stdout\n" in result.stderr
    refusal = (
        "cannot tell whether the first line (Channel Id, Channel Url, Channel Title) is a CSV header that names no text field or a post"
    )
    assert result.stderr.endswith(
        f"Error: {tmp_path / 'b.csv'}:1: {refusal}: say --input-format csv with --text-field NAME, or --input-format lines\n"
    )


def test_an_id_that_only_later_records_hold_is_said_not_dropped_unseen(small_model_path: Path, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    early = "".join(json.dumps({"text": f"stand-up number {i} moves to ten"}) + "\n" for i in range(150))
    posts.write_text(early + json.dumps({"id": "x-1", "text": "march with us"}) + "\n")
    result = classify(small_model_path, str(posts))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout)[-1] == 151
    note = "holds 'id', which the records the plan was chosen from did not: ids stay record positions (say --id-field id to use it)"
    assert f"{posts}:151: {note}\n" in result.stderr


def test_a_later_record_that_holds_another_id_than_the_plans_is_said(small_model_path: Path, tmp_path: Path) -> None:
    # As a live input planned from its first record alone: the later records' own ids had been nulls, nothing said.
    posts = tmp_path / "posts.jsonl"
    early = "".join(json.dumps({"uuid": f"u-{i}", "text": f"stand-up number {i} moves to ten"}) + "\n" for i in range(150))
    posts.write_text(early + json.dumps({"id": "x-1", "text": "march with us"}) + "\n")
    result = classify(small_model_path, str(posts))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["position"] == 151
    note = "holds no 'uuid', the ids are read from, but 'id': its id is null with its position, as is each such record's"
    assert f"{posts}:151: {note} (say --id-field id to read ids from it)\n" in result.stderr


def test_an_id_held_null_by_every_record_is_no_late_id(small_model_path: Path, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps({"id": None, "text": f"stand-up number {i} moves to ten"}) + "\n" for i in range(3)))
    result = classify(small_model_path, str(posts))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 2, 3]
    # Its first line had been said to hold an 'id' that the records the plan was chosen from
    # (that line among them) did not.
    assert result.stderr == f"{posts}: read as jsonl, text field 'text' (detected), ids are record positions\n"


def test_an_input_blank_for_as_far_as_its_format_is_told_from_is_refused_not_called_empty(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_text("\n" * 70_000 + json.dumps({"id": 1, "text": "hello world"}) + "\n", encoding="utf-8")
    result = classify(small_model_path, str(path))
    # It had been "late.jsonl: is empty", exit 0, the post never read.
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        f"Error: {path}: its first 64 KiB are blank, so its format cannot be told: "
        "say it with --input-format (jsonl, json, csv, tsv, lines)"
    )
    told = classify(small_model_path, str(path), "--input-format", "jsonl")
    assert told.exit_code == 0, told.stderr
    assert [json.loads(line)["id"] for line in told.stdout.splitlines()] == [1]


@pytest.mark.parametrize("compressed", [False, True])
def test_an_input_blank_to_its_end_past_64_kib_is_empty(small_model_path: Path, tmp_path: Path, compressed: bool) -> None:
    path = tmp_path / ("blank.jsonl.gz" if compressed else "blank.jsonl")
    blank = b"\n \r\n\t" * 40_000
    path.write_bytes(gzip.compress(blank) if compressed else blank)
    for result in (classify(small_model_path, str(path)), classify(small_model_path, input=blank)):
        # It had been refused (exit 1) as if posts might follow the blanks.
        assert (result.exit_code, result.stdout) == (0, "")
        assert result.stderr.endswith(": is empty\n")


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_record_nested_deeper_than_orjson_writes_is_kept_whole_with_keep_fields(small_model_path: Path, tmp_path: Path, fmt: str) -> None:
    deep: object = 1
    for _ in range(300):
        deep = {"a": deep}
    rows = [{"id": i, "text": "hi there friends"} for i in range(3)] + [{"id": 9, "text": "hi there", "a": deep}]
    path = tmp_path / "deep.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = classify(small_model_path, str(path), "--keep-fields", "--format", fmt)
    # It had been an internal error, and the good records of its batch were never written.
    assert result.exit_code == 0, result.stderr
    if fmt == "jsonl":
        out = [json.loads(line) for line in result.stdout.splitlines()]
        assert [row["id"] for row in out] == [0, 1, 2, 9]
        assert out[3]["record"]["a"] == deep
    else:
        assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["0", "1", "2", "9"]


# A tweet's full_text beside a text cut short


def _cut_tweets() -> list[dict[str, object]]:
    whole = [f"Tweet {i}: our choir raised enough tonight to fix the old organ in the hall, thank you all for coming" for i in range(4)]
    rows: list[dict[str, object]] = [{"id": f"t{i}", "text": text[:50] + "…", "full_text": text} for i, text in enumerate(whole)]
    return [*rows, {"id": "t4", "text": "a short one about lunch"}, {"id": "t5", "text": "cut short again…", "full_text": None}]


def test_full_text_is_read_wherever_a_record_holds_it_even_when_more_records_hold_only_text(tmp_path: Path) -> None:
    import smclass

    path = tmp_path / "tweets.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in _cut_tweets()), encoding="utf-8")
    posts = list(smclass.read(path))
    assert [post["text"] for post in posts] == [
        *(row["full_text"] for row in _cut_tweets()[:4]),
        "a short one about lunch",
        "cut short again…",
    ]


def test_the_note_says_full_text_is_read_where_a_record_holds_it(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "full_text", "text"])
        writer.writerows([row["id"], row.get("full_text") or "", row["text"]] for row in _cut_tweets())
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0
    assert ids(result.stdout) == [f"t{i}" for i in range(6)]
    assert result.stderr.splitlines()[0] == (
        f"{path}: read as csv, text field 'text' (detected), id field 'id'; 'text' holds text in 6 of the first 6 records, "
        "'full_text' in 4: a record is read from 'full_text' where it holds text"
    )


def test_classify_labels_the_full_text_not_the_cut_one_with_or_without_keep_fields(small_model_path: Path, tmp_path: Path) -> None:
    # classify's quick way for a plain text field had read 'text' itself, past the note that said full_text.
    cut = tmp_path / "tweets.jsonl"
    cut.write_text("".join(json.dumps(row) + "\n" for row in _cut_tweets()), encoding="utf-8")
    whole = tmp_path / "whole.jsonl"
    rows = [{"id": row["id"], "text": row.get("full_text") or row["text"]} for row in _cut_tweets()]
    whole.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    expected = classify(small_model_path, str(whole), "-q").stdout
    assert classify(small_model_path, str(cut), "-q").stdout == expected
    kept = [json.loads(line) for line in classify(small_model_path, str(cut), "-q", "--keep-fields").stdout.splitlines()]
    assert [{k: v for k, v in line.items() if k != "record"} for line in kept] == [json.loads(line) for line in expected.splitlines()]


def test_a_tweets_whole_text_is_read_under_either_name_in_one_file(tmp_path: Path) -> None:
    import smclass

    # The plan kept one of the two names: the other tweet was read from its cut text, exit 0.
    rows = [
        {"id": 1, "text": "Please donate to the", "extended_tweet": {"full_text": "Please donate to the relief fund tonight"}},
        {"id": 2, "text": "My parcel", "full_text": "My parcel never arrived and nobody answers"},
    ]
    path = tmp_path / "tweets.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    assert [post["text"] for post in smclass.read(path)] == [
        "Please donate to the relief fund tonight",
        "My parcel never arrived and nobody answers",
    ]


# Pages of posts saved one array per line


def test_json_lines_that_are_arrays_of_posts_give_their_posts_in_order(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "pages.json"
    pages = [[{"id": 1, "text": "the ferry is late"}, {"id": 2, "text": "our bake sale raised 300"}], [{"id": 3, "text": "new laptop"}]]
    path.write_text("".join(json.dumps(page) + "\n" for page in pages), encoding="utf-8")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 2, 3]


def test_a_null_or_a_list_of_numbers_on_a_line_of_pages_is_rejected_as_written(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl"
    path.write_text('[{"id": 1, "text": "the ferry is late"}, null]\n[1, 2]\n[{"id": 3, "text": "new laptop came"}]\n', encoding="utf-8")
    rejects = tmp_path / "rejects.txt"
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 3]
    assert rejects.read_text(encoding="utf-8") == "null\n[1, 2]\n"
    assert [line for line in result.stderr.splitlines() if line.startswith("skipped")] == [
        f"skipped {path}:1: expected a JSON object, got null",
        f"skipped {path}:2: expected a JSON object, got an array",
    ]


# Missing-value markers where a post's text would be


def test_a_missing_value_marker_as_a_posts_text_gets_no_label_and_says_why(small_model_path: Path) -> None:
    data = "id,text\nk1,the kite festival is on sunday\nk2,NULL\nk3,\\N\nk4,NaN\nk5,#N/A\nk6, None \nk7,NULL pointer again in the build\n"
    result = classify(small_model_path, input=data)
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in out] == [f"k{i}" for i in range(1, 8)]
    assert [row["label"] is None for row in out] == [False, True, True, True, True, True, False]
    assert [row.get("reason") for row in out[1:6]] == [
        f"'text' is {marker}, which marks a missing value" for marker in ("NULL", "\\N", "NaN", "#N/A", "None")
    ]


def test_a_missing_value_marker_in_json_is_no_post_either(small_model_path: Path) -> None:
    lines = [{"id": 1, "text": "n/a"}, {"id": 2, "text": "null"}, {"id": 3, "text": "nothing to add, n/a for me"}]
    result = classify(small_model_path, input="".join(json.dumps(row) + "\n" for row in lines))
    assert [json.loads(line)["label"] is None for line in result.stdout.splitlines()] == [True, True, False]


def test_r_and_readr_na_as_a_posts_text_gets_no_label_and_says_why(small_model_path: Path) -> None:
    # R's write.csv quotes its strings and writes a missing one as a bare NA, row names first; readr writes NA unquoted too.
    data = '"","id","text"\n"1","r1","the allotment gave us six pumpkins"\n"2","r2",NA\n"3","r3","<NA>"\n'
    data += '"4","r4","NA for me, NAS for you"\n'
    result = classify(small_model_path, input=data)
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in out] == ["r1", "r2", "r3", "r4"]
    assert [row["label"] is None for row in out] == [False, True, True, False]
    assert [row.get("reason") for row in out[1:3]] == [f"'text' is {marker}, which marks a missing value" for marker in ("NA", "<NA>")]


# JSON encoded twice


def test_json_lines_encoded_twice_are_refused_not_labelled_as_their_own_text(small_model_path: Path) -> None:
    twice = "".join(json.dumps(json.dumps({"id": f"d{i}", "text": "gulls took my chips"})) + "\n" for i in (1, 2))
    result = classify(small_model_path, input=twice)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        "Error: <stdin>:1: a JSON object written as a JSON string (encoded twice): decode it first, e.g. jq -c 'fromjson'"
    )


def test_json_lines_holding_pages_encoded_twice_are_refused_but_a_list_of_words_is_a_post(small_model_path: Path) -> None:
    page = json.dumps(json.dumps([{"id": "d1", "text": "meeting at noon"}, {"id": "d2", "text": "gulls took my chips"}]))
    result = classify(small_model_path, input=page + "\n")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        "Error: <stdin>:1: a JSON array of objects written as a JSON string (encoded twice): decode it first, e.g. jq -c 'fromjson'"
    )
    words = classify(small_model_path, input=json.dumps('["red", "green"] are my two picks') + "\n" + json.dumps("[1, 2, 3]") + "\n")
    assert words.exit_code == 0, words.stderr
    assert [json.loads(line)["label"] is not None for line in words.stdout.splitlines()] == [True, True]


def test_a_json_string_that_only_holds_braces_is_still_a_post(small_model_path: Path) -> None:
    lines = ["{not json} but a post", "{ a post in braces }", "a post about {braces}"]
    result = classify(small_model_path, input="".join(json.dumps(line) + "\n" for line in lines))
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 2, 3]


# NaN and Infinity, which are no JSON


@pytest.mark.parametrize(
    ("name", "data", "rejected"),
    [
        ("a.json", '[{"id": 1, "text": "a walk by the canal", "score": NaN},\n{"id": 2, "text": "lunch", "score": -Infinity},\n'
         '{"id": 3, "text": "new phone"}]\n', [(1, "NaN"), (2, "-Infinity")]),
        ("a.jsonl", '{"id": 1, "text": "a walk by the canal", "score": NaN}\n{"id": 3, "text": "new phone"}\n', [(1, "NaN")]),
        ("o.json", '{\n"posts": [{"id": 3, "text": "new phone"}],\n"score": Infinity\n}\n', None),
    ],
)  # fmt: skip
def test_nan_and_infinity_are_refused_alike_in_json_documents_and_json_lines(
    small_model_path: Path, tmp_path: Path, name: str, data: str, rejected: list[tuple[int, str]] | None
) -> None:
    # A .json document had read them (and --keep-fields wrote them as null) where JSON lines refused them.
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    result = classify(small_model_path, str(path), "--on-error", "skip")
    if rejected is None:
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr.splitlines()[-1] == f"Error: {path}:3: invalid JSON (Infinity is not a JSON value)"
        return
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [3]
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    how = {"NaN": ": Python's json writes it for a missing value, jq -c . FILE | smclass classify - reads it as null"}
    assert skipped == [f"skipped {path}:{line}: invalid JSON ({value} is not a JSON value){how.get(value, '')}" for line, value in rejected]


def test_nan_as_pythons_json_dump_writes_it_for_a_missing_value_is_refused_saying_how_to_read_it(
    small_model_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "frame.json"
    rows = [{"id": 1, "text": "the night bus was full", "likes": 3.0}, {"id": 2, "text": float("nan"), "likes": float("nan")}]
    path.write_text(json.dumps(rows, indent=2), encoding="utf-8")  # as json.dump(df.to_dict("records"), f, indent=2) writes it
    result = classify(small_model_path, str(path))
    assert (result.exit_code, ids(result.stdout)) == (1, [1])
    assert result.stderr.splitlines()[-1] == (
        f"Error: {path}:7: invalid JSON (NaN is not a JSON value): Python's json writes it for a missing value, "
        "jq -c . FILE | smclass classify - reads it as null"
    )


def test_a_file_cut_shorter_while_it_is_read_is_an_error_not_a_shorter_input(tmp_path: Path) -> None:
    # An export run again (or a log rotated) under a running classify: its last line cut where the
    # read had got to came out as an invalid JSON line past the file's new end, with --on-error skip
    # a reject, and the run ended with exit 0 on posts no longer in the file.
    from smclass.errors import InputError
    from smclass.reading.inputs import read_path

    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": f"storm update number {i} for the coast"}) + "\n" for i in range(20_000)))
    records = read_path(str(path), reading=Reading(on_error="skip"))
    assert [next(records).data["id"] for _ in range(3)] == [0, 1, 2]
    path.write_text('{"id": "new", "text": "a fresh export"}\n')
    with pytest.raises(InputError, match=r"export\.jsonl: the file was cut to 40 bytes while it was read \([\d,]+ had been read\)"):
        list(records)
