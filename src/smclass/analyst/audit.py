"""Finding labels that are probably wrong in a labelled file.

Out-of-fold probabilities come from the same pipeline as ``smclass train``, fitted k times
on the other folds; cleanlab's confident learning then ranks the posts whose given label
the model, not having seen them, finds least likely. Duplicate texts that carry different
labels are certain conflicts and come first.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from smclass.errors import DataError


def out_of_fold_probabilities(
    texts: list[str], labels: list[str], *, folds: int = 5, seed: int = 0, base: tuple[list[str], list[str]] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Each post's probabilities from a model trained without it, and the label of each column.

    With ``base`` (texts and labels of a corpus to train on as well, as ``train --base``
    does), every fold's model also learns from it, the user's posts weighted as in training:
    a few hundred posts alone make a weak judge of their own labels.
    """
    from sklearn.model_selection import cross_val_predict

    from smclass.model.training import base_weight, build_pipeline, splits

    present = sorted(set(labels))
    # The copies of a post stay in one fold: a copy the model learned would vouch for the
    # label of the one it scores, right or wrong.
    chosen, _ = splits(labels, fold_plan(labels, folds, alone=base is None)[0], seed, texts=texts)
    if base is None:
        proba = cross_val_predict(build_pipeline(seed), texts, labels, cv=chosen, method="predict_proba")
        return np.asarray(proba, dtype=np.float64), present
    base_texts, base_labels = base
    columns = sorted(set(labels) | set(base_labels))
    out = np.zeros((len(texts), len(columns)))
    for train_rows, test_rows in chosen:
        weight = base_weight(len(base_texts), len(train_rows))
        fold_texts = base_texts + [texts[i] for i in train_rows]
        fold_labels = base_labels + [labels[i] for i in train_rows]
        weights = np.asarray([1.0] * len(base_texts) + [weight] * len(train_rows))
        pipeline = build_pipeline(seed).fit(fold_texts, fold_labels, classify__sample_weight=weights)
        out[test_rows] = pipeline.predict_proba([texts[i] for i in test_rows])
    return out, columns


def fold_plan(labels: list[str], folds: int, alone: bool = False) -> tuple[int, str | None]:
    """The folds that really run for ``folds`` asked, and why others when they are (None when not).

    ``alone``: the posts are all each fold's model learns from (``--base none``), so every
    training part must also keep 3 posts of each label for calibration. Raises
    :class:`DataError` when the labels cannot be cross-validated at all.
    """
    running, why = _fold_plan(labels, folds)
    if not alone:
        return running, why
    from smclass.model.training import calibratable

    counts = Counter(labels)
    if all(calibratable(n, running) for n in counts.values()):
        return running, why
    fitting = [k for k in range(2, min(counts.values()) + 1) if all(calibratable(n, k) for n in counts.values())]
    rarest = min(counts, key=counts.__getitem__)
    needs = "calibration needs 3 in each fold's training part"
    if not fitting:
        raise DataError(f"audit --base none needs more posts of every label ({rarest} has {counts[rarest]}): {needs}")
    chosen = min(fitting, key=lambda k: (abs(k - folds), k))
    return chosen, f"{rarest} has {counts[rarest]} posts, too few for {running} folds: {needs}"


def _two_labels(labels: list[str]) -> list[str]:
    """The labels present, sorted; a :class:`DataError` when they are fewer than two, which confident learning cannot rank."""
    present = sorted(set(labels))
    if len(present) < 2:
        which = present[0] if present else "unlabelled"
        said = f"its one post is {which}" if len(labels) == 1 else f"all {len(labels)} are {which}"
        raise DataError(f"audit needs posts of at least two labels ({said})")
    return present


