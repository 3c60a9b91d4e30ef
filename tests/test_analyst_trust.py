"""evaluate, train, audit and suggest keep their promises: a right answer or one error line, early, in bounded memory."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from smclass.analyst import audit as audit_lib
from smclass.analyst import report as report_lib
from smclass.analyst import suggest as suggest_lib
from smclass.cli import app
from smclass.errors import DataError, UsageError
from smclass.model import dataset, evaluation
from smclass.model import files as model_lib
from smclass.model import training as training_lib

from .conftest import corpus_rows, stratified_slice

runner = CliRunner()

# Invented posts, six of each label: enough to train, evaluate and audit in a test.
POSTS = {
    "Media": [
        "Breaking: city council passes the new transit budget tonight",
        "Our reporters are live at the flood site, updates every hour",
        "New episode of the morning podcast is out now, listen here",
        "Headline: election turnout hits a ten year high",
        "Tonight at nine, an interview with the mayor on housing",
        "Read our investigation into the water contracts, link in bio",
    ],
    "Customer": [
        "@ShopCo my order never arrived and nobody answers the chat",
        "Third time my flight got cancelled, I want a refund now",
        "Why is my bill twice what it was last month @PowerGrid",
        "The app keeps crashing when I try to pay, please fix it",
        "Waited forty minutes on hold with the bank again",
        "My package was left in the rain and the box is soaked",
    ],
    "Enterprise": [
        "We are hiring senior engineers, apply through our careers page",
        "Proud to announce our partnership with a leading logistics firm",
        "Our quarterly results beat expectations, thanks to our team",
        "Join our webinar on cloud security next Tuesday",
        "Introducing our new product line for small businesses",
        "Read the roadmap for our platform in the new blog post",
    ],
    "Personal": [
        "Had the best pancakes with my grandma this morning",
        "Cannot believe my little sister graduates tomorrow",
        "Rainy sunday, blanket, tea and a good book",
        "Finally ran my first 10k, legs are jelly",
        "Missing my friends from college so much tonight",
        "My cat knocked the plant off the shelf again",
    ],
    "Emergent": [
        "Volunteers needed at the food bank this Saturday, bring gloves",
        "Sign the petition to keep the library open, share widely",
        "Neighbours are organising a cleanup of the river bank, join us",
        "We are collecting blankets for the shelter, drop off at the hall",
        "March for clean air starts at noon by the fountain",
        "Mutual aid kitchen needs drivers for deliveries tomorrow",
    ],
}


def rows() -> list[dict[str, Any]]:
    return [{"id": f"p{i}", "text": text, "label": label} for i, (label, text) in enumerate(_pairs(), 1)]


def _pairs() -> list[tuple[str, str]]:
    return [(label, text) for label, texts in POSTS.items() for text in texts]


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def jsonl(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "labelled.jsonl", rows())


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training fails the test: what is checked here must be refused before it starts."""
    from smclass.model import training

    def trained(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("training started")

    monkeypatch.setattr(training, "train", trained)


def peak_kb(*args: str) -> int:
    """The peak memory of one smclass run, in KB, from a parent that starts nothing else."""
    code = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
        "assert done.returncode == 0, done.stderr.decode(); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "smclass", *args], capture_output=True, text=True, check=True)
    return int(done.stdout)


# evaluate


def test_evaluate_refuses_errors_on_stdout_where_the_scores_go(tmp_path: Path, labelled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for extra in ([], ["--json"]):
        result = run("evaluate", str(labelled), "--errors", "-", *extra)
        assert result.exit_code == 2
        assert result.stderr == "Error: --errors cannot be '-': the scores go to stdout; name a file for the misclassified posts\n"
        assert result.stdout == ""
        assert not (tmp_path / "-").exists()


def test_evaluate_of_a_stream_gives_the_scores_of_the_whole_list(labelled: Path, small_model_path: Path) -> None:
    model = model_lib.load(small_model_path)
    posts = list(dataset.iter_labelled([str(labelled)]))
    whole = evaluation.evaluate(model, [p.text for p in posts], [p.label for p in posts])
    wrong: list[tuple[str, str, float]] = []
    streamed = evaluation.evaluate_posts(
        model, iter(posts), on_wrong=lambda p, predicted, c: wrong.append((p.id, predicted, c)), batch_size=7
    )
    assert streamed == whole
    predicted, confidence = evaluation.predict(model, [p.text for p in posts])
    expected = [(p.id, label, c) for p, label, c in zip(posts, predicted, confidence, strict=True) if label != p.label]
    assert wrong == expected


def test_evaluate_hands_over_misclassified_posts_while_reading_goes_on(small_model_path: Path) -> None:
    model = model_lib.load(small_model_path)
    pulled = [0]
    first_wrong_at: list[int] = []

    def posts() -> Any:
        for i in range(10):
            for label, text in _pairs():
                pulled[0] += 1
                yield dataset.LabelledPost(text, "Media" if label != "Media" else "Customer", f"{i}-{text}", pulled[0], "mem")

    report = evaluation.evaluate_posts(model, posts(), on_wrong=lambda *_: first_wrong_at.append(pulled[0]), batch_size=30)
    assert report["posts"] == 300
    assert first_wrong_at[0] == 30  # the first batch, not the whole input


def test_evaluate_errors_file_is_left_as_it_was_when_a_later_record_is_bad(tmp_path: Path, small_model_path: Path) -> None:
    data = tmp_path / "labelled.jsonl"
    data.write_text(jsonl(rows() * 200) + '{"id": "bad", "text": \n', encoding="utf-8")
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text("earlier run\n", encoding="utf-8")
    result = run("evaluate", str(data), "--model", str(small_model_path), "--errors", str(wrong))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(f"Error: {data}:6001:")
    assert wrong.read_text(encoding="utf-8") == "earlier run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labelled.jsonl", "wrong.jsonl"]  # no temporary left


def test_evaluate_writes_each_misclassified_post_once_with_its_scores(labelled: Path, small_model_path: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.jsonl"
    result = run("evaluate", str(labelled), "--model", str(small_model_path), "--errors", str(wrong), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    written = [json.loads(line) for line in wrong.read_text(encoding="utf-8").splitlines()]
    assert len(written) == report["posts"] - sum(report["confusion_matrix"][i][i] for i in range(5))
    assert all(set(w) == {"id", "source", "given", "predicted", "confidence", "text"} for w in written)
    assert f"wrote {len(written)} misclassified posts to {wrong}" in result.stderr
    assert "30 labelled posts (Customer 6, Emergent 6, Enterprise 6, Media 6, Personal 6)" in result.stderr


def test_evaluate_memory_does_not_follow_the_input(tmp_path: Path, small_model_path: Path) -> None:
    small = write_jsonl(tmp_path / "small.jsonl", rows())
    big = tmp_path / "big.jsonl"
    padded = [dict(row, id=f"{row['id']}-{i}", note="x" * 200) for i in range(2000) for row in rows()]
    big.write_text(jsonl(padded), encoding="utf-8")  # 60,000 posts, about 17 MB
    base = peak_kb("evaluate", str(small), "--model", str(small_model_path), "-q", "--json")
    grown = peak_kb("evaluate", str(big), "--model", str(small_model_path), "-q", "--json", "--errors", str(tmp_path / "w.jsonl"))
    assert grown - base < 25_000, (base, grown)  # it grew by 120 MB when every record was kept


def test_a_label_field_missing_from_the_first_records_is_named_as_such(tmp_path: Path, small_model_path: Path) -> None:
    items = [{"text": f"post {i}"} for i in range(100)] + [{"text": "late", "label": "Media"}]
    data = write_jsonl(tmp_path / "late.jsonl", items)
    result = run("evaluate", str(data), "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: {data}: no field 'label' in the first 100 records (fields: text); name it with --label-field"
    )


# train


def test_train_refuses_stdin_for_both_posts_and_dev_before_training(labelled: Path, tmp_path: Path, no_training: None) -> None:
    out = tmp_path / "m.npz"
    result = run("train", "-", "--dev", "-", "--out", str(out), "--cv", "0", input=labelled.read_text(encoding="utf-8"))
    assert result.exit_code == 2
    assert result.stderr == "Error: stdin ('-') can be read only once: the posts to train on and --dev cannot both be '-'\n"
    assert not out.exists()


def test_train_refuses_a_missing_dev_file_before_training(labelled: Path, tmp_path: Path, no_training: None) -> None:
    missing = tmp_path / "nosuch.jsonl"
    result = run("train", str(labelled), "--dev", str(missing), "--out", str(tmp_path / "m.npz"), "--cv", "0")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {missing}: no such file"


def test_train_refuses_a_dev_file_with_a_bad_label_before_training(labelled: Path, tmp_path: Path, no_training: None) -> None:
    dev = write_jsonl(tmp_path / "dev.jsonl", [{"text": "a post", "label": "Newsy"}])
    result = run("train", str(labelled), "--dev", str(dev), "--out", str(tmp_path / "m.npz"), "--cv", "0")
    assert result.exit_code == 1
    expected = f"Error: {dev}:1: field 'label': unknown label 'Newsy' (expected one of Media, Customer, Enterprise, Personal, Emergent)"
    assert result.stderr.splitlines()[-1] == expected


def test_train_refuses_an_out_that_is_a_directory_before_training(labelled: Path, tmp_path: Path, no_training: None) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    result = run("train", str(labelled), "--out", str(folder), "--cv", "0")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {folder}: cannot write (Is a directory)"


def test_train_with_dev_from_stdin_scores_the_model_on_it(labelled: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.npz"
    result = run("train", str(labelled), "--dev", "-", "--out", str(out), "--cv", "0", input=labelled.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.stderr
    assert "on - (30 posts): macro-F1 " in result.stderr
    assert model_lib.load(out).card["dev"]["posts"] == 30


def test_train_says_what_it_passed_over_in_the_dev_file(labelled: Path, tmp_path: Path) -> None:
    # It had said "on dev.jsonl (30 posts)" of a file of 33 records, and nothing of the other 3.
    extra = [{"text": "", "label": "Media"}, {"text": "win a free phone", "label": "exclude"}, {"text": "spam spam", "label": "Exclude"}]
    dev = write_jsonl(tmp_path / "dev.jsonl", [*rows(), *extra])
    result = run("train", str(labelled), "--dev", str(dev), "--out", str(tmp_path / "m.npz"), "--cv", "0")
    assert result.exit_code == 0, result.stderr
    said = "--dev: 30 labelled posts (Customer 6, Emergent 6, Enterprise 6, Media 6, Personal 6); passed over 2 labelled exclude"
    assert f"{said}; passed over 1 with no text" in result.stderr.splitlines()


@pytest.mark.parametrize(
    ("command", "seed", "bound"),
    [("train", "-1", "greater than or equal to 0"), ("audit", "4294967296", "less than or equal to 4294967295")],
)
def test_a_seed_numpy_cannot_take_is_a_usage_error(labelled: Path, tmp_path: Path, command: str, seed: str, bound: str) -> None:
    # It had been "Error: internal error in 'smclass train': ... Seed must be between 0 and 2**32 - 1 — please report it", exit 1.
    out = ["--out", str(tmp_path / "m.npz")] if command == "train" else ["--base", "none"]
    result = run(command, str(labelled), *out, "--seed", seed)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: Invalid value for '--seed': Input should be {bound} (see ")


# audit


def test_audit_says_the_folds_that_really_run_and_why_fewer(labelled: Path) -> None:
    result = run("audit", str(labelled), "--folds", "20", "--base", "none", "-n", "1")
    assert result.exit_code == 0, result.stderr
    assert (
        "cross-validating on 30 posts in 6 folds (not 20: Customer, Emergent, Enterprise, Media, Personal have 6 posts each, "
        "and each fold must hold one of every label)"
    ) in result.stderr.splitlines()


def test_audit_says_what_it_passed_over_as_train_does(tmp_path: Path) -> None:
    extra = [{"id": "e1", "text": "", "label": "Media"}, {"id": "e2", "text": "[deleted]", "label": "Personal"}]
    data = write_jsonl(tmp_path / "with_empty.jsonl", [*rows(), *extra])
    result = run("audit", str(data), "--folds", "3", "--base", "none", "-n", "1")
    assert result.exit_code == 0, result.stderr
    assert (
        "30 labelled posts (Customer 6, Emergent 6, Enterprise 6, Media 6, Personal 6); passed over 2 with no text"
    ) in result.stderr.splitlines()


def test_audit_names_the_one_rarest_label_that_caps_the_folds() -> None:
    labels = ["Media"] * 9 + ["Emergent"] * 5 + ["Customer"] * 7
    assert audit_lib.fold_plan(labels, 8) == (5, "Emergent has 5 posts, and each fold must hold one of every label")
    assert audit_lib.fold_plan(labels, 5) == (5, None)
    with pytest.raises(DataError, match=r"^audit needs at least 4 posts of every label \(Emergent has 3\)$"):
        audit_lib.fold_plan(["Media"] * 9 + ["Emergent"] * 3, 5)


def test_audit_asked_for_as_many_folds_as_run_says_just_that(labelled: Path) -> None:
    result = run("audit", str(labelled), "--folds", "3", "--base", "none", "-n", "1")
    assert result.exit_code == 0, result.stderr
    assert "cross-validating on 30 posts in 3 folds" in result.stderr.splitlines()


def test_audit_names_by_label_the_labels_too_small_for_cleanlab_and_not_those_no_post_carries(
    tmp_path: Path, small_model_path: Path
) -> None:
    # cleanlab warned "May not flag all label issues in class: 1" and "class: 2": column numbers, and one of them
    # Enterprise, which no post carries and so holds no label to flag.
    audited = [r for r in rows() if r["label"] in ("Media", "Customer", "Personal")] + [rows()[-1]]
    result = run("audit", str(write_jsonl(tmp_path / "audited.jsonl", audited)), "--model", str(small_model_path))
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warned == ["warning: Emergent has 1 post: cleanlab may not flag every wrong label among so few"]


def test_audit_with_a_model_refuses_posts_of_one_label_as_cross_validation_does(tmp_path: Path, small_model_path: Path) -> None:
    # No fold plan checks the labels beside --model: cleanlab's "Labels must contain at least 2 classes" was an internal error.
    personal = write_jsonl(tmp_path / "personal.jsonl", [r for r in rows() if r["label"] == "Personal"])
    result = run("audit", str(personal), "--model", str(small_model_path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {personal}: audit needs posts of at least two labels (all 6 are Personal)"


# suggest


def test_suggest_says_how_many_posts_of_the_pool_had_no_text(tmp_path: Path, small_model_path: Path) -> None:
    pool = [{"id": i, "text": "" if i < 3 else f"post {i}: the new phone's battery lasts {i} hours"} for i in range(20)]
    result = run("suggest", str(write_jsonl(tmp_path / "pool.jsonl", pool)), "-n", "5", "--model", str(small_model_path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "suggested 5 of 20 posts (3 with no text passed over)"


def test_suggest_says_which_labels_its_model_never_gives(tmp_path: Path) -> None:
    # Its doubt is only among the labels the model has: nothing had said a model trained on 3 of them picked the posts.
    three = [r for r in rows() if r["label"] in ("Media", "Customer", "Personal")]
    model = model_lib.save(training_lib.train([r["text"] for r in three], [r["label"] for r in three], folds=0), tmp_path / "three.npz")
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": r["id"], "text": r["text"]} for r in rows()])
    result = run("suggest", str(pool), "-n", "2", "--model", str(model))
    assert result.exit_code == 0, result.stderr
    assert f"{model}: trained without posts labelled Enterprise, Emergent: no post gets those labels" in result.stderr.splitlines()


def test_evaluate_warns_of_an_errors_file_named_for_another_format(labelled: Path, small_model_path: Path, tmp_path: Path) -> None:
    # --errors wrong.csv got JSON lines, unsaid: a spreadsheet opens it as one column of JSON.
    for name, warned in (("wrong.csv", True), ("wrong.json", True), ("wrong.xlsx", True), ("wrong.jsonl", False), ("wrong", False)):
        result = run("evaluate", str(labelled), "--model", str(small_model_path), "--errors", str(tmp_path / name), "--json")
        assert result.exit_code == 0, result.stderr
        suffix = Path(name).suffix
        warning = f"warning: {tmp_path / name} ends in {suffix}, but --errors writes JSON lines (one object a line)"
        assert (warning in result.stderr.splitlines()) == warned, result.stderr


def test_evaluate_says_which_labels_its_model_never_gives(tmp_path: Path) -> None:
    # Recall 0 for Enterprise and Emergent read as the model's mistakes: nothing said it had no posts of them to learn from.
    three = [r for r in rows() if r["label"] in ("Media", "Customer", "Personal")]
    model = model_lib.save(training_lib.train([r["text"] for r in three], [r["label"] for r in three], folds=0), tmp_path / "three.npz")
    result = run("evaluate", str(write_jsonl(tmp_path / "labelled.jsonl", rows())), "--model", str(model))
    assert result.exit_code == 0, result.stderr
    assert f"{model}: trained without posts labelled Enterprise, Emergent: no post gets those labels" in result.stderr.splitlines()
    assert run("evaluate", str(tmp_path / "labelled.jsonl"), "--model", str(model), "-q").stderr == ""


def test_suggest_passes_over_posts_that_already_hold_a_label(tmp_path: Path, small_model_path: Path) -> None:
    # A sheet in progress as the pool: only what is left to label is offered, and no label is blanked.
    text = "post {}: the new phone's battery lasts {} hours"
    rows = [{"id": i, "text": text.format(i, i), "Label": "Customer" if i < 12 else " "} for i in range(20)]
    result = run("suggest", str(write_jsonl(tmp_path / "sheet.jsonl", rows)), "-n", "5", "--model", str(small_model_path))
    assert result.exit_code == 0, result.stderr
    assert all(json.loads(line)["id"] >= 12 for line in result.stdout.splitlines())
    assert result.stderr.splitlines()[-1] == "suggested 5 of 20 posts (12 with a label in 'label' passed over)"
    done = [{**row, "Label": "Customer"} for row in rows]
    result = run("suggest", str(write_jsonl(tmp_path / "done.jsonl", done)), "-n", "5", "--model", str(small_model_path))
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.splitlines()[-1] == (
        "no posts with text and no label in the pool (20 with a label in 'label'; --label-field names another field): nothing to suggest"
    )


def test_suggest_refuses_a_label_field_no_post_holds_rather_than_offer_labelled_posts_again(tmp_path: Path, small_model_path: Path) -> None:
    # A typo (--label-field lable) passed no post over: the sheet's labelled posts came back to be labelled, exit 0.
    rows = [{"id": i, "text": f"post {i}: the new phone's battery lasts {i} hours", "label": "Customer"} for i in range(6)]
    sheet = str(write_jsonl(tmp_path / "sheet.jsonl", rows))
    result = run("suggest", sheet, "-n", "3", "--label-field", "lable", "--model", str(small_model_path))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (
        "Error: no post holds --label-field 'lable' (fields: id, label, text), where 'label' holds labels: "
        "name the field of the posts' labels, or leave it out"
    )
    result = run("suggest", sheet, "-n", "3", "--label-field", "", "--model", str(small_model_path))
    assert (result.exit_code, result.stderr) == (2, "Error: --label-field is empty: name a field (an unset shell variable?)\n")
    # Not named, a pool with no label field at all is what suggest is for.
    pool = str(write_jsonl(tmp_path / "pool.jsonl", [{k: v for k, v in row.items() if k != "label"} for row in rows]))
    assert run("suggest", pool, "-n", "3", "--model", str(small_model_path)).exit_code == 0
    # Named, as a script names it from the first round on, before any post holds a label: a warning, not a refusal.
    first = run("suggest", pool, "-n", "3", "--label-field", "label", "--model", str(small_model_path))
    assert (first.exit_code, len(first.stdout.splitlines())) == (0, 3)
    assert "warning: no post holds --label-field 'label' (fields: id, text): no post is labelled yet, so every one was a candidate\n" in (
        first.stderr
    )


def test_suggest_warns_when_no_post_holds_label_but_another_field_holds_labels(tmp_path: Path, small_model_path: Path) -> None:
    # A sheet labelled in 'Type' with no --label-field: its labelled posts came back to be labelled again, exit 0, unsaid.
    rows = [{"id": i, "text": f"post {i}: the new phone's battery lasts {i} hours", "Type": "Customer" if i < 4 else ""} for i in range(8)]
    result = run("suggest", str(write_jsonl(tmp_path / "sheet.jsonl", rows)), "-n", "8", "--model", str(small_model_path))
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 8
    assert (
        "warning: no post holds a 'label' field (fields: Type, id, text), where 'Type' holds labels: "
        "its labelled posts were candidates too; name it with --label-field to pass them over"
    ) in result.stderr.splitlines()
    named = run("suggest", str(tmp_path / "sheet.jsonl"), "-n", "8", "--label-field", "type", "--model", str(small_model_path))
    assert (named.exit_code, len(named.stdout.splitlines())) == (0, 4)
    assert "warning" not in named.stderr


def test_suggest_takes_no_post_whose_text_is_a_label_name_for_a_field_of_labels(tmp_path: Path, small_model_path: Path) -> None:
    # A pool no one has labelled, one of whose posts says "Personal": 'text' had been named a field that holds labels,
    # a warning without --label-field and, with the field named for the first round, 'Error: ... where 'text' holds labels', exit 2.
    rows = [{"id": i, "text": text} for i, text in enumerate(["Personal", "my flight was late again", "media", "new blog post up"])]
    pool = str(write_jsonl(tmp_path / "pool.jsonl", rows))
    result = run("suggest", pool, "-n", "2", "--model", str(small_model_path))
    assert (result.exit_code, len(result.stdout.splitlines())) == (0, 2)
    assert "warning" not in result.stderr
    named = run("suggest", pool, "-n", "2", "--label-field", "mylabel", "--model", str(small_model_path))
    assert (named.exit_code, len(named.stdout.splitlines())) == (0, 2), named.stderr
    assert "no post is labelled yet, so every one was a candidate" in named.stderr


def test_suggest_counts_as_labelled_only_what_train_would_take_as_a_label(tmp_path: Path, small_model_path: Path) -> None:
    text = "post {}: flood warnings issued for the river valley"
    # A label field of another scheme (a class number, a sentiment) is no label of ours.
    other = [{"id": i, "text": text.format(i), "label": [i % 3, "positive", True][i % 3]} for i in range(8)]
    result = run("suggest", str(write_jsonl(tmp_path / "other.jsonl", other)), "-n", "3", "--model", str(small_model_path))
    assert (result.exit_code, len(result.stdout.splitlines())) == (0, 3), result.stderr
    # Offered as unlabelled, and said: a typo or an "undecided" of a sheet in progress is not lost unseen.
    assert "8 posts hold a value in 'label' that is no label (0, positive, true): offered as unlabelled" in result.stderr.splitlines()
    # A person's sheet with a confidence of their own: labelled rows are not offered again.
    sheet = [
        {"id": i, "text": text.format(i), "label": "" if i == 7 else "Customer", "confidence": "" if i == 7 else "high"} for i in range(8)
    ]
    result = run("suggest", str(write_jsonl(tmp_path / "sheet.jsonl", sheet)), "-n", "3", "--model", str(small_model_path))
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [7]
    # classify's results of that sheet: the person's labels are record.label, beside the model's confidence.
    results = [{"id": row["id"], "label": "Media", "confidence": 0.8, "record": row} for row in sheet]
    args = ["--text-field", "record.text", "--label-field", "record.label", "-n", "3", "--model", str(small_model_path)]
    result = run("suggest", str(write_jsonl(tmp_path / "results.jsonl", results)), *args)
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [7]


def test_suggest_takes_the_labels_of_classify_results_for_a_models_not_a_persons(small_model_path: Path) -> None:
    results = "".join(
        json.dumps({"id": i, "label": "Media", "confidence": 0.5, "record": {"text": f"headline {i} today"}}) + "\n" for i in range(6)
    )
    result = run("suggest", "-", "-n", "3", "--text-field", "record.text", "--model", str(small_model_path), input=results)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_suggest_refuses_an_infinite_diversity_as_a_usage_error(labelled: Path, small_model_path: Path) -> None:
    for value in ("inf", "-inf", "nan"):
        result = run("suggest", str(labelled), "--diversity", value, "--model", str(small_model_path), "-q")
        assert result.exit_code == 2, value
        assert result.stdout == ""
        assert "RuntimeWarning" not in result.stderr
    result = runner.invoke(app, ["suggest", str(labelled), "--diversity", "inf", "--model", str(small_model_path)], prog_name="smclass")
    assert result.stderr == "Error: Invalid value for '--diversity': Input should be a finite number (see 'smclass suggest --help')\n"


@pytest.mark.parametrize("diversity", [math.inf, math.nan, -1.0])
def test_suggest_library_refuses_a_diversity_that_is_not_a_finite_number_of_at_least_0(diversity: float) -> None:
    with pytest.raises(UsageError, match=r"^diversity must be a finite number of at least 0, not "):
        suggest_lib.suggest(TiedModel(), [{"text": "a post"}], 1, diversity=diversity)  # type: ignore[arg-type]


class TiedModel:
    """Every post a tie, so only likeness decides what is picked."""

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 5), 0.2)


def test_suggest_judges_likeness_on_the_first_10000_characters() -> None:
    head = "volunteer petition refund kitchen roadmap headline " * 200
    posts = [
        {"id": "a", "text": head + "harbour lantern " * 7000},
        {"id": "b", "text": head + "quartz meadow " * 8000},
        # Like all of a but its first 10,000 characters; b is those characters again.
        {"id": "c", "text": "harbour lantern " * 20},
    ]
    picked = suggest_lib.suggest(TiedModel(), posts, 2)  # type: ignore[arg-type]
    assert [p["id"] for p in picked] == ["a", "c"]


def test_suggest_memory_grows_with_a_long_post_no_more_than_classify_does(tmp_path: Path, small_model_path: Path) -> None:
    words = "volunteer petition refund kitchen roadmap headline "
    huge = write_jsonl(tmp_path / "huge.jsonl", [{"id": "h", "text": words * (15_000_000 // len(words))}])
    # Unlabelled, as the huge post is: suggest passes labelled posts over without scoring them.
    tiny = write_jsonl(tmp_path / "tiny.jsonl", [{"id": row["id"], "text": row["text"]} for row in rows()])
    growth = {
        command: peak_kb(command, str(huge), "--model", str(small_model_path), "-q")
        - peak_kb(command, str(tiny), "--model", str(small_model_path), "-q")
        for command in ("classify", "suggest")
    }
    # Word vectors of the whole text made suggest grow by 1.5 GB for 60 million characters, classify by 240 MB.
    assert growth["suggest"] < growth["classify"] + 40_000, growth


class MarginModel:
    """The longer a post's number, the surer: post i's margin is i / 1,000."""

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        margins = np.array([int(text.split()[0]) / 1000 for text in texts])
        return np.stack([0.5 + margins / 2, 0.5 - margins / 2, *[np.zeros(len(texts))] * 3], axis=1)


def test_suggest_holds_candidates_text_within_a_bound_and_still_picks_the_most_uncertain(monkeypatch: pytest.MonkeyPatch) -> None:
    import tracemalloc

    def posts() -> Iterator[dict[str, Any]]:
        # 400 posts of 50,000 characters, made one at a time: 20 MB if every candidate were held.
        for i in range(400):
            yield {"id": i, "text": f"{(i * 7919) % 400} " + chr(0x4E00 + i) * 50_000}

    monkeypatch.setattr(suggest_lib, "CANDIDATE_CHARS", 1_000_000, raising=False)
    tracemalloc.start()
    try:
        picked = suggest_lib.suggest(MarginModel(), posts(), 3, diversity=0)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The 2,000 candidates kept by count had held all 400 posts: some 100 MB as Python text.
    assert peak < 20_000_000, peak
    assert [int(post["text"].split()[0]) for post in picked] == [0, 1, 2]


def test_labelled_files_of_a_folder_are_each_planned_on_their_own(tmp_path: Path) -> None:
    folder = tmp_path / "sheets"
    folder.mkdir()
    first = [{"id": i, "text": f"stand-up {i} moves to ten", "label": "Enterprise"} for i in range(150)]
    (folder / "a.jsonl").write_text("".join(json.dumps(row) + "\n" for row in first))
    (folder / "b.jsonl").write_text(
        json.dumps({"post_id": "b-7", "body": "volunteers needed at the food bank", "label": "Emergent"}) + "\n"
    )
    read = dataset.read_labelled([str(folder)])
    assert (read.texts[-1], read.ids[-1], read.empty) == ("volunteers needed at the food bank", "b-7", 0)


def _stopped(*args: Any, **kwargs: Any) -> Any:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("command", "stops", "said"),
    [
        (["train", "{labelled}", "--out", "{tmp}/m.npz", "--base", "none", "--cv", "0"], (training_lib, "train"),
         "{tmp}/m.npz was not written"),
        (["evaluate", "{labelled}", "-m", "{model}"], (evaluation, "evaluate_posts"), "no scores were shown"),
        (["evaluate", "{labelled}", "-m", "{model}", "--errors", "{tmp}/wrong.jsonl"], (evaluation, "evaluate_posts"),
         "no scores were shown; {tmp}/wrong.jsonl was left as it was"),
        (["audit", "{labelled}", "--base", "none"], (audit_lib, "audit"), "the suspects were not all written"),
        (["suggest", "{labelled}", "-m", "{model}"], (suggest_lib, "suggest"), "the suggestions were not all written"),
        (["report", "{labelled}", "-o", "{tmp}/r.html"], (report_lib, "collect"), "{tmp}/r.html was not written"),
        (["report", "{labelled}", "--json"], (report_lib, "collect"), "the JSON was not written"),
        # Stopped while its model loads, before a command says what is at stake: said, not silence.
        (["classify", "{labelled}", "-m", "{model}", "-o", "{tmp}/out.jsonl"], (model_lib, "load"),
         "before smclass classify began; nothing was written"),
    ],
)  # fmt: skip
def test_a_stopped_command_says_what_it_left_undone(
    command: list[str], stops: tuple[Any, str], said: str, labelled: Path, small_model_path: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    places = {"labelled": str(labelled), "model": str(small_model_path), "tmp": str(tmp_path)}
    monkeypatch.setattr(*stops, _stopped)
    result = run(*[part.format(**places) for part in command])
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr.splitlines()[-1] == "stopped early: " + said.format(**places)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labelled.jsonl"]
    quiet = run(*[part.format(**places) for part in command], "-q")
    assert (quiet.exit_code, quiet.stderr) == (130, "")


def test_ctrl_c_while_the_command_loads_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    import importlib.abc

    from smclass import __main__ as entry

    class Interrupted(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, *args: Any) -> None:
            if name == "smclass.cli":
                raise KeyboardInterrupt

    monkeypatch.delitem(sys.modules, "smclass.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupted(), *sys.meta_path])
    monkeypatch.setattr(sys, "argv", ["smclass", "classify", "posts.jsonl"])
    with pytest.raises(SystemExit) as stopped:
        entry.run()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "stopped early: before smclass began; nothing was written\n"


@pytest.mark.parametrize("quiet", [False, True])
def test_ctrl_c_while_typer_builds_the_command_is_one_line_none_with_q(monkeypatch: pytest.MonkeyPatch, capsys: Any, quiet: bool) -> None:
    # The import was guarded, but typer building the command came after it: a traceback through copy.py.
    import smclass.cli
    from smclass import __main__ as entry

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(smclass.cli, "main", interrupted)
    monkeypatch.setattr(sys, "argv", ["smclass", "classify", "posts.jsonl", *(["-q"] if quiet else [])])
    with pytest.raises(SystemExit) as stopped:
        entry.run()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == ("" if quiet else "stopped early: before smclass began; nothing was written\n")


def test_train_stopped_by_sigterm_says_its_model_was_not_written(labelled: Path, tmp_path: Path) -> None:
    # The real signal, through the installed entry point: the handler, the exit code and the line.
    out = tmp_path / "m.npz"
    command = [sys.executable, "-m", "smclass", "train", str(labelled), "--out", str(out), "--base", "default", "--cv", "5"]
    run_ = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert run_.stderr is not None
    for line in run_.stderr:
        if line.startswith("training on top of the default corpus"):
            break
    run_.terminate()
    rest = run_.stderr.read()
    assert run_.wait(timeout=60) == 143
    assert rest.splitlines()[-1] == f"stopped early: {out} was not written"
    assert not out.exists()


def test_audit_finds_wrong_labels_that_come_with_a_copy() -> None:
    # Reposts copy a wrong label too. Folds that part the copies let each vouch for the
    # other: 1 of these 24 wrong labels was among the 24 most suspect, against 20 now.
    import random

    chosen = stratified_slice(corpus_rows(), 40)
    texts, labels = [r["text"] for r in chosen], [r["label"] for r in chosen]
    rng = random.Random(1)
    wrong = rng.sample(range(len(texts)), 12)
    for i in list(wrong):
        labels[i] = rng.choice([label for label in sorted(set(labels)) if label != labels[i]])
        texts.append(texts[i].upper())
        labels.append(labels[i])
        wrong.append(len(texts) - 1)
    suspects = audit_lib.audit(texts, labels, folds=5, seed=0)
    assert len({s["position"] for s in suspects[:24]} & set(wrong)) >= 12


def test_suggest_never_offers_two_copies_of_one_post_while_other_posts_remain(small_model_path: Path) -> None:
    # The copies are the pool's most uncertain posts: each would win its pick were it not one.
    model = model_lib.load(small_model_path)
    pool = [{"id": i, "text": text} for i, text in enumerate(_pairs_text())]
    unsure = max(pool, key=lambda post: float(suggest_lib.uncertainty(model.predict_proba([post["text"]]))[0]))
    copies = [{"id": f"copy{i}", "text": f"  {unsure['text'].upper()} "} for i in range(12)]
    picked = suggest_lib.suggest(model, copies + pool, 8, diversity=0.0)
    words = [" ".join(post["text"].split()).casefold() for post in picked]
    assert len(picked) == 8
    assert len(set(words)) == 8


def _pairs_text() -> list[str]:
    return [text for _, text in _pairs()]


def test_scoring_classify_results_against_themselves_is_warned_of(labelled: Path, small_model_path: Path, tmp_path: Path) -> None:
    results = run("classify", str(labelled), "--keep-fields", "-q", "-m", str(small_model_path)).stdout
    scored = run("evaluate", "-", "--text-field", "record.text", "-m", str(small_model_path), "--json", input=results)
    assert scored.exit_code == 0, scored.stderr
    assert json.loads(scored.stdout)["macro_f1"] == 1.0
    warning = (
        "warning: <stdin>: each record carries a 'confidence' beside 'label', as classify's results do: "
        "if these labels are a model's predictions, not a person's, they are no reference to score or train against"
    )
    assert warning in scored.stderr.splitlines()
    # A person's labels, with or without a confidence of their own on another scale, are not warned of.
    for extra in ({}, {"confidence": 4}):
        rated = write_jsonl(tmp_path / "rated.jsonl", [{**row, **extra} for row in rows()])
        plain = run("evaluate", str(rated), "-m", str(small_model_path))
        assert plain.exit_code == 0 and "warning: " not in plain.stderr, plain.stderr
        assert json.loads(run("evaluate", str(rated), "-m", str(small_model_path), "--json", "-q").stdout)["labels_look_predicted"] == []


def test_classify_results_joined_to_hand_labels_in_one_file_are_warned_of(small_model_path: Path, tmp_path: Path) -> None:
    # Hand labels with classify's results after them (or before them) had been scored as one reference without a word,
    # since only a file whose every first record carries a confidence was warned of.
    hand, rest = rows()[:4], rows()[4:]
    results = run("classify", "-", "--keep-fields", "-q", "-m", str(small_model_path), input=jsonl(rest)).stdout
    predicted = [
        {"id": r["id"], "text": r["record"]["text"], "label": r["label"], "confidence": r["confidence"]}
        for r in map(json.loads, results.splitlines())
    ]
    for joined, line in ((hand + predicted, 5), (predicted + hand, 1)):
        path = write_jsonl(tmp_path / "joined.jsonl", joined)
        scored = run("evaluate", str(path), "-m", str(small_model_path), "--json")
        assert scored.exit_code == 0, scored.stderr
        assert json.loads(scored.stdout)["labels_look_predicted"] == [str(path)]
        assert f"warning: {path}:{line}: this record carries a 'confidence' beside 'label', as classify's results do" in scored.stderr
    # Hand labels whose own confidence is null, blank or a word rate nothing: not warned of.
    rated = write_jsonl(tmp_path / "rated.jsonl", [{**hand[0], "confidence": None}, {**hand[1], "confidence": "high"}, *rest])
    plain = run("evaluate", str(rated), "-m", str(small_model_path), "--json")
    assert (plain.exit_code, json.loads(plain.stdout)["labels_look_predicted"]) == (0, [])


def test_labels_that_look_predicted_are_said_in_json_and_the_card_when_q_keeps_stderr_quiet(
    labelled: Path, small_model_path: Path, tmp_path: Path
) -> None:
    results = run("classify", str(labelled), "--keep-fields", "-q", "-m", str(small_model_path)).stdout
    scored = run("evaluate", "-", "--text-field", "record.text", "-m", str(small_model_path), "--json", "-q", input=results)
    assert (scored.exit_code, scored.stderr) == (0, "")
    assert json.loads(scored.stdout)["labels_look_predicted"] == ["<stdin>"]
    out = tmp_path / "parrot.npz"
    many = write_jsonl(tmp_path / "many.jsonl", stratified_slice(corpus_rows(), 10, skip=3))
    results = run("classify", str(many), "--keep-fields", "-q", "-m", str(small_model_path)).stdout
    trained = run(
        "train",
        str(write_jsonl(tmp_path / "r.jsonl", [json.loads(line) for line in results.splitlines()])),
        "--text-field",
        "record.text",
        "-q",
        "--cv",
        "0",
        "--out",
        str(out),
    )
    assert (trained.exit_code, trained.stderr) == (0, "")
    assert json.loads(run("info", "-m", str(out), "--json").stdout)["labels_look_predicted"] == [str(tmp_path / "r.jsonl")]


def test_report_stopped_after_writing_its_page_does_not_say_the_page_was_not_written(
    labelled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smclass.cli import analyst

    def note(message: str) -> None:
        if message.startswith("wrote "):
            raise KeyboardInterrupt

    monkeypatch.setattr(analyst, "_note", note)
    page = tmp_path / "r.html"
    result = run("report", str(labelled), "-o", str(page))
    assert result.exit_code == 130
    assert page.exists()
    assert "stopped early" not in result.stderr


def test_train_warns_of_a_dev_file_whose_labels_are_classify_results(labelled: Path, tmp_path: Path) -> None:
    dev = write_jsonl(tmp_path / "dev.jsonl", [{**row, "confidence": 0.9} for row in rows()])
    done = run("train", str(labelled), "--dev", str(dev), "--out", str(tmp_path / "m.npz"), "--base", "none", "--cv", "0")
    assert done.exit_code == 0, done.stderr
    assert any(line.startswith(f"warning: {dev}: each record carries a 'confidence'") for line in done.stderr.splitlines())
