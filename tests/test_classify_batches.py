from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smclass.errors import ModelError
from smclass.model import files as model_lib
from smclass.reading.records import Record
from smclass.run import parallel
from smclass.run import stream as classify


def records(texts: list[str]) -> list[Record]:
    return [Record({"id": i, "text": t}, "mem", i + 1, i + 1) for i, t in enumerate(texts)]


def test_batches_end_at_the_character_bound_and_keep_order() -> None:
    texts = ["x" * 400] * 10 + ["short"] * 10
    options = classify.Options(batch_chars=1000, batch_size=64)
    batches = list(classify._batches(records(texts), options, notify=print, reject=None, multi=False))
    assert all(sum(len(t or "") for _, t in batch) < 1000 + 400 for batch in batches)
    assert [out["id"] for batch in batches for out, _ in batch] == list(range(20))


def test_ids_and_texts_follow_the_field_rules_for_every_shape_of_record() -> None:
    rows: list[dict[str, Any]] = [
        {"id": 0, "text": "zero is an id"},
        {"id": "", "text": "an empty id is null, with the position beside it"},
        {"id": None, "text": "so is null"},
        {"text": "and a missing id"},
        {"id": "x", "text": "   "},
        {"id": "y", "text": 7},
        {"id": "z", "text": "plain"},
    ]
    recs = [Record(row, "mem", i + 1, i + 1) for i, row in enumerate(rows)]
    options = classify.Options(id_field="id", on_error="skip")
    skipped: list[str] = []
    batches = list(classify._batches(recs, options, notify=skipped.append, reject=None, multi=False))
    got = [(out["id"], out.get("position"), out.get("reason"), text) for batch in batches for out, text in batch]
    assert got == [
        (0, None, None, "zero is an id"),
        (None, 2, None, "an empty id is null, with the position beside it"),
        (None, 3, None, "so is null"),
        (None, 4, None, "and a missing id"),
        ("x", None, "'text' is empty", None),
        ("z", None, None, "plain"),
    ]
    assert skipped[-1] == "skipped mem:6: field 'text': expected text, got a number"


def test_results_do_not_depend_on_batching(small_model_path: Path) -> None:
    model = model_lib.load(small_model_path)
    texts = [f"post {i}: " + ("the shelter needs volunteers tonight " * (i % 7)) for i in range(120)]
    small = list(classify.classify_records(model, records(texts), classify.Options(batch_chars=300, batch_size=8)))
    large = list(classify.classify_records(model, records(texts), classify.Options()))
    assert small == large


