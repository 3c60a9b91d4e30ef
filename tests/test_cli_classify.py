from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.labels import LABELS
from smclass.model import files as model_lib

runner = CliRunner()


def run(*args: str, input: str | bytes | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def lines(output: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["posts.jsonl", "posts.json", "posts.csv"])
def test_classify_gives_one_line_per_record_in_order_for_each_format(fixtures: Path, small_model_path: Path, name: str) -> None:
    result = run("classify", str(fixtures / name), "--model", str(small_model_path))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == ["p1", "p2", "p3", "p4", "p5", "p6"]
    for r in out[:5]:
        assert r["label"] in LABELS
        assert 0.0 <= r["confidence"] <= 1.0
        assert list(r)[:3] == ["id", "label", "confidence"]
    assert out[5] == {"id": "p6", "label": None, "confidence": None, "reason": "'text' is empty"}
    assert "text field 'text' (detected)" in result.stderr


def test_an_output_named_for_another_format_gets_a_warning_and_the_format_asked_for(
    fixtures: Path, small_model_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "labelled.csv"
    args = ["classify", str(fixtures / "posts.jsonl"), "-o", str(out), "--model", str(small_model_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert f"warning: {out} ends in .csv, but --format is jsonl: add --format csv to write csv" in result.stderr.splitlines()
    assert all("id" in json.loads(line) for line in out.read_text().splitlines())  # what --format said, never guessed
    assert "warning" not in runner.invoke(app, [*args, "--format", "csv"]).stderr


@pytest.mark.parametrize(
    ("name", "promised"),
    [
        ("labelled.tsv", "tab-separated values, which smclass does not write"),
        ("labelled.json", "one JSON document, where smclass writes JSON lines (one object a line) or CSV"),
    ],
)
def test_an_output_named_for_a_format_smclass_does_not_write_gets_a_warning(
    fixtures: Path, small_model_path: Path, tmp_path: Path, name: str, promised: str
) -> None:
    # -o labelled.tsv --format csv wrote commas unsaid.
    out = tmp_path / name
    args = ["classify", str(fixtures / "posts.jsonl"), "-o", str(out), "--format", "csv", "--model", str(small_model_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert f"warning: {out} ends in {out.suffix}, which names {promised}: it gets --format csv" in result.stderr.splitlines()


def test_classify_reads_stdin_with_dash_and_with_no_input(fixtures: Path, small_model_path: Path) -> None:
    data = (fixtures / "posts.jsonl").read_text()
    with_dash = run("classify", "-", "--model", str(small_model_path), input=data)
    without = run("classify", "--model", str(small_model_path), input=data)
    assert with_dash.exit_code == 0 and without.exit_code == 0
    assert with_dash.stdout == without.stdout
    assert len(lines(with_dash.stdout)) == 6


def test_classify_uses_positions_when_records_have_no_id(small_model_path: Path) -> None:
    data = '{"body": "so proud of my kid today"}\n{"body": "@Telko still no signal in my street"}\n'
    result = run("classify", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0
    assert [r["id"] for r in lines(result.stdout)] == [1, 2]
    assert "ids are record positions" in result.stderr


def test_classify_proba_gives_all_five_labels_summing_to_one(fixtures: Path, small_model_path: Path) -> None:
    result = run("classify", str(fixtures / "posts.jsonl"), "--proba", "--model", str(small_model_path))
    out = lines(result.stdout)
    for r in out[:5]:
        assert set(r["probabilities"]) == set(LABELS)
        assert sum(r["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
        assert r["confidence"] == max(r["probabilities"].values())
        assert r["label"] == max(r["probabilities"], key=r["probabilities"].get)
    assert out[5]["probabilities"] is None


def test_classify_says_which_labels_a_model_trained_without_them_never_gives(fixtures: Path, tmp_path: Path) -> None:
    # Its lines alone had not told: every Emergent post came out as one of the three labels it knows, exit 0.
    from smclass.model import training

    from .conftest import corpus_rows, stratified_slice

    rows = [r for r in stratified_slice(corpus_rows(), 5) if r["label"] in ("Media", "Customer", "Personal")]
    model = model_lib.save(training.train([r["text"] for r in rows], [r["label"] for r in rows], folds=0), tmp_path / "three.npz")
    result = run("classify", str(fixtures / "posts.jsonl"), "--model", str(model))
    assert result.exit_code == 0, result.stderr
    assert f"{model}: trained without posts labelled Enterprise, Emergent: no post gets those labels" in result.stderr.splitlines()


def test_classify_text_field_takes_a_dotted_path(small_model_path: Path) -> None:
    data = '{"post": {"id": 9, "body": "we are hiring nurses, apply today"}}\n'
    result = run("classify", "--text-field", "post.body", "--id-field", "post.id", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    assert lines(result.stdout)[0]["id"] == 9


def test_classify_unknown_text_field_lists_the_fields(fixtures: Path, small_model_path: Path) -> None:
    result = run("classify", str(fixtures / "posts.jsonl"), "--text-field", "message", "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: {fixtures / 'posts.jsonl'}: no field 'message' in the records (fields: id, text)"
    assert result.stdout == ""


def test_classify_without_any_text_field_names_the_fields(small_model_path: Path) -> None:
    result = run("classify", "--model", str(small_model_path), input='{"a": 1, "b": "x"}\n')
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: <stdin>: no text field found (fields: a, b); name it with --text-field"


def test_classify_stops_at_invalid_json_with_file_and_line(small_model_path: Path) -> None:
    data = '{"id": 1, "text": "fine post"}\n{"id": 2, "text": "broken\n{"id": 3, "text": "also fine"}\n'
    result = run("classify", "--model", str(small_model_path), input=data)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: <stdin>:2: invalid JSON")
    assert [r["id"] for r in lines(result.stdout)] == [1]


def test_classify_keeps_input_order_on_bad_lines_when_skipping(small_model_path: Path, tmp_path: Path) -> None:
    data = '{"id": 1, "text": "fine post"}\nnot json at all\n{"id": 3, "text": 42}\n{"id": 4, "text": "also fine"}\n'
    rejects = tmp_path / "rejects.jsonl"
    result = run("classify", "--on-error", "skip", "--rejects", str(rejects), "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [1, 4]
    assert "skipped <stdin>:2: invalid JSON" in result.stderr
    assert "skipped <stdin>:3: field 'text': expected text, got a number" in result.stderr
    assert rejects.read_text() == 'not json at all\n{"id": 3, "text": 42}\n'


def test_classify_number_where_text_should_be_is_an_error(small_model_path: Path) -> None:
    result = run("classify", "--model", str(small_model_path), input='{"id": 1, "text": 12345}\n')
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("Error: <stdin>:1: field 'text': expected text, got a number")


def test_classify_rejects_needs_skip(small_model_path: Path, tmp_path: Path) -> None:
    result = run("classify", "--rejects", str(tmp_path / "r"), "--model", str(small_model_path), input="")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: --rejects goes with --on-error skip"


def test_classify_empty_input_exits_zero_with_no_output(small_model_path: Path) -> None:
    result = run("classify", "--model", str(small_model_path), input="")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_classify_missing_input_file_is_one_line_error(small_model_path: Path) -> None:
    result = run("classify", "no-such-file.jsonl", "--model", str(small_model_path))
    assert result.exit_code == 1
    assert result.stderr == "Error: no-such-file.jsonl: no such file\n"


@pytest.mark.parametrize("scheme", ["file://", "s3://bucket"])
def test_a_url_without_the_dask_engine_says_only_dask_reads_urls_not_no_such_file(
    small_model_path: Path, fixtures: Path, scheme: str
) -> None:
    url = f"{scheme}{fixtures / 'posts.jsonl'}"
    result = run("classify", url, "--model", str(small_model_path))
    assert result.exit_code == 1
    said = "URLs are read only by classify --engine dask: give the path of the file (of a local copy, for a remote one)"
    assert result.stderr == f"Error: {url}: {said}\n"


@pytest.mark.parametrize("option", ["-o", "--rejects"])
def test_an_output_url_without_the_dask_engine_is_refused_not_written_to_a_local_folder(
    small_model_path: Path, fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s3:" / "bucket").mkdir(parents=True)  # as a mistaken earlier run may have left it
    result = run(
        "classify", str(fixtures / "posts.jsonl"), "--on-error", "skip", option, "s3://bucket/x.jsonl", "--model", str(small_model_path)
    )
    assert result.exit_code == 2
    shown = "--output" if option == "-o" else option
    assert (
        result.stderr
        == f"Error: {shown} s3://bucket/x.jsonl: URLs are written only by classify --engine dask: name a file on this machine\n"
    )
    assert list((tmp_path / "s3:" / "bucket").iterdir()) == []


def test_classify_missing_model_is_one_line_error(fixtures: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.npz"
    result = run("classify", str(fixtures / "posts.jsonl"), "--model", str(missing))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {missing}: model file not found\n"


def test_classify_model_comes_from_environment(fixtures: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMCLASS_MODEL", str(small_model_path))
    result = run("classify", str(fixtures / "posts.jsonl"))
    assert result.exit_code == 0, result.stderr
    assert len(lines(result.stdout)) == 6


def test_classify_keep_fields_carries_the_record(fixtures: Path, small_model_path: Path) -> None:
    result = run("classify", str(fixtures / "posts.jsonl"), "--keep-fields", "--model", str(small_model_path))
    first = lines(result.stdout)[0]
    assert first["record"] == {"id": "p1", "text": json.loads((fixtures / "posts.jsonl").read_text().splitlines()[0])["text"]}


def test_classify_several_inputs_add_the_source(fixtures: Path, small_model_path: Path) -> None:
    result = run("classify", str(fixtures / "posts.jsonl"), str(fixtures / "posts.csv"), "--model", str(small_model_path))
    out = lines(result.stdout)
    assert len(out) == 12
    assert out[0]["source"] == str(fixtures / "posts.jsonl")
    assert out[6]["source"] == str(fixtures / "posts.csv")


def test_classify_csv_output_is_spreadsheet_safe(small_model_path: Path, tmp_path: Path) -> None:
    data = '{"id": "=HYPERLINK(\\"http://x\\")", "text": "=1+2 cheap flights"}\n{"id": "-5", "text": "ok"}\n'
    target = tmp_path / "out.csv"
    result = run("classify", "--format", "csv", "--keep-fields", "-o", str(target), "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    rows = target.read_text().splitlines()
    assert rows[0] == "id,position,label,confidence,reason,record.id,record.text"
    assert rows[1].startswith('"\'=HYPERLINK(""http://x"")",')
    assert rows[1].endswith(",'=1+2 cheap flights")
    assert rows[2].startswith("-5,")


def test_words_python_reads_as_numbers_are_guarded_as_any_formula_start(small_model_path: Path) -> None:
    # float() takes "-inf", "+nan" and "-1_000", so they were written bare, and a spreadsheet shows #NAME?.
    texts = ["-inf", "+nan", "+Infinity", "-1_000", "-12.5", "+3e4"]
    data = "".join(json.dumps({"id": i, "text": text}) + "\n" for i, text in enumerate(texts))
    result = run("classify", "--format", "csv", "--keep-fields", "--model", str(small_model_path), "-q", input=data)
    assert result.exit_code == 0, result.stderr
    cells = [row["record.text"] for row in csv.DictReader(io.StringIO(result.stdout))]
    assert cells == ["'-inf", "'+nan", "'+Infinity", "'-1_000", "-12.5", "+3e4"]


def test_classify_csv_results_read_back_give_the_posts_as_they_were(small_model_path: Path, tmp_path: Path) -> None:
    posts = [
        "@SkyAir where is my refund",
        "=1+2 cheap flights",
        "-- forwarded memo: offices close at 3",
        "+1 to the march",
        "'@bob' said no",
        "'quoted' reply",
    ]
    data = "".join(json.dumps({"id": f"@p{i}", "text": text}) + "\n" for i, text in enumerate(posts))
    first = run("classify", "--keep-fields", "--model", str(small_model_path), input=data).stdout
    sheet = tmp_path / "labelled.csv"
    run("classify", "--format", "csv", "--keep-fields", "-o", str(sheet), "--model", str(small_model_path), input=data)
    again = run("classify", str(sheet), "--text-field", "record.text", "--keep-fields", "--model", str(small_model_path))
    assert again.exit_code == 0, again.stderr
    # The ' that kept a spreadsheet from running a cell had stayed on: '@SkyAir was no reply, and labels changed.
    assert [row["record"]["record.text"] for row in lines(again.stdout)] == posts
    assert [(r["id"], r["label"], r["confidence"]) for r in lines(again.stdout)] == [
        (r["id"], r["label"], r["confidence"]) for r in lines(first)
    ]
    assert f"{sheet}: read as smclass CSV results, the ' before formula-like cells taken off (csv)" in again.stderr
    # Any other CSV is read as written, a sheet with a label and a confidence of someone's own too.
    plain = tmp_path / "plain.csv"
    plain.write_text("id,text,label,confidence\n1,'@SkyAir where is my refund,Customer,high\n", encoding="utf-8")
    assert lines(run("classify", str(plain), "--keep-fields", "--model", str(small_model_path)).stdout)[0]["record"]["text"] == (
        "'@SkyAir where is my refund"
    )


def test_classify_csv_results_read_back_do_not_hint_at_a_kept_object_written_as_json_text(small_model_path: Path, tmp_path: Path) -> None:
    # The CSV writes a kept record's nested 'post' as JSON text: the hint had named --text-field record.post, and
    # following it the JSON, {"body":"..."}, was labelled as the post, exit 0.
    data = json.dumps({"id": "n1", "post": {"body": "our team offsite moves to May"}}) + "\n"
    sheet = tmp_path / "labelled.csv"
    model = ["--model", str(small_model_path)]
    written = run("classify", "-", "--text-field", "post.body", "--keep-fields", "--format", "csv", "-o", str(sheet), *model, input=data)
    assert written.exit_code == 0
    detected = run("classify", str(sheet), *model)
    assert detected.exit_code == 1
    assert detected.stderr.endswith(
        "(for the results of classify --keep-fields: 'record.post' holds objects written as JSON text, as their CSV writes "
        "a kept record's nested values: their JSON lines can be read with --text-field record.post.body)\n"
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["-o", ""], "--output is empty: name a file"),
        (["--engine", "dask", "-o", "out", "--scheduler", ""], "--scheduler is empty: name a file or address"),
        (["-f", "tsv", "-d", ";"], "--input-format tsv is tab-delimited: --delimiter ';' says otherwise (use csv with it)"),
    ],
)
def test_empty_names_and_a_delimiter_at_odds_with_the_format_are_usage_errors(small_model_path: Path, args: list[str], error: str) -> None:
    result = run("classify", *args, "--model", str(small_model_path), input='{"text": "hi"}\n')
    assert (result.exit_code, result.stderr) == (2, f"Error: {error}\n")


def test_a_dotted_field_is_matched_step_by_step_as_a_name_is(small_model_path: Path) -> None:
    data = '{"Post": {"Body": "hello there", "ID": 7}}\n'
    result = run("classify", "--text-field", "post.body", "--id-field", "POST.id", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == 7
    assert "text field 'Post.Body' (given), id field 'Post.ID'" in result.stderr


def test_field_names_listed_in_an_error_stay_on_one_line(small_model_path: Path) -> None:
    result = run("classify", "-f", "csv", "--model", str(small_model_path), input='"no\ntext",id\nhello,1\n')
    hint = "name it with --text-field (or --input-format lines for one post per line)"
    assert (result.exit_code, result.stderr) == (1, f"Error: <stdin>: no text field found (fields: no\\ntext, id); {hint}\n")


def test_rejects_to_stdout_is_refused_not_a_file_named_dash(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("classify", "--on-error", "skip", "--rejects", "-", "--model", str(small_model_path), input='{"text": "hi"}\n')
    assert (result.exit_code, result.stderr) == (
        2,
        "Error: --rejects cannot be '-': the results go to stdout; name a file for the skipped records\n",
    )
    assert not (tmp_path / "-").exists()


def test_quiet_skipping_with_no_rejects_file_still_says_how_many_records_were_dropped(small_model_path: Path) -> None:
    data = '{"id": 1, "text": "hello there"}\n[1]\n{"id": 3, "text": "again"}\nnot json\n'
    result = run("classify", "--on-error", "skip", "-q", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 3]
    assert result.stderr == "skipped 2 unreadable records (--rejects FILE keeps them)\n"


def test_a_text_of_punctuation_alone_gets_no_label_but_an_emoji_or_a_sign_does(small_model_path: Path) -> None:
    # "#", "@" and "..." had been labelled Personal 0.91 by the accurate tier, from no words at all.
    texts = ["#", "@", "...", " ?! ", "«»", "\U0001f600", "=)", "$5", "ok", "\u0645", ":)", ":-(", ":'(", "-_-"]
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    result = run("classify", "-q", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    reasons = [json.loads(line).get("reason") for line in result.stdout.splitlines()]
    # An Arabic letter is more than punctuation, but nothing this small model was trained on: no label,
    # and the reason says why (smclass.model.unread). The faces read as emoji do.
    arabic = "none of its words or letter sequences occur in the model's training posts (its letters are Arabic)"
    arabic += ": its label would be a guess"
    assert reasons == ["'text' holds punctuation only, no words"] * 5 + [None] * 4 + [arabic] + [None] * 4
    api = model_lib.load(small_model_path).classify(texts)
    assert [p.label is None for p in api] == [True] * 5 + [False] * 4 + [True] + [False] * 4


def test_a_text_of_replacement_characters_alone_gets_no_label_and_says_its_characters_were_lost(small_model_path: Path) -> None:
    # U+FFFD is a symbol to Unicode: a post of nothing else had been labelled Personal 0.61 by the accurate model.
    texts = ["\ufffd\ufffd\ufffd", " \ufffd? \ufffd! ", "caf\ufffd ok", "\ufffd\U0001f600"]
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    result = run("classify", "-q", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    reasons = [json.loads(line).get("reason") for line in result.stdout.splitlines()]
    lost = "'text' holds only U+FFFD replacement characters: its characters were lost before smclass read it"
    assert reasons == [lost, lost, None, None]
    assert [p.label is None for p in model_lib.load(small_model_path).classify(texts)] == [True, True, False, False]


def test_a_text_of_characters_that_do_not_show_gets_no_label(small_model_path: Path) -> None:
    texts = ["\u200b", "\x00\x01", "\ufeff\u00ad", "\ufe0f\U000e0041", " \u200b\n", "hi\u200bthere", "\U0001f600"]
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    result = run("classify", "-q", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    reasons = [json.loads(line).get("reason") for line in result.stdout.splitlines()]
    assert reasons == ["'text' holds no visible characters"] * 5 + [None, None]
    api = model_lib.load(small_model_path).classify(texts)
    assert [p.label is None for p in api] == [True] * 5 + [False, False]


def test_a_text_of_blank_fillers_gets_no_label(small_model_path: Path) -> None:
    # The Hangul fillers, the blank braille cell and the other characters Unicode shows as nothing.
    blank = ["\u3164", "\u2800\u2800", "\u115f\u1160", "\uffa0 \u3164", "\u034f\u180b", "\U000e0100", "\U0001d173"]
    shown = ["\u3164 hi", "\u2800\u2801", "한국"]
    texts = blank + shown
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    result = run("classify", "-q", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    reasons = [json.loads(line).get("reason") for line in result.stdout.splitlines()]
    # A braille cell with dots and a Korean word are no blanks, but none of this small model's training
    # posts holds either (smclass.model.unread).
    unread, guess = "none of its words or letter sequences occur in the model's training posts", ": its label would be a guess"
    hangul = f"{unread} (its letters are Hangul){guess}"
    assert reasons == ["'text' holds no visible characters"] * len(blank) + [None, unread + guess, hangul]
    api = model_lib.load(small_model_path).classify(texts)
    assert [p.label is None for p in api] == [True] * len(blank) + [False, True, True]


def test_csv_cells_spell_booleans_and_nulls_as_the_json_lines_do(small_model_path: Path) -> None:
    data = '{"id": true, "text": "a", "seen": false, "tags": [true, null], "gone": null}\n'
    result = run("classify", "-q", "--format", "csv", "--keep-fields", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    header, row = list(csv.reader(io.StringIO(result.stdout)))
    cells = dict(zip(header, row, strict=True))
    assert (cells["id"], cells["record.id"], cells["record.seen"], cells["record.tags"], cells["record.gone"]) == (
        "true",
        "true",
        "false",
        "[true,null]",
        "",
    )


@pytest.mark.parametrize("keep", [[], ["--keep-fields"]])
def test_csv_cells_holding_a_carriage_return_are_quoted_and_read_back_whole(small_model_path: Path, keep: list[str]) -> None:
    # (A cell that starts with one gets a leading ' instead, as a formula would: spreadsheet_safe.)
    ids, texts = ["c\rr", "n2", "n3"], ["two\r\rin a row", "ends with one\r", "carriage\rreturn inside"]
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(ids, texts, strict=True))
    result = run("classify", "-q", "--format", "csv", *keep, "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    header, *rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert [row[header.index("id")] for row in rows] == ids
    if keep:
        assert [row[header.index("record.text")] for row in rows] == texts


def test_a_record_without_the_id_its_input_has_gets_a_null_id_and_its_position_never_a_borrowed_id(small_model_path: Path) -> None:
    # Positions 2 and 4 are also ids of other records: given as ids, they would collide.
    data = '{"id": 2, "text": "a"}\n{"text": "b"}\n{"id": null, "text": "c"}\n{"id": 4, "text": "d"}\n'
    result = run("classify", "-q", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    idents = [{k: v for k, v in json.loads(line).items() if k in ("id", "position")} for line in result.stdout.splitlines()]
    assert idents == [{"id": 2}, {"id": None, "position": 2}, {"id": None, "position": 3}, {"id": 4}]
    csv_out = run("classify", "-q", "--format", "csv", "--model", str(small_model_path), input=data).stdout.splitlines()
    assert [row.split(",")[:2] for row in csv_out] == [["id", "position"], ["2", ""], ["", "2"], ["", "3"], ["4", ""]]
    no_ids = run("classify", "-q", "--model", str(small_model_path), input='{"text": "a"}\n{"text": "b"}\n').stdout
    assert [json.loads(line)["id"] for line in no_ids.splitlines()] == [1, 2]


def test_classify_csv_output_has_probability_columns(fixtures: Path, small_model_path: Path) -> None:
    result = run("classify", str(fixtures / "posts.jsonl"), "--format", "csv", "--proba", "--model", str(small_model_path))
    header = result.stdout.splitlines()[0]
    assert header == "id,position,label,confidence,p_Customer,p_Emergent,p_Enterprise,p_Media,p_Personal,reason"
    assert len(result.stdout.splitlines()) == 7


def test_classify_table_is_for_people(fixtures: Path, small_model_path: Path) -> None:
    result = run("classify", str(fixtures / "posts.jsonl"), "--format", "table", "--model", str(small_model_path))
    assert result.exit_code == 0
    assert "p1" in result.stdout and "confidence" in result.stdout
    assert "'text' is empty" in result.stdout


def test_classify_table_names_the_source_of_each_row_when_there_are_several_inputs(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without it, id 1 of a.csv and id 1 of b.csv were two rows no one could tell apart.
    monkeypatch.chdir(tmp_path)
    Path("a.csv").write_text("id,text\n1,release shipped\n")
    Path("b.csv").write_text("id,text\n1,where is my refund\n")
    result = run("classify", "a.csv", "b.csv", "--format", "table", "-q", "--model", str(small_model_path))
    rows = result.stdout.splitlines()
    assert rows[0].split()[:2] == ["id", "source"]
    assert [row.split()[:2] for row in rows[2:]] == [["1", "a.csv"], ["1", "b.csv"]]


def test_classify_table_goes_to_the_output_file_batch_by_batch_in_one_set_of_columns(small_model_path: Path, tmp_path: Path) -> None:
    rows = "".join(json.dumps({"id": f"p{i}", "text": f"post {i}: the bus was late again"}) + "\n" for i in range(300))
    out = tmp_path / "labels.txt"
    result = run("classify", "-", "--format", "table", "-o", str(out), "--model", str(small_model_path), input=rows)
    assert (result.exit_code, result.stdout) == (0, "")
    table = out.read_text(encoding="utf-8").splitlines()
    assert table[0].split() == ["id", "label", "confidence"] and set(table[1]) == {"─"}
    assert [line.split()[0] for line in table[2:]] == [f"p{i}" for i in range(300)]
    # Rows from every batch (they come in growing batches) line up under the one header.
    assert {line.index(line.split()[1]) for line in table[2:]} == {table[0].index("label")}


def test_classify_table_cuts_a_very_long_cell_and_says_how_long_it_was(small_model_path: Path) -> None:
    # A 2-million-character id had been folded whole into its column, in time that grows with its square.
    rows = json.dumps({"id": "x" * 2_000_000, "text": "the ferry is late"}) + "\n" + json.dumps({"id": "y", "text": "hi"}) + "\n"
    result = run("classify", "-", "--format", "table", "-q", "--model", str(small_model_path), input=rows)
    assert result.exit_code == 0, result.stderr
    # Folded over lines of 24 characters, where a space at a fold is dropped.
    cells = "".join(line[:24].strip() for line in result.stdout.splitlines()[2:])
    assert cells.replace(" ", "") == "x" * 1000 + "…(2,000,000characters)" + "y"


def test_classify_table_shows_ids_that_are_not_text_as_json(small_model_path: Path) -> None:
    rows = '{"id": true, "text": "hi there"}\n{"id": {"x": 1}, "text": "hello"}\n{"id": 7, "text": "news"}\n'
    result = run("classify", "-", "--format", "table", "-q", "--model", str(small_model_path), input=rows)
    assert result.exit_code == 0, result.stderr
    assert [line[:24].rstrip() for line in result.stdout.splitlines()[2:]] == ["true", '{"x": 1}', "7"]


def test_classify_table_shows_markup_and_control_characters_as_text(small_model_path: Path) -> None:
    ids = ["[bold]x[/]", "[/oops]", "red\u001b[31mX", "a\tb"]
    rows = "".join(json.dumps({"id": i, "text": "hi there"}) + "\n" for i in ids)
    result = run("classify", "-", "--format", "table", "-q", "--model", str(small_model_path), input=rows)
    assert result.exit_code == 0, result.stderr
    assert [line[:24].rstrip() for line in result.stdout.splitlines()[2:]] == ["[bold]x[/]", "[/oops]", "red\\x1b[31mX", "a\\tb"]


def test_classify_table_shows_bidi_overrides_and_isolates_as_text(small_model_path: Path) -> None:
    ids = ["\u202eevil", "a\u2067b\u2069", "\u05e9\u05dc\u05d5\u05dd"]
    rows = "".join(json.dumps({"id": i, "text": "hi there"}) + "\n" for i in ids)
    result = run("classify", "-", "--format", "table", "-q", "--model", str(small_model_path), input=rows)
    assert result.exit_code == 0, result.stderr
    # Right-to-left letters are text to show; only the characters that reorder what follows are escaped.
    shown = [line[:24].rstrip() for line in result.stdout.splitlines()[2:]]
    assert shown == ["\\u202eevil", "a\\u2067b\\u2069", "\u05e9\u05dc\u05d5\u05dd"]


def test_classify_with_jobs_keeps_order_and_results(small_model_path: Path, tmp_path: Path) -> None:
    rows = [
        {"id": i, "text": f"post number {i}: {'flight delayed again' if i % 3 else 'we need volunteers at the shelter'}"}
        for i in range(300)
    ]
    data = "".join(json.dumps(r) + "\n" for r in rows)
    single = run("classify", "--model", str(small_model_path), input=data)
    double = run("classify", "--jobs", "2", "--model", str(small_model_path), input=data)
    assert double.exit_code == 0, double.stderr
    assert double.stdout == single.stdout
    assert [r["id"] for r in lines(double.stdout)] == list(range(300))


def test_jobs_0_asks_for_one_worker_per_core(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from smclass.run import parallel

    asked: list[int] = []
    real = parallel.predict_batches

    def spy(model: Any, batches: Any, jobs: int = 1, pool_after: int = parallel.POOL_AFTER_POSTS, explain: int = 0, **rest: Any) -> Any:
        asked.append(jobs)
        return real(model, batches, jobs, pool_after, explain, **rest)

    monkeypatch.setattr(parallel, "predict_batches", spy)
    result = run("classify", "--jobs", "0", "--model", str(small_model_path), input='{"id": 1, "text": "hello"}\n')
    assert result.exit_code == 0, result.stderr
    assert asked == [len(os.sched_getaffinity(0))]
    assert run("classify", "--jobs", "-1", input="").exit_code == 2


def test_jobs_default_to_one_per_core_past_10000_posts_and_print_what_one_process_prints(
    small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smclass.run import parallel

    pools: list[int] = []

    class CountedPool(parallel.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "cores", lambda: 2)  # the pool starts even where CI has one core
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", CountedPool)
    small = run("classify", "--model", str(small_model_path), input='{"id": 1, "text": "hello"}\n')
    assert small.exit_code == 0, small.stderr
    assert pools == []
    texts = ["flight delayed again", "we need volunteers at the shelter", "BREAKING: bridge closed", "lol same"]
    data = "".join(json.dumps({"text": f"{texts[i % 4]} {i}"}) + "\n" for i in range(parallel.POOL_AFTER_POSTS + 2500))
    default = run("classify", "--model", str(small_model_path), input=data)
    assert default.exit_code == 0, default.stderr
    assert pools == [2]
    single = run("classify", "--jobs", "1", "--model", str(small_model_path), input=data)
    assert pools == [2]
    assert default.stdout == single.stdout
    assert len(default.stdout.splitlines()) == parallel.POOL_AFTER_POSTS + 2500


def test_jobs_takes_a_count_or_auto(small_model_path: Path) -> None:
    assert run("classify", "--jobs", "auto", "--model", str(small_model_path), input='{"text": "hi"}\n').exit_code == 0
    result = run("classify", "--jobs", "many", "--model", str(small_model_path), input="")
    assert result.exit_code == 2
    assert result.stderr == "Error: --jobs: expected a number of workers or 'auto', got 'many'\n"


@pytest.mark.parametrize("total_bytes", [None, 1000])
def test_progress_bar_shows_posts_per_second_and_an_eta_when_the_size_is_known(total_bytes: int | None) -> None:
    # Only shown on a terminal; drive it on a fake one so a rendering error cannot hide there.
    import io

    from rich.console import Console

    from smclass.cli.progress import _progress

    screen = io.StringIO()
    read = iter(range(100, 1100, 100))
    console = Console(file=screen, force_terminal=True, width=150)
    with _progress("classifying", True, total_bytes=total_bytes, position=lambda: next(read), console=console) as bar:
        for _ in range(10):
            bar.advance(250)
            bar._progress.refresh()
    shown = screen.getvalue()
    assert "2,500 posts" in shown
    assert "posts/s" in shown
    assert ("ETA" in shown) == (total_bytes is not None)
    assert ("100%" in shown) == (total_bytes is not None)


def test_a_note_while_the_progress_bar_is_drawn_is_printed_above_it_not_on_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    # Written past the bar, a note began on the bar's own line: "... 0 posts/s 0:00:00skipped x.jsonl:12: ...".
    import importlib
    import io

    from rich.console import Console

    from smclass.cli.progress import _progress

    screen = io.StringIO()
    with _progress("classifying", True, console=Console(file=screen, force_terminal=True, width=150)) as bar:
        bar._progress.refresh()
        importlib.import_module("smclass.cli.app")._note("skipped x.jsonl:12: invalid JSON [bold]:smile:")
    assert "\r\x1b[2Kskipped x.jsonl:12: invalid JSON [bold]:smile:\n" in screen.getvalue()
    assert capsys.readouterr().err == ""


def _on_a_terminal(command: list[str], results: Path | None) -> str:
    """What ``command`` draws on a terminal that is its stderr, and its stdout unless ``results`` names a file."""
    import os
    import pty
    import subprocess

    env = {**{k: v for k, v in os.environ.items() if k != "CI"}, "TERM": "xterm"}
    master, terminal = pty.openpty()
    with open(results or os.devnull, "wb") as out:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=terminal if results is None else out, stderr=terminal, env=env)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal's other end is closed: the command is done
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert process.wait(timeout=120) == 0
    return shown.decode("utf-8")


def test_results_on_a_terminal_are_not_drawn_over_by_the_progress_bar(tmp_path: Path, small_model_path: Path) -> None:
    # On one terminal, the bar's text stood before a result: "classifying ━━━ 0% ... ETA -:--:--{"id":0,...}".
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps({"id": i, "text": f"our street party is on saturday {i}"}) + "\n" for i in range(300)), "utf-8")
    command = [sys.executable, "-m", "smclass", "classify", str(posts), "-m", str(small_model_path), "--jobs", "1"]
    shown = _on_a_terminal(command, None)
    assert "classifying" not in shown
    assert [json.loads(line)["id"] for line in shown.splitlines() if line.startswith("{")] == list(range(300))
    # Results going elsewhere still leave the terminal its bar.
    assert "classifying" in _on_a_terminal(command, tmp_path / "out.jsonl")
    assert len((tmp_path / "out.jsonl").read_text("utf-8").splitlines()) == 300


def test_training_progress_shows_time_but_no_post_counts() -> None:
    import io

    from rich.console import Console

    from smclass.cli.progress import _progress

    screen = io.StringIO()
    with _progress("training", True, console=Console(file=screen, force_terminal=True, width=150), counts_posts=False) as bar:
        bar._progress.refresh()
    shown = screen.getvalue()
    assert "training" in shown
    assert "posts" not in shown
    assert "0:00:00" in shown


def test_given_text_field_is_reported_as_given_even_when_the_first_records_are_unreadable(small_model_path: Path) -> None:
    data = "not json\nalso not json\n"
    result = run("classify", "-f", "jsonl", "--on-error", "skip", "--text-field", "body", "--model", str(small_model_path), input=data)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == "<stdin>: read as jsonl, text field 'body' (given), ids are record positions"
    assert result.stdout == ""


def test_read_position_follows_plain_files_and_knows_their_total(tmp_path: Path) -> None:
    from smclass.cli.progress import _ReadPosition

    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(b"x" * 300)
    second.write_bytes(b"y" * 200)
    reading = _ReadPosition([str(first), str(second)])
    assert reading.total == 500
    with first.open("rb", buffering=0) as handle:
        reading.opened(handle)
        handle.read(120)
        assert reading.position() == 120
    with second.open("rb", buffering=0) as handle:
        reading.opened(handle)
        handle.read(50)
        assert reading.position() == 350
    assert _ReadPosition(["-"]).total is None
    assert _ReadPosition([str(tmp_path)]).total is None
    archive = tmp_path / "posts.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.jsonl", '{"text": "hi"}\n')
    assert _ReadPosition([str(archive)]).total is None


@pytest.mark.parametrize("option", ["--explain", "--top-k"])
@pytest.mark.parametrize("output_format", ["csv", "table"])
def test_fields_a_format_cannot_hold_are_refused_not_dropped(small_model_path: Path, option: str, output_format: str) -> None:
    result = run("classify", "-", "--format", output_format, option, "2", "--model", str(small_model_path), input='{"text": "hi"}\n')
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {option} goes with --format jsonl (--format {output_format} has no column for it)\n"


def test_stdin_on_a_terminal_says_it_waits_for_posts_typed_there(small_model_path: Path) -> None:
    # `smclass classify` with nothing piped in waited on the keyboard without a word, which looked like a hang.
    import os
    import pty
    import select
    import subprocess
    import time

    master, terminal = pty.openpty()
    command = [sys.executable, "-m", "smclass", "classify", "-m", str(small_model_path)]
    process = subprocess.Popen(command, stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(terminal)
    assert process.stderr is not None
    try:
        # Said before it waits, with nothing typed yet.
        assert select.select([process.stderr], [], [], 60)[0], "nothing said while waiting on the terminal"
        said = process.stderr.readline()
        assert said == b"<stdin> is the terminal: reading posts typed or pasted here, one a line; end with Ctrl-D (or name a file)\n"
        os.write(master, b"our street party is on saturday\n")
        time.sleep(0.5)  # the line read, then Ctrl-D on an empty line: the end of the input
        os.write(master, b"\x04")
        out, _ = process.communicate(timeout=120)
    finally:
        process.kill()
        os.close(master)
    assert process.returncode == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [1]


def test_classify_table_shows_confidence_and_probabilities_to_the_places_of_the_json_lines(small_model_path: Path) -> None:
    # With two places, a confidence of 0.8964 withheld by --threshold 0.9 had shown as 0.90.
    rows = '{"id": "a", "text": "where is my refund, third email this week"}\n'
    args = ("classify", "-", "-q", "--proba", "--model", str(small_model_path))
    line = lines(run(*args, input=rows).stdout)[0]
    cells = run(*args, "--format", "table", input=rows).stdout.splitlines()[2].split()
    assert cells[2:] == [f"{line['confidence']:.4f}", *(f"{p:.4f}" for p in line["probabilities"].values())]
    assert any(len(str(p).split(".")[-1]) > 2 for p in [line["confidence"], *line["probabilities"].values()])


def test_jobs_beside_a_scheduler_is_refused_as_it_would_be_dropped(small_model_path: Path, tmp_path: Path) -> None:
    # The cluster behind a scheduler runs its own workers: --jobs 3 had been dropped unsaid.
    args = ("classify", "-", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "-o", str(tmp_path / "out"), "--jobs", "3")
    result = run(*args, "--model", str(small_model_path), input='{"id": 1, "text": "hello"}\n')
    said = "Error: --jobs 3 starts local workers: a --scheduler's cluster runs its own; leave out --jobs\n"
    assert (result.exit_code, result.stderr) == (2, said)
