"""Prediction's features from the compiled kernel (``_kernel.c``), when the install built it.

The kernel gives what :mod:`smclass.features.tokens` and :func:`smclass.features.signals.counts` give for
a batch, summed straight into a post's rows: the hashes are the same, and every table and
constant is handed over from Python, so the features keep a single definition. Training
and any install without a C compiler use the numpy code, which stays the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from smclass.features import signals
from smclass.features.embeddings import MAX_WORD_CHARS, StaticTable
from smclass.features.tokens import CHAR_NGRAMS, PRIME_INVERSE, Tokens, hash_constants, joined_text, packed_flags, string_hashes

try:
    from smclass.features import _kernel  # type: ignore[attr-defined]
except ImportError:  # built without a C compiler
    _kernel = None

# The order in which the kernel writes the counts after the lexicon bits.
_FIXED_COUNTS = (
    "tokens",
    "starts_as_reply",
    "starts_as_retweet",
    "question_marks",
    "exclamation_marks",
    "characters",
    "line_breaks",
    "words",
    "capitalised_words",
    "long_words",
    "capital_long_words",
)


def available() -> bool:
    """True when the compiled kernel was built and agrees with this version's n-grams and counts."""
    return _kernel is not None and CHAR_NGRAMS == (3, 4) and signals.KERNEL_COUNTS == _FIXED_COUNTS


# A key's two buckets among n: the high half of n times these products (see _kernel.c).
BUCKET_MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F)
FULLEST = 0.85


class Table:
    """An n-gram table packed for the kernel: buckets of four keys, about 85% full, and each
    key's row at its slot."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray) -> None:
        if _kernel is None:
            raise RuntimeError("the compiled kernel is not built")
        keys = np.ascontiguousarray(keys, dtype=np.uint64)
        rows = np.ascontiguousarray(rows[: len(keys)], dtype=np.float32)
        self.width = int(rows.shape[1])
        buckets = max(1, int(np.ceil(len(keys) / (4 * FULLEST))))
        for _ in range(6):
            self.keys = np.zeros(buckets * 4, dtype=np.uint64)
            self.rows = np.zeros((buckets * 4 + 1, self.width), dtype=np.float32)
            if not len(keys) or _kernel.pack(keys, rows, self.keys, self.rows, buckets):
                break
            buckets = int(buckets * 1.5) + 1  # the keys did not fit: give them more room
        else:
            raise ValueError("the keys crowd a few buckets at every table size (they are not hashes)")
        self.buckets = buckets

    def spec(self) -> tuple[np.ndarray, np.ndarray, int]:
        return self.keys, self.rows, self.buckets


def lookup(table: Table, keys: np.ndarray) -> np.ndarray:
    """The row of each key (zeros for an unknown key), as the kernel finds it."""
    if _kernel is None:
        raise RuntimeError("the compiled kernel is not built")
    out = np.zeros((len(keys), table.width), dtype=np.float32)
    _kernel.rows(table.spec(), np.ascontiguousarray(keys, dtype=np.uint64), out)
    return out


class WordPieces:
    """The WordPiece vocabulary of plain ASCII pieces, each with its vector already projected:
    first pieces and "##" pieces (keyed without "##") in two packed tables."""

    def __init__(self, table: StaticTable, projection: np.ndarray) -> None:
        first: list[tuple[str, int]] = []
        rest: list[tuple[str, int]] = []
        for i, token in enumerate(table.tokens):
            piece = token[2:] if token.startswith("##") else token
            if piece and piece.isascii() and piece.isalnum() and len(piece) <= MAX_WORD_CHARS:
                (rest if token.startswith("##") else first).append((piece, i))
        self.width = int(projection.shape[1])
        self.first, self.rest = (self._table(table, projection, entries) for entries in (first, rest))

    @staticmethod
    def _table(table: StaticTable, projection: np.ndarray, entries: list[tuple[str, int]]) -> Table:
        ids = [i for _, i in entries]
        rows = table.token_vectors(ids) @ projection.astype(np.float32)
        return Table(string_hashes([piece for piece, _ in entries]), rows)


@dataclass
class Sums:
    """What the kernel found in a batch: per-post sums of n-gram rows, signal counts, tokens,
    and the WordPiece sums and piece counts of the words it handled (``handled`` per token)."""

    words: np.ndarray
    chars: np.ndarray
    counts: np.ndarray
    tokens: Tokens
    meaning: np.ndarray
    pieces: np.ndarray
    handled: np.ndarray


def features(texts: list[str], words: Table, chars: Table, meaning: WordPieces) -> Sums:
    """Sums of the known word and character n-gram rows of each text, its signal counts, its
    tokens, and the WordPiece sums of its plain ASCII words."""
    if _kernel is None:
        raise RuntimeError("the compiled kernel is not built")
    flags, constants, lexicon = _shared()
    n = len(texts)
    joined, lowered = joined_text(texts)
    word_sums = np.zeros((n, words.width))
    char_sums = np.zeros((n, chars.width))
    counts = np.zeros((n, len(signals.COUNTS)))
    room = (len(lowered) + 1) // 2
    hashes = np.empty(room, dtype=np.uint64)
    posts, starts, ends = (np.empty(room, dtype=np.int64) for _ in range(3))
    handled = np.zeros(room, dtype=np.uint8)
    meaning_sums = np.zeros((n, meaning.width))
    piece_counts = np.zeros(n)
    found = _kernel.features(
        lowered,
        joined,
        n,
        flags,
        constants,
        (words.spec(), word_sums),
        (chars.spec(), char_sums),
        lexicon,
        counts,
        (hashes, posts, starts, ends),
        (meaning.first.spec(), meaning.rest.spec(), meaning_sums, piece_counts, handled, PRIME_INVERSE),
    )
    tokens = Tokens(n, lowered, hashes[:found], posts[:found], starts[:found], ends[:found])
    return Sums(word_sums, char_sums, counts, tokens, meaning_sums, piece_counts, handled[:found].astype(bool))


@lru_cache(maxsize=1)
def _shared() -> tuple[np.ndarray, tuple[Any, ...], tuple[Any, ...]]:
    return packed_flags(), hash_constants(), _lexicon()


def _lexicon() -> tuple[Any, ...]:
    """(bits, words, phrases, prefixes, prefix lengths, prefix first characters, markers, reply, retweet)."""
    words, phrases, by_length, firsts = signals.kernel_lexicon()
    markers, reply, retweet = signals.kernel_markers()
    prefix_keys = np.concatenate([keys for keys, _ in by_length.values()])
    prefix_masks = np.concatenate([masks for _, masks in by_length.values()])
    first = np.zeros(129, dtype=np.uint8)
    for char in firsts:
        first[min(ord(char), 128)] = 1
    return (
        signals.LEXICON_BITS,
        _masks(*words).spec(),
        _masks(*phrases).spec(),
        _masks(prefix_keys, prefix_masks).spec(),
        tuple(by_length),
        first,
        markers,
        reply,
        retweet,
    )


def _masks(keys: np.ndarray, masks: np.ndarray) -> Table:
    """A table whose rows are the 8 bytes of each key's signal bits (two float32 slots, never read as numbers)."""
    return Table(keys, np.ascontiguousarray(masks, dtype=np.int64).view(np.float32).reshape(-1, 2))