def _stub_batches(texts: list[str], size: int) -> list[list[tuple[dict[str, object], str | None]]]:
    items = [({"id": i}, t) for i, t in enumerate(texts)]
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_jobs_on_a_small_input_start_no_worker_pool(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    model = model_lib.load(small_model_path)
    batches = _stub_batches([f"post number {i}" for i in range(50)], 8)
    results = list(parallel.predict_batches(model, batches, jobs=2, pool_after=100))
    assert [b for b, _ in results] == batches


def test_jobs_on_a_big_input_hand_the_rest_to_workers_and_keep_order(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []

    class CountedPool(parallel.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            started.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", CountedPool)
    model = model_lib.load(small_model_path)
    texts = [f"post {i}: " + ("we need volunteers at the shelter " * (i % 5)) for i in range(90)]
    texts[7] = ""  # a batch item without text (no probabilities for it)
    batches = _stub_batches([t or None for t in texts], 8)  # type: ignore[misc]
    alone = list(parallel.predict_batches(model, batches, jobs=1))
    pooled = list(parallel.predict_batches(model, batches, jobs=2, pool_after=16))
    assert started == [2]
    assert [b for b, _ in pooled] == batches
    for (_, a), (_, b) in zip(alone, pooled, strict=True):
        assert (a is None and b is None) or (a is not None and b is not None and np.array_equal(a[0], b[0]))


def test_jobs_workers_refuse_a_model_file_written_over_after_the_run_loaded_it(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.npz"
    shutil.copyfile(small_model_path, path)
    model = model_lib.load(path)
    # Retrained into the same file after the run loaded it and before its workers start.
    shutil.copyfile(model_lib.bundled_model_path(model_lib.DEFAULT_MODEL_NAME), path)
    texts = [f"post {i}: " + ("please sign the petition for the library " * (i % 3)) for i in range(48)]
    batches = _stub_batches(texts, 8)  # type: ignore[arg-type]
    done: list[Any] = []
    with pytest.raises(ModelError) as refused:
        done.extend(parallel.predict_batches(model, batches, jobs=2, pool_after=16))
    assert str(refused.value) == f"{path}: the model file changed after this run loaded it: run again to label every post with one model"
    # What was labelled before the pool started, by the model the run loaded, is still handed on.
    assert [b for b, _ in done] == batches[:2]


def test_jobs_workers_say_a_model_file_gone_after_the_run_loaded_it_in_one_line(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "mine.npz"
    shutil.copyfile(small_model_path, path)
    model = model_lib.load(path)
    path.unlink()
    batches = _stub_batches([f"post {i}: our team ships on friday" for i in range(32)], 8)  # type: ignore[arg-type]
    with pytest.raises(ModelError) as refused:
        list(parallel.predict_batches(model, batches, jobs=2, pool_after=8))
    assert str(refused.value) == f"{path}: model file not found, though this run loaded it when it began"


def test_jobs_workers_load_a_model_file_named_like_a_bundled_model_not_the_bundled_one(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(small_model_path, tmp_path / "default")
    monkeypatch.chdir(tmp_path)
    model = model_lib.load("./default")  # as -m ./default names it
    texts = [f"post {i}: " + ("please sign the petition for the library " * (i % 3)) for i in range(48)]
    batches = _stub_batches(texts, 8)  # type: ignore[arg-type]
    alone = list(parallel.predict_batches(model, batches, jobs=1))
    pooled = list(parallel.predict_batches(model, batches, jobs=2, pool_after=16))
    for (_, a), (_, b) in zip(alone, pooled, strict=True):
        assert a is not None and b is not None and np.array_equal(a[0], b[0])


def test_explanations_are_made_by_the_workers_and_match_one_process(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.model import explain

    made_here: list[str] = []
    real = explain.explain

    def counted(scorer: Any, text: str, label: str, k: int) -> Any:
        made_here.append(text)
        return real(scorer, text, label, k)

    model = model_lib.load(small_model_path)
    texts = [f"post {i}: " + ("our team ships the release on friday " * (i % 4)) for i in range(96)]
    batches = _stub_batches(texts, 8)  # type: ignore[arg-type]
    alone = list(parallel.predict_batches(model, batches, jobs=1, explain=3))
    monkeypatch.setattr(explain, "explain", counted)
    pooled = list(parallel.predict_batches(model, batches, jobs=2, pool_after=16, explain=3))
    # The first 16 posts are classified (and explained) here before the pool starts; the rest in workers.
    assert made_here == texts[:16]
    for (_, a), (_, b) in zip(alone, pooled, strict=True):
        assert a is not None and b is not None
        assert a.explanations is not None and a.explanations == b.explanations
        assert any(a.explanations) and all(features is not None and len(features) <= 3 for features in a.explanations)


def test_one_model_shared_by_threads_gives_what_it_gives_alone(small_model_path: Path) -> None:
    """A Dask worker runs several tasks at once on one model: its word cache must not mix them up."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(0)
    letters = list("abcdefghijklmnopqrstuvwxyzéüß")
    # Words the model has never seen, so every batch grows the cache at the same time.
    texts = [" ".join("".join(rng.choice(letters, 7)) for _ in range(12)) for _ in range(4000)]
    chunks = [texts[i : i + 50] for i in range(0, len(texts), 50)]
    alone = model_lib.load(small_model_path).predict_proba(texts)
    shared = model_lib.load(small_model_path)
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = np.vstack(list(pool.map(shared.predict_proba, chunks)))
    assert np.allclose(together, alone, atol=1e-9)


def test_more_jobs_than_cores_are_warned_of_when_the_pool_starts_and_not_before(
    small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    model = model_lib.load(small_model_path)
    batches = _stub_batches([f"post number {i}" for i in range(40)], 8)
    notes: list[str] = []
    list(parallel.predict_batches(model, batches, jobs=2, pool_after=100, notify=notes.append))
    assert notes == []  # a small input starts no workers, so there are none to crowd the core
    list(parallel.predict_batches(model, batches, jobs=2, pool_after=16, notify=notes.append))
    assert notes == ["warning: --jobs 2 is more than the 1 usable core: the workers past them only take turns, and each loads the model"]
