"""scikit-learn transformers used to train a model.

Prediction does not run these: :mod:`smclass.model.scorer` folds the fitted model into tables
and computes the same numbers straight from a :class:`~smclass.features.tokens.Batch`. Every
feature here is therefore a sum over a post's tokens divided by a per-post total, which
is what makes that folding exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from smclass.errors import ModelError
from smclass.features import signals
from smclass.features.embeddings import WordVectors, load_table
from smclass.features.encoder import centred, parts
from smclass.features.normalize import feature_text
from smclass.features.tokens import Batch, pieces


def _as_texts(X: Any) -> list[str]:
    if hasattr(X, "tolist"):
        X = X.tolist()
    return ["" if x is None else str(x) for x in X]


class TextNormalizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Replace links, handles, retweet prefixes and email headers by marker words."""

    def fit(self, X: Any, y: Any = None) -> TextNormalizer:
        self.n_features_in_ = 1
        return self

    def transform(self, X: Any) -> list[str]:
        return [feature_text(t) for t in _as_texts(X)]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(["text"], dtype=object)


def ngram_hashes(batch: Batch, kind: str) -> tuple[np.ndarray, np.ndarray]:
    if kind == "words":
        return batch.words()
    if kind == "chars":
        return batch.chars()
    raise ValueError(f"unknown n-gram kind {kind!r}")


class HashedNgrams(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """TF-IDF over word 1-2-grams or character n-grams (``CHAR_NGRAMS``), known by their 64-bit hashes.

    A post's row is the sum of idf over its n-gram occurrences divided by the root of the
    summed squared idf, which is TF-IDF with l2 length normalisation when no n-gram
    repeats, and keeps the row a plain sum over occurrences when some do.
    """

    def __init__(self, kind: str = "words", min_df: int = 2, max_features: int | None = None) -> None:
        self.kind = kind
        self.min_df = min_df
        self.max_features = max_features

    def _occurrences(self, X: Any) -> tuple[int, np.ndarray, np.ndarray]:
        """Number of posts, and the post and hash of every n-gram occurrence."""
        texts = _as_texts(X)
        posts, hashes = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.uint64)]
        for part in pieces(texts):
            found, rows = ngram_hashes(part.batch, self.kind)
            posts.append(part.owners[rows])
            hashes.append(found)
        return len(texts), np.concatenate(posts), np.concatenate(hashes)

    def fit(self, X: Any, y: Any = None) -> HashedNgrams:
        return self._fit(*self._occurrences(X))

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> sparse.csr_matrix:
        # Hashing the posts is most of the work: do it once for both steps.
        found = self._occurrences(X)
        return self._fit(*found)._transform(*found)

    def transform(self, X: Any) -> sparse.csr_matrix:
        return self._transform(*self._occurrences(X))

    def _fit(self, n_posts: int, posts: np.ndarray, hashes: np.ndarray) -> HashedNgrams:
        # One entry per (post, n-gram): document frequency, not term frequency.
        pairs = np.unique(np.stack([posts.astype(np.uint64), hashes]), axis=1)
        keys, df = np.unique(pairs[1], return_counts=True)
        keep = df >= self.min_df
        keys, df = keys[keep], df[keep]
        if self.max_features is not None and len(keys) > self.max_features:
            # Most frequent first; ties broken by hash, so the choice is reproducible.
            order = np.lexsort((keys, -df))[: self.max_features]
            keys, df = keys[order], df[order]
        order = np.argsort(keys)
        self.keys_ = keys[order]
        self.idf_ = (np.log((1 + n_posts) / (1 + df[order])) + 1).astype(np.float32)
        self.n_features_in_ = 1
        return self

    def _transform(self, n_posts: int, posts: np.ndarray, hashes: np.ndarray) -> sparse.csr_matrix:
        where = np.minimum(np.searchsorted(self.keys_, hashes), max(len(self.keys_) - 1, 0))
        known = (self.keys_[where] == hashes) if len(self.keys_) else np.zeros(len(hashes), dtype=bool)
        ids, posts = where[known], posts[known]
        idf = self.idf_[ids].astype(np.float64)
        norm = np.sqrt(np.bincount(posts, weights=idf**2, minlength=n_posts))
        return sparse.csr_matrix((idf / norm[posts], (posts, ids)), shape=(n_posts, len(self.keys_)))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"{self.kind}_{k:016x}" for k in self.keys_.tolist()], dtype=object)


