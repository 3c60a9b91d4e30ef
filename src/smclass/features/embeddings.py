"""Static sentence embeddings with numpy alone.

The table in ``models/minilm-static-256.npz`` holds one vector per WordPiece token of
all-MiniLM-L6-v2, distilled once by ``scripts/distill_embeddings.py``. A post's embedding
is the mean of the vectors of the WordPiece tokens of its words. Words are looked up
once each and cached (:class:`WordVectors`), so a batch costs a few array operations
plus Python work only for words never seen before. The tokenizer below is
BERT's uncased WordPiece, written out so that no tokenizer library is needed at run time.
"""

from __future__ import annotations

import hashlib
import json
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from smclass.errors import ModelError
from smclass.features.hashindex import HashIndex
from smclass.features.normalize import MARKERS
from smclass.features.tokens import Batch, Tokens, per_post_sums, raw_word_hashes

TABLE_NAME = "minilm-static-256.npz"
MAX_WORD_CHARS = 100


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def basic_words(text: str) -> list[str]:
    """BERT's basic tokenizer: lower case, accents off, split on spaces and punctuation."""
    out: list[str] = []
    for raw in text.split():
        word = unicodedata.normalize("NFD", raw.lower())
        current: list[str] = []
        for char in word:
            code = ord(char)
            if code == 0 or code == 0xFFFD or unicodedata.category(char) in ("Mn", "Cc", "Cf"):
                continue
            if _is_punctuation(char) or _is_cjk(code):
                if current:
                    out.append("".join(current))
                    current = []
                out.append(char)
            else:
                current.append(char)
        if current:
            out.append("".join(current))
    return out


