"""The public Python API: smclass.load, Model.classify, Model.classify_frame, smclass.read."""

from __future__ import annotations

import csv
import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import smclass
from smclass.errors import InputError, ReadWarning, UsageError
from smclass.labels import LABELS


@pytest.fixture(scope="module")
def model(small_model_path: Path) -> smclass.Model:
    return smclass.load(small_model_path)


def test_classify_gives_one_prediction_per_text_and_none_for_blank_texts(model: smclass.Model) -> None:
    predictions = model.classify(["RT @newsdesk: Parliament passes the budget after a late vote", "   ", None])
    assert len(predictions) == 3
    assert predictions[0].label in LABELS
    assert predictions[0].confidence == max(predictions[0].probabilities.values())
    assert sum(predictions[0].probabilities.values()) == pytest.approx(1.0)
    assert predictions[1] == predictions[2] == smclass.Prediction(None, None, None)


def test_classify_agrees_with_the_command_line(model: smclass.Model, small_model_path: Path) -> None:
    texts = ["@SkyAir my bag is lost again, third time this year", "Team: the Q3 review moved to Thursday 10am, room 4B"]
    lines = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    done = subprocess.run(
        [sys.executable, "-m", "smclass", "classify", "--model", str(small_model_path), "-q"],
        input=lines, capture_output=True, text=True, check=True,
    )  # fmt: skip
    cli = [json.loads(line) for line in done.stdout.splitlines()]
    api = model.classify(texts)
    assert [c["label"] for c in cli] == [p.label for p in api]
    assert [c["confidence"] for c in cli] == [round(p.confidence, 4) for p in api]


def test_classify_frame_adds_label_confidence_and_probabilities(model: smclass.Model) -> None:
    frame = pd.DataFrame({"body": ["Donate blood at the town hall on Saturday, every pint counts", None], "n": [1, 2]})
    out = model.classify_frame(frame, text="body", proba=True)
    assert list(out.columns) == ["body", "n", "label", "confidence", *[f"p_{label}" for label in model.labels]]
    assert out["label"].iloc[0] in LABELS
    assert pd.isna(out["label"].iloc[1]) and pd.isna(out["confidence"].iloc[1])
    assert "label" not in frame.columns  # the caller's frame is left as it was


def test_classify_frame_names_the_columns_when_the_text_column_is_missing(model: smclass.Model) -> None:
    with pytest.raises(UsageError, match="no column 'text' in the frame \\(columns: body\\)"):
        model.classify_frame(pd.DataFrame({"body": ["hi"]}))


def test_classify_frame_refuses_a_frame_with_two_text_columns(model: smclass.Model) -> None:
    frame = pd.DataFrame([["lost my bag", "bio"]], columns=["text", "text"])
    with pytest.raises(UsageError, match=r"^the frame has 2 columns named 'text': rename all but one$"):
        model.classify_frame(frame)


def test_classify_refuses_one_string_and_values_that_are_not_text(model: smclass.Model) -> None:
    with pytest.raises(UsageError, match=r"classify takes a list of texts, not one text: model\.classify\(\[text\]\)"):
        model.classify("a single string")
    with pytest.raises(UsageError, match=r"texts\[1\]: expected text or None, got int"):
        model.classify(["fine", 5])


@pytest.mark.parametrize("texts, kind", [(None, "NoneType"), ({"a post": 1}, "dict"), (5, "int")])
def test_classify_refuses_what_is_no_list_of_texts_with_the_librarys_own_error(model: smclass.Model, texts: object, kind: str) -> None:
    # A dict was classified by its keys; None or a number raised a bare TypeError.
    with pytest.raises(UsageError, match=rf"^classify takes a list of texts, not {kind}: "):
        model.classify(texts)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [-1, 0, "2", 2.0, True])
def test_classify_refuses_a_batch_size_under_one_or_no_whole_number(model: smclass.Model, size: object) -> None:
    # -1 had given every readable text label None, with no reason; 0 and "2" raised bare Python errors.
    with pytest.raises(UsageError, match=rf"^batch_size must be a whole number of at least 1, got {re.escape(repr(size))}$"):
        model.classify(["hello world"], batch_size=size)  # type: ignore[arg-type]


@pytest.mark.parametrize("frame, kind", [([{"text": "a"}], "list"), (pd.Series(["a"], name="text"), "Series")])
def test_classify_frame_refuses_what_is_no_data_frame_with_the_librarys_own_error(model: smclass.Model, frame: object, kind: str) -> None:
    with pytest.raises(UsageError, match=rf"^classify_frame takes a pandas DataFrame, not {kind}: pd\.DataFrame\(\.\.\.\) first$"):
        model.classify_frame(frame)


