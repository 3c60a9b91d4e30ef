from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from smclass.labels import LABELS
from smclass.model import dataset, training
from smclass.model import files as model_lib
from smclass.model.evaluation import evaluate, score

from .conftest import ROOT, SHARED, corpus_rows, stratified_slice

PLATFORMS = {
    "twitter", "reddit", "facebook", "instagram", "linkedin", "mastodon", "bluesky", "youtube", "tiktok",
    "slack", "teams", "yammer", "email", "forum", "news", "sms", "whatsapp", "blog", "telegram", "discord", "threads",
}  # fmt: skip


def test_corpus_is_valid_and_large_enough() -> None:
    rows = corpus_rows()
    assert all(set(r) == {"id", "text", "label", "platform"} for r in rows)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "ids must be unique"
    counts = Counter(r["label"] for r in rows)
    assert set(counts) == set(LABELS)
    assert len(rows) >= 3000
    assert min(counts.values()) >= 500, counts
    assert {r["platform"] for r in rows} <= PLATFORMS
    assert all(isinstance(r["text"], str) and r["text"].strip() for r in rows)


def test_corpus_texts_are_not_repeated() -> None:
    texts = [" ".join(r["text"].lower().split()) for r in corpus_rows() + corpus_rows("round4")]
    repeated = [t for t, n in Counter(texts).items() if n > 1]
    assert repeated == []


def test_round_4_is_valid_and_holds_the_genres_asked_for() -> None:
    rows = corpus_rows("round4")
    assert all(set(r) == {"id", "text", "label", "platform"} for r in rows)
    assert len({r["id"] for r in rows} | {r["id"] for r in corpus_rows()}) == len(rows) + len(corpus_rows())
    assert {r["label"] for r in rows} == set(LABELS)
    assert {r["platform"] for r in rows} <= PLATFORMS
    assert len(rows) >= 2000
    files = Counter(r["id"].rsplit("-", 1)[0] for r in rows)
    assert set(files) == {"reactions", "fans_and_brands", "relief", "internal_notices", "reddit", "world_and_shares"}


def test_round_5_is_valid_and_holds_the_genres_asked_for() -> None:
    # Round 5 lives in data/corpus (the default model trains on it), in files named for it.
    rows = [r for r in corpus_rows() if r["id"].startswith("r5-")]
    assert sorted(path.name for path in (ROOT / "data" / "corpus").glob("round5_*.jsonl")) == [
        "round5_complaints.jsonl", "round5_storm_voices.jsonl", "round5_work_mail.jsonl"
    ]  # fmt: skip
    assert all(set(r) == {"id", "text", "label", "platform"} for r in rows)
    earlier = {r["id"] for r in corpus_rows() + corpus_rows("round4") if not r["id"].startswith("r5-")}
    assert len({r["id"] for r in rows} | earlier) == len(rows) + len(earlier)
    assert {r["label"] for r in rows} == set(LABELS)
    assert {r["platform"] for r in rows} <= PLATFORMS
    assert all(isinstance(r["text"], str) and r["text"].strip() for r in rows)
    files = Counter(r["id"].rsplit("-", 1)[0] for r in rows)
    assert set(files) == {"r5-storm", "r5-mail", "r5-comp"}
    assert len(rows) >= 500


def test_sample_posts_are_unlabelled_and_numerous() -> None:
    lines = (ROOT / "data" / "sample_posts.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    assert 40 <= len(rows) <= 60
    assert all("label" not in r and r["text"].strip() for r in rows)


def test_model_trained_on_a_slice_beats_the_majority_baseline_on_held_out_posts() -> None:
    rows = corpus_rows()
    train = stratified_slice(rows, 60, skip=0)
    held_out = stratified_slice(rows, 30, skip=3)
    assert not {r["id"] for r in train} & {r["id"] for r in held_out}
    model = training.train([r["text"] for r in train], [r["label"] for r in train], folds=0)
    truth = [r["label"] for r in held_out]
    result = evaluate(model, [r["text"] for r in held_out], truth)
    majority = Counter(r["label"] for r in train).most_common(1)[0][0]
    baseline = score(truth, [majority] * len(truth))
    assert result["macro_f1"] > baseline["macro_f1"] + 0.3
    assert result["accuracy"] > baseline["accuracy"] + 0.3


@pytest.mark.skipif(not (SHARED / "eval" / "dev.jsonl").is_file(), reason="../shared/eval/dev.jsonl is not here")
def test_bundled_model_on_real_posts(capsys: pytest.CaptureFixture[str]) -> None:
    posts = dataset.read_labelled([str(SHARED / "eval" / "dev.jsonl")])
    result = evaluate(model_lib.load(), posts.texts, posts.labels)
    per_class = {label: result["per_class"][label]["f1"] for label in LABELS}
    with capsys.disabled():
        print(f"\nbundled model on {result['posts']} real posts: macro-F1 {result['macro_f1']:.3f}, per class {per_class}")
    # What the model must beat by a clear margin: always answering the commonest label.
    majority = score(posts.labels, [Counter(posts.labels).most_common(1)[0][0]] * len(posts.labels))
    assert result["macro_f1"] > majority["macro_f1"]
    assert np.isfinite(result["macro_f1"])
