"""Reading never guesses wrong and never loses what it read: each test is a case that misread or lost records."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.labels import LABELS
from smclass.reading.inputs import read_stream
from smclass.reading.records import Record

from .conftest import Generated

runner = CliRunner()


def classify(model: Path, *args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def lines(output: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in output.splitlines() if line.strip()]


# Plain text, one post per line


def test_a_line_of_plain_text_is_one_post_with_a_note(small_model_path: Path) -> None:
    result = classify(small_model_path, input="Our team standup moved to 10am\n")
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == [1]
    assert out[0]["label"] in LABELS
    assert "<stdin>: read as lines, one post per line: its first line holds no delimiter, so it is no CSV header" in result.stderr


def test_lines_with_commas_that_name_no_field_are_posts(small_model_path: Path) -> None:
    data = "Great game last night, so proud of the whole team\nAnyone know a good plumber? Leak in the kitchen, again\n"
    result = classify(small_model_path, input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [1, 2]
    assert "its first line names no text or id field, so it is no CSV header" in result.stderr


def test_input_format_lines_keeps_blank_lines_so_ids_are_line_numbers(small_model_path: Path) -> None:
    result = classify(small_model_path, "--input-format", "lines", input="first post here\n\nid,text looks like a header\n")
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == [1, 2, 3]
    assert out[1] == {"id": 2, "label": None, "confidence": None, "reason": "'text' is empty"}
    assert out[2]["label"] in LABELS


def test_a_first_line_that_could_be_a_header_or_a_post_is_an_error_naming_input_format(small_model_path: Path) -> None:
    result = classify(small_model_path, input="alpha,beta\n1,2\n3,4\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: <stdin>:1: cannot tell whether the first line (alpha, beta) is a CSV header that names no text field "
        "or a post: say --input-format csv with --text-field NAME, or --input-format lines\n"
    )


@pytest.mark.parametrize(
    "data",
    [
        ",post_body,who\n0,the tram was on time today,kim\n1,we ship the beta on monday,lee\n",  # pandas to_csv with its index
        '"","post_body","who"\n"1","the tram was on time today","kim"\n"2","we ship the beta on monday","lee"\n',  # R's write.csv
    ],
)
def test_a_header_over_row_names_is_a_doubt_not_a_post_with_the_rows_read_whole(small_model_path: Path, data: str) -> None:
    # The header had been labelled as a post, and each row with its row number and author as one more.
    result = classify(small_model_path, input=data)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        'Error: <stdin>:1: cannot tell whether the first line ("", post_body, who) is a CSV header that names no text field '
        "or a post: say --input-format csv with --text-field NAME, or --input-format lines\n"
    )
    named = classify(small_model_path, "--input-format", "csv", "--text-field", "post_body", input=data)
    assert named.exit_code == 0, named.stderr
    assert len(lines(named.stdout)) == 2


def test_lines_that_start_with_a_comma_are_still_posts(small_model_path: Path) -> None:
    result = classify(small_model_path, input=",so that happened\nno numbers here, just words\nanother, post\n")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [1, 2, 3]


def test_a_csv_with_a_header_only_says_it_holds_no_records(small_model_path: Path) -> None:
    result = classify(small_model_path, input="id,text\n")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "<stdin>: holds no records" in result.stderr


def test_bare_json_strings_on_lines_are_posts(small_model_path: Path) -> None:
    result = classify(small_model_path, "--keep-fields", input='"a post about the match"\n"another one"\n')
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [(r["id"], r["record"]) for r in out] == [(1, "a post about the match"), (2, "another one")]


# Platform shapes only for records that are one


def test_a_record_with_its_own_text_is_not_taken_for_a_facebook_entry(small_model_path: Path) -> None:
    record = {"text": "Volunteers needed at the food bank Saturday", "timestamp": 1700000000, "title": "Saturday"}
    result = classify(small_model_path, "--keep-fields", input=json.dumps(record) + "\n")
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert out[0]["id"] == 1
    assert out[0]["label"] in LABELS
    assert out[0]["record"] == record
    assert "Facebook" not in result.stderr


def test_keep_fields_carries_the_record_as_read_not_the_flattened_one(small_model_path: Path) -> None:
    tweet = {"id_str": "42", "full_text": "Council votes to close the library", "user": {"screen_name": "gazette"}, "lang": "en"}
    result = classify(small_model_path, "--keep-fields", input=json.dumps(tweet) + "\n")
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert out[0]["id"] == "42"
    assert out[0]["record"] == tweet


# Folders and zips


def _two_files(folder: Path) -> None:
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"id": "a1", "text": "hello team"}\n')
    (folder / "b.jsonl").write_text('{"post_id": "b1", "body": "hello again"}\n')


def test_each_file_of_a_folder_has_its_own_fields_and_every_line_a_source(small_model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "posts"
    _two_files(folder)
    result = classify(small_model_path, str(folder))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [(r["id"], r["source"]) for r in out] == [("a1", str(folder / "a.jsonl")), ("b1", str(folder / "b.jsonl"))]
    assert all(r["label"] in LABELS for r in out)
    assert f"{folder / 'b.jsonl'}: read as json, text field 'body' (detected), id field 'post_id'" in result.stderr


def test_each_member_of_a_zip_has_its_own_fields_and_a_source(small_model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "posts"
    _two_files(folder)
    archive = tmp_path / "posts.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in ("a.jsonl", "b.jsonl"):
            zipped.write(folder / name, name)
    result = classify(small_model_path, str(archive))
    assert result.exit_code == 0, result.stderr
    assert [(r["id"], r["source"]) for r in lines(result.stdout)] == [("a1", f"{archive}!a.jsonl"), ("b1", f"{archive}!b.jsonl")]


# Named fields


def test_an_id_field_no_record_has_is_a_usage_error_listing_the_fields(small_model_path: Path) -> None:
    result = classify(small_model_path, "--id-field", "tweet_id", input='{"id": 1, "text": "hi there"}\n')
    assert result.exit_code == 2
    assert result.stderr == "Error: <stdin>: no field 'tweet_id' in the records (fields: id, text)\n"


def _late_ids(posts: int = 150, from_post: int = 120) -> str:
    # An export whose first posts carry no id (a batch written before ids were kept).
    rows = [{"text": f"post {i} about the new trainers", **({"id": f"x{i}"} if i >= from_post else {})} for i in range(posts)]
    return "".join(json.dumps(row) + "\n" for row in rows)


def test_an_id_field_named_that_first_appears_after_the_first_100_records_is_used_where_it_is(small_model_path: Path) -> None:
    # The note of an unnamed run says "say --id-field id to use it": saying it must work.
    unnamed = classify(small_model_path, input=_late_ids())
    assert "(say --id-field id to use it)" in unnamed.stderr
    result = classify(small_model_path, "--id-field", "id", input=_late_ids())
    assert result.exit_code == 0, result.stderr
    ids = [(r["id"], r.get("position")) for r in lines(result.stdout)]
    assert ids == [(None, i + 1) for i in range(120)] + [(f"x{i}", None) for i in range(120, 150)]
    assert "none of the first 100 records holds 'id': the run fails at the end if no record does" in result.stderr


@pytest.mark.parametrize("name", ["idd", "ID"])
def test_a_named_field_that_no_record_holds_fails_after_every_record_is_written(small_model_path: Path, name: str) -> None:
    # "ID" where the late records say "id": read by the name as given, it is in no record.
    result = classify(small_model_path, "--id-field", name, input=_late_ids())
    assert result.exit_code == 2
    assert len(lines(result.stdout)) == 150
    assert result.stderr.splitlines()[-1] == f"Error: <stdin>: no record holds '{name}': name a field the records have"


@pytest.mark.parametrize("option", ["--id-field", "--text-field"])
@pytest.mark.parametrize("command", ["classify", "suggest", "audit", "evaluate", "report"])
def test_an_empty_field_name_is_refused_not_taken_for_none(small_model_path: Path, option: str, command: str) -> None:
    # `--id-field "$COL"` with COL unset: the run used to go on with detection and positions.
    extra = ["--json"] if command == "report" else [] if command == "audit" else ["-m", str(small_model_path)]
    result = runner.invoke(app, [command, "-", option, "", *extra], input='{"id": 1, "text": "hi"}\n')
    assert (result.exit_code, result.stderr) == (2, f"Error: {option} is empty: name a field (an unset shell variable?)\n")


@pytest.mark.parametrize("option", ["--text-field", "--id-field"])
def test_a_field_name_that_matches_two_fields_only_by_case_is_refused(small_model_path: Path, option: str) -> None:
    data = "id,ID,text,Text\n1,a,hello there,other words\n"
    name = "TEXT" if option == "--text-field" else "Id"
    result = classify(small_model_path, option, name, input=data)
    both = "'text' and 'Text'" if option == "--text-field" else "'id' and 'ID'"
    assert (result.exit_code, result.stderr) == (2, f"Error: <stdin>: '{name}' matches the fields {both}: name one as it is written\n")
    # The text columns differ only in case too: detection refuses to pick one, so it is named here.
    text = ["--text-field", "text"] if option == "--id-field" else []
    exact = classify(small_model_path, option, name.lower(), *text, "-q", input=data)
    assert exact.exit_code == 0, exact.stderr


def test_classify_results_read_back_without_a_text_field_name_the_path_to_the_posts_text(small_model_path: Path) -> None:
    kept = classify(small_model_path, "--keep-fields", "-q", input='{"id": 1, "message": "I love my new bike"}\n').stdout
    result = runner.invoke(app, ["suggest", "-", "-m", str(small_model_path)], input=kept)
    assert result.exit_code == 1
    assert result.stderr.endswith("name it with --text-field (for the results of classify --keep-fields: --text-field record.message)\n")


def test_classify_results_without_their_posts_read_back_are_said_to_hold_no_text(small_model_path: Path) -> None:
    # The error had said "name it with --text-field", and the field there was to name, --text-field label, labelled
    # the labels' own names ("Media" as Media), exit 0.
    bare = classify(small_model_path, "--proba", "-q", input='{"id": 1, "text": "I love my new bike"}\n').stdout
    result = runner.invoke(app, ["classify", "-", "-m", str(small_model_path)], input=bare)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: <stdin>: no text field found (fields: id, label, confidence, probabilities): classify's results without "
        "--keep-fields, which hold no post's text: classify the posts themselves (with --keep-fields, results can be read back)\n"
    )


def test_the_hint_for_classify_results_read_back_does_not_name_a_field_classify_did_not_read_alone(
    small_model_path: Path, tmp_path: Path
) -> None:
    # A Reddit post read from its title and body: the hint had named --text-field record.selftext, which reads
    # the body alone (a post of a title and no body then had no label, exit 0); jq -c .record reads them as classify did.
    posts = '{"id": "r1", "title": "Garden swap at the library Sunday", "selftext": ""}\n'
    posts += '{"id": "r2", "title": "Made jam", "selftext": "plum"}\n'
    kept = tmp_path / "kept.jsonl"
    kept.write_text(classify(small_model_path, "--keep-fields", "-q", input=posts).stdout)
    result = classify(small_model_path, str(kept))
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "(for the results of classify --keep-fields: --text-field record.selftext reads that field of the kept records as it stands, "
        f"where classify read those posts from 'title + selftext': jq -c .record {kept} | smclass classify - reads them as it did)\n"
    )


def test_semicolon_csv_with_capitalised_headers_is_read(small_model_path: Path) -> None:
    data = 'Post ID;Comment Text;Likes\n7;"Lunch with the team; then the offsite";3\n8;Loving this weather;1\n'
    result = classify(small_model_path, input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["7", "8"]
    assert "<stdin>: read as csv, text field 'Comment Text' (detected), id field 'Post ID'" in result.stderr


def test_tab_and_pipe_delimiters_and_message_and_tweet_headers(small_model_path: Path) -> None:
    for data in ("Message\tPost_ID\nhello all\tm1\n", "TWEET|ID\nhello all|t1\n"):
        result = classify(small_model_path, input=data)
        assert result.exit_code == 0, result.stderr
        assert len(lines(result.stdout)) == 1


def test_delimiter_option_reads_the_named_delimiter(small_model_path: Path) -> None:
    data = "when:words\nmonday:see you at the standup\ntuesday:lunch is on me\n"
    result = classify(small_model_path, "--delimiter", ":", "--text-field", "words", input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [1, 2]
    wrong = classify(small_model_path, "--delimiter", "::", input=data)
    assert (wrong.exit_code, wrong.stderr) == (2, "Error: --delimiter takes one character, or 'tab' (got '::')\n")


def test_a_nested_text_field_error_suggests_the_dotted_path(small_model_path: Path) -> None:
    result = classify(small_model_path, input='{"post": {"meta": {"n": 1}, "body": "hello world"}}\n')
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: <stdin>:1: field 'post': expected text, got an object; the text may be at --text-field post.body"
    )


def test_the_suggested_text_field_is_quoted_for_the_shell_or_left_out_when_it_cannot_be_typed(small_model_path: Path) -> None:
    spaced = classify(small_model_path, input='{"post": {"the body": "hello world"}}\n')
    assert spaced.stderr.splitlines()[-1] == (
        "Error: <stdin>:1: field 'post': expected text, got an object; the text may be at --text-field 'post.the body'"
    )
    broken = classify(small_model_path, input='{"post": {"bo\\ndy": "hello world"}}\n')
    assert (broken.exit_code, broken.stderr.splitlines()[-1]) == (1, "Error: <stdin>:1: field 'post': expected text, got an object")


# Detection from a sample of lines, and damage in the middle of an input


def test_a_truncated_first_json_line_is_rejected_and_reading_goes_on(small_model_path: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    data = '{"id": 1, "text": "cut sh\n{"id": 2, "text": "fine post"}\n{"id": 3, "text": "another fine post"}\n'
    result = classify(small_model_path, "--on-error", "skip", "--rejects", str(rejects), input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [2, 3]
    assert rejects.read_text() == '{"id": 1, "text": "cut sh\n'


def test_a_plain_text_first_line_does_not_make_json_lines_csv(small_model_path: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    data = 'exported by scraper v2\n{"id": 2, "text": "fine post"}\n{"id": 3, "text": "another fine post"}\n'
    result = classify(small_model_path, "--on-error", "skip", "--rejects", str(rejects), input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [2, 3]
    assert rejects.read_text() == "exported by scraper v2\n"


def test_an_error_late_in_a_file_keeps_every_record_before_it(small_model_path: Path) -> None:
    good = "".join(json.dumps({"id": i, "text": f"post number {i}"}) + "\n" for i in range(1, 2500))
    result = classify(small_model_path, input=good + "{broken\n")
    assert result.exit_code == 1
    assert len(lines(result.stdout)) == 2499
    assert result.stderr.splitlines()[-1] == "Error: <stdin>:2500: invalid JSON (unexpected character, expected a string key)"


def test_a_csv_row_that_is_not_utf8_is_skipped_and_reading_goes_on(small_model_path: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    data = b'id,text\n1,fine\n2,"caf\xe9, ""quoted"""\n3,ok then\n'
    result = classify(small_model_path, "--on-error", "skip", "--rejects", str(rejects), input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["1", "3"]
    assert (
        "skipped <stdin>:3: not valid UTF-8 (byte 0xe9 at column 7): name the input's encoding with --encoding, e.g. cp1252"
    ) in result.stderr
    assert rejects.read_bytes() == b'id,text\n2,"caf\xe9, ""quoted"""\n'


def test_a_truncated_gzip_keeps_everything_before_the_damage(small_model_path: Path, tmp_path: Path) -> None:
    body = "".join(json.dumps({"id": i, "text": f"post number {i} about the weekend"}) + "\n" for i in range(1, 3001))
    packed = gzip.compress(body.encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    result = classify(small_model_path, str(path), "--on-error", "skip")
    assert result.exit_code == 0, result.stderr
    ids = [r["id"] for r in lines(result.stdout)]
    assert len(ids) > 1000 and ids == list(range(1, len(ids) + 1))
    assert result.stderr.splitlines()[-1] == (
        f"skipped {path}: damaged gzip data (Compressed file ended before the end-of-stream marker was reached); "
        "reading of this input stopped there"
    )


def test_a_zip_member_that_fails_its_crc_check_stops_the_run_even_with_skip(small_model_path: Path, tmp_path: Path) -> None:
    # The bytes already read of it are what failed the check: "secund post" was classified as a post, exit 0.
    archive = tmp_path / "posts.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zipped:
        zipped.writestr("a.jsonl", '{"id": "a1", "text": "first post"}\n{"id": "a2", "text": "second post"}\n')
        zipped.writestr("b.jsonl", '{"id": "b1", "text": "other member"}\n')
    data = archive.read_bytes()
    archive.write_bytes(data.replace(b"second post", b"secund post", 1))
    out = tmp_path / "out.jsonl"
    result = classify(small_model_path, str(archive), "--on-error", "skip", "-o", str(out))
    assert result.exit_code == 1
    damage = "damaged zip member (Bad CRC-32 for file 'a.jsonl'): the records read from it before this may be wrong too"
    assert result.stderr.splitlines()[-1] == f"Error: {archive}!a.jsonl: {damage}"
    assert not out.exists()


def test_a_gzip_that_fails_its_check_stops_the_run_even_with_skip(small_model_path: Path, tmp_path: Path) -> None:
    rows = "".join(json.dumps({"id": i, "text": f"post {i}: the bus was late again"}) + "\n" for i in range(3000))
    data = bytearray(gzip.compress(rows.encode()))
    data[-5] ^= 0x01  # the stored checksum: every byte came out right, but the check fails
    path = tmp_path / "posts.jsonl.gz"
    path.write_bytes(bytes(data))
    out = tmp_path / "out.jsonl"
    result = classify(small_model_path, str(path), "--on-error", "skip", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(f"Error: {path}: damaged gzip data (")
    assert result.stderr.splitlines()[-1].endswith("): the records read from it before this may be wrong too")
    assert not out.exists()


def test_a_bad_element_of_a_json_array_keeps_the_records_before_it(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text('[\n{"id": 1, "text": "fine post"},\n{"id": 2, "text": "also fine"},\n{"id": 3, "text": tru}\n]\n')
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert [r["id"] for r in lines(result.stdout)] == [1, 2]
    assert result.stderr.splitlines()[-1] == f"Error: {path}:4: invalid JSON (expecting value at column 19)"


# What is kept: raw rejects, long ids, every column


def test_ids_beyond_64_bits_are_kept_digit_for_digit(small_model_path: Path, tmp_path: Path) -> None:
    line = '{"id": 123456789012345678901234567890, "text": "hello from a long id", "n": {"big": 99999999999999999999999}}\n'
    result = classify(small_model_path, "--keep-fields", input=line)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith('{"id":123456789012345678901234567890,"label":')
    record = '"record":{"id":123456789012345678901234567890,"text":"hello from a long id","n":{"big":99999999999999999999999}}}'
    assert result.stdout.rstrip().endswith(record)
    array = tmp_path / "posts.json"
    array.write_text("[" + line.strip() + "]")
    from_array = classify(small_model_path, str(array))
    assert from_array.exit_code == 0, from_array.stderr
    assert from_array.stdout.startswith('{"id":123456789012345678901234567890,"label":')


def test_a_json_lines_id_spelled_with_more_digits_than_a_float_holds_keeps_them(small_model_path: Path) -> None:
    lines = (
        '{"id": 1234567890123456789.0, "text": "hello"}\n{"id": 0.1234567890123456789, "text": "hello"}\n'
        '{"id": 1e3, "text": "hello"}\n{"id": 2.5, "text": "hello"}\n'
    )
    result = classify(small_model_path, input=lines)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1234567890123456789, "0.1234567890123456789", 1000.0, 2.5]


def test_a_json_array_id_spelled_with_more_digits_than_a_float_holds_keeps_them(small_model_path: Path, tmp_path: Path) -> None:
    array = tmp_path / "posts.json"
    ids = ["1234567890123456789.0", "0.1234567890123456789", "2.5"]
    array.write_text("[" + ",\n ".join(f'{{"id": {ident}, "text": "hello"}}' for ident in ids) + "]")
    result = classify(small_model_path, str(array))
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1234567890123456789, "0.1234567890123456789", 2.5]


def test_rejects_keep_the_raw_bytes_of_json_lines(small_model_path: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.jsonl"
    data = b'{"id": 1, "text": "fine"}\n{"id": 2, "text": "caf\xe9"}\n'
    result = classify(small_model_path, "--on-error", "skip", "--rejects", str(rejects), input=data)
    assert result.exit_code == 0, result.stderr
    assert rejects.read_bytes() == b'{"id": 2, "text": "caf\xe9"}\n'


@pytest.mark.parametrize(
    ("name", "data", "rejected"),
    [
        ("posts.jsonl", b'{"id": 1, "text": "fine"}\r\nBAD\r\n{"id": 3, "text": "ok"}\r\n', b"BAD\r\n"),
        ("posts.csv", b"id,text\r\n1,fine\r\n2,a,b,c\r\n3,ok\r\n", b"id,text\r\n2,a,b,c\r\n"),
    ],
)
def test_rejects_keep_crlf_line_ends(small_model_path: Path, tmp_path: Path, name: str, data: bytes, rejected: bytes) -> None:
    source, rejects = tmp_path / name, tmp_path / "rejects"
    source.write_bytes(data)
    result = classify(small_model_path, str(source), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert rejects.read_bytes() == rejected


def _peak_while_reading(stream: IO[bytes]) -> tuple[int, list[Record]]:
    kept: list[Record] = []
    tracemalloc.start()
    try:
        for record in read_stream(stream, "big"):
            if len(kept) < 3 or record.error is not None:
                kept.append(record)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, kept


def test_a_json_array_is_read_element_by_element() -> None:
    element = json.dumps({"id": 1, "text": "a post of ordinary length " * 8, "user": {"name": "someone"}}).encode()

    def parts() -> Iterator[bytes]:
        yield b"[\n"
        for i in range(40_000):  # about 12 MB
            yield (b",\n" if i else b"") + element
        yield b"\n]\n"

    peak, kept = _peak_while_reading(io.BufferedReader(Generated(parts())))
    assert [r.error for r in kept] == [None, None, None]
    assert peak < 3 * 2**20, peak


def test_a_gzip_of_blanks_is_passed_over_in_little_memory() -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)

    def parts() -> Iterator[bytes]:
        yield packer.compress(b"[")
        for _ in range(64):  # 64 MiB of spaces
            yield packer.compress(b" " * 2**20)
        yield packer.compress(b'{"text": "the one record"}]') + packer.flush()

    peak, kept = _peak_while_reading(io.BufferedReader(Generated(parts())))
    assert [r.data for r in kept] == [{"text": "the one record"}]
    assert peak < 8 * 2**20, peak


def test_keep_fields_csv_has_the_columns_of_every_record(small_model_path: Path) -> None:
    data = '{"id": 1, "text": "first post"}\n{"id": 2, "text": "second post", "lang": "en"}\n{"id": 3, "text": "third", "likes": 4}\n'
    result = classify(small_model_path, "--keep-fields", "--format", "csv", input=data)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "position", "label", "confidence", "reason", "record.id", "record.text", "record.lang", "record.likes"]
    assert [row[5:] for row in rows[1:]] == [["1", "first post", "", ""], ["2", "second post", "en", ""], ["3", "third", "", "4"]]


def test_an_empty_folder_says_so(small_model_path: Path, tmp_path: Path) -> None:
    result = classify(small_model_path, str(tmp_path))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"{tmp_path}: holds no files to read\n"


def test_short_posts_with_a_comma_each_are_lines_not_a_header(small_model_path: Path) -> None:
    result = classify(small_model_path, input="Good morning, everyone\nHappy Friday, team\nSee you Monday, folks\n")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [1, 2, 3]


def test_a_csv_quote_left_open_rejects_its_line_and_reading_goes_on(small_model_path: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    data = 'id,text\n1,"fine, quoted"\n2,"open quote never closed\n3,third post\n4,fourth post\n'
    result = classify(small_model_path, "--on-error", "skip", "--rejects", str(rejects), input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["1", "3", "4"]
    assert "skipped <stdin>:3: a quoted field is not closed before the end of the input" in result.stderr
    assert rejects.read_text() == 'id,text\n2,"open quote never closed\n'


def test_a_lone_surrogate_escape_in_a_json_array_is_one_reject_not_a_crash(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text('[{"id": 1, "text": "fine"},\n{"id": 2, "text": "hi \\ud800 there"},\n{"id": 3, "text": "also fine"}]')
    result = classify(small_model_path, str(path), "--on-error", "skip", "--keep-fields")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [1, 3]
    assert f"skipped {path}:2: invalid JSON (" in result.stderr


def test_an_error_while_workers_classify_keeps_every_batch_read_before_it(small_model_path: Path, monkeypatch: Any) -> None:
    from smclass.run import parallel

    jobs, _, *rest = parallel.predict_batches.__defaults__
    monkeypatch.setattr(parallel.predict_batches, "__defaults__", (jobs, 1, *rest))  # the pool from the first post on
    good = "".join(json.dumps({"id": i, "text": f"post number {i}"}) + "\n" for i in range(1, 3001))
    result = classify(small_model_path, "--jobs", "2", input=good + "{broken\n")
    assert result.exit_code == 1
    assert [r["id"] for r in lines(result.stdout)] == list(range(1, 3001))


def test_a_facebook_photo_entry_is_not_classified_from_facebooks_title(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "your_posts_1.json"
    entries = [
        {"timestamp": 1672617600 + i, "attachments": [{"data": [{"media": {"uri": f"photos/{i}.jpg"}}]}], "title": "Ana added a new photo."}
        for i in range(2)
    ]
    path.write_text(json.dumps(entries))
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout) == [
        {"id": 1672617600, "label": None, "confidence": None, "reason": "'text' is null"},
        {"id": 1672617601, "label": None, "confidence": None, "reason": "'text' is null"},
    ]


def test_a_one_column_csv_of_quoted_posts_is_csv(small_model_path: Path) -> None:
    for header in ("text", '"text"'):
        result = classify(small_model_path, input=f'{header}\n"hello, world"\n"see you soon, all"\n')
        assert result.exit_code == 0, result.stderr
        assert [r["id"] for r in lines(result.stdout)] == [1, 2]
        assert "read as csv" in result.stderr


def test_dev_zero_is_refused_at_once_as_binary(small_model_path: Path) -> None:
    # In a process of its own with a time limit: the zip test used to read the device for ever.
    command = [sys.executable, "-m", "smclass", "classify", "/dev/zero", "--model", str(small_model_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr == "Error: /dev/zero: looks like a binary file, not JSON, JSON lines, CSV or TSV\n"


def test_the_records_a_plan_is_chosen_from_stop_at_4_mib_of_text_so_big_records_are_not_held_by_the_hundred() -> None:
    from smclass.reading.posts import SNIFF_BYTES, cut_short, first_records

    # A parsed record can take tens of times its text: 100 records of 16 MiB were 8 GB held.
    line = json.dumps({"id": 0, "text": "w " * (1 << 19)}).encode() + b"\n"  # 1 MiB a record
    first = first_records(read_stream(io.BytesIO(line * 20), "big.jsonl"))
    assert len(first) == SNIFF_BYTES // len(line) + 1 < 20
    assert cut_short(first)
    short = first_records(read_stream(io.BytesIO(b'{"id": 1, "text": "a post"}\n' * 20), "small.jsonl"))
    assert len(short) == 20
    assert not cut_short(short)


def test_the_records_a_plan_is_chosen_from_count_what_each_unreadable_one_costs_to_hold(small_model_path: Path, tmp_path: Path) -> None:
    from smclass.reading.posts import SNIFF_UNREADABLE_BYTES, UNREADABLE_RECORD_BYTES, cut_short, first_records

    # Unreadable records were counted by their lines alone: 3,000,000 lines of "{" after 60 posts
    # (6 MB) were all held, at about 820 bytes each, 2.6 GB.
    good = b'{"id": 1, "text": "we baked bread for the street party"}\n'
    data = good * 60 + b"{\n" * 50_000 + good
    tracemalloc.start()
    try:
        first = first_records(read_stream(io.BytesIO(data), "damaged.jsonl"), "skip")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(first) == 60 + SNIFF_UNREADABLE_BYTES // (UNREADABLE_RECORD_BYTES + 2) + 1 < 50_000
    assert cut_short(first)
    assert peak < 16 * 2**20, peak
    posts = tmp_path / "damaged.jsonl"
    posts.write_bytes(data)
    rejects = tmp_path / "rejects.jsonl"
    result = classify(small_model_path, str(posts), "-q", "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert (len(lines(result.stdout)), rejects.read_bytes()) == (61, b"{\n" * 50_000)


def test_a_record_read_from_another_text_field_than_the_detected_one_is_said_once(small_model_path: Path) -> None:
    data = (
        '{"id": 1, "text": "post about the weather"}\n{"id": 2, "content": "volunteers at the food bank"}\n'
        '{"id": 3, "body": "my refund never came"}\n'
    )
    result = classify(small_model_path, input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["label"] is not None for r in lines(result.stdout)] == [True, True, True]
    said = [line for line in result.stderr.splitlines() if "holds no text in 'text'" in line]
    assert said == [
        "<stdin>:2: holds no text in 'text': its text is read from 'content' "
        "(each record without text in 'text' is read from another text field it holds)"
    ]
