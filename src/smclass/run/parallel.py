"""Predicting batches in order, in this process or in a pool of worker processes."""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NamedTuple

import numpy as np

from smclass.errors import ModelError, SmclassError, UsageError
from smclass.model.files import Model

BatchItems = list[tuple[dict[str, Any], "str | None"]]


class Flush(list[tuple[dict[str, Any], "str | None"]]):
    """A batch after which a live input paused: its results are not held back behind later ones."""


# Per text, the features behind its likeliest label (``--explain K``), or None when not asked.
Explanations = list["list[dict[str, Any]] | None"]


class Scored(NamedTuple):
    """A batch's probabilities, which of its texts the model can read (:mod:`smclass.model.unread`), and their explanations."""

    probabilities: np.ndarray
    known: np.ndarray
    explanations: Explanations | None


_worker_model: Model | None = None
# Why this worker labels nothing: its model file is not the one the run loaded.
_worker_refusal: str | None = None

# Starting a worker (a new Python, numpy, the model) takes about half a second, in which
# one process classifies some 15,000 posts: below this many posts a pool does not pay.
POOL_AFTER_POSTS = 10_000


def cores() -> int:
    """The cores this process may run on (what ``--jobs 0`` asks for)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def crowded(workers: int) -> str | None:
    """A warning for more workers than cores: each starts and loads the model, and past the cores they only take turns."""
    usable = cores()
    if workers <= usable:
        return None
    return (
        f"warning: --jobs {workers} is more than the {usable} usable core{'' if usable == 1 else 's'}: "
        "the workers past them only take turns, and each loads the model"
    )


def _texts(batch: BatchItems) -> list[str]:
    return [text for _, text in batch if text is not None]


def _end_with_parent() -> None:
    """End this worker when the run's process ends. Killed (SIGKILL, the OOM killer, ``timeout -s
    KILL``), that process cannot stop its pool: its workers, each holding a model, had waited for
    work for ever. The parent's end of a pipe spawn leaves open closes as it dies."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="smclass-parent-watch", daemon=True).start()


def _start_worker(model_path: str, encoder_threads: int, cascade: bool | None, digest: bytes | None = None) -> None:
    global _worker_model, _worker_refusal
    from smclass.features import threads
    from smclass.model import files as model_lib

    _end_with_parent()
    threads.use(encoder_threads)
    try:
        _worker_model = model_lib.load(model_path)
    except ModelError as exc:
        # Moved or damaged since the run loaded it: the run's one error line, not a worker's traceback.
        _worker_refusal = f"{exc}, though this run loaded it when it began"
        return
    if digest is not None and hashlib.sha256(_worker_model.data or b"").digest() != digest:
        # Written over since the run loaded it (a train --out to it): the rest of the posts would get another model's labels.
        _worker_refusal = f"{model_path}: the model file changed after this run loaded it: run again to label every post with one model"
        _worker_model = None
        return
    if cascade is not None:
        _worker_model.scorer.cascade = cascade  # type: ignore[union-attr]