@dataclass
class StaticTable:
    """Token vectors and the WordPiece vocabulary they belong to."""

    tokens: list[str]
    vectors: np.ndarray  # int8, one row per token
    scales: np.ndarray  # float32, the scale of each row
    sha256: str
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {token: i for i, token in enumerate(self.tokens)}
        self._pieces: dict[str, tuple[int, ...]] = {}

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def token_vectors(self, ids: list[int]) -> np.ndarray:
        """Float vectors of some tokens; the table stays int8 in memory (a quarter of float32)."""
        out: np.ndarray = np.asarray(self.vectors[ids], dtype=np.float32) * self.scales[ids, None]
        return out

    def word_pieces(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match WordPiece ids of one word; unknown words give nothing."""
        cached = self._pieces.get(word)
        if cached is not None:
            return cached
        pieces: list[int] = []
        if len(word) <= MAX_WORD_CHARS:
            start = 0
            while start < len(word):
                end = len(word)
                found = -1
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.index.get(piece, -1)
                    if found >= 0:
                        break
                    end -= 1
                if found < 0:
                    pieces = []
                    break
                pieces.append(found)
                start = end
        result = tuple(pieces)
        if len(self._pieces) < 50_000:
            self._pieces[word] = result
        return result

    def word_ids(self, word: str) -> tuple[int, ...]:
        """WordPiece ids of one lower-case word; plain ASCII words skip the basic tokenizer."""
        if word.isascii() and word.isalnum():
            return self.word_pieces(word)
        return tuple(self.token_ids(word))

    def token_ids(self, text: str) -> list[int]:
        ids: list[int] = []
        for word in basic_words(text):
            ids.extend(self.word_pieces(word))
        return ids


def bundled_table_path() -> Path:
    bundled = resources.files("smclass").joinpath("_model", TABLE_NAME)
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[3] / "models" / TABLE_NAME


@lru_cache(maxsize=2)
def load_table(path: str | None = None) -> StaticTable:
    """Load a table of plain arrays (no pickles are allowed in it)."""
    target = Path(path) if path else bundled_table_path()
    try:
        data = target.read_bytes()
    except OSError:
        raise ModelError(f"{target}: embedding table not found (reinstall smclass)") from None
    digest = hashlib.sha256(data).hexdigest()
    import io

    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            tokens = [str(t) for t in archive["tokens"].tolist()]
            vectors = np.ascontiguousarray(archive["vectors"], dtype=np.int8)
            scales = np.asarray(archive["scales"], dtype=np.float32)
            json.loads(str(archive["meta"]))
    except (ValueError, KeyError, OSError) as exc:
        raise ModelError(f"{target}: damaged embedding table ({exc})") from None
    if vectors.ndim != 2 or vectors.shape[0] != len(tokens) or scales.shape != (len(tokens),):
        raise ModelError(f"{target}: damaged embedding table (shapes do not match)")
    return StaticTable(tokens, vectors, scales, digest)


class WordVectors:
    """Per-word sums of WordPiece vectors (or their projection), cached by word hash.

    With ``projection`` (dims x k) each word keeps only its k projected numbers, which is
    all a linear model needs and keeps the cache small. Marker words count for nothing.
    """

    def __init__(self, table: StaticTable, projection: np.ndarray | None = None, limit: int = 200_000, fold_after: int = 5_000) -> None:
        self.table = table
        self.projection = projection
        self.limit = limit
        self.fold_after = fold_after
        self.width = table.dims if projection is None else int(projection.shape[1])
        # One model serves every thread of a Dask worker: the cache grows under a lock, or two
        # batches at once hand out the same rows (seen as a shape mismatch in _add).
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        # Words seen so far: most sit in an array-wide hash index, the latest in a dict
        # that is folded into the index once it grows (a dict lookup per word was slow).
        self._recent: dict[int, int] = {int(h): 0 for h in raw_word_hashes(list(MARKERS))}
        self._indexed_keys = np.zeros(0, dtype=np.uint64)
        self._indexed_rows = np.zeros(0, dtype=np.int64)
        self._index = HashIndex(self._indexed_keys)
        self._lookup_rows = np.full(1, -1, dtype=np.int64)  # indexed rows, then -1 for "not indexed"
        self._values = np.zeros((1024, self.width), dtype=np.float32)
        self._counts = np.zeros(1024, dtype=np.float32)
        self._used = 1  # row 0: nothing

    def _fold_recent(self) -> None:
        keys = np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))
        rows = np.fromiter(self._recent.values(), dtype=np.int64, count=len(self._recent))
        # A zero hash cannot go in the index; such a word simply stays in the dict.
        movable = keys != 0
        self._indexed_keys = np.concatenate([self._indexed_keys, keys[movable]])
        self._indexed_rows = np.concatenate([self._indexed_rows, rows[movable]])
        self._index = HashIndex(self._indexed_keys)
        self._lookup_rows = np.append(self._indexed_rows, -1)
        self._recent = {int(k): int(r) for k, r in zip(keys[~movable], rows[~movable], strict=True)}

    def _add(self, words: list[str]) -> np.ndarray:
        """Rows for words not seen before, computed together (one array operation for all)."""
        pieces = [self.table.word_ids(word) for word in words]
        counts = np.asarray([len(p) for p in pieces], dtype=np.int64)
        rows = np.zeros(len(words), dtype=np.int64)
        known = np.flatnonzero(counts > 0)
        if not len(known):
            return rows
        need = self._used + len(known)
        if need > len(self._counts):
            grow = max(need, 2 * len(self._counts))
            self._values = np.concatenate([self._values, np.zeros((grow - len(self._counts), self.width), dtype=np.float32)])
            self._counts = np.concatenate([self._counts, np.zeros(grow - len(self._counts), dtype=np.float32)])
        vectors = self.table.token_vectors([i for p in pieces for i in p])
        starts = np.concatenate([[0], np.cumsum(counts[known])[:-1]])
        sums = np.add.reduceat(vectors, starts, axis=0)
        new_rows = np.arange(self._used, need)
        self._values[new_rows] = sums if self.projection is None else sums @ self.projection
        self._counts[new_rows] = counts[known]
        self._used = need
        rows[known] = new_rows
        return rows

    def sums(self, batch: Batch | Tokens) -> tuple[np.ndarray, np.ndarray]:
        """Per post: the sum of its words' values, and how many WordPiece tokens they hold."""
        with self._lock:
            return self._sums(batch)

    def _sums(self, batch: Batch | Tokens) -> tuple[np.ndarray, np.ndarray]:
        n = batch.n_posts
        if not len(batch.token_hashes):
            return np.zeros((n, self.width), dtype=np.float64), np.zeros(n)
        if len(self._indexed_keys) + len(self._recent) > self.limit:
            self._reset()
        hashes = batch.token_hashes
        position = self._index.lookup(hashes)
        token_rows = np.take(self._lookup_rows, position)
        # Only words not yet in the index need a closer look, once per distinct word.
        pending = np.flatnonzero(token_rows < 0)
        if len(pending):
            unique, first, inverse = np.unique(hashes[pending], return_index=True, return_inverse=True)
            keys = unique.tolist()
            get = self._recent.get
            rows = np.asarray([get(key, -1) for key in keys], dtype=np.int64)
            missing = np.flatnonzero(rows < 0)
            if len(missing):
                rows[missing] = self._add([batch.token_text(int(pending[first[i]])) for i in missing])
                self._recent.update(zip(unique[missing].tolist(), rows[missing].tolist(), strict=True))
                if len(self._recent) > max(self.fold_after, len(self._indexed_keys) // 4):
                    self._fold_recent()
            token_rows[pending] = rows[inverse]
        counts = np.bincount(batch.token_post, weights=self._counts[token_rows], minlength=n)
        return per_post_sums(np.take(self._values, token_rows, axis=0), batch.token_post, n), counts
