from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from smclass.cli import app
from smclass.errors import SmclassError
from smclass.reading.inputs import read_stream

runner = CliRunner()


def classify(model: Path, *args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def test_deeply_nested_json_line_is_an_error_not_a_crash(small_model_path: Path) -> None:
    data = '{"id": 1, "text": "ok"}\n' + "[" * 100_000 + "\n"
    result = classify(small_model_path, input=data)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: <stdin>:2: JSON nested too deeply to read"
    assert "Traceback" not in result.stderr


def test_deeply_nested_json_document_is_an_error_not_a_crash(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"posts": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}:1: JSON nested too deeply to read\n"


def test_deeply_nested_record_in_an_array_is_an_error(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('[{"text": "fine"},\n {"text": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"Error: {path}:2: JSON nested too deeply to read"


def test_binary_file_is_refused_in_one_line(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)))
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: looks like a binary file, not JSON, JSON lines, CSV or TSV\n"


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file_exits_zero_with_no_output_and_a_note(small_model_path: Path, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(data)
    result = classify(small_model_path, str(path))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", f"{path}: is empty\n")


def test_latin1_json_line_names_the_line_and_byte(small_model_path: Path) -> None:
    data = b'{"id": 1, "text": "fine"}\n' + '{"id": 2, "text": "café"}\n'.encode("latin-1")
    result = classify(small_model_path, input=data)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: <stdin>:2: not valid UTF-8 (byte 0xe9 at column 23): name the input's encoding with --encoding, e.g. cp1252"
    )


def test_latin1_csv_fails_clearly(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes("id,text\n1,caf\xe9 au lait\n".encode("latin-1"))
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: {path}:2: not valid UTF-8 (byte 0xe9 at column 6): name the input's encoding with --encoding, e.g. cp1252"
    )


def test_crlf_and_bom_csv_with_newlines_in_fields(small_model_path: Path) -> None:
    data = b'\xef\xbb\xbfid,text\r\n1,"line one\r\nline two"\r\n2,plain\r\n'
    result = classify(small_model_path, input=data)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1", "2"]


def test_huge_post_is_classified_whole(small_model_path: Path) -> None:
    text = "our volunteers need more sandbags at the levee tonight " * 60_000  # about 3 MB
    data = json.dumps({"id": "big", "text": text}) + "\n" + json.dumps({"id": "small", "text": "hi"}) + "\n"
    result = classify(small_model_path, "--keep-fields", input=data)
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == ["big", "small"]
    assert out[0]["record"]["text"] == text
    assert out[0]["label"] is not None


def test_object_where_text_should_be_names_the_field(small_model_path: Path) -> None:
    result = classify(small_model_path, input='{"id": 1, "text": {"nested": "x"}}\n')
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: <stdin>:1: field 'text': expected text, got an object; the text may be at --text-field text.nested"
    )


def test_null_text_gets_a_line_with_a_reason(small_model_path: Path) -> None:
    result = classify(small_model_path, input='{"id": 1, "text": null}\n{"id": 2}\n{"id": 3, "text": "hello there"}\n')
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {"id": 1, "label": None, "confidence": None, "reason": "'text' is null"}
    assert out[1] == {"id": 2, "label": None, "confidence": None, "reason": "no 'text' field"}
    assert out[2]["label"] is not None


def test_ragged_csv_row_is_an_error_with_its_line(small_model_path: Path) -> None:
    result = classify(small_model_path, input="id,text\n1,ok\n2,too,many\n")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "Error: <stdin>:3: row has 3 fields but the header has 2"


def _read_all(data: bytes, fmt: str | None) -> None:
    for _record in read_stream(io.BytesIO(data), "fuzz", fmt):
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048), fmt=st.sampled_from([None, "jsonl", "json", "csv", "tsv"]))
def test_any_bytes_give_records_or_one_clean_error(data: bytes, fmt: str | None) -> None:
    try:
        _read_all(data, fmt)
    except SmclassError as exc:
        assert "\n" not in str(exc)


json_ish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(json_ish, max_size=5))
def test_any_json_values_give_records_or_one_clean_error(values: list[object]) -> None:
    lines = "\n".join(json.dumps(v) for v in values).encode()
    for fmt in (None, "jsonl"):
        try:
            _read_all(lines, fmt)
        except SmclassError as exc:
            assert "\n" not in str(exc)
    try:
        _read_all(json.dumps(values).encode(), None)
    except SmclassError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize("data", [b"\x1f\x8b\x08\x00garbage", b"\x1f\x8b"])
def test_damaged_gzip_is_an_error_record(data: bytes) -> None:
    records = list(read_stream(io.BytesIO(data), "fuzz"))
    assert len(records) == 1
    assert records[0].error is not None
    assert str(records[0].error).startswith("fuzz: damaged gzip data (")


