"""Scores of a model against labelled posts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from smclass.batching import batches
from smclass.labels import LABELS
from smclass.model import seen
from smclass.model.files import Model

if TYPE_CHECKING:
    from smclass.model.dataset import LabelledPost

CUTS = (0.5, 0.6, 0.7, 0.8, 0.9)


def score(true: list[str], predicted: list[str]) -> dict[str, Any]:
    """Per-class precision, recall and F1, macro-F1 over the five labels, accuracy, confusion matrix."""
    index = {label: i for i, label in enumerate(LABELS)}
    matrix = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    rows = [index.get(label, -1) for label in true]
    columns = [index.get(label, -1) for label in predicted]
    # A label outside the five counts nowhere, as sklearn's confusion_matrix(labels=LABELS) drops it.
    kept = [(r, c) for r, c in zip(rows, columns, strict=True) if r >= 0 and c >= 0]
    if kept:
        np.add.at(matrix, tuple(np.asarray(kept).T), 1)
    report = score_matrix(matrix)
    report["posts"] = len(true)
    report["accuracy"] = round(float(np.mean([t == p for t, p in zip(true, predicted, strict=True)])) if true else 0.0, 4)
    return report


def score_matrix(matrix: np.ndarray) -> dict[str, Any]:
    """:func:`score` from a confusion matrix over the five labels (rows: reference, columns: predicted).

    Precision, recall and F1 are sklearn's, but None where they would divide by zero (no post
    predicted as a label has no precision; no reference post, no recall or F1), where sklearn
    gives 0: a reader of the JSON can tell them from a real 0. Macro-F1 averages the labels
    that have posts.
    """
    counts = np.asarray(matrix, dtype=np.int64)
    hits = np.diag(counts).astype(np.float64)
    support = counts.sum(axis=1)
    chosen = counts.sum(axis=0)
    precision = _divide(hits, chosen)
    recall = _divide(hits, support)
    f1 = _divide(2 * hits, support + chosen)
    present = [i for i, n in enumerate(support) if n > 0]
    total = int(counts.sum())
    return {
        "posts": total,
        "macro_f1": round(float(np.mean([f1[i] for i in present])) if present else 0.0, 4),
        # A label no reference post holds has no recall to average: say which labels the mean is over.
        "macro_f1_labels": [LABELS[i] for i in present],
        "accuracy": round(float(hits.sum() / total) if total else 0.0, 4),
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4) if chosen[i] else None,
                "recall": round(float(recall[i]), 4) if support[i] else None,
                "f1": round(float(f1[i]), 4) if support[i] else None,
                "support": int(support[i]),
            }
            for i, label in enumerate(LABELS)
        },
        "labels": list(LABELS),
        "confusion_matrix": counts.tolist(),
    }


def _divide(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    bottom = np.asarray(bottom, dtype=np.float64)
    quotient: np.ndarray = np.divide(top, bottom, out=np.zeros_like(bottom), where=bottom > 0)
    return quotient


# Digits of a confidence as classify writes it. --threshold meets the written number (0.9 keeps a
# post of 0.89997, written 0.9), so evaluate's cuts round the same way to agree with it.
CONFIDENCE_DIGITS = 4


def written(confidence: float) -> float:
    """A confidence as classify writes it."""
    return round(confidence, CONFIDENCE_DIGITS)


def coverage(true: list[str], predicted: list[str], confidence: list[float], cuts: tuple[float, ...] = CUTS) -> list[dict[str, Any]]:
    """At each confidence cut: the share of posts that keep a label, and accuracy and macro-F1 on those."""
    rows = []
    for cut in cuts:
        kept = [i for i, c in enumerate(confidence) if c >= cut]
        scored = score([true[i] for i in kept], [predicted[i] for i in kept]) if kept else None
        rows.append(
            {
                "threshold": cut,
                "coverage": round(len(kept) / len(true), 4) if true else 0.0,
                "accuracy": scored["accuracy"] if scored else None,
                "macro_f1": scored["macro_f1"] if scored else None,
                "macro_f1_labels": scored["macro_f1_labels"] if scored else [],
            }
        )
    return rows


def suggested_threshold(true: list[str], predicted: list[str], confidence: list[float], target: float = 0.9) -> float | None:
    """The lowest cut (in steps of 0.05) at which the posts that keep a label are ``target`` accurate, if any is."""
    for step in range(6, 20):
        cut = step / 20
        kept = [i for i, c in enumerate(confidence) if c >= cut]
        if len(kept) >= 10 and sum(true[i] == predicted[i] for i in kept) / len(kept) >= target:
            return cut
    return None


def predict(model: Model, texts: list[str], batch_size: int = 4096) -> tuple[list[str], list[float]]:
    """Each text's best label and its probability."""
    predicted, confidence, _ = _predict(model, texts, batch_size)
    return predicted, confidence


