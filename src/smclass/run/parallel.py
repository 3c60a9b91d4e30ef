"""Predicting batches in order, in this process or in a pool of worker processes."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import numpy as np

from smclass.errors import UsageError
from smclass.model.files import Model

BatchItems = list[tuple[dict[str, Any], "str | None"]]

_worker_model: Model | None = None

# Starting a worker (a new Python, numpy, the model) takes about half a second, in which
# one process classifies some 15,000 posts: below this many posts a pool does not pay.
POOL_AFTER_POSTS = 10_000


def cores() -> int:
    """The cores this process may run on (what ``--jobs 0`` asks for)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _texts(batch: BatchItems) -> list[str]:
    return [text for _, text in batch if text is not None]


def _start_worker(model_path: str, encoder_threads: int) -> None:
    global _worker_model
    from smclass.features import threads
    from smclass.model import files as model_lib

    threads.use(encoder_threads)
    _worker_model = model_lib.load(model_path)


def _worker_predict(texts: list[str]) -> np.ndarray:
    assert _worker_model is not None
    return _worker_model.predict_proba(texts)


def predict_batches(
    model: Model, batches: Iterable[BatchItems], jobs: int = 1, pool_after: int = POOL_AFTER_POSTS
) -> Iterator[tuple[BatchItems, np.ndarray | None]]:
    """Yield each batch with the probabilities of its texts, in the order the batches came.

    With ``jobs`` > 1 the first ``pool_after`` posts are still classified here, and the
    worker pool starts only if more follow: a small input never pays for it.
    """
    iterator = iter(batches)
    seen = 0
    for batch in iterator:
        texts = _texts(batch)
        yield batch, model.predict_proba(texts) if texts else None
        seen += len(batch)
        if jobs > 1 and seen >= pool_after:
            break
    else:
        return
    if model.path is None:
        raise UsageError("--jobs needs a model loaded from a file")
    # spawn, not fork: the parent may run a progress thread, and forking threads can deadlock.
    context = multiprocessing.get_context("spawn")
    # Each worker's encoders get their share of the cores, not each the parent's count.
    start = (str(model.path), max(1, cores() // jobs))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=start) as pool:
        pending: deque[tuple[BatchItems, Future[np.ndarray] | None]] = deque()
        for batch in iterator:
            texts = _texts(batch)
            pending.append((batch, pool.submit(_worker_predict, texts) if texts else None))
            # Enough work in flight to keep every worker busy, little enough to keep memory flat.
            while len(pending) > 2 * jobs:
                done, future = pending.popleft()
                yield done, future.result() if future is not None else None
        while pending:
            done, future = pending.popleft()
            yield done, future.result() if future is not None else None
