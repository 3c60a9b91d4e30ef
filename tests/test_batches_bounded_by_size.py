"""Batches end at a size as well as a count, so long posts or large records do not make memory follow the input."""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smclass import batching
from smclass.analyst import report, suggest
from smclass.model import evaluation
from smclass.model import files as model_lib
from smclass.model.dataset import LabelledPost
from smclass.reading.plan import ReadOptions
from smclass.reading.records import Record
from smclass.run import stream


class Counting:
    """A model that notes how many texts, and how many characters, each call scores."""

    def __init__(self, model: model_lib.Model) -> None:
        self.model = model
        self.calls: list[tuple[int, int]] = []
        self.labels = model.labels
        self.seen = None
        self.card: dict[str, Any] = {}

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        self.calls.append((len(texts), sum(map(len, texts))))
        return self.model.predict_proba(texts)

    def predict_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        self.calls.append((len(texts), sum(map(len, texts))))
        return self.model.predict_known(texts)


def test_batches_end_at_their_count_or_their_size_and_keep_order() -> None:
    sizes = [300] * 10 + [5] * 10 + [5000]
    got = list(batching.batches(range(len(sizes)), most=4, size=sizes.__getitem__, chars=1000))
    assert [i for batch in got for i in batch] == list(range(len(sizes)))
    assert [len(batch) for batch in got] == [4, 4, 4, 4, 4, 1]
    assert all(sum(sizes[i] for i in batch[:-1]) < 1000 for batch in got)


def test_evaluate_scores_long_posts_a_few_at_a_time(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batching, "CHARS", 2000)
    model = Counting(model_lib.load(small_model_path))
    posts = [LabelledPost(f"post {i} " + "our street fair needs helpers " * 20, "Emergent", i, i, "mem") for i in range(30)]
    report_ = evaluation.evaluate_posts(model, posts)  # type: ignore[arg-type]
    assert report_["posts"] == 30
    assert sum(n for n, _ in model.calls) == 30
    assert max(n for n, _ in model.calls) <= 4


def test_suggest_scores_long_posts_a_few_at_a_time(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batching, "CHARS", 2000)
    model = Counting(model_lib.load(small_model_path))
    pool = [{"id": i, "text": f"draft {i}: " + "the quarterly plan moved to the shared drive " * 12} for i in range(30)]
    picked = suggest.suggest(model, pool, 3)  # type: ignore[arg-type]
    assert len(picked) == 3
    assert sum(n for n, _ in model.calls) == 30
    assert max(n for n, _ in model.calls) <= 4


def test_classify_keep_fields_counts_a_records_other_fields_in_its_batch() -> None:
    attachment = "A" * 5000
    records = [Record({"id": i, "text": "short post", "attachment": attachment}, "mem", i + 1, i + 1) for i in range(12)]
    for record, raw in zip(records, (json.dumps(r.data).encode() for r in records), strict=True):
        record.raw, record.fmt = raw, "jsonl"
    kept = stream.Options(batch_chars=12_000, batch_size=64, keep_fields=True)
    batches = list(stream._batches(records, kept, notify=print, reject=None, multi=False))
    assert [out["id"] for batch in batches for out, _ in batch] == list(range(12))
    assert max(len(batch) for batch in batches) <= 3
    # Without --keep-fields only the texts are held, and they are short.
    plain = list(stream._batches(records, stream.Options(batch_chars=12_000, batch_size=64), notify=print, reject=None, multi=False))
    assert max(len(batch) for batch in plain) > 3


def test_report_classifies_large_records_a_few_at_a_time(small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batching, "CHARS", 20_000)
    calls: list[int] = []
    classify = model_lib.Model.classify

    def counted(self: model_lib.Model, texts: Any, **kwargs: Any) -> Any:
        texts = list(texts)
        calls.append(len(texts))
        return classify(self, texts, **kwargs)

    monkeypatch.setattr(model_lib.Model, "classify", counted)
    path = tmp_path / "posts.jsonl"
    lines = [json.dumps({"id": i, "text": f"the harbour walk is on saturday, {i}", "html": "<p>" * 1500}) for i in range(20)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tally = report.collect([str(path)], ReadOptions(), model_path=small_model_path)
    assert tally.classified == 20
    assert sum(calls) == 20
    assert max(calls) <= 5


def test_a_models_training_check_keeps_keys_not_the_texts_it_is_given(small_model_path: Path) -> None:
    check = evaluation.TrainingCheck(model_lib.load(small_model_path))
    gc.collect()
    tracemalloc.start()
    try:
        for i in range(200):
            check.add(f"{i} " + "a long memo about the rota " * 4000, "Enterprise")
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # 200 texts of 108 KB would be 21 MB; their keys are a few kilobytes.
    assert held < 2_000_000
    assert check.trained_on == 0