def _fold_plan(labels: list[str], folds: int) -> tuple[int, str | None]:
    present = _two_labels(labels)
    fewest, rarest = min((labels.count(label), label) for label in present)
    # Every fold must hold each label, and each training part 3 of them for calibration.
    if fewest < 4:
        raise DataError(f"audit needs at least 4 posts of every label ({rarest} has {fewest})")
    if folds <= fewest:
        return folds, None
    rarest_all = [label for label in present if labels.count(label) == fewest]
    which = f"{rarest} has {fewest} posts" if len(rarest_all) == 1 else f"{', '.join(rarest_all)} have {fewest} posts each"
    return fewest, f"{which}, and each fold must hold one of every label"


def conflicting_duplicates(texts: list[str], labels: list[str]) -> list[list[int]]:
    """Groups of positions whose texts are the same (ignoring case and spacing) but whose labels differ."""
    from smclass.model.seen import same_words

    groups: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        groups[same_words(text)].append(i)
    return [members for members in groups.values() if len({labels[i] for i in members}) > 1]


def audit(
    texts: list[str],
    labels: list[str],
    *,
    folds: int = 5,
    seed: int = 0,
    proba: tuple[np.ndarray, list[str]] | None = None,
    base: tuple[list[str], list[str]] | None = None,
) -> list[dict[str, Any]]:
    """Suspect posts, most suspect first: position, given and suggested label, score (1 = surely wrong), why.

    ``proba`` takes probabilities already computed (from a model that never saw these posts);
    otherwise they are out-of-fold, with ``base`` as in :func:`out_of_fold_probabilities`.
    """
    from cleanlab.rank import get_label_quality_scores

    _two_labels(labels)  # with a model's probabilities no fold plan has checked them: cleanlab stopped on one label
    matrix, columns = proba if proba is not None else out_of_fold_probabilities(texts, labels, folds=folds, seed=seed, base=base)
    given = np.asarray([columns.index(label) for label in labels])
    quality = get_label_quality_scores(given, matrix, method="self_confidence")
    issues = _label_issues(given, matrix, columns)
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for members in conflicting_duplicates(texts, labels):
        for i in members:
            others = sorted({labels[j] for j in members if labels[j] != labels[i]})
            # One copy's label is wrong, not surely each: the model's doubt of this one is its score.
            doubt = 1.0 - float(matrix[i][given[i]])
            out.append(_suspect(i, labels[i], columns, matrix[i], doubt, f"the same text is also labelled {', '.join(others)}"))
            seen.add(i)
    out.sort(key=lambda suspect: -suspect["score"])
    for i in issues.tolist():
        if i not in seen:
            out.append(_suspect(i, labels[i], columns, matrix[i], 1.0 - float(quality[i]), "confident learning"))
    return out


def _label_issues(given: np.ndarray, matrix: np.ndarray, columns: list[str]) -> np.ndarray:
    """cleanlab's ranked label issues, its warnings of classes too small to judge said by the label's name.

    cleanlab names a class by its column number ("class: 1"), which the reader cannot know, and
    warns of every column no post is given too, where there is nothing to flag.
    """
    from cleanlab.filter import find_label_issues

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # n_jobs=1: cleanlab's default forks a pool, and a worker the pool stops while it is still
        # starting misses the SIGTERM and leaves the pool joining it for ever (seen under a terminal
        # and in CI). The work is one pass per label, five in all; a pool only costs time here.
        issues: np.ndarray = find_label_issues(given, matrix, return_indices_ranked_by="self_confidence", n_jobs=1)
    counts = np.bincount(given, minlength=len(columns))
    for warning in caught:
        small = re.match(r"May not flag all label issues in class: (\d+),", str(warning.message))
        if small is None:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        elif counts[int(small[1])]:
            label, n = columns[int(small[1])], int(counts[int(small[1])])
            warnings.warn(f"{label} has {n} post{'s' if n > 1 else ''}: cleanlab may not flag every wrong label among so few", stacklevel=2)
    return issues


def _suspect(i: int, given: str, columns: list[str], row: np.ndarray, score: float, why: str) -> dict[str, Any]:
    best = int(row.argmax())
    return {"position": i, "given": given, "suggested": columns[best], "score": round(score, 4), "why": why}
