"""Training: a scikit-learn pipeline, cross-validated, fitted and folded into a model.

Only ``smclass train`` (and the tests) import this module, so classifying never pays for
importing scikit-learn.
"""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from smclass import __version__
from smclass.errors import UsageError
from smclass.features.transformers import HashedNgrams, StaticEmbeddings, TaxonomySignals, TextNormalizer
from smclass.labels import LABELS
from smclass.model.evaluation import coverage, suggested_threshold
from smclass.model.files import FORMAT, Model
from smclass.model.scorer import fold


def build_pipeline(seed: int = 0) -> Pipeline:
    """Word and character n-grams of normalised text, taxonomy signals and static embeddings, into a calibrated linear SVM."""
    features = FeatureUnion(
        [
            ("words", HashedNgrams("words", min_df=2, max_features=60000)),
            ("chars", HashedNgrams("chars", min_df=2, max_features=120000)),
            ("signals", TaxonomySignals(weight=0.5)),
            ("meaning", StaticEmbeddings(weight=0.5)),
        ]
    )
    classifier = CalibratedClassifierCV(
        LinearSVC(C=0.3, class_weight="balanced", random_state=seed), method="sigmoid", cv=3, ensemble=False
    )
    return Pipeline([("normalize", TextNormalizer()), ("features", features), ("classify", classifier)])


def data_fingerprint(texts: list[str], labels: list[str]) -> str:
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(label.encode())
        digest.update(b"\t")
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


def cross_validate(texts: list[str], labels: list[str], folds: int, seed: int, weights: list[float] | None = None) -> dict[str, Any]:
    """k-fold cross-validated macro-F1 and per-class F1 on the training data (fitted with ``weights``, scored unweighted)."""
    counts = {label: labels.count(label) for label in set(labels)}
    if folds < 2:
        raise UsageError("--cv needs at least 2 folds (or 0 to skip cross-validation)")
    if min(counts.values()) < folds:
        raise UsageError(f"--cv {folds} needs at least {folds} posts of every label (fewest: {min(counts.values())})")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    params = {"classify__sample_weight": np.asarray(weights)} if weights is not None else None
    proba = cross_val_predict(build_pipeline(seed), texts, labels, cv=splitter, params=params, method="predict_proba")
    classes = sorted(counts)  # scikit-learn's order of the probability columns
    predicted = [classes[i] for i in proba.argmax(axis=1)]
    confidence = proba.max(axis=1).tolist()
    present = [label for label in LABELS if label in counts]
    per_class = f1_score(labels, predicted, labels=present, average=None, zero_division=0)
    return {
        "folds": folds,
        "macro_f1": round(float(np.mean(per_class)), 4),
        "per_class_f1": {label: round(float(score), 4) for label, score in zip(present, per_class, strict=True)},
        "coverage": coverage(labels, predicted, confidence),
        "suggested_threshold": suggested_threshold(labels, predicted, confidence),
    }


def train(
    texts: list[str],
    labels: list[str],
    *,
    folds: int = 5,
    seed: int = 0,
    sources: list[str] | None = None,
    weights: list[float] | None = None,
    extra_card: dict[str, Any] | None = None,
) -> Model:
    """Fit the pipeline on all of the data, after cross-validating it when ``folds`` > 0.

    ``weights`` gives each post's weight in the classifier's loss (default: all 1).
    """
    present = set(labels)
    if len(present) < 2:
        raise UsageError("training needs posts of at least two labels")
    fewest = min(labels.count(label) for label in present)
    if fewest < 3:
        raise UsageError(f"training needs at least 3 posts of every label (fewest: {fewest}): calibration uses 3 folds")
    cv = cross_validate(texts, labels, folds, seed, weights) if folds else None
    fit_params = {"classify__sample_weight": np.asarray(weights)} if weights is not None else {}
    pipeline = build_pipeline(seed).fit(texts, labels, **fit_params)
    card = {
        "format": FORMAT,
        "labels": [label for label in LABELS if label in present],
        "training_posts": len(texts),
        "posts_per_label": {label: labels.count(label) for label in LABELS if label in present},
        "training_data_sha256": data_fingerprint(texts, labels),
        "training_sources": sources or [],
        "cross_validation": cv,
        "seed": seed,
        "features": "normalised text; hashed word 1-2-grams and char 3-4-grams TF-IDF; taxonomy signals; static MiniLM embeddings",
        "classifier": (
            "LinearSVC with sigmoid calibration fitted on 3-fold decisions "
            "(CalibratedClassifierCV, ensemble=False), folded into lookup tables"
        ),
        "versions": _versions(),
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        # The lowest confidence cut at which cross-validated labels are 90% right: classify --threshold model.
        "suggested_threshold": cv["suggested_threshold"] if cv else None,
        **(extra_card or {}),
    }
    return Model(fold(pipeline), card)


def _versions() -> dict[str, str]:
    import scipy

    return {
        "smclass": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    }


def base_weight(base_posts: int, own_posts: int, share: float = 0.25, most: float = 100.0) -> float:
    """The weight of each of the user's posts when they train on top of the base corpus.

    The user's posts together weigh ``share`` of the base corpus (so a hundred of them move
    a model trained on thousands), never less than a base post and never more than ``most``.
    """
    if own_posts == 0:
        return 1.0
    return float(min(max(share * base_posts / own_posts, 1.0), most))
