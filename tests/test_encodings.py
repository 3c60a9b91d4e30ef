"""--encoding: text the user says is not UTF-8 is read as they say, and nothing is guessed."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()
# What Excel on Windows writes for "CSV (Comma delimited)": Windows-1252, curly quotes and dashes included.
EXCEL_CSV = "id,text,label\n1,Café au lait was lovely this morning,Personal\n2,We’re launching our blender – see it in stores,Customer\n"


def texts(output: str) -> list[Any]:
    return [json.loads(line)["record"]["text"] for line in output.splitlines()]


def test_a_windows_csv_is_read_in_the_encoding_named(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_CSV.encode("cp1252"))
    done = runner.invoke(app, ["classify", str(path), "--encoding", "cp1252", "--keep-fields"])
    assert done.exit_code == 0, done.stderr
    assert texts(done.stdout) == ["Café au lait was lovely this morning", "We’re launching our blender – see it in stores"]


def test_utf8_text_read_in_another_encoding_named_is_warned_of_with_what_it_turns_into(tmp_path: Path) -> None:
    # UTF-8 read as cp1252 had turned every "Café" into "CafÃ©", exit 0, without a word.
    path = tmp_path / "utf8.csv"
    path.write_bytes(EXCEL_CSV.encode("utf-8"))
    done = runner.invoke(app, ["classify", str(path), "--encoding", "cp1252", "--keep-fields"])
    assert done.exit_code == 0, done.stderr
    said = "its first bytes are UTF-8 text ('Café'), which --encoding cp1252 reads as 'CafÃ©': leave out --encoding if it is UTF-8"
    assert f"warning: {path}: {said}\n" in done.stderr
    assert texts(done.stdout)[0] == "CafÃ© au lait was lovely this morning"  # read as asked all the same
    # The file in the encoding named is read without the warning.
    path.write_bytes(EXCEL_CSV.encode("cp1252"))
    assert "warning" not in runner.invoke(app, ["classify", str(path), "--encoding", "cp1252"]).stderr


def test_utf8_text_of_a_script_without_spaces_is_warned_of_by_its_first_characters(tmp_path: Path) -> None:
    # A Chinese post is one "word" of the whole 8 KiB looked at: the warning had been a line of 9,000 characters.
    path = tmp_path / "utf8.jsonl"
    path.write_text(json.dumps({"id": 1, "text": "今天天气很好" * 400}, ensure_ascii=False) + "\n", encoding="utf-8")
    done = runner.invoke(app, ["classify", str(path), "--encoding", "gb18030"])
    assert done.exit_code == 0, done.stderr
    shown = "今天天气很好今天天气很好今天天气很好今天..."
    said = f"its first bytes are UTF-8 text ({shown!r}), which --encoding gb18030 reads as {shown.encode().decode('gb18030')!r}"
    assert f"warning: {path}: {said}: leave out --encoding if it is UTF-8\n" in done.stderr


def test_without_the_encoding_the_same_file_is_refused_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_CSV.encode("cp1252"))
    done = runner.invoke(app, ["classify", str(path)])
    assert done.exit_code == 1
    assert "not valid UTF-8 (byte 0xe9 at column 6): name the input's encoding with --encoding, e.g. cp1252" in done.stderr


def test_a_byte_the_named_encoding_has_no_character_for_is_said_in_that_encodings_name(tmp_path: Path) -> None:
    # It had said "not valid UTF-8: name the input's encoding with --encoding", the option just given.
    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_CSV.encode("cp1252") + b"3,a stray \x81 byte,Personal\n")
    done = runner.invoke(app, ["classify", str(path), "--encoding", "cp1252", "--on-error", "skip"])
    assert done.exit_code == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert f"skipped {path}:4: not valid cp1252 (byte 0x81 at column 11): that byte has no character in cp1252; " in done.stderr


def test_a_json_document_that_fails_whole_says_so_in_the_named_encodings_name_too(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_bytes('{"data": [{"id": 1, "text": "café au lait"}],\n"meta": "'.encode("cp1252") + b'\x81"}\n')
    done = runner.invoke(app, ["classify", str(path), "--encoding", "cp1252"])
    assert (done.exit_code, done.stdout) == (1, "")
    assert done.stderr.splitlines()[-1] == (
        f"Error: {path}:2: not valid cp1252 (byte 0x81 at column 10): that byte has no character in cp1252; "
        "is the input in another encoding?"
    )


def test_evaluate_and_report_read_the_encoding_named_too(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv.gz"
    path.write_bytes(gzip.compress(EXCEL_CSV.encode("cp1252")))
    scored = runner.invoke(app, ["evaluate", str(path), "--encoding", "cp1252", "--json"])
    assert scored.exit_code == 0, scored.stderr
    assert json.loads(scored.stdout)["posts"] == 2
    reported = runner.invoke(app, ["report", str(path), "--encoding", "cp1252", "--json", "-q"])
    assert json.loads(reported.stdout)["labelled"] == 2


def test_utf16_without_its_mark_is_read_when_named(tmp_path: Path) -> None:
    path = tmp_path / "meltwater.tsv"
    path.write_bytes("id\ttext\n1\tNew café opens on Main St\n".encode("utf-16-le"))
    refused = runner.invoke(app, ["classify", str(path)])
    assert refused.exit_code == 1 and "say it with --encoding UTF-16LE" in refused.stderr
    done = runner.invoke(app, ["classify", str(path), "--encoding", "utf-16le", "--keep-fields"])
    assert done.exit_code == 0, done.stderr
    assert texts(done.stdout) == ["New café opens on Main St"]


def test_an_unknown_encoding_is_a_usage_error() -> None:
    done = runner.invoke(app, ["classify", "-", "--encoding", "klingon"], input="hello\n")
    assert done.exit_code == 2
    assert done.stderr == "Error: --encoding klingon: no such encoding (cp1252, latin-1, utf-16le, shift_jis, ... as Python names them)\n"


def test_a_byte_order_mark_that_says_otherwise_is_refused_not_overruled(tmp_path: Path) -> None:
    path = tmp_path / "u8.csv"
    path.write_bytes(b"\xef\xbb\xbfid,text\n1,caf\xc3\xa9\n")
    done = runner.invoke(app, ["classify", str(path), "--encoding", "latin-1"])
    assert done.exit_code == 1
    assert done.stderr.endswith(f"Error: {path}: starts with a UTF-8 byte-order mark, but --encoding says iso8859-1: drop --encoding\n")


def test_a_database_keeps_its_own_encoding(tmp_path: Path) -> None:
    path = tmp_path / "posts.db"
    with sqlite3.connect(path) as db:
        db.execute("create table posts (id integer, text text)")
        db.execute("insert into posts values (1, 'Café opens today')")
    done = runner.invoke(app, ["classify", str(path), "--encoding", "cp1252", "--keep-fields"])
    assert done.exit_code == 0, done.stderr
    assert texts(done.stdout) == ["Café opens today"]


@pytest.mark.parametrize("name", ["utf-8", "UTF8"])
def test_utf8_named_is_read_as_always(tmp_path: Path, name: str) -> None:
    path = tmp_path / "u8.csv"
    path.write_bytes(b"\xef\xbb\xbfid,text\n1,caf\xc3\xa9\n")
    done = runner.invoke(app, ["classify", str(path), "--encoding", name, "--keep-fields"])
    assert done.exit_code == 0, done.stderr
    assert texts(done.stdout) == ["café"]


def test_the_library_reads_the_encoding_named_and_names_its_own_argument(tmp_path: Path) -> None:
    import smclass
    from smclass.errors import UsageError

    path = tmp_path / "excel.csv"
    path.write_bytes(EXCEL_CSV.encode("cp1252"))
    assert next(post["text"] for post in smclass.read(path, encoding="cp1252")) == "Café au lait was lovely this morning"
    with pytest.raises(UsageError, match=r"^encoding klingon: no such encoding"):
        smclass.read(path, encoding="klingon")


@pytest.mark.parametrize(("text_encoding", "named"), [("utf-16-be", "utf-16-le"), ("utf-16-le", "utf-16-be")])
def test_a_byte_order_mark_of_the_other_byte_order_is_refused(tmp_path: Path, text_encoding: str, named: str) -> None:
    path = tmp_path / "other.csv"
    path.write_bytes(("\ufeffid,text\n1,Refund please\n").encode(text_encoding))
    done = runner.invoke(app, ["classify", str(path), "--encoding", named])
    assert done.exit_code == 1 and "byte-order mark, but --encoding says" in done.stderr


def test_utf32_with_its_mark_is_read_when_named(tmp_path: Path) -> None:
    path = tmp_path / "u32.csv"
    path.write_bytes("id,text\n1,Café opens today\n".encode("utf-32"))
    done = runner.invoke(app, ["classify", str(path), "--encoding", "utf-32", "--keep-fields"])
    assert done.exit_code == 0, done.stderr
    assert texts(done.stdout) == ["Café opens today"]


UTF8_LINES = '{"id":"a1","text":"Café opening tonight, come by"}\n{"id":"a2","text":"Volunteers needed at the food bank"}\n'


@pytest.mark.parametrize(
    ("named", "canonical", "held"),
    [
        ("utf-16le", "utf-16-le", "a zero byte in every line feed and ASCII character"),
        ("utf-16", "utf-16", "a zero byte in every line feed and ASCII character"),
        ("utf-32", "utf-32", "a zero byte in every character"),
    ],
)
def test_utf8_read_with_a_named_utf16_or_utf32_encoding_is_refused_not_read_as_garbage(named: str, canonical: str, held: str) -> None:
    done = runner.invoke(app, ["classify", "-", "--encoding", named], input=UTF8_LINES.encode())
    assert done.exit_code == 1
    assert done.stdout == ""
    family = canonical[:6].upper()
    assert done.stderr == (
        f"Error: <stdin>: --encoding says {canonical}, but its bytes hold no zero byte, where {family} text holds {held}: "
        "it may be UTF-8: drop --encoding\n"
    )


def test_utf16_of_the_other_byte_order_than_named_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain16.txt"
    path.write_bytes("Café opening tonight\nVolunteers needed at the food bank\nJust finished my painting\n".encode("utf-16-le"))
    done = runner.invoke(app, ["classify", str(path), "--encoding", "utf-16be"])
    assert done.exit_code == 1
    assert done.stderr == (
        f"Error: {path}: --encoding says utf-16-be, but it looks like UTF-16LE text, the other byte order: say --encoding UTF-16LE\n"
    )


def test_chinese_utf16_without_a_zero_byte_is_still_read_when_named(tmp_path: Path) -> None:
    # No ASCII at all, not even a line feed: no zero byte, yet UTF-16 all the same.
    post = "我们明天在社区花园集合请大家带上手套和水桶谢谢大家的支持"
    path = tmp_path / "zh16.txt"
    path.write_bytes(post.encode("utf-16-le"))
    assert b"\x00" not in path.read_bytes()
    done = runner.invoke(app, ["classify", str(path), "--encoding", "utf-16le", "--keep-fields"])
    assert done.exit_code == 0, done.stderr
    assert texts(done.stdout) == [post]


@pytest.mark.parametrize(("post", "encoding"), [("上海がすきです。", "utf-16-le"), ("上海がすきです。", "utf-16-be")])
def test_cjk_utf16_whose_bytes_hold_0x0a_in_a_low_byte_is_still_read_when_named(tmp_path: Path, post: str, encoding: str) -> None:
    # 上 is U+4E0A: its 0x0A is no line feed, and hiragana's bytes are ASCII pairs, so the whole is valid UTF-8 too.
    path = tmp_path / "ja16.txt"
    path.write_bytes(post.encode(encoding))
    assert b"\x00" not in path.read_bytes() and b"\n" in path.read_bytes()
    done = runner.invoke(app, ["classify", str(path), "--encoding", encoding, "--keep-fields"])
    assert done.exit_code == 0, done.stderr
    assert texts(done.stdout) == [post]


@pytest.mark.parametrize("named", ["utf-16", "UTF16", "utf-32"])
def test_an_encoding_with_no_byte_order_named_for_an_input_without_a_mark_asks_for_the_order(tmp_path: Path, named: str) -> None:
    path = tmp_path / "le.tsv"
    path.write_bytes("id\ttext\r\n1\tgreat coffee\r\n".encode("utf-32-le" if "32" in named else "utf-16-le"))
    done = runner.invoke(app, ["classify", str(path), "--encoding", named])
    assert (done.exit_code, done.stdout) == (1, "")
    family = "utf-32" if "32" in named else "utf-16"
    said = f"--encoding {family} needs a byte-order mark, which this input lacks: say --encoding {family}le or {family}be"
    assert done.stderr.splitlines()[-1] == f"Error: {path}: {said}"


def test_utf8_read_as_cp1252_is_left_to_the_readers(tmp_path: Path) -> None:
    # Any byte is a character in a single-byte encoding: nothing says the bytes are not in it.
    done = runner.invoke(app, ["classify", "-", "--encoding", "cp1252", "--keep-fields"], input=UTF8_LINES.encode())
    assert done.exit_code == 0, done.stderr
    assert texts(done.stdout)[0] == "CafÃ© opening tonight, come by"


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
def test_utf32_with_its_mark_but_no_encoding_named_is_called_utf32_with_the_way_out(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "u32.jsonl"
    path.write_bytes(("\ufeff" + UTF8_LINES).encode(encoding))
    done = runner.invoke(app, ["classify", str(path)])
    assert done.exit_code == 1
    assert done.stderr == (
        f"Error: {path}: UTF-32 text (its byte-order mark says so), which is read only when named: "
        "say it with --encoding utf-32, or convert it, iconv -f UTF-32 -t UTF-8 IN > OUT\n"
    )


def test_a_lone_surrogate_in_utf16_is_said_to_be_no_utf16_not_no_utf8(tmp_path: Path) -> None:
    path, rejects = tmp_path / "u16.jsonl", tmp_path / "rejects.jsonl"
    lines = [f'{{"id": "p{i}", "text": "Post {i} about the garden meetup"}}\n' for i in range(1, 4)]
    data = "\ufeff".encode("utf-16-le") + "".join(lines).encode("utf-16-le")
    # A high surrogate alone in place of the "g" of line 2's "garden".
    at = data.index("garden".encode("utf-16-le"), data.index("Post 2".encode("utf-16-le")))
    path.write_bytes(data[:at] + b"\x00\xd8" + data[at + 2 :])
    done = runner.invoke(app, ["classify", str(path)])
    assert done.exit_code == 1
    assert done.stderr.splitlines()[-1] == (
        f"Error: {path}:2: not valid UTF-16 (a lone surrogate at column 40: half of a character that takes two 16-bit units, "
        "the other half missing)"
    )
    skipped = runner.invoke(app, ["classify", str(path), "--on-error", "skip", "--rejects", str(rejects)])
    assert skipped.exit_code == 0, skipped.stderr
    assert [json.loads(line)["id"] for line in skipped.stdout.splitlines()] == ["p1", "p3"]
    assert f"skipped {path}:2: not valid UTF-16 (a lone surrogate at column 40" in skipped.stderr
