from __future__ import annotations

from pathlib import Path

from smclass import classify
from smclass import model as model_lib
from smclass.records import Record


def records(texts: list[str]) -> list[Record]:
    return [Record({"id": i, "text": t}, "mem", i + 1, i + 1) for i, t in enumerate(texts)]


def test_batches_end_at_the_character_bound_and_keep_order() -> None:
    texts = ["x" * 400] * 10 + ["short"] * 10
    options = classify.Options(batch_chars=1000, batch_size=64)
    batches = list(classify._batches(records(texts), options, notify=print, reject=None, multi=False))
    assert all(sum(len(t or "") for _, t in batch) < 1000 + 400 for batch in batches)
    assert [out["id"] for batch in batches for out, _ in batch] == list(range(20))


def test_results_do_not_depend_on_batching(small_model_path: Path) -> None:
    model = model_lib.load(small_model_path)
    texts = [f"post {i}: " + ("the shelter needs volunteers tonight " * (i % 7)) for i in range(120)]
    small = list(classify.classify_records(model, records(texts), classify.Options(batch_chars=300, batch_size=8)))
    large = list(classify.classify_records(model, records(texts), classify.Options()))
    assert small == large