def test_latin1_json_document_names_line_and_column(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_bytes('[\n{"text": "café"}\n]\n'.encode("latin-1"))
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}:2: not valid UTF-8 (byte 0xe9 at column 14): name the input's encoding with --encoding, e.g. cp1252\n"
    )


@pytest.mark.parametrize(
    "bad",
    [b'{"id": 2, "text": "bad" "x"}', b'{"id": 2, "text": "bad \xe9 byte"}', b'{"id": 2, "text": "x",}'],
    ids=["missing comma", "latin-1 byte", "trailing comma"],
)
def test_damage_in_an_array_is_rejected_from_the_start_of_its_element_with_what_follows(
    small_model_path: Path, tmp_path: Path, bad: bytes
) -> None:
    # The damage ends the array: the reject is all that keeps the bad element and the rest.
    rest = b',\n{"id": 3, "text": "fine"}]\n'
    path = tmp_path / "posts.json"
    path.write_bytes(b'[{"id": 1, "text": "good post"},\n' + bad + rest)
    rejects = tmp_path / "rejects.json"
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1]
    assert rejects.read_bytes() == bad + rest


def test_a_number_python_will_not_read_is_one_reject_and_the_array_goes_on(small_model_path: Path, tmp_path: Path) -> None:
    huge = '{"id": 2, "text": "x", "n": ' + "7" * 5000 + "}"
    path = tmp_path / "posts.json"
    path.write_text('[{"id": 1, "text": "good post"}, ' + huge + ', {"id": 3, "text": "after"}]')
    rejects = tmp_path / "rejects.json"
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 3]
    assert rejects.read_text() == huge + "\n"
    stopped = classify(small_model_path, str(path))
    assert stopped.exit_code == 1
    assert stopped.stderr.endswith(f"Error: {path}:1: a number of more than 4,300 digits, more than Python reads\n")


def test_a_first_line_too_deep_to_read_keeps_the_lines_after_it_in_its_reject(small_model_path: Path, tmp_path: Path) -> None:
    # No line break in the first 64 KiB: read as one JSON document, which ends at the damage.
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "posts.jsonl"
    path.write_text(deep + '\n{"id": 3, "text": "another"}\n')
    rejects = tmp_path / "rejects.txt"
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    # From the array's first element, the bad one, on: the line after it is not lost.
    assert rejects.read_text() == deep[1:] + '\n{"id": 3, "text": "another"}\n'


def test_a_raw_control_character_in_a_json_document_is_read_as_itself(small_model_path: Path, tmp_path: Path) -> None:
    # No JSON, strictly, but it means one thing: read as Python's json reads it with strict=False.
    path = tmp_path / "posts.json"
    path.write_text('[{"id": 1, "text": "a\tb"}]')
    result = classify(small_model_path, str(path), "--keep-fields")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["record"] == {"id": 1, "text": "a\tb"}


# Damage of the kind files suffer (cut short, a flipped byte, junk lines between records):
# with --on-error skip --rejects, every line comes out as a result or as a reject.
# NUL is left out of the damage (a NUL near the start marks a binary file, refused whole),
# and so is the double quote in CSV (a quote may lawfully open a field that spans lines).
_POSTS = ["Our team standup moved to 10am", "@SkyRail refund please", "Volunteers needed Saturday", "Just baked bread", "Flood warning"]


def _clean(fmt: str, count: int) -> bytes:
    if fmt == "csv":
        return ("id,text\n" + "".join(f"{i},{_POSTS[i % 5]}\n" for i in range(count))).encode()
    if fmt == "lines":
        return "".join(_POSTS[i % 5] + "\n" for i in range(count)).encode()
    return "".join(json.dumps({"id": i, "text": _POSTS[i % 5]}) + "\n" for i in range(count)).encode()


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(["jsonl", "csv", "lines"]))
    data = _clean(fmt, draw(st.integers(1, 12)))
    # CSV keeps its header line whole: a damaged header is one clean error for the whole file.
    start = data.index(b"\n") + 1 if fmt == "csv" else 0
    banned = {0, ord('"')} if fmt == "csv" else {0}
    byte = st.integers(1, 255).filter(lambda b: b not in banned)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "junk"]))
        if len(data) <= start:
            break
        at = draw(st.integers(start, len(data) - 1))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip":
            data = data[:at] + bytes([draw(byte)]) + data[at + 1 :]
        else:
            line_start = data.rfind(b"\n", 0, at) + 1
            junk = bytes(draw(st.lists(byte.filter(lambda b: b != 10), min_size=1, max_size=30)))
            data = data[:line_start] + junk + b"\n" + data[line_start:]
    return fmt, data


