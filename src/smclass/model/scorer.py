"""Prediction with numpy alone: a fitted pipeline folded into lookup tables.

Every feature block of :mod:`smclass.features` ends in a linear SVM, and every block is a
sum over a post's tokens divided by a per-post total. So each known n-gram can carry its
idf times the SVM weights for every class, and a post's decision values are a few sums
over its n-grams. That is all prediction computes: no feature matrix is ever built and
scikit-learn is never imported, which keeps start-up short and throughput high.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smclass.errors import ModelError
from smclass.features import kernel, signals
from smclass.features.embeddings import StaticTable, WordVectors, load_table
from smclass.features.hashindex import HashIndex
from smclass.features.normalize import feature_text
from smclass.features.tokens import FEATURES_VERSION, per_post_sums, pieces
from smclass.labels import LABELS

# Arrays of a model file, with their number of dimensions and kind of number.
ARRAYS: dict[str, tuple[int, str]] = {
    "labels": (1, "U"),
    "words_keys": (1, "u"),
    "words_table": (2, "f"),
    "chars_keys": (1, "u"),
    "chars_table": (2, "f"),
    "signal_scale": (1, "f"),
    "signal_coef": (2, "f"),
    "meaning_coef": (2, "f"),
    "intercept": (1, "f"),
    "calibration": (2, "f"),
}

_NUMBERS = [name for name, (_, kind) in ARRAYS.items() if kind == "f"]


@dataclass
class Scorer:
    """Decision values and calibrated probabilities of a folded model.

    Each of ``members`` calibrated SVMs (one, or one per calibration fold when scikit-learn
    ensembles them) gives ``width`` decision columns: one per label, or a single one when
    there are two labels. Table columns hold every member's columns side by side, then idf
    squared for the length normalisation.
    """

    labels: list[str]
    members: int
    words_keys: np.ndarray
    words_table: np.ndarray
    chars_keys: np.ndarray
    chars_table: np.ndarray
    signal_scale: np.ndarray
    signal_weight: float
    signal_coef: np.ndarray
    meaning_coef: np.ndarray
    meaning_table_sha256: str
    intercept: np.ndarray
    calibration: np.ndarray  # rows a and b of each sigmoid, one column per decision column
    _indexes: dict[str, HashIndex] = field(default_factory=dict, init=False, repr=False)
    _kernel_words: kernel.Table = field(init=False, repr=False)
    _kernel_chars: kernel.Table = field(init=False, repr=False)
    _pieces: kernel.WordPieces | None = field(default=None, init=False, repr=False)
    _meaning: WordVectors | None = field(default=None, init=False, repr=False)
    # Prediction uses the compiled kernel when it was built; False forces the numpy code.
    use_kernel: bool = field(default=True, init=False, repr=False)

    def __post_init__(self) -> None:
        # Such a model would label every post alike, with "confidence": null.
        for name in _NUMBERS:
            if not np.isfinite(getattr(self, name)).all():
                raise ModelError(f"model array {name!r} holds NaN or infinite numbers")
        if (self.signal_scale <= 0).any():
            raise ModelError("model array 'signal_scale' holds zero or negative scales")
        if not math.isfinite(self.signal_weight) or self.members < 1 or len(set(self.labels)) != len(self.labels) or len(self.labels) < 2:
            raise ModelError("model settings are damaged (signal weight, members or labels)")
        columns = self.intercept.shape[0]
        if columns != self.members * self.width or self.calibration.shape != (2, columns):
            raise ModelError("model arrays do not fit together")
        for name in ("words", "chars"):
            keys, table = getattr(self, f"{name}_keys"), getattr(self, f"{name}_table")
            if table.shape != (len(keys) + 1, columns + 1):
                raise ModelError(f"model arrays do not fit together ({name})")
            # Each path builds its own tables (both refuse repeated or zero keys); the numpy
            # ones wait until asked for when the kernel does the work.
            try:
                if kernel.available():
                    setattr(self, f"_kernel_{name}", kernel.Table(keys, table))
                else:
                    self._index(name)
            except ValueError as exc:
                raise ModelError(f"model arrays are damaged ({name}: {exc})") from None
        if self.signal_coef.shape != (len(signals.NAMES), columns) or self.signal_scale.shape != (len(signals.NAMES),):
            raise ModelError("model arrays do not fit together (signals)")
        if self.meaning_coef.shape[1] != columns:
            raise ModelError("model arrays do not fit together (meaning)")
        if not set(self.labels) <= set(LABELS):
            # Output would carry labels no other part of smclass knows (evaluate, report): refused, not run.
            raise ModelError(f"model labels are not among the five ({', '.join(self.labels)})")

    def check_tables(self) -> StaticTable:
        """The embedding table this model reads, checked now (at load) so a mismatch does not wait for the first post."""
        table = load_table()
        if table.sha256 != self.meaning_table_sha256:
            raise ModelError("the model was trained with another embedding table than the installed one: retrain it")
        if table.dims != self.meaning_coef.shape[0]:
            raise ModelError("model arrays do not fit together (meaning)")
        return table

    @property
    def width(self) -> int:
        return 1 if len(self.labels) == 2 else len(self.labels)

    def _meaning_words(self) -> WordVectors:
        if self._meaning is None:
            self._meaning = WordVectors(self.check_tables(), projection=self.meaning_coef)
        return self._meaning

    def decision(self, texts: list[str]) -> np.ndarray:
        """Decision values of every member, side by side: one row per text."""
        return self.decision_known(texts)[0]

    def decision_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`decision`, and whether each text holds a word or character n-gram of the model's training posts.

        A text with none (a script no training post is written in, or nothing left once markup is
        taken out) is scored only by its signals and the static embedding: the
        label is a guess, given with a confidence of up to 0.55 by the fast model and of 0.86 by an
        encoder that cannot read it either."""
        n = len(texts)
        words = np.zeros((n, self.words_table.shape[1]))
        chars = np.zeros((n, self.chars_table.shape[1]))
        counts = np.zeros((n, len(signals.COUNTS)))
        meaning, tokens = np.zeros((n, self.meaning_coef.shape[1])), np.zeros(n)
        meaning_words = self._meaning_words()
        compiled = self.use_kernel and kernel.available()
        for part in pieces([feature_text(t) for t in texts]):
            if compiled:
                found = kernel.features(part.texts, self._kernel_words, self._kernel_chars, self._kernel_pieces(meaning_words))
                part.add_to(words, found.words)
                part.add_to(chars, found.chars)
                part.add_to(counts, signals.only_first_starts(found.counts, part.first))
                # The kernel did the plain ASCII words; the cache does the rest.
                part_meaning, part_tokens = meaning_words.sums(found.tokens.only(~found.handled))
                part_meaning += found.meaning
                part_tokens += found.pieces
            else:
                batch = part.batch
                part.add_to(words, self._ngram_sums(self._index("words"), self.words_table, [batch.words()], batch.n_posts))
                part.add_to(chars, self._ngram_sums(self._index("chars"), self.chars_table, batch.char_grams(), batch.n_posts))
                part.add_to(counts, signals.piece_counts(part))
                part_meaning, part_tokens = meaning_words.sums(batch)
            part.add_to(meaning, part_meaning)
            part.add_to(tokens, part_tokens)
        total = np.tile(self.intercept.astype(np.float64), (n, 1))
        for sums in (words, chars):
            norm = np.sqrt(sums[:, -1:])
            total += np.divide(sums[:, :-1], norm, out=np.zeros_like(sums[:, :-1]), where=norm > 0)
        total += signals.scale(signals.finish(counts), self.signal_scale, self.signal_weight) @ self.signal_coef
        total += meaning / np.maximum(tokens, 1.0)[:, None]
        # Each table's last column sums the idf squared of the n-grams found: positive for any one.
        return total, (words[:, -1] > 0) | (chars[:, -1] > 0)

    def _index(self, name: str) -> HashIndex:
        """The numpy lookup of the ``words`` or ``chars`` n-grams."""
        if name not in self._indexes:
            self._indexes[name] = HashIndex(getattr(self, f"{name}_keys"))
        return self._indexes[name]

    def _kernel_pieces(self, words: WordVectors) -> kernel.WordPieces:
        if self._pieces is None:
            assert words.projection is not None
            self._pieces = kernel.WordPieces(words.table, words.projection)
        return self._pieces

    @staticmethod
    def _ngram_sums(index: HashIndex, table: np.ndarray, grams: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
        """Per row: the table rows of its known n-grams, summed."""
        sums = np.zeros((n, table.shape[1]))
        for hashes, posts in grams:
            sums += per_post_sums(np.take(table, index.lookup(hashes), axis=0), posts, n)
        return sums

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities, one column per label (the mean over members, as scikit-learn does)."""
        return self.calibrated(self.decision(texts))

    def predict_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_proba`, and which texts the model knows a word of (:meth:`decision_known`)."""
        decision, known = self.decision_known(texts)
        return self.calibrated(decision), known

    def calibrated(self, decision: np.ndarray) -> np.ndarray:
        """Probabilities from decision values: each column's sigmoid, normalised per member, averaged."""
        a, b = self.calibration
        logit = a * decision + b
        calibrated = 1.0 / (1.0 + np.exp(np.clip(logit, -500, 500)))
        k = len(self.labels)
        proba = np.zeros((len(decision), k))
        for member in range(self.members):
            part = calibrated[:, member * self.width : (member + 1) * self.width]
            if k == 2:
                proba += np.column_stack([1.0 - part[:, 0], part[:, 0]])
            else:
                total = part.sum(axis=1, keepdims=True)
                proba += np.divide(part, total, out=np.full_like(part, 1.0 / k), where=total != 0)
        proba /= self.members
        if k > 2:
            _break_ties(proba, logit, self.members, self.width)
        return proba

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "labels": np.asarray(self.labels, dtype=str),
            "words_keys": self.words_keys,
            "words_table": self.words_table,
            "chars_keys": self.chars_keys,
            "chars_table": self.chars_table,
            "signal_scale": self.signal_scale,
            "signal_coef": self.signal_coef,
            "meaning_coef": self.meaning_coef,
            "intercept": self.intercept,
            "calibration": self.calibration,
        }

    def settings(self) -> dict[str, Any]:
        return {
            "features_version": FEATURES_VERSION,
            "members": self.members,
            "signal_weight": self.signal_weight,
            "signal_names": list(signals.NAMES),
            "meaning_table_sha256": self.meaning_table_sha256,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], settings: dict[str, Any]) -> Scorer:
        if settings.get("features_version") != FEATURES_VERSION:
            raise ModelError(
                f"model features are {settings.get('features_version')!r}, this smclass reads {FEATURES_VERSION!r}: retrain it"
            )
        if settings.get("signal_names") != list(signals.NAMES):
            raise ModelError("model signals differ from this smclass's: retrain it")
        for name, (ndim, kind) in ARRAYS.items():
            array = arrays.get(name)
            if array is None or array.ndim != ndim or array.dtype.kind != kind:
                raise ModelError(f"model array {name!r} is missing or damaged")
        try:
            # A number too large for float32 becomes infinite here: __post_init__ refuses it.
            with np.errstate(over="ignore", invalid="ignore"):
                return cls(
                    labels=[str(x) for x in arrays["labels"].tolist()],
                    members=whole_setting(settings["members"], "members"),
                    words_keys=arrays["words_keys"].astype(np.uint64),
                    words_table=arrays["words_table"].astype(np.float32),
                    chars_keys=arrays["chars_keys"].astype(np.uint64),
                    chars_table=arrays["chars_table"].astype(np.float32),
                    signal_scale=arrays["signal_scale"].astype(np.float64),
                    signal_weight=real_setting(settings["signal_weight"], "signal weight"),
                    signal_coef=arrays["signal_coef"].astype(np.float64),
                    meaning_coef=arrays["meaning_coef"].astype(np.float32),
                    meaning_table_sha256=str(settings["meaning_table_sha256"]),
                    intercept=arrays["intercept"].astype(np.float64),
                    calibration=arrays["calibration"].astype(np.float64),
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model settings are damaged ({exc})") from None


def whole_setting(value: Any, what: str) -> int:
    """A model setting that must be a whole number as written: int() would read 1.7, true or "1" as 1."""
    if value.__class__ is not int:
        raise ModelError(f"model settings are damaged ({what} {value!r})")
    return int(value)


def real_setting(value: Any, what: str) -> float:
    """A model setting that must be a finite number as written: float() would read true, "2" or NaN."""
    if value.__class__ not in (int, float) or not math.isfinite(value):
        raise ModelError(f"model settings are damaged ({what} {value!r})")
    return float(value)


def fold(pipeline: Any) -> Scorer:
    """Fold a fitted training pipeline (see :func:`smclass.model.training.build_pipeline`) into a :class:`Scorer`."""
    return fold_blocks(pipeline)[0]


def fold_blocks(pipeline: Any) -> tuple[Scorer, np.ndarray | None]:
    """The folded scorer, and the SVM weights of an encoder block (features x decision columns) if the pipeline has one.

    Without an encoder the pipeline is normalise -> features -> classify; with one, the
    features step joins the normalised features (``fast``) and the encoder's block.
    """
    union = pipeline.named_steps["features"]
    parts = dict(union.transformer_list)
    encoder = parts.get("encoder")
    if encoder is not None:
        parts = dict(parts["fast"].named_steps["features"].transformer_list)
    words, chars, sig, meaning = parts["words"], parts["chars"], parts["signals"], parts["meaning"]
    sizes = [len(words.keys_), len(chars.keys_), len(signals.NAMES), meaning.n_dims_]
    if encoder is not None:
        sizes.append(encoder.n_dims_)
    bounds = np.cumsum([0, *sizes])
    calibrated = pipeline.named_steps["classify"]
    labels = [str(c) for c in calibrated.classes_]
    coefs: list[np.ndarray] = []
    intercepts: list[np.ndarray] = []
    a: list[float] = []
    b: list[float] = []
    for member in calibrated.calibrated_classifiers_:
        svm = member.estimator
        if list(svm.classes_) != list(calibrated.classes_):
            raise ModelError("a calibration fold lacked a label: add posts of every label")
        coefs.append(np.asarray(svm.coef_, dtype=np.float64))
        intercepts.append(np.asarray(svm.intercept_, dtype=np.float64))
        a.extend(float(c.a_) for c in member.calibrators)
        b.extend(float(c.b_) for c in member.calibrators)
    coef = np.concatenate(coefs).T  # features x decision columns
    block = [coef[bounds[i] : bounds[i + 1]] for i in range(len(sizes))]

    def table(idf: np.ndarray, weights: np.ndarray) -> np.ndarray:
        idf64 = idf.astype(np.float64)[:, None]
        rows = np.hstack([idf64 * weights, idf64**2])
        return np.vstack([rows, np.zeros((1, rows.shape[1]))]).astype(np.float32)

    scorer = Scorer(
        labels=labels,
        members=len(calibrated.calibrated_classifiers_),
        words_keys=words.keys_,
        words_table=table(words.idf_, block[0]),
        chars_keys=chars.keys_,
        chars_table=table(chars.idf_, block[1]),
        signal_scale=np.asarray(sig.scale_, dtype=np.float64),
        signal_weight=float(sig.weight),
        signal_coef=block[2],
        meaning_coef=(block[3] * meaning.weight).astype(np.float32),
        meaning_table_sha256=meaning.table_sha256_,
        intercept=np.concatenate(intercepts),
        calibration=np.vstack([a, b]),
    )
    return scorer, (block[4] * encoder.weight if encoder is not None else None)


# What a tie at the top is moved by: far below the 4 decimals shown, far above float noise.
_TIE_NUDGE = 1e-9


def _break_ties(proba: np.ndarray, logit: np.ndarray, members: int, width: int) -> None:
    """Rows whose best probability is shared by several labels get it for the label whose
    calibrated score is highest, in place.

    A long post's decision values grow until two labels' sigmoids are both 1.0 in floating
    point: the shares tie exactly, and an argmax would take the label that comes first in
    the label order, however far below the other it scored (a Media post labelled Emergent).
    """
    top = proba.max(axis=1, keepdims=True)
    tied = np.flatnonzero((proba == top).sum(axis=1) > 1)
    if not len(tied):
        return
    # The sigmoid falls as the logit rises: the lowest logit, over the members, is the surest label.
    surest = -sum(logit[tied, m * width : (m + 1) * width] for m in range(members))
    shared = proba[tied] == top[tied]
    surest = np.where(shared, surest, -np.inf)
    winner = surest.argmax(axis=1)
    # The nudge comes from the other tied labels, which hold the top share: taken from every
    # label, it left those at 0.0 a probability under zero (written -0.0).
    shared[np.arange(len(tied)), winner] = False
    proba[tied] -= np.where(shared, _TIE_NUDGE / shared.sum(axis=1, keepdims=True), 0.0)
    proba[tied, winner] += _TIE_NUDGE
