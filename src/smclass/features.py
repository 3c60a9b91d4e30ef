"""scikit-learn transformers: the same feature code at training and at prediction."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from smclass.embeddings import load_table
from smclass.errors import ModelError
from smclass.normalize import MARKERS, fix_mojibake, normalize
from smclass.signals import SIGNALS


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
        return [normalize(fix_mojibake(t)) for t in _as_texts(X)]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(["text"], dtype=object)


class TaxonomySignals(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Count-like signals of who speaks to whom and for what (see :mod:`smclass.signals`).

    Scaled by the spread seen in training so they sit beside TF-IDF weights.
    """

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def _raw(self, X: Any) -> np.ndarray:
        texts = _as_texts(X)
        out = np.empty((len(texts), len(SIGNALS)), dtype=np.float64)
        for i, text in enumerate(texts):
            for j, func in enumerate(SIGNALS.values()):
                out[i, j] = func(text)
        return out

    def fit(self, X: Any, y: Any = None) -> TaxonomySignals:
        raw = self._raw(X)
        self.scale_ = np.maximum(raw.max(axis=0), 1e-6) if len(raw) else np.ones(len(SIGNALS))
        self.n_features_in_ = 1
        return self

    def transform(self, X: Any) -> np.ndarray:
        return np.clip(self._raw(X) / self.scale_, 0.0, 2.0) * self.weight

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(list(SIGNALS), dtype=object)


class CompactTfidfVectorizer(TfidfVectorizer):  # type: ignore[misc]
    """TF-IDF whose vocabulary is saved as one array of terms instead of a dict.

    A model file then holds one compact array rather than one entry per n-gram, which
    makes it several times smaller and quicker to load.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = [""] * len(vocabulary)
            for term, index in vocabulary.items():
                terms[index] = term
            state["vocabulary_terms_"] = np.asarray(terms, dtype=str)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        terms = state.pop("vocabulary_terms_", None)
        if terms is not None:
            state["vocabulary_"] = {str(term): index for index, term in enumerate(terms.tolist())}
        super().__setstate__(state)


_MARKERS = frozenset(MARKERS)


def strip_markers(text: str) -> str:
    """Normalised text without the marker words, which mean nothing to the embedding table."""
    return " ".join(word for word in text.split(" ") if word not in _MARKERS)


class StaticEmbeddings(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Meaning beyond the exact words: the post's static MiniLM embedding (see :mod:`smclass.embeddings`).

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
        return table.embed([strip_markers(t) for t in _as_texts(X)]) * self.weight

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"meaning{i}" for i in range(self.n_dims_)], dtype=object)