def test_load_refuses_what_is_no_path_with_the_librarys_own_error() -> None:
    with pytest.raises(UsageError, match=r"^load takes a model's path or a bundled model's name, not int$"):
        smclass.load(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options, error",
    [
        ({"delimiter": "ab"}, "delimiter takes one character, or 'tab' (got 'ab')"),
        ({"input_format": "tsv", "delimiter": ";"}, "input_format tsv is tab-delimited: delimiter ';' says otherwise (use csv with it)"),
        ({"text_field": " "}, "text_field is empty: name a field (an unset shell variable?)"),
    ],
)
def test_read_checks_its_options_as_the_command_does(tmp_path: Path, options: dict[str, str], error: str) -> None:
    path = tmp_path / "posts.tsv"
    path.write_text("id\ttext\n1\thello there\n", encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(error)):
        list(smclass.read(path, **options))
    assert [post["text"] for post in smclass.read(path, delimiter="tab")] == ["hello there"]


def test_classify_frame_refuses_columns_it_would_overwrite_and_cells_that_are_not_text(model: smclass.Model) -> None:
    reference = pd.DataFrame({"text": ["hello there"], "label": ["Media"], "confidence": ["high"]})
    with pytest.raises(UsageError, match="the frame already has the columns label, confidence: rename them"):
        model.classify_frame(reference)
    with pytest.raises(UsageError, match="column 'text', row 'b': expected text, got int"):
        model.classify_frame(pd.DataFrame({"text": ["fine", 7]}, index=["a", "b"]))
    assert pd.isna(model.classify_frame(pd.DataFrame({"text": ["fine", float("nan")]}))["label"].iloc[1])


def test_read_takes_the_sqlite_table_or_query_the_command_takes(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "t.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE posts (id TEXT, text TEXT)")
        db.execute("CREATE TABLE users (id TEXT, name TEXT)")
        db.execute("INSERT INTO posts VALUES ('p1', 'first post'), ('p2', 'second post')")
    db.close()
    assert [p["id"] for p in smclass.read(path, table="posts")] == ["p1", "p2"]
    assert [p["text"] for p in smclass.read(path, query="SELECT * FROM posts WHERE id = 'p2'")] == ["second post"]


def test_read_yields_posts_with_id_source_and_text_from_any_input(fixtures: Path) -> None:
    posts = list(smclass.read(fixtures / "exports" / "slack"))
    assert posts[0]["id"] == "general/1684000000.000100"
    assert posts[0]["source"].endswith("general/2023-05-13.json")
    assert posts[0]["text"] == "reminder: all-hands moved to 3pm, same room"
    assert pd.DataFrame(posts)["source"].nunique() == 3


def test_read_plans_the_fields_of_each_file_of_a_folder_on_its_own(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"post_id": "a1", "body": "first file"}\n')
    (tmp_path / "b.jsonl").write_text('{"tweet_id": "b1", "text": "second file"}\n')
    assert [(p["id"], p["text"]) for p in smclass.read(tmp_path)] == [("a1", "first file"), ("b1", "second file")]


