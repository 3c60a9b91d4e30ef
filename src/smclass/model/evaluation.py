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


def evaluate(model: Model, texts: list[str], true: list[str], batch_size: int = 4096) -> dict[str, Any]:
    predicted: list[str] = []
    labels = model.labels
    for start in range(0, len(texts), batch_size):
        proba = model.predict_proba(texts[start : start + batch_size])
        predicted.extend(labels[i] for i in proba.argmax(axis=1))
    return score(true, predicted)