def _records_expected(fmt: str, data: bytes) -> int:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if fmt == "lines":
        return len(lines)
    if fmt == "csv":
        return sum(1 for line in lines[1:] if line.decode("utf-8", "surrogateescape").strip())
    return sum(1 for line in lines if line.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=damaged())
def test_damaged_line_formats_lose_no_line_when_skipping(case: tuple[str, bytes], small_model_path: Path, tmp_path: Path) -> None:
    fmt, data = case
    rejects = tmp_path / "rejects"
    result = classify(small_model_path, "--input-format", fmt, "--on-error", "skip", "--rejects", str(rejects), "-q", input=data)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    results = len(result.stdout.splitlines())
    kept = rejects.read_bytes().split(b"\n")[:-1]
    if fmt == "csv" and kept:
        kept = kept[1:]  # the header row the rejects file starts with
    assert results + len(kept) == _records_expected(fmt, data)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(count=st.integers(1, 30), cut=st.floats(0.05, 0.99), packed=st.booleans())
def test_a_cut_json_array_or_gzip_keeps_everything_before_the_cut(count: int, cut: float, packed: bool, small_model_path: Path) -> None:
    elements = [json.dumps({"id": i, "text": _POSTS[i % 5]}) for i in range(count)]
    whole = ("[\n" + ",\n".join(elements) + "\n]\n").encode()
    if packed:
        whole = gzip.compress("".join(e + "\n" for e in elements).encode())
    at = max(1, int(len(whole) * cut))
    result = classify(small_model_path, "--on-error", "skip", input=whole[:at])
    assert "Traceback" not in result.stderr
    assert result.exit_code == 0, result.stderr
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == list(range(len(ids)))
    if not packed:
        assert len(ids) == sum(1 for i in range(count) if whole.find(elements[i].encode()) + len(elements[i]) <= at)
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert len(skipped) <= 2  # the cut line, and the note that the compressed stream ends there


def test_json_lines_keep_an_integer_too_wide_for_a_double_as_a_json_array_does(small_model_path: Path, tmp_path: Path) -> None:
    wide = "7" * 400
    path = tmp_path / "posts.jsonl"
    path.write_text(f'{{"id": {wide}, "text": "a post"}}\n{{"id": 2, "text": "x", "n": 1e400}}\n{{"id": 3, "text": "ok"}}\n')
    result = classify(small_model_path, str(path), "--on-error", "skip", "--keep-fields")
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(str(r["id"]), str(r["record"]["id"])) for r in out] == [(wide, wide), ("3", "3")]
    # A number that is infinity as a double is still refused, with the reason orjson gives.
    assert f"skipped {path}:2: invalid JSON (number is infinity when parsed as double)" in result.stderr


def test_json_lines_read_past_orjson_still_refuse_a_lone_surrogate_and_name_a_number_too_long(
    small_model_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "posts.jsonl"
    wide, huge = "7" * 400, "7" * 5000
    path.write_text(
        '{"id": 1, "text": "fine"}\n'
        f'{{"id": {wide}, "text": "half a character \\ud800"}}\n'
        f'{{"id": {huge}, "text": "x"}}\n'
        '{"id": 4, "text": "ok"}\n'
    )
    result = classify(small_model_path, str(path), "--on-error", "skip")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 4]
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert skipped == [
        f"skipped {path}:2: invalid JSON (no low surrogate in string)",
        f"skipped {path}:3: a number of more than 4,300 digits, more than Python reads",
    ]


def test_lines_with_a_lone_surrogate_do_not_vote_a_file_out_of_json_lines(small_model_path: Path, tmp_path: Path) -> None:
    # Two of three lines bad: read as one JSON document, the file was refused whole at line 1.
    path = tmp_path / "posts.jsonl"
    path.write_text('{"id": 1, "text": "a \\ud800"}\n{"id": 2, "text": "fine"}\n{"id": 3, "text": "b \\udc00"}\n')
    result = classify(small_model_path, str(path), "--on-error", "skip")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [2]
    assert sum(line.startswith(f"skipped {path}:") for line in result.stderr.splitlines()) == 2


def test_a_bad_sqlite_row_goes_to_the_rejects_file_as_a_json_line(small_model_path: Path, tmp_path: Path) -> None:
    import sqlite3

    database = tmp_path / "posts.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("create table p (id, text)")
        connection.execute("insert into p values (1, 'the tram line opens on Monday')")
        connection.execute("insert into p values (2, CAST(X'6361666580' AS TEXT))")  # not UTF-8
    connection.close()
    rejects = tmp_path / "rejects.jsonl"
    args = ["classify", str(database), "--on-error", "skip", "--rejects", str(rejects), "--model", str(small_model_path), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1]
    assert [json.loads(line) for line in rejects.read_text().splitlines()] == [{"id": 2, "text": "6361666580"}]  # was a Python tuple


