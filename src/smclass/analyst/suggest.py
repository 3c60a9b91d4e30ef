"""Choosing the unlabelled posts worth labelling next: uncertain, and unlike each other.

The model's margin (best probability minus the next) says how unsure it is of a post.
Taking only the most uncertain posts would pick near-copies of one confusing post, so the
choice is greedy maximal marginal relevance: each pick is the most uncertain candidate
after a penalty for its likeness (cosine of word 1-2-gram vectors) to the posts already
picked. Only the most uncertain few thousand posts are kept while the pool streams by,
so memory does not follow the pool.
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from smclass.batching import batches
from smclass.errors import UsageError
from smclass.labels import normalize_label
from smclass.model.dataset import SKIPPED_LABELS, is_confidence
from smclass.model.files import Model
from smclass.reading import fields

BATCH = 4096
# Likeness is judged on each post's first 10,000 characters (some 1,500 words): longer than
# nearly any social-media post (a tweet holds 280, a Facebook post about 63,000 at most),
# enough to tell near-copies apart, and it bounds the word list one post makes, which for a
# 60-million-character post took gigabytes.
LIKENESS_CHARS = 10_000
# The candidates' texts held at most, beyond the n to suggest: 20 n of them is 600 KB of tweets,
# but 2,000 posts of 1 MB would be 2 GB.
CANDIDATE_CHARS = 64 * 2**20


def labelled_already(record: Any, label_field: str) -> bool:
    """Whether a pool record holds a label someone gave it, in ``label_field`` (its name matched without
    regard to case, spaces or underscores): a sheet in progress offers only what is left to label.

    Only a label train would take counts (one of the five in any spelling it reads, or exclude):
    a ``label`` field of some other scheme (a sentiment, a class number) is not one. And the
    ``label`` beside a confidence from 0 to 1 in smclass's own results is a model's.
    """
    if not isinstance(record, dict):
        return False
    value = _label_value(record, label_field)
    if not _a_label(value):
        return False
    return not (fields.fold(label_field) == "label" and "confidence" in record and is_confidence(record["confidence"]))


def foreign_label(record: Any, label_field: str) -> str | None:
    """The value of a pool record's label field when it holds something that is no label train
    takes (``News``, ``0``, ``personal/emergent``): such a post is offered as unlabelled, and said."""
    if not isinstance(record, dict):
        return None
    value = _label_value(record, label_field)
    if value is None or value is fields.MISSING or (isinstance(value, str) and not value.strip()) or _a_label(value):
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def holds_field(record: Any, label_field: str) -> bool:
    """Whether a pool record holds ``label_field`` at all (matched as :func:`labelled_already` matches it), whatever its value."""
    if not isinstance(record, dict):
        return False
    wanted = fields.fold(label_field)
    return fields.get_path(record, label_field) is not fields.MISSING or any(
        isinstance(key, str) and fields.fold(key) == wanted for key in record
    )


def _label_value(record: dict[str, Any], label_field: str) -> Any:
    value = fields.get_path(record, label_field)
    if value is fields.MISSING:
        wanted = fields.fold(label_field)
        value = next((item for key, item in record.items() if isinstance(key, str) and fields.fold(key) == wanted), None)
    return value


def _a_label(value: Any) -> bool:
    return isinstance(value, str) and (normalize_label(value) is not None or value.strip().lower() in SKIPPED_LABELS)


def uncertainty(proba: np.ndarray) -> np.ndarray:
    """1 minus the margin between the best and the next probability: 1 is a tie, 0 is certain."""
    if proba.shape[1] < 2:
        return np.zeros(len(proba))
    top = np.sort(proba, axis=1)[:, -2:]
    return np.asarray(1.0 - (top[:, 1] - top[:, 0]))


def suggest(
    model: Model, posts: Iterable[dict[str, Any]], n: int, *, diversity: float = 0.7, keep: int | None = None
) -> list[dict[str, Any]]:
    """The ``n`` posts to label next, in the order they were picked, each with its ``uncertainty``.

    ``posts`` are dicts with at least ``text`` (None is passed over); everything else in
    them is carried along. ``keep`` bounds the candidates kept (default: 20 n, at least 1,000).
    """
    if not math.isfinite(diversity) or diversity < 0:
        raise UsageError(f"diversity must be a finite number of at least 0, not {diversity}")
    from smclass.model.seen import same_words

    keep = keep or max(20 * n, 1000)
    heap: list[tuple[float, int, str, dict[str, Any]]] = []
    # A copy of a candidate (a repost, the same words) is not a candidate too: labelled
    # twice, it teaches nothing new, and a cluster of copies would crowd out other posts.
    held: set[str] = set()
    chars = 0  # the candidates' text, held until the end
    counter = itertools.count()
    usable = (post for post in posts if isinstance(post.get("text"), str) and post["text"].strip())
    for batch in batches(usable, most=BATCH, size=lambda post: len(post["text"])):
        scores = uncertainty(model.predict_proba([post["text"] for post in batch]))
        for post, score in zip(batch, scores.tolist(), strict=True):
            key = same_words(post["text"][:LIKENESS_CHARS])
            if key in held:
                continue
            # The count breaks ties by input order (earlier first) and keeps dicts out of comparisons.
            item = (score, -next(counter), key, post)
            if len(heap) < keep:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                gone = heapq.heapreplace(heap, item)
                held.discard(gone[2])
                chars -= len(gone[3]["text"])
            else:
                continue
            held.add(key)
            chars += len(post["text"])
            while chars > CANDIDATE_CHARS and len(heap) > n:
                # Long posts: fewer candidates rather than memory that follows their length.
                gone = heapq.heappop(heap)
                held.discard(gone[2])
                chars -= len(gone[3]["text"])
    candidates = sorted(heap, reverse=True)
    return _diverse([(score, post) for score, _, _, post in candidates], n, diversity)


def _diverse(candidates: list[tuple[float, dict[str, Any]]], n: int, diversity: float) -> list[dict[str, Any]]:
    if not candidates:
        return []
    from sklearn.feature_extraction.text import HashingVectorizer

    from smclass.features.normalize import feature_text

    vectors = HashingVectorizer(ngram_range=(1, 2), n_features=2**18, alternate_sign=False, norm="l2").transform(
        [feature_text(post["text"][:LIKENESS_CHARS]) for _, post in candidates]
    )
    scores = np.asarray([score for score, _ in candidates])
    likeness = np.zeros(len(candidates))
    taken = np.zeros(len(candidates), dtype=bool)
    picked: list[dict[str, Any]] = []
    for _ in range(min(n, len(candidates))):
        value = np.where(taken, -np.inf, scores - diversity * likeness)
        best = int(value.argmax())
        taken[best] = True
        picked.append({**candidates[best][1], "uncertainty": round(float(scores[best]), 4)})
        likeness = np.maximum(likeness, (vectors @ vectors[best].T).toarray().ravel())
    return picked
