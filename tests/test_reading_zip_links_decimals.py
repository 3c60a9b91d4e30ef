"""Zips with a member name twice, links in folders, Parquet decimals: each once lost or misread records with exit 0."""

from __future__ import annotations

import decimal
import json
import warnings
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()


def classify(model: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)])


def lines(output: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def zip_with_twice(path: Path, twice: str, first: bytes, second: bytes, others: dict[str, bytes] | None = None) -> None:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
        for name, data in (others or {}).items():
            archive.writestr(name, data)
        archive.writestr(twice, first)
        archive.writestr(twice, second)


def test_every_member_of_a_zip_that_holds_a_name_twice_is_read_under_a_source_of_its_own(small_model_path: Path, tmp_path: Path) -> None:
    archive = tmp_path / "dup.zip"
    first = b'{"id": "a1", "text": "first one"}\n{"id": "a2", "text": "first two"}\n'
    second = b'{"id": "b1", "text": "second member"}\n'
    zip_with_twice(archive, "posts.jsonl", first, second, {"other.jsonl": b'{"id": "c1", "text": "hi"}\n'})
    result = classify(small_model_path, str(archive))
    assert result.exit_code == 0, result.stderr
    twice = f"{archive}!posts.jsonl"
    assert [(r["id"], r["source"]) for r in lines(result.stdout)] == [
        ("c1", f"{archive}!other.jsonl"),
        ("a1", f"{twice} (1 of 2)"),
        ("a2", f"{twice} (1 of 2)"),
        ("b1", f"{twice} (2 of 2)"),
    ]
    assert f"{twice}: 2 members have this name; each is read, its source marked (1 of 2) to (2 of 2)\n" in result.stderr


def test_an_export_zip_that_holds_a_name_twice_is_refused_in_one_line(small_model_path: Path, fixtures: Path, tmp_path: Path) -> None:
    slack = fixtures / "exports" / "slack"
    members = {p.relative_to(slack).as_posix(): p.read_bytes() for p in sorted(slack.rglob("*")) if p.is_file()}
    day = "general/2023-05-13.json"
    archive = tmp_path / "slack.zip"
    zip_with_twice(archive, day, members.pop(day), b"[]", members)
    result = classify(small_model_path, str(archive))
    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr == f"Error: {archive}: holds 2 members named {day}: unzip it and keep one\n"


def test_a_link_to_a_folder_in_a_folder_is_followed_and_loops_and_broken_links_are_noted(small_model_path: Path, tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.jsonl").write_text('{"text": "the ferry is running late again"}\n')
    folder = tmp_path / "d9"
    (folder / "sub").mkdir(parents=True)
    (folder / "ext").symlink_to("../real")
    (folder / "broken").symlink_to("nothing")
    (folder / "sub" / "back").symlink_to("..")
    result = classify(small_model_path, str(folder))
    assert result.exit_code == 0, result.stderr
    assert [r["source"] for r in lines(result.stdout)] == [str(folder / "ext" / "a.jsonl")]
    assert f"skipped {folder / 'broken'}: a link to nothing\n" in result.stderr
    loop = f"skipped {folder / 'sub' / 'back'}: a link back to a folder it is in ({folder.resolve()}), which would be read without end\n"
    assert loop in result.stderr


def test_parquet_decimals_keep_their_exact_value_so_distinct_ids_stay_distinct(small_model_path: Path, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    whole = [decimal.Decimal("12345678901234567890123"), decimal.Decimal("12345678901234567890124")]
    path = tmp_path / "dec.parquet"
    pq.write_table(pa.table({"id": pa.array(whole, pa.decimal128(38, 0)), "text": ["a post", "another post"]}), path)
    result = classify(small_model_path, str(path), "-q")
    assert result.exit_code == 0, result.stderr
    assert [line.split(',"label"')[0] for line in result.stdout.splitlines()] == [
        '{"id":12345678901234567890123',
        '{"id":12345678901234567890124',
    ]
    # Not whole: a float where its digits are the decimal's own, else the decimal's exact text.
    parts = [decimal.Decimal("1.50"), decimal.Decimal("12345678901234567.89")]
    path = tmp_path / "dec2.parquet"
    pq.write_table(pa.table({"id": pa.array(parts, pa.decimal128(38, 2)), "text": ["a post", "another post"]}), path)
    result = classify(small_model_path, str(path), "-q", "--keep-fields")
    assert result.exit_code == 0, result.stderr
    assert [(r["id"], r["record"]) for r in lines(result.stdout)] == [
        (1.5, {"id": 1.5, "text": "a post"}),
        ("12345678901234567.89", {"id": "12345678901234567.89", "text": "another post"}),
    ]


@pytest.mark.parametrize(
    "members, kind",
    [
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<office:document-content/>\n"},
         "a document of type application/vnd.oasis.opendocument.spreadsheet"),
        ({"[Content_Types].xml": "<Types/>\n", "word/document.xml": "<w:document/>\n"}, "a Word or PowerPoint document"),
    ],
)  # fmt: skip
def test_an_office_document_is_refused_not_read_as_a_zip_of_xml_posts(
    small_model_path: Path, tmp_path: Path, members: dict[str, str], kind: str
) -> None:
    path = tmp_path / "doc.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    result = classify(small_model_path, str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {path}: {kind}, not a zip of posts: save it as .xlsx or .csv\n"


def test_a_nan_or_infinite_id_is_no_id_and_its_position_stands_in(small_model_path: Path, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "posts.parquet"
    posts = ["release shipped today", "volunteers needed on Saturday", "where is my refund"]
    pq.write_table(pa.table({"id": [1.0, float("nan"), float("inf")], "text": posts}), path)
    result = classify(small_model_path, str(path), "-q")
    assert result.exit_code == 0, result.stderr
    assert [(r["id"], r.get("position")) for r in lines(result.stdout)] == [(1.0, None), (None, 2), (None, 3)]


def test_a_parquet_time_past_year_9999_is_kept_as_text_and_its_batch_read(small_model_path: Path, tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "times.parquet"
    times = [1_700_000_000_000, 10**16, 1_700_000_000_000]
    texts = ["release shipped", "garden day", "refund please"]
    pq.write_table(pa.table({"id": [1, 2, 3], "text": texts, "ts": pa.array(times, pa.timestamp("ms"))}), path)
    result = classify(small_model_path, str(path), "--keep-fields", "-q")
    assert result.exit_code == 0, result.stderr
    kept = [r["record"]["ts"] for r in lines(result.stdout)]
    assert kept[0] == kept[2] == "2023-11-14T22:13:20"  # the usual ISO text, for the rows Python can hold
    assert isinstance(kept[1], str) and kept[1] != kept[0]


def test_a_parquet_row_too_large_to_hold_is_refused_not_labelled(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cell of 200 MB of text (a file of 10 MB) had been made a Python string and labelled, 1.4 GB, exit 0.
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from smclass.reading import sheets

    monkeypatch.setattr(sheets, "ROW_LIMIT", 2000, raising=False)
    path = tmp_path / "big.parquet"
    # A dictionary column (pandas' category) whose dictionary is over the limit, each of its values under it.
    kinds = pa.array(["a" * 1200, "b" * 1200, "a" * 1200]).dictionary_encode()
    pq.write_table(pa.table({"id": [1, 2, 3], "text": ["release shipped", "x " * 2000, "refund please"], "kind": kinds}), path)
    result = classify(small_model_path, str(path), "--on-error", "skip")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [1, 3]
    assert "big.parquet:2: the row is " in result.stderr and "over the" in result.stderr


def test_keep_fields_carries_a_nested_integer_past_64_bits_digit_for_digit(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    lines_ = ['{"meta": {"pid": 123456789012345678901}, "text": "the tram runs late"}', '{"meta": {"pid": 7}, "text": "my cat"}']
    path.write_text("\n".join(lines_) + "\n", encoding="utf-8")
    result = classify(small_model_path, str(path), "--keep-fields", "-q")
    assert result.exit_code == 0, result.stderr
    assert '"record":{"meta":{"pid":123456789012345678901}' in result.stdout  # not 1.2345678901234568e+20


@pytest.mark.parametrize(
    "name, data", [("posts.txt", "fire near the mill\n98765432109876543210\n"), ("posts.csv", "text\nfire\n123456789012345678901234\n")]
)
def test_keep_fields_gives_a_line_or_row_with_a_long_number_as_its_record(
    small_model_path: Path, tmp_path: Path, name: str, data: str
) -> None:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    result = classify(small_model_path, str(path), "--keep-fields", "-q")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[1])["record"] == {"text": data.splitlines()[-1]}  # not the bare number


def test_a_zip_cut_short_is_named_damaged_not_a_zip_that_is_not_opened(small_model_path: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w") as archive:
        archive.writestr("posts.jsonl", '{"id": 1, "text": "the ferry is late"}\n' * 50)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[:100])
    result = classify(small_model_path, str(cut))
    assert (result.exit_code, result.stdout) == (1, "")
    said = "damaged zip file (an Excel workbook is one too): its end, which lists its files, is missing: cut short?"
    assert result.stderr == f"Error: {cut}: {said}\n"


def test_an_encrypted_zip_member_is_named_as_such_in_one_plain_line(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "locked.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("posts.jsonl", '{"id": 1, "text": "the ferry is late"}\n')
    data = bytearray(path.read_bytes())
    # The encryption flag, in the member's local header and in the central directory.
    data[6] |= 1
    data[data.find(b"PK\x01\x02") + 8] |= 1
    path.write_bytes(bytes(data))
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    said = "is encrypted: smclass opens no password-protected zip; unzip it with its password first"
    assert result.stderr == f"Error: {path}!posts.jsonl: {said}\n"