def test_a_sqlite_value_too_long_to_hold_stops_the_reading_not_held_and_labelled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # SQLite reads a value of up to 1 GB whole: a cell of 200 MB had taken 911 MB and been labelled, exit 0.
    import sqlite3

    from smclass.errors import InputError
    from smclass.reading import sqlite as sqlite_reading

    monkeypatch.setattr(sqlite_reading, "VALUE_LIMIT", 1000, raising=False)
    database = tmp_path / "posts.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("create table p (id, text)")
        connection.executemany("insert into p values (?, ?)", [(1, "the tram"), (2, "opens"), (3, "x" * 2000), (4, "on Monday")])
    connection.close()
    records = read_stream(io.BytesIO(database.read_bytes()), "posts.sqlite")
    assert next(records).data == {"id": 1, "text": "the tram"}
    with pytest.raises(InputError, match=r"row 2 or the one after it holds a value over 1,000 bytes") as raised:
        list(records)
    assert raised.value.line == 2
    # An attachment's BLOB beside a short text is the usual such value: the error says how to read past it.
    assert str(raised.value).endswith("; if it is in a column other than the text, --query 'SELECT id, text FROM ...' reads the rest)")


NOT_AS_NAMED = [
    ("comments.json", b'// saved from the dashboard\n[\n {"id": "c1", "text": "baked bread with my niece"}\n]\n'),
    ("page.jsonl", b"<!DOCTYPE html>\n<html><body>Too many requests</body></html>\n"),
    ("page.ndjson.gz", gzip.compress(b"<html>\n<body>Service unavailable</body>\n</html>\n")),
    ("feedback.csv", b"Feedback\nthe new app keeps logging me out\nlove the dark mode\n"),
]


@pytest.mark.parametrize(("name", "data"), NOT_AS_NAMED)
def test_a_file_named_json_or_csv_that_is_neither_is_refused_not_read_one_post_per_line(
    small_model_path: Path, tmp_path: Path, name: str, data: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    extension = "." + name.removesuffix(".gz").rsplit(".", 1)[1]
    assert line.startswith(f"Error: {path}:1: named {extension}, but its first line ")
    assert line.endswith("--input-format lines to read every line as a post")
    said = classify(small_model_path, str(path), "--input-format", "lines")
    assert said.exit_code == 0
    assert len(said.stdout.splitlines()) == len(gzip.decompress(data).splitlines() if name.endswith(".gz") else data.splitlines())


def test_the_same_lines_from_stdin_or_a_txt_file_are_read_one_post_per_line_with_a_note(small_model_path: Path, tmp_path: Path) -> None:
    data = b"Feedback\nthe new app keeps logging me out\nlove the dark mode\n"
    path = tmp_path / "feedback.txt"
    path.write_bytes(data)
    for result in (classify(small_model_path, input=data), classify(small_model_path, str(path))):
        assert result.exit_code == 0
        assert len(result.stdout.splitlines()) == 3
        assert "read as lines, one post per line: its first line holds no delimiter" in result.stderr


def test_a_database_locked_by_a_writer_is_said_to_be_locked_not_unreadable(tmp_path: Path, small_model_path: Path) -> None:
    import sqlite3

    database = tmp_path / "posts.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("create table p (id, text)")
        connection.execute("insert into p values (1, 'the tram line opens on Monday')")
    connection.close()
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # as a program writing to it holds it
    try:
        result = runner.invoke(app, ["classify", str(database), "--model", str(small_model_path), "-q"])
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {database}: the SQLite database is locked by a program writing to it (database is locked): "
        "read it when that program is done, or read a copy made with sqlite3 FILE '.backup copy.db'\n"
    )


def test_a_wal_database_read_from_a_copy_warns_that_rows_in_its_wal_file_are_missing(tmp_path: Path, small_model_path: Path) -> None:
    import sqlite3

    database = tmp_path / "live.db"
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("create table p (id, text)")
        writer.execute("insert into p values (1, 'the tram line opens on Monday')")
        writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        writer.execute("insert into p values (2, 'and the bus lane on Tuesday')")  # in live.db-wal alone
        copied = runner.invoke(app, ["classify", "-", "--model", str(small_model_path)], input=database.read_bytes())
        own = runner.invoke(app, ["classify", str(database), "--model", str(small_model_path)])
    finally:
        writer.close()
    assert copied.exit_code == 0 and own.exit_code == 0, copied.stderr + own.stderr
    assert [json.loads(line)["id"] for line in copied.stdout.splitlines()] == [1]
    assert "warning: <stdin>: a SQLite database in WAL mode read from a copy, without its -wal file: rows written" in copied.stderr
    # Its own file is read with its -wal beside it, by SQLite: both rows, no warning.
    assert [json.loads(line)["id"] for line in own.stdout.splitlines()] == [1, 2]
    assert "WAL" not in own.stderr