def test_read_raises_the_error_of_an_unreadable_record(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"text": \n')
    with pytest.raises(InputError, match=r"bad\.jsonl:2: invalid JSON"):
        list(smclass.read(path))


def test_read_takes_long_fields_and_leaves_the_csv_modules_field_limit_as_the_program_set_it(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("id,text\n1," + "x" * 200_000 + "\n2,short\n")
    before = csv.field_size_limit(1_000)
    try:
        texts = [post["text"] for post in smclass.read(path)]
        after = csv.field_size_limit()
    finally:
        csv.field_size_limit(before)
    # Before, smclass's first read set the limit to 2**31 - 1 for the whole process, and a program that set its own made
    # smclass refuse the long post: "long.csv:2: invalid CSV (field larger than field limit (1000))".
    assert ([len(text) for text in texts], after) == ([200_000, 5], 1_000)


def test_only_the_public_names_are_exported() -> None:
    assert sorted(smclass.__all__) == ["LABELS", "Model", "Prediction", "__version__", "load", "read"]
    assert smclass.LABELS == LABELS


def test_a_model_pickles_for_multiprocessing_and_classifies_the_same(model: smclass.Model) -> None:
    texts = ["@SkyAir my bag is lost again, third time this year", "Volunteers wanted at the shelter this weekend"]
    first = model.classify(texts)  # in a notebook, a model is used before it is handed to a pool: its caches are filled
    copy = pickle.loads(pickle.dumps(model))
    assert copy.classify(texts) == first
    assert (copy.path, copy.card, copy.labels) == (model.path, model.card, model.labels)


def test_a_model_shows_as_its_path_and_labels_not_its_arrays(model: smclass.Model) -> None:
    assert repr(model) == f"Model(path={str(model.path)!r}, labels={model.labels!r})"


def test_two_loads_of_a_model_compare_as_two_objects_without_an_error(model: smclass.Model, small_model_path: Path) -> None:
    again = smclass.load(small_model_path)
    assert model == model and model != again
    assert len({model, again}) == 2


def test_classify_refuses_a_numpy_array_of_one_text_with_the_librarys_own_error(model: smclass.Model) -> None:
    with pytest.raises(UsageError, match=r"classify takes a list of texts, not ndarray"):
        model.classify(np.array("Volunteers wanted at the shelter this weekend"))


def test_classify_frame_refuses_a_list_of_column_names_with_the_librarys_own_error(model: smclass.Model) -> None:
    with pytest.raises(UsageError, match=r"text names one column of the frame, not list"):
        model.classify_frame(pd.DataFrame({"body": ["Volunteers wanted at the shelter"]}), text=["body"])  # type: ignore[arg-type]


@pytest.mark.parametrize("option", ["text_field", "id_field", "delimiter", "table", "query", "encoding"])
def test_read_refuses_an_option_that_is_no_text_with_the_librarys_own_error(tmp_path: Path, option: str) -> None:
    path = tmp_path / "posts.csv"
    path.write_text("id,text\n1,The bus was late again\n")
    with pytest.raises(UsageError, match=rf"^{option} takes text, not list"):
        list(smclass.read(path, **{option: ["text"]}))


def test_read_refuses_a_list_of_paths_rather_than_call_it_a_missing_file(tmp_path: Path) -> None:
    paths = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for path in paths:
        path.write_text("id,text\n1,The bus was late again\n")
    with pytest.raises(UsageError, match=r"read takes the path of one input .*, not list: itertools\.chain"):
        list(smclass.read(paths))  # type: ignore[arg-type]


def test_read_warns_of_what_it_passed_over_and_hands_every_note_to_notify(tmp_path: Path) -> None:
    # A notebook had read a folder without its skipped files, and UTF-8 as cp1252, without a word.
    import warnings

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "posts.jsonl").write_text('{"id": 1, "text": "Café opens at nine, come along"}\n', encoding="utf-8")
    (folder / "flyer.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    with pytest.warns(ReadWarning) as caught:
        posts = list(smclass.read(folder, encoding="cp1252"))
    assert [p["text"] for p in posts] == ["CafÃ© opens at nine, come along"]  # read as asked
    said = sorted(str(w.message) for w in caught)
    assert any(
        s.endswith(
            "posts.jsonl: its first bytes are UTF-8 text ('Café'), which --encoding cp1252 reads as 'CafÃ©': "
            "leave out --encoding if it is UTF-8"
        )
        for s in said
    )
    assert any(s.startswith("skipped 1 attachment") for s in said)
    # How a file was read is no loss: not warned of, but handed to notify with the rest.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReadWarning)
        assert len(list(smclass.read(folder / "posts.jsonl"))) == 1
    notes: list[str] = []
    list(smclass.read(folder, notify=notes.append))
    assert any(": read as json" in note for note in notes) and any(note.startswith("skipped 1 attachment") for note in notes)


def test_classify_reads_a_pandas_series_with_gaps_as_posts_with_no_text_there(model: smclass.Model) -> None:
    texts = pd.Series(["Parliament passes the budget after a late vote", np.nan, "Gloves for the canal clean-up #CleanCanal", pd.NA])
    # Before, the NaN pandas writes for a missing cell was refused: "texts[1]: expected text or None, got float".
    predictions = model.classify(texts)
    assert predictions[1] == predictions[3] == smclass.Prediction(None, None, None)
    assert [p.label for p in predictions[::2]] == [p.label for p in model.classify(list(texts[::2]))]


def test_predict_proba_refuses_what_is_no_text_with_the_librarys_own_error(model: smclass.Model) -> None:
    # Before, None stopped deep in the features: AttributeError: 'NoneType' object has no attribute 'isascii'.
    with pytest.raises(UsageError, match=r"texts\[1\]: expected text, got NoneType \(classify gives a missing text no label\)"):
        model.predict_proba(["fine", None])
    with pytest.raises(UsageError, match=r"predict_proba takes a list of texts, not str"):
        model.predict_proba("a single string")
    assert model.predict_proba(np.array(["one post", "another post"])).shape == (2, len(model.labels))