def _predict(model: Model, texts: list[str], batch_size: int) -> tuple[list[str], list[float], int]:
    """:func:`predict`, and how many texts the model knows no word of (smclass.model.unread)."""
    predicted: list[str] = []
    confidence: list[float] = []
    unread = 0
    labels = model.labels
    for start in range(0, len(texts), batch_size):
        proba, known = model.predict_known(texts[start : start + batch_size])
        predicted.extend(labels[i] for i in proba.argmax(axis=1))
        confidence.extend(written(c) for c in proba.max(axis=1).tolist())
        unread += int((~known).sum())
    return predicted, confidence, unread


def evaluate(model: Model, texts: list[str], true: list[str], batch_size: int = 4096) -> dict[str, Any]:
    """The scores of :func:`score`, posts the model cannot read, and the coverage and accuracy at a few confidence cuts."""
    predicted, confidence, unread = _predict(model, texts, batch_size)
    report = score(true, predicted)
    report["unread_posts"] = unread
    report["coverage"] = coverage(true, predicted, confidence)
    return report


Misclassified = Callable[["LabelledPost", str, float], None]


def evaluate_posts(
    model: Model, posts: Iterable[LabelledPost], *, on_wrong: Misclassified | None = None, batch_size: int = 4096
) -> dict[str, Any]:
    """:func:`evaluate` over posts as they are read: memory stays that of one batch, whatever the input.

    Only a confusion matrix per confidence cut is kept, not the posts or their predictions;
    each misclassified post goes to ``on_wrong`` (with the predicted label and its
    probability) as its batch is scored.
    """
    index = {label: i for i, label in enumerate(LABELS)}
    columns = np.asarray([index[label] for label in model.labels])
    # matrices[0] counts every post; matrices[k + 1] those whose confidence reaches CUTS[k].
    matrices = np.zeros((len(CUTS) + 1, len(LABELS), len(LABELS)), dtype=np.int64)
    cuts = np.asarray(CUTS)
    unread = 0
    for batch in batches(posts, most=batch_size, size=lambda post: len(post.text)):
        proba, known = model.predict_known([post.text for post in batch])
        unread += int((~known).sum())
        best = proba.argmax(axis=1)
        confidence = np.asarray([written(c) for c in proba.max(axis=1).tolist()])
        rows = np.asarray([index[post.label] for post in batch])
        predicted = columns[best]
        reached = np.concatenate([np.ones((len(batch), 1), dtype=bool), confidence[:, None] >= cuts[None, :]], axis=1)
        for level in range(len(CUTS) + 1):
            keep = reached[:, level]
            np.add.at(matrices[level], (rows[keep], predicted[keep]), 1)
        if on_wrong is not None:
            for i in np.flatnonzero(rows != predicted).tolist():
                on_wrong(batch[i], model.labels[best[i]], float(confidence[i]))
    report = score_matrix(matrices[0])
    # Posts the model knows no word of (smclass.model.unread): classify gives them no label, and they
    # are counted here with their likeliest label, which the CLI says.
    report["unread_posts"] = unread
    total = report["posts"]
    report["coverage"] = []
    for level, cut in enumerate(CUTS, start=1):
        kept = score_matrix(matrices[level]) if matrices[level].sum() else None
        report["coverage"].append(
            {
                "threshold": cut,
                "coverage": round(int(matrices[level].sum()) / total, 4) if total else 0.0,
                "accuracy": kept["accuracy"] if kept else None,
                "macro_f1": kept["macro_f1"] if kept else None,
                # A cut can keep no post of a label: its macro-F1 is then over fewer labels than the one of all posts.
                "macro_f1_labels": kept["macro_f1_labels"] if kept else [],
            }
        )
    return report