class TaxonomySignals(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Count-like signals of who speaks to whom and for what (see :mod:`smclass.features.signals`).

    Scaled by the largest value seen in training, and capped at twice that, so they sit
    beside TF-IDF weights.
    """

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def _raw(self, X: Any) -> np.ndarray:
        texts = _as_texts(X)
        totals = np.zeros((len(texts), len(signals.COUNTS)))
        for part in pieces(texts):
            part.add_to(totals, signals.piece_counts(part))
        return signals.finish(totals)

    def fit(self, X: Any, y: Any = None) -> TaxonomySignals:
        raw = self._raw(X)
        self.scale_ = np.maximum(raw.max(axis=0), 1e-6) if len(raw) else np.ones(len(signals.NAMES))
        self.n_features_in_ = 1
        return self

    def transform(self, X: Any) -> np.ndarray:
        return signals.scale(self._raw(X), self.scale_, self.weight)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(list(signals.NAMES), dtype=object)


class StaticEmbeddings(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Meaning beyond the exact words: the mean static MiniLM vector of the post's tokens.

    The table is not copied into the model; the model records its SHA-256 and refuses to
    run with a different table.
    """

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, X: Any, y: Any = None) -> StaticEmbeddings:
        table = load_table()
        self.table_sha256_ = table.sha256
        self.n_dims_ = table.dims
        self.n_features_in_ = 1
        return self

    def transform(self, X: Any) -> np.ndarray:
        table = load_table()
        if table.sha256 != self.table_sha256_:
            raise ModelError("the model was trained with another embedding table than the installed one: retrain it")
        words = WordVectors(table)
        texts = _as_texts(X)
        summed, counts = np.zeros((len(texts), table.dims)), np.zeros(len(texts))
        for part in pieces(texts):
            part_sums, part_counts = words.sums(part.batch)
            part.add_to(summed, part_sums)
            part.add_to(counts, part_counts)
        result: np.ndarray = summed / np.maximum(counts, 1.0)[:, None] * self.weight
        return result

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"meaning{i}" for i in range(self.n_dims_)], dtype=object)


class EncoderEmbeddings(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """A contextual encoder's sentence embedding of the raw post (see :mod:`smclass.features.encoder`).

    Centred on the training posts' mean and renormalised, so the block spreads like the
    others, then times ``weight``. Embeddings are cached by text within the process:
    cross-validation fits the pipeline many times over the same posts.
    """

    def __init__(self, weight: float = 1.0, max_seq_len: int = 128, name: str = "minilm-l6-w8") -> None:
        self.weight = weight
        self.max_seq_len = max_seq_len
        self.name = name  # as a model records it: one encoder, or several joined by "+"

    def embed(self, X: Any) -> np.ndarray:
        return _encoded(_as_texts(X), self.max_seq_len, self.name)

    def fit(self, X: Any, y: Any = None) -> EncoderEmbeddings:
        vectors = self.embed(X)
        self.mean_ = vectors.mean(axis=0) if len(vectors) else np.zeros(vectors.shape[1], dtype=np.float32)
        self.n_dims_ = vectors.shape[1]
        self.n_features_in_ = 1
        return self

    def transform(self, X: Any) -> np.ndarray:
        return centred(self.embed(X), self.mean_, self.weight, parts(self.name))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"encoder{i}" for i in range(self.n_dims_)], dtype=object)


_CACHE: dict[tuple[str, int, str], np.ndarray] = {}
_CACHE_LIMIT = 50_000


def _encoded(texts: list[str], max_seq_len: int, name: str) -> np.ndarray:
    from smclass.features.encoder import make

    if len(texts) > _CACHE_LIMIT:
        return make(name, max_seq_len).encode(texts)
    missing = sorted({t for t in texts if (name, max_seq_len, t) not in _CACHE})
    if missing:
        if len(_CACHE) + len(missing) > _CACHE_LIMIT:
            _CACHE.clear()
        vectors = make(name, max_seq_len).encode(missing)
        _CACHE.update(((name, max_seq_len, t), v) for t, v in zip(missing, vectors, strict=True))
    if not texts:
        return np.zeros((0, 384 * parts(name)), dtype=np.float32)
    return np.vstack([_CACHE[(name, max_seq_len, t)] for t in texts])
