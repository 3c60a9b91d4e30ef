"""Why a post got its label: the features that pushed its decision value toward that label.

A folded model's decision value for a label is a sum (see :mod:`smclass.model.scorer`):
each word n-gram's and character n-gram's table value over the root of the post's summed
squared idf, each taxonomy signal times its weight, the static embedding's share, and the
intercept. Explaining repeats that sum with numpy for one post, keeping every term apart
and named: a word or word pair as it stands in the (normalised) post, the character
n-grams summed into the stretch of text they came from, a signal by its name, and the
embedding as one entry. Without the intercept, the terms add up to the decision value.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from smclass.features import normalize, signals
from smclass.features.normalize import feature_text
from smclass.features.tokens import pieces
from smclass.model.scorer import Scorer

if TYPE_CHECKING:
    from smclass.model.accurate import EncodedScorer

_MARKER_NAMES = {
    normalize.URL: "[link]",
    normalize.MENTION: "[@mention]",
    normalize.REPLY: "[reply]",
    normalize.RETWEET: "[retweet]",
    normalize.HASHTAG: "[hashtag]",
    normalize.EMOJI: "[emoji]",
    normalize.NUMBER: "[number]",
    normalize.MONEY: "[money]",
    normalize.EMAIL_HEADER: "[email header]",
    normalize.SUBJECT: "[subject line]",
    normalize.SIGNOFF: "[initials sign-off]",
    normalize.CHECKIN: "[check-in]",
}
EMBEDDING = "meaning (sentence embedding)"


def _readable(text: str) -> str:
    return " ".join(_MARKER_NAMES.get(word, word) for word in text.split())


def _columns(scorer: Scorer, label: str) -> tuple[list[int], float]:
    """The decision columns of ``label`` in every member, and the sign that points toward it."""
    k = scorer.labels.index(label)
    if scorer.width == 1:
        return [m for m in range(scorer.members)], 1.0 if k == 1 else -1.0
    return [m * scorer.width + k for m in range(scorer.members)], 1.0


def contributions(scorer: Scorer, text: str, label: str) -> tuple[dict[str, float], float]:
    """Every named term toward ``label`` in the post's decision value, and the intercept's."""
    columns, sign = _columns(scorer, label)
    terms: dict[str, float] = defaultdict(float)
    words_norm = chars_norm = 0.0
    word_terms: dict[str, float] = defaultdict(float)
    char_terms: dict[str, float] = defaultdict(float)
    counts = np.zeros((1, len(signals.COUNTS)))
    meaning = np.zeros(scorer.meaning_coef.shape[1])
    tokens = 0.0
    meaning_words = scorer._meaning_words()
    for part in pieces([feature_text(text)]):
        batch = part.batch
        hashes, _ = batch.words()
        values = np.take(scorer.words_table, scorer._index("words").lookup(hashes), axis=0)
        words_norm += float(values[:, -1].sum())
        for name, value in zip(_word_names(batch), values[:, columns].mean(axis=1).tolist(), strict=True):
            word_terms[name] += value
        table = scorer.chars_table
        for grams, _, starts in batch.char_grams_at():
            values = np.take(table, scorer._index("chars").lookup(grams), axis=0)
            chars_norm += float(values[:, -1].sum())
            for name, value in zip(_chunk_names(batch, starts), values[:, columns].mean(axis=1).tolist(), strict=True):
                char_terms[name] += value
        counts += signals.piece_counts(part).sum(axis=0, keepdims=True)
        part_meaning, part_tokens = meaning_words.sums(batch)
        meaning += part_meaning.sum(axis=0)
        tokens += float(part_tokens.sum())
    for source, norm in ((word_terms, words_norm), (char_terms, chars_norm)):
        if norm > 0:
            for name, value in source.items():
                terms[_readable(name)] += sign * value / np.sqrt(norm)
    scaled = signals.scale(signals.finish(counts), scorer.signal_scale, scorer.signal_weight)[0]
    for name, value, coef in zip(signals.NAMES, scaled.tolist(), scorer.signal_coef[:, columns].mean(axis=1).tolist(), strict=True):
        if value:
            terms[name] += sign * value * coef
    terms[EMBEDDING] = sign * float(meaning[columns].mean()) / max(tokens, 1.0)
    return dict(terms), sign * float(scorer.intercept[columns].mean())


ENCODER = "meaning (contextual encoder)"


def explain(scorer: Scorer | EncodedScorer, text: str, label: str, k: int) -> list[dict[str, Any]]:
    """The ``k`` terms that pushed the post most toward ``label``, strongest first.

    For an accurate model, the terms of whichever model gave the label: the cascade's fast
    model, or the accurate one with its contextual encoder as one more entry.
    """
    if isinstance(scorer, Scorer):
        terms, _ = contributions(scorer, text, label)
    elif scorer.cascade and not scorer.sends(scorer.fast.predict_proba([text]).max(axis=1))[0]:
        terms, _ = contributions(scorer.fast, text, label)
    else:
        terms, _ = contributions(scorer.scorer, text, label)
        columns, sign = _columns(scorer.scorer, label)
        terms[ENCODER] = sign * float((scorer.block([text]) @ scorer.encoder_coef)[0, columns].mean())
    # A push under half the last digit written would show as "weight": 0.0, a feature that pushed nothing.
    toward = sorted(((weight, name) for name, weight in terms.items() if round(weight, 4) > 0), key=lambda item: (-item[0], item[1]))
    return [{"feature": name, "weight": round(float(weight), 4)} for weight, name in toward[:k]]


def _word_names(batch: Any) -> list[str]:
    """The names of :meth:`Batch.words`'s n-grams, in its order: each word, then the pair it starts."""
    kept = np.flatnonzero((batch.token_end - batch.token_start) >= 2).tolist()
    names = []
    for position, token in enumerate(kept):
        names.append(batch.token_text(token))
        following = kept[position + 1] if position + 1 < len(kept) else None
        if following is not None and batch.token_post[following] == batch.token_post[token]:
            names.append(f"{batch.token_text(token)} {batch.token_text(following)}")
    return names


def _chunk_names(batch: Any, starts: np.ndarray) -> list[str]:
    """The stretch of text between spaces that each character n-gram (padded by a space) lies in."""
    space = np.asarray(batch.space, dtype=bool)
    n = len(space)
    if not len(starts):
        return []
    # A gram may start on the space before its stretch: look one further on.
    at = np.where(space[starts] & (starts + 1 < n), starts + 1, starts)
    # Stretch boundaries: the last space at or before each position, the first space after it.
    positions = np.arange(n)
    last_space = np.maximum.accumulate(np.where(space, positions, -1))
    next_space = np.minimum.accumulate(np.where(space, positions, n)[::-1])[::-1]
    left = np.where(space[at], at, last_space[at] + 1)
    right = np.where(space[at], at, next_space[at])
    text = batch.text
    names: dict[tuple[int, int], str] = {}
    return [names.setdefault(span, text[span[0] : span[1]]) for span in zip(left.tolist(), right.tolist(), strict=True)]