class LabelledTwice:
    """Texts the posts read give two labels (copies differing at most in case and spacing): no model
    can get both right. Kept as an 8-byte key and a label code a post, so memory stays small."""

    def __init__(self) -> None:
        self._keys: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []
        self._waiting: list[tuple[int, int]] = []

    def watch(self, posts: Iterable[LabelledPost], check: TrainingCheck | None = None) -> Iterable[LabelledPost]:
        """``posts`` unchanged, each noted on its way, and handed to ``check`` with its key (worked out once for both)."""
        index = {label: i for i, label in enumerate(LABELS)}
        for post in posts:
            key = seen.key(post.text)
            if check is not None:
                check.add(post.text, post.label, key)
            self._waiting.append((key, index[post.label]))
            if len(self._waiting) >= 65536:
                self._flush()
            yield post

    def _flush(self) -> None:
        if self._waiting:
            keys, labels = zip(*self._waiting, strict=True)
            self._keys.append(np.asarray(keys, dtype=np.uint64))
            self._labels.append(np.asarray(labels, dtype=np.uint8))
            self._waiting.clear()

    def counts(self) -> tuple[int, int]:
        """How many texts are labelled two ways, and how many posts they are."""
        self._flush()
        if not self._keys:
            return 0, 0
        keys, labels = np.concatenate(self._keys), np.concatenate(self._labels)
        order = np.lexsort((labels, keys))
        keys, labels = keys[order], labels[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        # Sorted by key, then label: a text has two labels when its first and last differ.
        mixed = labels[starts] != labels[starts + sizes - 1]
        return int(mixed.sum()), int(sizes[mixed].sum())


class TrainingCheck:
    """Whether the labelled posts read are exactly a model's training data, by its card's ``training_data_sha256``.

    The posts are fingerprinted as train did: alone, and after the default corpus when the card
    says the model was trained on top of it (train puts the corpus first). A model that has
    seen these very labels scores them as if they were right. A subset or a reordering of them
    is counted in ``trained_on``, by the keys of its training texts the model file keeps.
    """

    def __init__(self, model: Model) -> None:
        from smclass.model.dataset import Fingerprint

        self._seen = model.seen
        # Posts among those read that the model was trained on (any order, case or spacing), looked
        # up a batch at a time.
        self._counted = 0
        self._waiting: list[int] = []
        self.expected: str | None = model.card.get("training_data_sha256")
        self._fingerprints = [Fingerprint()] if self.expected else []
        if self.expected and model.card.get("base"):
            from smclass.model import bundled
            from smclass.model.dataset import read_labelled

            corpus = read_labelled([str(bundled.corpus_path())])
            self._fingerprints.append(Fingerprint().add_all(corpus.texts, corpus.labels))

    def add(self, text: str, label: str, key: int | None = None) -> None:
        """Note one post; ``key`` is its :func:`seen.key`, when the caller has it already."""
        for fingerprint in self._fingerprints:
            fingerprint.add(text, label)
        if self._seen is not None:
            # The key, not the text: 4,096 texts of a long-document input would be gigabytes.
            self._waiting.append(seen.key(text) if key is None else key)
            if len(self._waiting) >= 4096:
                self._count()

    def _count(self) -> None:
        if self._seen is not None and self._waiting:
            self._counted += seen.count_in(self._seen, self._waiting)
        self._waiting.clear()

    @property
    def trained_on(self) -> int | None:
        """How many posts read the model was trained on; None for a file that keeps no record of its training texts."""
        if self._seen is None:
            return None
        self._count()
        return self._counted

    def trained_on_these(self) -> bool | None:
        """True when they are the training data, False when not, None when the card keeps no fingerprint."""
        if not self.expected:
            return None
        return any(fingerprint.hexdigest() == self.expected for fingerprint in self._fingerprints)
