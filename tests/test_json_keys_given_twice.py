"""A JSON record that gives a field its plan reads twice says so: a parser keeps the last value, a guess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.reading.plan import ReadOptions
from smclass.reading.posts import read_posts

runner = CliRunner()

LINES = [
    '{"id": "1", "text": "first words", "text": "other words"}',
    '{"id": "2", "id": "7", "text": "our food drive starts saturday"}',
    # A repeat of a field no plan reads, and a text inside a nested object, are let be.
    '{"id": "3", "text": "our food drive starts saturday", "note": "a", "note": "b"}',
    '{"id": "4", "text": "our food drive starts saturday", "user": {"text": "a bio"}}',
]


def _written(tmp_path: Path, fmt: str) -> Path:
    if fmt == "jsonl":
        path = tmp_path / "posts.jsonl"
        path.write_text("\n".join(LINES) + "\n")
    else:
        path = tmp_path / "posts.json"
        path.write_text("[\n" + ",\n".join(LINES) + "\n]\n")
    return path


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_a_json_record_giving_its_text_or_id_twice_gets_a_null_label_with_the_reason(
    small_model_path: Path, tmp_path: Path, fmt: str
) -> None:
    path = _written(tmp_path, fmt)
    done = runner.invoke(app, ["classify", str(path), "--model", str(small_model_path), "-q"])
    assert done.exit_code == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert out[:2] == [
        {"id": "1", "label": None, "confidence": None, "reason": "'text' is given twice in this record"},
        {"id": None, "position": 2, "label": None, "confidence": None, "reason": "'id' is given twice in this record"},
    ]
    assert [(o["id"], o["label"] is not None) for o in out[2:]] == [("3", True), ("4", True)]


def test_read_posts_gives_the_reason_for_a_text_given_twice(tmp_path: Path) -> None:
    got = [(p["id"], p.get("position"), p["text"], p["reason"]) for p in read_posts([str(_written(tmp_path, "jsonl"))], ReadOptions())]
    assert got == [
        ("1", None, None, "'text' is given twice in this record"),
        (None, 2, None, "'id' is given twice in this record"),
        ("3", None, "our food drive starts saturday", None),
        ("4", None, "our food drive starts saturday", None),
    ]


def test_training_on_a_record_whose_label_is_given_twice_stops_at_its_line(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text(
        '{"text": "our food drive starts saturday", "label": "Personal"}\n{"text": "a new post", "label": "Personal", "label": "News"}\n'
    )
    done = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "--cv", "0"])
    assert done.exit_code == 1
    assert done.stderr.splitlines()[-1] == f"Error: {data}:2: 'label' is given twice in this record"
    assert not (tmp_path / "m.npz").exists()


def test_a_name_that_is_also_a_value_or_a_nested_key_is_told_from_a_repeat(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    lines = [
        '{"id": "5", "type": "text", "text": "the harbour walk is open again"}',
        '{"id": "6", "text": "a", "user": {"text": "a bio"}, "text": "b"}',
        '{"id": "7", "text": "the harbour walk is open again", "quoted": {"text": "x", "text": "y"}}',
    ]
    path.write_text("\n".join(lines) + "\n")
    got = [(p["id"], p["reason"]) for p in read_posts([str(path)], ReadOptions())]
    assert got == [("5", None), ("6", "'text' is given twice in this record"), ("7", None)]


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        # The record's own full_text, read over its text; and a fallback field where the plan's is missing.
        (['{"id": 1, "text": "cut tweet…"}', '{"id": 2, "text": "cut…", "full_text": "whole", "full_text": "other whole"}'], "full_text"),
        (['{"id": 1, "text": "a post about the flood"}', '{"id": 2, "body": "first words", "body": "other words"}'], "body"),
    ],
)
def test_the_field_a_record_is_read_from_instead_of_the_plans_is_watched_too(
    small_model_path: Path, tmp_path: Path, lines: list[str], field: str
) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n")
    done = runner.invoke(app, ["classify", str(path), "--model", str(small_model_path), "-q"])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[1])["reason"] == f"'{field}' is given twice in this record"
    assert [p["reason"] for p in read_posts([str(path)], ReadOptions())][1] == f"'{field}' is given twice in this record"


def test_the_first_step_of_a_dotted_text_field_given_twice_is_said(tmp_path: Path) -> None:
    path = tmp_path / "tweets.jsonl"
    lines = [
        '{"id": 1, "text": "cut", "extended_tweet": {"full_text": "the whole"}, "extended_tweet": {"full_text": "another whole"}}',
        '{"id": 2, "text": "cut two", "extended_tweet": {"full_text": "fine one"}}',
    ]
    path.write_text("\n".join(lines) + "\n")
    got = [(p["id"], p["reason"]) for p in read_posts([str(path)], ReadOptions())]
    assert got == [(1, "'extended_tweet' is given twice in this record"), (2, None)]


@pytest.mark.parametrize(
    ("document", "line", "name"),
    [
        ('{"id": "1", "text": "a sale on shoes today",\n "text": "my cat slept all day"}', 2, "text"),
        ('{"data": [{"text": "first words"}],\n "data": [{"text": "other words"}]}', 2, "data"),
    ],
)
def test_a_json_document_giving_a_member_twice_with_different_values_is_refused(
    small_model_path: Path, tmp_path: Path, document: str, line: int, name: str
) -> None:
    path = tmp_path / "one.json"
    path.write_text(document)
    done = runner.invoke(app, ["classify", str(path), "-m", str(small_model_path), "-q"])
    assert done.exit_code == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"Error: {path}:{line}: the object gives {name!r} twice, with different values: which one is meant would be a guess"
    ]


def test_a_json_document_repeating_a_member_with_the_same_value_is_read(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text('{"id": "9", "id": "9", "text": "our food drive starts saturday"}')
    done = runner.invoke(app, ["classify", str(path), "-m", str(small_model_path), "-q"])
    assert done.exit_code == 0
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["9"]
