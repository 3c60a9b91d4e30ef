"""audit and evaluate know a model that was trained on the very posts they read: it cannot doubt their labels."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.model import bundled, dataset, training
from smclass.model.evaluation import TrainingCheck
from smclass.model.files import Model

runner = CliRunner()

# Made up for these tests: three posts of each label, each in a few wordings.
POSTS = {
    "Personal": ["Finally finished my grandmother's quilt", "Our cat learned to open the fridge", "Made pancakes for the kids today"],
    "Media": [
        "Tonight on the evening news: flooding upriver",
        "Our newsroom confirms the mayor resigned",
        "Breaking: the bridge is closed again",
    ],
    "Enterprise": [
        "Spring sale: twenty percent off all boots",
        "Our new blender ships next week, order now",
        "Visit our store for the grand opening",
    ],
    "Customer": [
        "@AcmeBank my card was charged twice, fix it",
        "@ShopCo where is my parcel, ordered ten days ago",
        "@Telly internet down again all evening",
    ],
    "Emergent": [
        "Bring your gloves, river cleanup Saturday #riverday",
        "Everyone to the square at noon #standup",
        "Share this: the park needs us #savethepark",
    ],
}


def write_posts(path: Path, suffix: str = "") -> Path:
    rows = [
        {"id": f"{label[:3]}{i}{j}", "text": f"{text}{suffix} {j}", "label": label}
        for label, texts in POSTS.items()
        for i, text in enumerate(texts)
        for j in range(4)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("own")
    posts = write_posts(folder / "labelled.jsonl")
    model = folder / "mine.npz"
    done = runner.invoke(app, ["train", str(posts), "--base", "none", "--cv", "0", "--out", str(model), "-q"])
    assert done.exit_code == 0, done.stderr
    return posts, model


def test_audit_refuses_a_model_trained_on_the_posts_it_audits(trained: tuple[Path, Path]) -> None:
    posts, model = trained
    done = runner.invoke(app, ["audit", str(posts), "--model", str(model)])
    assert done.exit_code == 2
    assert done.stdout == ""
    assert f"Error: {model} was trained on these very posts (training_data_sha256 " in done.stderr
    assert "its scores cannot doubt their labels; leave out --model to cross-validate" in done.stderr


def test_audit_with_a_model_trained_on_other_posts_still_runs(trained: tuple[Path, Path], tmp_path: Path) -> None:
    _, model = trained
    other = write_posts(tmp_path / "other.jsonl", suffix=" again")
    done = runner.invoke(app, ["audit", str(other), "--model", str(model)])
    assert done.exit_code == 0, done.stderr
    assert "trained on these very posts" not in done.stderr


def test_audit_refuses_the_cross_validation_options_beside_a_model(trained: tuple[Path, Path], tmp_path: Path) -> None:
    # They had been passed over without a word: the model's suspects came out, exit 0, as if --base none had been heeded.
    _, model = trained
    other = write_posts(tmp_path / "other.jsonl", suffix=" again")
    done = runner.invoke(app, ["audit", str(other), "--model", str(model), "--folds", "3", "--base", "none"])
    assert (done.exit_code, done.stdout) == (2, "")
    assert done.stderr == "Error: --folds and --base go with cross-validation: with --model, that model scores the posts\n"


def test_audit_ranks_in_this_process_without_forking_a_pool(
    trained: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A forked pool worker that is stopped while still starting can miss its SIGTERM, and the
    # pool then joins it for ever: audit hung a CI run that way.
    def no_fork(*args: object, **kwargs: object) -> None:
        raise AssertionError("audit forked")

    monkeypatch.setattr(multiprocessing, "Pool", no_fork)
    monkeypatch.setattr(os, "fork", no_fork)
    _, model = trained
    other = write_posts(tmp_path / "other.jsonl", suffix=" again")
    done = runner.invoke(app, ["audit", str(other), "--model", str(model)])
    assert done.exit_code == 0, done.stderr


def test_evaluate_warns_and_says_in_json_when_the_model_was_trained_on_these_posts(trained: tuple[Path, Path]) -> None:
    posts, model = trained
    done = runner.invoke(app, ["evaluate", str(posts), "-m", str(model), "--json"])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["model"]["trained_on_these_posts"] is True
    (warning,) = [line for line in done.stderr.splitlines() if "trained on these very posts" in line]
    assert "these scores are not an estimate for new posts" in warning
    # -q keeps stderr to errors; the JSON still says it.
    quiet = runner.invoke(app, ["evaluate", str(posts), "-m", str(model), "--json", "-q"])
    assert (quiet.stderr, json.loads(quiet.stdout)["model"]["trained_on_these_posts"]) == ("", True)


def test_evaluate_on_posts_the_model_has_not_seen_gives_no_warning(trained: tuple[Path, Path], tmp_path: Path) -> None:
    _, model = trained
    other = write_posts(tmp_path / "other.jsonl", suffix=" again")
    done = runner.invoke(app, ["evaluate", str(other), "-m", str(model), "--json"])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["model"]["trained_on_these_posts"] is False
    assert "trained on these very posts" not in done.stderr


def test_the_check_knows_posts_trained_on_top_of_the_default_corpus_but_not_the_posts_alone_or_reordered() -> None:
    corpus = dataset.read_labelled([str(bundled.corpus_path())])
    own_texts, own_labels = ["Our bake sale starts at nine", "Tickets for the derby on sale now"], ["Personal", "Enterprise"]
    # As train --base default writes the card: the corpus first, then the posts.
    sha = training.data_fingerprint(corpus.texts + own_texts, corpus.labels + own_labels)
    model = cast("Model", SimpleNamespace(card={"training_data_sha256": sha, "base": {"own_posts": 2}}, seen=None))

    def trained_on(texts: list[str], labels: list[str]) -> bool | None:
        check = TrainingCheck(model)
        for text, label in zip(texts, labels, strict=True):
            check.add(text, label)
        return check.trained_on_these()

    assert trained_on(own_texts, own_labels) is True
    assert trained_on(own_texts[::-1], own_labels[::-1]) is False
    assert trained_on(own_texts, ["Personal", "Media"]) is False
    assert TrainingCheck(cast("Model", SimpleNamespace(card={}, seen=None))).trained_on_these() is None


def test_train_notes_labels_it_has_no_posts_of(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "labelled.jsonl")
    rows = [json.loads(line) for line in posts.read_text().splitlines()]
    four = tmp_path / "four.jsonl"
    relabelled = [{**row, "label": "Personal" if row["label"] == "Emergent" else row["label"]} for row in rows]
    four.write_text("".join(json.dumps(row) + "\n" for row in relabelled))
    done = runner.invoke(app, ["train", str(four), "--base", "none", "--cv", "0", "--out", str(tmp_path / "m.npz")])
    assert done.exit_code == 0, done.stderr
    assert "no posts labelled Emergent: the model will never give that label" in done.stderr.splitlines()


def test_train_warns_when_its_dev_posts_are_posts_it_trains_on(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "labelled.jsonl")
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("".join(reversed(posts.read_text().splitlines(keepends=True))))
    other = write_posts(tmp_path / "other.jsonl", suffix=" again")
    model = str(tmp_path / "m.npz")
    train = ["train", str(posts), "--base", "none", "--cv", "0", "--out", model, "--dev"]
    warning = "warning: every --dev post is also a post to train on: the dev score is not an estimate for new posts"
    assert warning in runner.invoke(app, [*train, str(shuffled)]).stderr.splitlines()
    assert "also a post to train on" not in runner.invoke(app, [*train, str(other)]).stderr


def test_posts_a_model_trained_on_are_counted_in_any_order_case_or_spacing(trained: tuple[Path, Path], tmp_path: Path) -> None:
    posts, model = trained
    rows = [json.loads(line) for line in posts.read_text().splitlines()]
    # Three of its training posts, reordered and respelled, among posts it has not seen.
    known = [{**row, "text": "  " + row["text"].upper()} for row in rows[:3][::-1]]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "".join(
            json.dumps(row) + "\n"
            for row in [*known, *(json.loads(line) for line in write_posts(tmp_path / "o.jsonl", " again").read_text().splitlines())]
        )
    )
    done = runner.invoke(app, ["evaluate", str(mixed), "-m", str(model), "--json"])
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["model"]["trained_on_these_posts"], report["model"]["posts_it_trained_on"]) == (False, 3)
    assert (
        f"warning: 3 of the {report['posts']} posts are a post {model} was trained on (the same words, any case or spacing): "
        "these scores run high; evaluate on posts it has not seen"
    ) in done.stderr.splitlines()
    audited = runner.invoke(app, ["audit", str(mixed), "--model", str(model)])
    assert audited.exit_code == 0, audited.stderr
    assert f"warning: 3 of the {report['posts']} posts are posts {model} was trained on: it cannot doubt their labels" in audited.stderr
    # All of them, reordered: audit refuses as for the very file.
    reordered = tmp_path / "reordered.jsonl"
    reordered.write_text("".join(json.dumps(row) + "\n" for row in rows[::-1]))
    refused = runner.invoke(app, ["audit", str(reordered), "--model", str(model)])
    assert refused.exit_code == 2
    assert refused.stderr.splitlines()[-1].startswith(f"Error: {model} was trained on every one of these posts: ")


def test_a_model_file_keeps_the_keys_of_its_training_texts_and_refuses_damaged_ones(trained: tuple[Path, Path], tmp_path: Path) -> None:
    import numpy as np

    from smclass.errors import ModelError
    from smclass.model import files, seen

    _, model_path = trained
    model = files.load(model_path)
    assert model.seen is not None and len(model.seen) == len({" ".join(t.split()).casefold() for t in POSTS_TEXTS()})
    model.seen = model.seen[::-1].copy()
    files.save(model, tmp_path / "damaged.npz")
    with pytest.raises(ModelError, match="seen_texts"):
        files.load(tmp_path / "damaged.npz")
    assert seen.checked(None) is None and seen.checked(np.zeros(0, dtype=np.uint64)) is not None


def POSTS_TEXTS() -> list[str]:  # noqa: N802 - the texts write_posts writes
    return [f"{text} {j}" for texts in POSTS.values() for text in texts for j in range(4)]


def test_audit_model_named_with_its_folder_is_that_file_not_the_bundled_model_of_its_name(
    trained: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --model was a Path to audit, and Path("./default") is "default": the bundled model audited the posts, exit 0.
    posts, model = trained
    (tmp_path / "default").write_bytes(model.read_bytes())
    monkeypatch.chdir(tmp_path)
    done = runner.invoke(app, ["audit", str(posts), "--model", "./default"])
    assert done.exit_code == 2
    assert "Error: ./default was trained on these very posts (training_data_sha256 " in done.stderr
