"""Scores of a model against labelled posts."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from smclass.labels import LABELS
from smclass.model.files import Model


def score(true: list[str], predicted: list[str]) -> dict[str, Any]:
    """Per-class precision, recall and F1, macro-F1 over the five labels, accuracy, confusion matrix."""
    labels = list(LABELS)
    precision, recall, f1, support = precision_recall_fscore_support(true, predicted, labels=labels, zero_division=0)
    present = [i for i, n in enumerate(support) if n > 0]
    matrix = confusion_matrix(true, predicted, labels=labels)
    return {
        "posts": len(true),
        "macro_f1": round(float(np.mean([f1[i] for i in present])) if present else 0.0, 4),
        "accuracy": round(float(np.mean([t == p for t, p in zip(true, predicted, strict=True)])) if true else 0.0, 4),
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "labels": labels,
        "confusion_matrix": matrix.tolist(),
    }


CUTS = (0.5, 0.6, 0.7, 0.8, 0.9)


def coverage(true: list[str], predicted: list[str], confidence: list[float], cuts: tuple[float, ...] = CUTS) -> list[dict[str, Any]]:
    """At each confidence cut: the share of posts that keep a label, and accuracy and macro-F1 on those."""
    rows = []
    for cut in cuts:
        kept = [i for i, c in enumerate(confidence) if c >= cut]
        scored = score([true[i] for i in kept], [predicted[i] for i in kept]) if kept else None
        rows.append(
            {
                "threshold": cut,
                "coverage": round(len(kept) / len(true), 4) if true else 0.0,
                "accuracy": scored["accuracy"] if scored else None,
                "macro_f1": scored["macro_f1"] if scored else None,
            }
        )
    return rows


def suggested_threshold(true: list[str], predicted: list[str], confidence: list[float], target: float = 0.9) -> float | None:
    """The lowest cut (in steps of 0.05) at which the posts that keep a label are ``target`` accurate, if any is."""
    for step in range(6, 20):
        cut = step / 20
        kept = [i for i, c in enumerate(confidence) if c >= cut]
        if len(kept) >= 10 and sum(true[i] == predicted[i] for i in kept) / len(kept) >= target:
            return cut
    return None


def predict(model: Model, texts: list[str], batch_size: int = 4096) -> tuple[list[str], list[float]]:
    """Each text's best label and its probability."""
    predicted: list[str] = []
    confidence: list[float] = []
    labels = model.labels
    for start in range(0, len(texts), batch_size):
        proba = model.predict_proba(texts[start : start + batch_size])
        predicted.extend(labels[i] for i in proba.argmax(axis=1))
        confidence.extend(proba.max(axis=1).tolist())
    return predicted, confidence


def evaluate(model: Model, texts: list[str], true: list[str], batch_size: int = 4096) -> dict[str, Any]:
    """The scores of :func:`score`, plus the coverage and accuracy at a few confidence cuts."""
    return evaluate_with_predictions(model, texts, true, batch_size)[0]


def evaluate_with_predictions(
    model: Model, texts: list[str], true: list[str], batch_size: int = 4096
) -> tuple[dict[str, Any], list[str], list[float]]:
    """:func:`evaluate`'s report, and each post's predicted label and confidence."""
    predicted, confidence = predict(model, texts, batch_size)
    report = score(true, predicted)
    report["coverage"] = coverage(true, predicted, confidence)
    return report, predicted, confidence