# SIGHUP as well: a closed terminal sends it to the whole group, and Python's resource tracker,
# which ignores SIGINT and SIGTERM itself but not SIGHUP, died of it and came back with tracebacks.
_HELD = {signal.SIGINT, *((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ())}


@contextlib.contextmanager
def sigint_held() -> Iterator[None]:
    """SIGINT blocked in this thread, so a process started now is born with it blocked.

    A terminal's Ctrl-C goes to the whole process group: a worker would stop with a
    traceback of its own (even while still importing, before any code of ours runs), where
    the parent alone should stop the run and its workers, with one "stopped early" line.
    The mask goes through fork and exec, and Python leaves it as it is; blocked rather than
    ignored, a Ctrl-C in this moment still reaches the parent once it is unblocked.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@contextlib.contextmanager
def sigint_ignored() -> Iterator[None]:
    """SIGINT ignored by this process, so the processes others start for us now (Dask's nannies
    start its workers from threads of their own, which a mask would not reach) are born ignoring it.

    A Ctrl-C in this moment is lost: the cluster is still starting, and a second one stops the run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    def start(self) -> None:
        with sigint_held():
            super().start()


class _WorkerContext(multiprocessing.context.SpawnContext):
    """The spawn context, its processes started deaf to Ctrl-C (see :func:`sigint_held`)."""

    Process = _WorkerProcess


def score(model: Model, texts: list[str], explain: int = 0) -> Scored:
    """The probabilities of ``texts`` and, with ``explain`` > 0, why each got its likeliest label."""
    probabilities, known = model.predict_known(texts)
    if not explain:
        return Scored(probabilities, known, None)
    from smclass.model.explain import explain as explain_one

    best = probabilities.argmax(axis=1).tolist()
    labels, read = model.labels, known.tolist()
    why = [explain_one(model.scorer, texts[n], labels[i], explain) if read[n] else None for n, i in enumerate(best)]
    return Scored(probabilities, known, why)


def _worker_score(texts: list[str], explain: int) -> tuple[Scored, int]:
    """The :func:`score` of ``texts``, and how many of them the worker's encoder read."""
    if _worker_refusal is not None:
        raise ModelError(_worker_refusal)
    assert _worker_model is not None
    before = getattr(_worker_model.scorer, "sent", 0)
    scored = score(_worker_model, texts, explain)
    return scored, getattr(_worker_model.scorer, "sent", 0) - before


def _counted(model: Model, pool: ProcessPoolExecutor, future: Future[tuple[Scored, int]] | None, texts: int) -> Scored | None:
    """A worker's result, its encoder's work added to this process's model, so its counts cover the run."""
    if future is None:
        return None
    while True:
        try:
            scored, sent = future.result(timeout=1.0)
            break
        except TimeoutError:
            # A worker killed while it sent a result leaves half a message in the pipe: the pool's manager
            # thread waits for the rest and never marks the pool broken, so this wait had been for ever (a test
            # run timed out so, 1 in some tens). A worker never ends by itself during a run: one gone is lost.
            if any(process.exitcode is not None for process in list((getattr(pool, "_processes", None) or {}).values())):
                raise BrokenProcessPool("a worker process ended while the pool waited for it") from None
    if hasattr(model.scorer, "seen"):
        model.scorer.seen += texts  # type: ignore[union-attr]
        model.scorer.sent += sent  # type: ignore[union-attr]
    return scored


def predict_batches(
    model: Model,
    batches: Iterable[BatchItems],
    jobs: int = 1,
    pool_after: int = POOL_AFTER_POSTS,
    explain: int = 0,
    notify: Callable[[str], None] = lambda _: None,
) -> Iterator[tuple[BatchItems, Scored | None]]:
    """Yield each batch with the :func:`score` of its texts, in the order the batches came.

    With ``jobs`` > 1 the first ``pool_after`` posts are still classified here, and the
    worker pool starts only if more follow: a small input never pays for it. Explanations
    are made where the probabilities are, so ``--explain`` shares the workers too.
    """
    iterator = iter(batches)
    seen = 0
    for batch in iterator:
        texts = _texts(batch)
        yield batch, score(model, texts, explain) if texts else None
        seen += len(batch)
        if jobs > 1 and seen >= pool_after:
            break
    else:
        return
    if model.path is None:
        raise UsageError("--jobs needs a model loaded from a file")
    # Said when the pool starts, not before: a small input never starts one.
    if (warning := crowded(jobs)) is not None:
        notify(warning)
    # spawn, not fork: the parent may run a progress thread, and forking threads can deadlock.
    context = _WorkerContext()
    # Each worker's encoders get their share of the cores, not each the parent's count.
    # A worker loads the model afresh: the cascade as this process has it set goes with it.
    # It loads the file again, and checks that it is the one this process read.
    digest = hashlib.sha256(model.data).digest() if model.data is not None else None
    # Named by its absolute path: a file named default or accurate (-m ./default, which Path keeps as
    # "default") would otherwise be the bundled model of that name to the workers.
    start = (os.path.abspath(model.path), max(1, cores() // jobs), getattr(model.scorer, "cascade", None), digest)
    with sigint_held():  # the pool's queues start the resource tracker: it is born with the mask too
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=start)
    with pool:
        pending: deque[tuple[BatchItems, Future[tuple[Scored, int]] | None, int]] = deque()
        try:
            for batch in iterator:
                texts = _texts(batch)
                pending.append((batch, pool.submit(_worker_score, texts, explain) if texts else None, len(texts)))
                # Enough work in flight to keep every worker busy, little enough to keep memory flat;
                # none held back once a live input has paused.
                while len(pending) > (0 if isinstance(batch, Flush) else 2 * jobs):
                    done, future, count = pending.popleft()
                    yield done, _counted(model, pool, future, count)
            while pending:
                done, future, count = pending.popleft()
                yield done, _counted(model, pool, future, count)
        except (BrokenProcessPool, OSError) as exc:
            # A worker killed from outside (the kernel's OOM killer picks the big process, a
            # worker with its model): no bug of ours, but it had been said as one, "internal error ... please report it".
            # Killed while the pool was starting another, the pool's broken pipes fail that start with
            # "OSError: handle is closed" (Python 3.11's submit pickles them for the new worker).
            lost = _lost_worker(pool) if isinstance(exc, BrokenProcessPool) or getattr(pool, "_broken", False) else None
            stop_workers(pool)
            if lost is None:
                raise
            raise SmclassError(lost) from None
        except BaseException:
            # Stopped (Ctrl-C, SIGTERM, an error, a reader gone): the batches in flight will not
            # be written, and leaving the pool would wait for every one of them (seconds with
            # --explain); the workers were born deaf to Ctrl-C, so they are stopped here.
            stop_workers(pool)
            raise


def _lost_worker(pool: ProcessPoolExecutor) -> str:
    """What a run says when a worker died under it: how it ended, where its exit code tells."""
    how = ""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        code = process.exitcode
        # SIGTERM is the pool's own, ending the other workers once one has gone.
        if code is not None and code < 0 and -code != signal.SIGTERM:
            with contextlib.suppress(ValueError):
                how = f" ({signal.Signals(-code).name})"
            break
    return (
        f"a --jobs worker process ended abruptly{how}, and the run with it: a worker killed (SIGKILL) is most often "
        "the system short of memory, as each worker holds a model; run again with fewer workers (--jobs 1: this process alone)"
    )


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End ``pool``'s workers now, not after their tasks: the pool then fails what is left, and
    leaving it joins its threads (so none is still closing its pipes as the interpreter exits)."""
    # A worker ended while sending its result leaves half a message in the result pipe, and the
    # pool's manager thread waits for the rest as long as any writer is open: this process holds
    # one too. Closed, the wait ends at end of file once the workers are gone, and the pool
    # cleans up as after a crash; open, leaving the pool waited for that thread for ever.
    # (Taken first: 3.14's terminate_workers lets go of the queue.)
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:  # Python 3.14
        terminate()
    else:
        # Before 3.14 the executor has no public way to end its workers: its own table of them.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(ValueError, ProcessLookupError, OSError):
                if process.is_alive():
                    process.terminate()
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
