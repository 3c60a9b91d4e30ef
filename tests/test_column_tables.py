"""A JSON table that a notebook wrote column by column or keyed by row is refused with the jq line that makes rows of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.reading import json_window

runner = CliRunner()

TEXTS = ["the bakery on fifth opens at seven", "we fixed the login bug before lunch", "march with us for the river cleanup"]
IDS = ["b1", "b2", "b3"]
AUTHORS = ["kim", "lee", None]

BY_COLUMNS = "jq -c '. as $t | .[keys_unsorted[0]] | keys_unsorted[] as $i | {index: $i} + ($t | map_values(.[$i]))' FILE"
BY_ROWS = "jq -c 'to_entries[] | {index: .key} + .value' FILE"
BY_LISTS = "jq -c '. as $t | range(.text | length) as $i | $t | map_values(if type == \"array\" then .[$i] else . end)' FILE"
WRITE = "| smclass classify -, or write it with df.to_json(FILE, orient='records', lines=True)"


def classify(model: Path, *args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def by_columns() -> dict[str, dict[str, object]]:
    # As pandas' to_json writes a frame by default, and json.dump of df.to_dict().
    columns = {"id": IDS, "text": TEXTS, "author": AUTHORS}
    return {name: {str(row): value for row, value in enumerate(values)} for name, values in columns.items()}


def test_a_frame_written_column_by_column_is_refused_not_read_as_one_post(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "frame.json"
    path.write_text(json.dumps(by_columns()))
    for args in ([str(path)], [str(path), "--text-field", "text.0"]):
        result = classify(small_model_path, *args)
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr.splitlines()[-1] == (
            f"Error: {path}:1: a table written column by column (pandas' to_json or json.dump of df.to_dict()): its member 'text' "
            f"holds the texts of 3 rows, keyed by row ('0', '1', '2'), not one post: make rows of it with jq, {BY_COLUMNS} {WRITE}"
        )


def test_a_frame_written_row_by_row_keyed_by_its_index_is_refused(small_model_path: Path) -> None:
    rows = {key: {"text": text, "author": author} for key, text, author in zip(IDS, TEXTS, AUTHORS, strict=True)}
    result = classify(small_model_path, input=json.dumps(rows, indent=2))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        "Error: <stdin>:1: posts keyed by their row ('b1', 'b2', 'b3'), as pandas' to_json(orient='index') or json.dump of "
        f"df.to_dict('index') writes them, not one post: take them out with jq, {BY_ROWS} {WRITE}"
    )


@pytest.mark.parametrize("spooled", [False, True])
def test_lists_of_a_frame_are_refused_not_read_as_posts_without_their_ids(
    small_model_path: Path, monkeypatch: pytest.MonkeyPatch, spooled: bool
) -> None:
    if spooled:
        monkeypatch.setattr(json_window, "HELD", -1)  # every list waits in a temporary file, as a long one does
    result = classify(small_model_path, input=json.dumps({"id": IDS, "text": TEXTS, "author": AUTHORS}))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        "Error: <stdin>:1: a table written column by column (json.dump of df.to_dict('list'), or a Series' to_json(orient='split')): "
        "its lists 'id', 'text', 'author' hold 3 values each, a row's values at one place in every list: read as posts, its texts "
        f"would lose their ids and other columns: make rows of it with jq, {BY_LISTS} {WRITE}"
    )


@pytest.mark.parametrize(
    "document",
    [
        {"title": "my saved drafts", "posts": TEXTS, "tags": ["bakery", "work"]},  # lists of other lengths
        {"posts": TEXTS[:1], "tags": ["bakery"]},  # one text beside one tag: a post as likely as a row
        {"posts": [{"id": i, "text": t} for i, t in zip(IDS, TEXTS, strict=True)], "authors": AUTHORS},  # posts as objects
        {"id": "b1", "text": TEXTS[0], "user": {"name": "kim"}, "place": {"name": "fifth street"}},  # one post
        {"tweet": {"id_str": "7", "full_text": TEXTS[0]}, "note": {"text": "seen"}},  # an entry of an X archive, read as one
    ],
)
def test_a_list_of_posts_beside_other_lists_or_objects_is_read_as_before(small_model_path: Path, document: object) -> None:
    result = classify(small_model_path, input=json.dumps(document))
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) >= 1


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"post": {"title": "our bake sale", "body": TEXTS[0]}}, "post.body"),
        ({"post": {"the body": TEXTS[0]}}, "'post.the body'"),
        ({"text": {"b1": TEXTS[0], "b2": TEXTS[1]}}, "text.b1"),  # a lone member keyed by other than pandas' row numbers
    ],
)
def test_a_post_whose_text_is_nested_keeps_its_hint(small_model_path: Path, document: dict[str, object], path: str) -> None:
    # An object keyed by field names is a post's, not a column: --text-field reads it.
    result = classify(small_model_path, input=json.dumps(document))
    said = f"field {next(iter(document))!r}: expected text, got an object; the text may be at --text-field {path}"
    assert result.stderr.splitlines()[-1] == f"Error: <stdin>:1: {said}"


def test_a_frame_written_as_split_lists_is_refused_with_the_jq_line_that_makes_rows(small_model_path: Path) -> None:
    # pandas' to_json(orient='split'): it had stopped at "expected a JSON object, got an array", naming no line or way out.
    split = {"columns": ["id", "text"], "index": [0, 1, 2], "data": [[key, text] for key, text in zip(IDS, TEXTS, strict=True)]}
    result = classify(small_model_path, input=json.dumps(split))
    assert (result.exit_code, result.stdout) == (1, "")
    jq = "jq -c '.columns as $c | .data[] | [$c, .] | transpose | map({(.[0]): .[1]}) | add' FILE"
    assert result.stderr.splitlines()[-1] == (
        "Error: <stdin>:1: a table of rows written as lists under their column names ('id', 'text'), as pandas' to_json(orient='split') "
        f"or json.dump of df.to_dict('split') writes it, not posts: make rows of it with jq, {jq} {WRITE}"
    )


@pytest.mark.parametrize("keys", [["0", "1", "2"], IDS])
def test_a_series_of_texts_keyed_by_row_is_refused_not_read_as_one_record(small_model_path: Path, keys: list[str]) -> None:
    # Its error had asked for --text-field 0, which read the first text alone, exit 0.
    result = classify(small_model_path, input=json.dumps(dict(zip(keys, TEXTS, strict=True))))
    assert (result.exit_code, result.stdout) == (1, "")
    shown = ", ".join(repr(key) for key in keys)
    assert result.stderr.splitlines()[-1] == (
        f"Error: <stdin>:1: a column of texts keyed by row ({shown}), as pandas' to_json writes a Series, not one post: make rows "
        "of it with jq, jq -c 'to_entries[] | {index: .key, text: .value}' FILE | smclass classify -, or write it with "
        "series.to_frame('text').to_json(FILE, orient='records', lines=True)"
    )


def test_a_record_whose_fields_smclass_does_not_know_keeps_its_error(small_model_path: Path) -> None:
    result = classify(small_model_path, input=json.dumps({"name": "kim park", "bio": "I like trains a lot"}))
    assert result.stderr.splitlines()[-1] == "Error: <stdin>: no text field found (fields: name, bio); name it with --text-field"
