"""Which posts a model was trained on: a 64-bit key of each training text, kept in its file.

The card's ``training_data_sha256`` tells only the very same file, in the same order, with the
same labels. Scoring a model on a few of its training posts among new ones, or on a reordered
copy, raises its scores just as much: the keys let evaluate and audit count such posts. A key
is of the text's words, whatever their case and spacing (:func:`same_words`, as copies are told
everywhere: folds, audit, suggest).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from smclass.errors import ModelError

ARRAY = "seen_texts"


def same_words(text: str) -> str:
    """What copies of a post share, whatever their case and spacing."""
    return " ".join(text.split()).casefold()


def key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(same_words(text).encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def keys(texts: Iterable[str]) -> np.ndarray:
    """The sorted keys of ``texts``, each once."""
    return np.unique(np.fromiter((key(text) for text in texts), dtype=np.uint64))


def checked(array: np.ndarray | None) -> np.ndarray | None:
    """The keys as a model file holds them, or None for a file made before they were kept."""
    if array is None:
        return None
    if array.dtype != np.uint64 or array.ndim != 1 or (len(array) > 1 and not (array[1:] > array[:-1]).all()):
        raise ModelError(f"model array {ARRAY!r} is damaged")
    return array


def count_in(seen: np.ndarray, wanted: list[int]) -> int:
    """How many of the keys ``wanted`` (:func:`key` of each text) are among the keys ``seen``."""
    return int(np.isin(np.asarray(wanted, dtype=np.uint64), seen, assume_unique=False).sum())
