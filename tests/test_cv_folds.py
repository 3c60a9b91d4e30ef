"""How an accurate model's cross-validation folds are made (they choose its cascade cut)."""

from __future__ import annotations

import pytest

from smclass.analyst.audit import fold_plan
from smclass.errors import UsageError
from smclass.labels import LABELS
from smclass.model import training
from smclass.model.training import cross_validate, splits

from .conftest import corpus_rows, stratified_slice


def posts_in_files(files: int, per_label: int) -> tuple[list[str], list[str]]:
    """Every file holds ``per_label`` posts of every label: labels and each post's file."""
    labels, groups = [], []
    for f in range(files):
        for label in LABELS:
            labels += [label] * per_label
            groups += [f"file{f}.jsonl"] * per_label
    return labels, groups


def test_folds_hold_out_whole_files_when_there_are_enough_of_them() -> None:
    labels, groups = posts_in_files(files=7, per_label=4)
    folds, how = splits(labels, 5, seed=0, groups=groups)
    assert how == "by source file"
    assert len(folds) == 5
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
    assert sorted(i for _, test in folds for i in test) == list(range(len(labels)))


def test_fewer_files_than_folds_gives_stratified_folds() -> None:
    labels, groups = posts_in_files(files=3, per_label=10)
    folds, how = splits(labels, 5, seed=0, groups=groups)
    assert how == "stratified"
    assert len(folds) == 5
    assert any({groups[i] for i in train} & {groups[i] for i in test} for train, test in folds)


def test_a_label_that_lives_in_one_file_keeps_the_folds_stratified() -> None:
    # Held out, that file would leave a training fold without the label.
    labels, groups = posts_in_files(files=6, per_label=4)
    labels += ["Emergent"] * 30
    groups += ["emergent_only.jsonl"] * 30
    labels = [
        "Media" if (label == "Emergent" and group != "emergent_only.jsonl") else label for label, group in zip(labels, groups, strict=True)
    ]
    folds, how = splits(labels, 5, seed=0, groups=groups)
    assert how == "stratified"
    for train, _ in folds:
        assert "Emergent" in {labels[i] for i in train}


def test_no_files_named_gives_stratified_folds() -> None:
    labels, _ = posts_in_files(files=6, per_label=4)
    assert splits(labels, 5, seed=0)[1] == "stratified"


def test_a_file_bigger_than_a_fold_keeps_the_folds_stratified() -> None:
    # As with a base corpus read from one gzip beside a user's few files.
    labels, groups = posts_in_files(files=5, per_label=4)
    big_labels, _ = posts_in_files(files=1, per_label=40)
    labels += big_labels
    groups += ["corpus.jsonl.gz"] * len(big_labels)
    folds, how = splits(labels, 5, seed=0, groups=groups)
    assert how == "stratified"
    assert len(folds) == 5


def test_copies_of_a_post_whatever_their_case_and_spacing_stay_in_one_fold() -> None:
    labels, _ = posts_in_files(files=1, per_label=8)
    texts = [f"post number {i} about {label}" for i, label in enumerate(labels)]
    folds, how = splits(labels + labels, 5, seed=0, texts=texts + [f"  {text.upper()} " for text in texts])
    assert how == "stratified, copies in one fold"
    n = len(texts)
    for train, test in folds:
        assert not {i % n for i in train} & {i % n for i in test}


def test_without_copies_the_folds_are_the_plain_stratified_ones() -> None:
    labels, _ = posts_in_files(files=1, per_label=8)
    folds, how = splits(labels, 5, seed=0, texts=[f"post {i}" for i in range(len(labels))])
    plain, _ = splits(labels, 5, seed=0)
    assert how == "stratified"
    assert [(list(a), list(b)) for a, b in folds] == [(list(a), list(b)) for a, b in plain]


def test_a_file_of_doubled_posts_does_not_raise_the_cross_validated_score() -> None:
    # Each post beside a shouted copy of itself: folds that part the copies scored 0.97 here
    # against 0.76 for the posts alone.
    rows = stratified_slice(corpus_rows(), 30)
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    alone = cross_validate(texts, labels, 5, 0)["macro_f1"]
    doubled = cross_validate(texts + [text.upper() for text in texts], labels + labels, 5, 0)
    assert doubled["split"] == "stratified, copies in one fold"
    assert doubled["macro_f1"] < alone + 0.08


def test_copies_that_cannot_stay_in_one_fold_are_said_to_be_in_several() -> None:
    texts = [f"media {i}" for i in range(5)] + [f"customer {i}" for i in range(5)] + ["the same appeal"] * 4 + ["another appeal"]
    labels = ["Media"] * 5 + ["Customer"] * 5 + ["Emergent"] * 5
    _, how = splits(labels, 3, seed=0, texts=texts)
    assert how == "stratified, copies in several folds"


def test_too_few_posts_of_a_label_for_calibration_in_each_fold_is_refused_before_training() -> None:
    texts = [f"post number {i}" for i in range(12)]
    labels = ["Media"] * 4 + ["Customer"] * 4 + ["Emergent"] * 4
    with pytest.raises(UsageError, match=r"--cv 3 needs at least 5 posts of every label, so that each training fold keeps the 3"):
        cross_validate(texts, labels, folds=3, seed=0)


def test_audit_alone_runs_the_folds_that_keep_three_of_each_label_in_training() -> None:
    labels = ["Media"] * 4 + ["Customer"] * 4 + ["Emergent"] * 4
    assert fold_plan(labels, 3) == (3, None)  # with the default corpus beside them, calibration has plenty
    running, why = fold_plan(labels, 3, alone=True)
    assert running == 4 and why is not None and "too few for 3 folds" in why


def test_a_users_posts_on_top_of_the_corpus_are_spread_over_the_folds_of_whole_files() -> None:
    from smclass.model import bundled, dataset

    corpus = dataset.read_labelled([str(bundled.corpus_path())])
    mine = stratified_slice(corpus_rows("round4"), 6)
    texts = corpus.texts + [row["text"] for row in mine]
    labels = corpus.labels + [row["label"] for row in mine]
    folds, split = training.splits(labels, 5, 0, corpus.origins + training.own_groups(texts[len(corpus.texts) :]), texts)
    assert split == "by source file"
    # Grouped as one file, all 30 had been one test fold, scored by a model that saw none of them.
    tested = [sum(1 for i in test if i >= len(corpus.texts)) for _, test in folds]
    # Spread as StratifiedGroupKFold balances the labels: over several folds, not evenly.
    assert sum(tested) == 30 and max(tested) < 30 and sum(1 for count in tested if count) >= 2
