"""Classifying many files on a Dask cluster: one output part per partition, in input order.

Every input file is a partition (a directory counts file by file, so a folder of part
files from Spark, Hive or ``split`` maps one to one; a folder that is a Slack or Instagram
export is one partition, read whole), and a big JSON-lines file is cut into byte ranges at
line boundaries (:mod:`smclass.run.ranges`), a big CSV or TSV file at row boundaries
(:mod:`smclass.run.csv_ranges`), one partition each.
Workers read their partition from a path or an fsspec URL, run the same reader and model
code as ``smclass classify`` and write ``part-NNNNN.jsonl`` into the output folder
(:mod:`smclass.run.storage`); the parts read in order are what one process prints.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from smclass.errors import InputError, OutputError, UsageError
from smclass.features import threads
from smclass.model import files as model_lib
from smclass.reading import inputs as reading
from smclass.reading.plan import InputPlan
from smclass.reading.posts import first_records
from smclass.reading.records import Record
from smclass.run import csv_ranges, output, parallel, paths, ranges, storage, success
from smclass.run import stream as classify_lib

_models: dict[str, model_lib.Model] = {}
# A part that skips many records says so in a few notes; the records are in its rejects file.
NOTES_PER_PART = 20


@dataclass
class PartResult:
    """What one partition produced, sent back to the client (its rejects stay in their file)."""

    source: str
    part: str
    records: int = 0
    rejects: int = 0
    span: tuple[int, int | None] | None = None
    notes: list[str] = field(default_factory=list)
    rejects_file: str | None = None


@dataclass(frozen=True)
class Partition:
    input: storage.Input
    span: ranges.Span | None  # None: the whole file
    index: int  # of the range within its file
    layout: csv_ranges.Layout | None = None  # a range of a delimited file: cut at rows, not lines


def _model(data: bytes, name: str, cascade: bool) -> model_lib.Model:
    key = hashlib.sha256(data).hexdigest()
    if key not in _models:
        # A Dask worker runs one task per thread at once: each task's encoder takes one core.
        threads.use(1)
        _models[key] = model_lib.loads(data, Path(name))
    if getattr(_models[key].scorer, "cascade", None) is not None:
        _models[key].scorer.cascade = cascade  # type: ignore[union-attr]
    return _models[key]


def rejects_name(part: str, fmt: str | None = None) -> str:
    """``part-NNNNN.rejects.jsonl`` beside its part (``.csv`` or ``.tsv`` for rows of a delimited file)."""
    return part[: -len(".jsonl")] + f".rejects.{fmt if fmt in ('csv', 'tsv') else 'jsonl'}"


def _whole_file(
    location: str, source: str, options: classify_lib.Options, notify: Callable[[str], None], multi: bool = False
) -> Iterator[Record]:
    """A file (or an export folder) read as one process reads it, the records named as the user named the file.

    A zip at a URL is opened when results name their source (``multi``), as in a local folder.
    """
    if location.endswith("/"):  # an export folder: see storage.Input
        yield from storage.read_folder(location, source, options.reading(notify))
        return
    if storage.is_url(location):
        handle: IO[bytes] = storage.open_input(location)
        with handle:
            yield from reading.read_stream(handle, source, reading=options.reading(notify), archives=multi)
        return
    for record in reading.read_path(location, reading=options.reading(notify)):
        if record.source.startswith(location):
            record.source = source + record.source[len(location) :]
        yield record


def classify_partition(
    model_bytes: bytes,
    model_name: str,
    location: str,
    source: str,
    target: str,
    options: classify_lib.Options,
    multi: bool,
    span: ranges.Span | None = None,
    plan: InputPlan | None = None,
    before: tuple[ranges.Count, ...] | list[ranges.Count] = (),
    cancel: str | None = None,
    delimited: tuple[Any, ...] | None = None,
) -> PartResult:
    """Run on a worker: classify one partition into one part file (and its rejects beside it), each written whole.

    ``cancel`` names the Dask event the client sets when it is interrupted: a partition that
    was already running then drops its part instead of writing it after the client is gone.
    The check and the commit of the part and its rejects happen under the lock of that name,
    which the client also holds while it sets the event, so a part is either in place before
    the client returns or never written.
    ``delimited`` places a range of a CSV or TSV file (see :func:`_csv_tasks`).
    """
    model = _model(model_bytes, model_name, options.cascade)
    result = PartResult(source, target, span=(span.start, span.end) if span is not None else None)
    skipped = [0]

    def note(message: str) -> None:
        if len(result.notes) < NOTES_PER_PART:
            result.notes.append(message.replace(location, source, 1))  # the input as the user named it
        else:
            skipped[0] += 1

    with _named_as_given(location, source), contextlib.ExitStack() as guard, contextlib.ExitStack() as later:
        rejected: list[IO[bytes]] = []
        header: list[bytes | None] = [None]

        def reject(record: Record, error: InputError) -> None:
            result.rejects += 1
            if not rejected:
                # Rows of a CSV or TSV file go under its header, in a file named for its format.
                result.rejects_file = rejects_name(target, record.fmt if record.header is not None else None)
                rejected.append(later.enter_context(storage.writing(result.rejects_file)))
            rejected[0].writelines(record.rejected(header[0]))
            header[0] = record.header or header[0]

        if delimited is not None:
            records, plan = _delimited_range(location, source, options, note, result, delimited)
        elif span is None:
            records = _whole_file(location, source, options, note, multi)
        else:
            records = ranges.records(location, source, span, before)
            if span.start == 0 and plan is not None:
                note(plan.describe())
        batches = classify_lib.classify_records_in_batches(model, records, options, note, reject, multi=multi, plan=plan)
        with storage.writing(target) as handle:
            for batch in batches:
                handle.write(b"".join(output.jsonl_line(record) for record in batch))
                result.records += len(batch)
            if cancel is not None:
                # Left last by ``guard``: the lock is released after both files are committed.
                guard.enter_context(_unless_cancelled(cancel, target))
    if skipped[0]:
        result.notes.append(f"{source}: {skipped[0]:,} more notes (the records are in {result.rejects_file or 'no rejects file'})")
    return result


@contextlib.contextmanager
def _named_as_given(location: str, source: str) -> Iterator[None]:
    """Errors name the input as the user gave it, not the absolute path the worker read."""
    try:
        yield
    except InputError as exc:
        if exc.source is None or not exc.source.startswith(location):
            raise
        named = source + exc.source[len(location) :]
        raise InputError(exc.message, source=named, line=exc.line, field=exc.field, raw=exc.raw) from None


def _delimited_range(
    location: str, source: str, options: classify_lib.Options, note: Callable[[str], None], result: PartResult, delimited: tuple[Any, ...]
) -> tuple[Iterator[Record], InputPlan | None]:
    """The records of a range of a delimited file and the file's plan; the whole file in the first range when a cut was wrong."""
    layout, head, index, start, end, counts = delimited
    if all(c.clean for c in counts):
        result.span = (start, end)
        if index == 0 and head.plan is not None:
            note(head.plan.describe())
        return csv_ranges.records(location, source, layout, head.row_shape, index, start, end, counts[:index]), head.plan
    result.span = None
    if index > 0:
        return iter(()), head.plan
    note(f"{source}: its quotes do not pair up as in RFC 4180 (a quote inside an unquoted field?): read whole, in one part")
    return _whole_file(location, source, options, note), None


class RunCancelledError(Exception):
    """Raised on a worker for a partition whose run was interrupted while it ran."""


# How long either side waits for the commit lock; a worker that dies holding it loses its
# lease after Dask's ``distributed.scheduler.locks.lease-timeout``.
COMMIT_LOCK_TIMEOUT = 120


@contextlib.contextmanager
def _unless_cancelled(name: str, target: str) -> Iterator[None]:
    """Hold the run's commit lock; raise instead if the client has set the run's cancel event.

    An error talking to the scheduler propagates: a part is not written unless it is known
    that the run still wants it.
    """
    from distributed import Lock, get_worker
    from distributed.utils import sync

    # Through the worker's own link to the scheduler, as Lock does: ``Event(name)`` would ask
    # the process's default client, which in an in-process cluster may be a closed one.
    worker = get_worker()
    lock = Lock(name, scheduler_rpc=worker.scheduler, loop=worker.loop)
    if not lock.acquire(timeout=COMMIT_LOCK_TIMEOUT):
        raise RunCancelledError(f"{target}: could not take the run's commit lock")
    try:
        if sync(worker.loop, worker.scheduler.event_is_set, name=name):
            raise RunCancelledError(f"{target}: the run was interrupted")
        yield
    finally:
        lock.release()


def _cancel(client: Any, name: str) -> None:
    """Set the run's cancel event under its commit lock: no part is committed after this returns."""
    from distributed import Event, Lock

    lock = Lock(name, scheduler_rpc=client.scheduler, loop=client.loop)
    held = lock.acquire(timeout=COMMIT_LOCK_TIMEOUT)
    try:
        Event(name, client=client).set()
    finally:
        if held:
            lock.release()


def count_range(location: str, span: ranges.Span) -> ranges.Count:
    return ranges.count(location, span)


def file_plan(location: str, source: str, options: classify_lib.Options) -> InputPlan | None:
    first = first_records(ranges.head(location, source), options.on_error)
    return classify_lib.choose_plan(first, options) if first else None


def plan_partitions(files: list[storage.Input], workers: int, asked: int | None, options: classify_lib.Options) -> list[Partition]:
    """Each file whole, or in ranges when it is plain JSON lines or CSV bigger than one partition."""
    out: list[Partition] = []
    for item in files:
        size = ranges.partition_size(item.size, workers, asked)
        big_file = not item.folder and item.size > size and options.encoding is None  # decoded text has no byte ranges
        if big_file and ranges.splittable(item.location, options):
            out.extend(Partition(item, span, i) for i, span in enumerate(ranges.spans(item.size, size)))
        elif big_file and (layout := csv_ranges.layout(item.location, item.source, options)) is not None:
            out.extend(Partition(item, span, i, layout) for i, span in enumerate(ranges.spans(item.size, size)))
        else:
            out.append(Partition(item, None, 0))
    return out


def run(
    model: model_lib.Model,
    inputs: list[str],
    options: classify_lib.Options,
    out_dir: str,
    scheduler: str | None = None,
    workers: int = 2,
    *,
    overwrite: bool = False,
    partition_size: int | None = None,
    notify: Callable[[str], None] = classify_lib._ignore,
    on_part: Callable[[PartResult, int], None] | None = None,
) -> list[PartResult]:
    """Classify every partition on the cluster, write the manifest, and return the parts' summaries in order.

    ``on_part`` sees each part as it is finished, with the number of parts. An interrupt
    (Ctrl-C) cancels what is left and, on a local cluster, stops its workers before it
    propagates, so no task writes after the caller has returned; ``_SUCCESS`` is not written.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--engine dask needs Dask: pip install 'smclass[dask]'") from None
    if model.path is None:
        raise UsageError("--engine dask needs a model loaded from a file")
    files = storage.input_files(inputs, notify)
    folder = storage.whole(out_dir)
    # The bytes the model was loaded from: the file may have been rewritten since.
    model_bytes = model.data if model.data is not None else model.path.read_bytes()
    # Workers see the batches whole; a local --jobs would only add processes inside a worker.
    options = replace(options, jobs=1)
    multi = len(inputs) > 1 or any(storage.holds_many(name) for name in inputs)  # the rule of one process: parts match it
    storage.refuse_earlier_run(folder, overwrite, out_dir, inputs)
    cluster: Any = None
    client: Any
    finished = False
    if scheduler:
        client = _connect(Client, scheduler)
    else:
        # A failed task comes back to us as its error, said in one line: the workers' own logs (tracebacks,
        # cancelled tasks) would break that promise on stderr, and so would their own Ctrl-C, as for --jobs.
        with parallel.sigint_ignored():
            quiet: dict[str, Any] = {"dashboard_address": None, "silence_logs": logging.CRITICAL}
            # The scheduler serves HTTP (health, metrics) even without a dashboard, on 8787: held by another
            # cluster or run, Dask warned on stderr "Port 8787 is already in use. Perhaps you already have a cluster running?".
            quiet["scheduler_kwargs"] = {"dashboard_address": "127.0.0.1:0"}
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, **quiet)
            client = Client(cluster)
    try:
        if scheduler:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
        parts = plan_partitions(files, workers, partition_size, options)
        targets = [storage.join(folder, f"part-{i:05d}.jsonl") for i in range(len(parts))]
        paths.check_run_folder(folder, targets, inputs, [(f.location, f.source) for f in files])
        for name in storage.prepare_folder(folder, overwrite, out_dir):
            notify(f"removed {storage.join(folder, name)} (--overwrite or a run cut short)")
        cancel = f"smclass-cancel-{uuid.uuid4().hex}"
        futures = _submit(client, model_bytes, str(model.path), parts, targets, options, multi, cancel)
        results = _gather(client, futures, on_part, cancel, targets)
        finished = True
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
            if not finished:  # stopped: the local workers have ended, and their part files are no run's
                storage.remove_temporaries(folder)
    storage.write_manifest(folder, success.manifest(results, targets, model_bytes, str(model.path)))
    return results


def _submit(
    client: Any,
    model_bytes: bytes,
    model_name: str,
    parts: list[Partition],
    targets: list[str],
    options: classify_lib.Options,
    multi: bool,
    cancel: str,
) -> list[Any]:
    shared = client.scatter(model_bytes, broadcast=True)
    counts: dict[str, list[Any]] = {}
    plans: dict[str, Any] = {}
    delimited: dict[str, list[tuple[Any, ...]]] = {}
    futures = []
    for part, target in zip(parts, targets, strict=True):
        location = part.input.location
        plan = None
        before: list[Any] = []
        csv_range = None
        if part.layout is not None:
            if part.index == 0:
                delimited[location] = _csv_tasks(client, [p for p in parts if p.input.location == location], options)
            csv_range = delimited[location][part.index]
        elif part.span is not None:
            if location not in plans:
                plans[location] = client.submit(file_plan, location, part.input.source, options, pure=False)
                counts[location] = []
            plan = plans[location]
            before = list(counts[location])
            counts[location].append(client.submit(count_range, location, part.span, pure=False))
        futures.append(
            client.submit(
                classify_partition,
                shared,
                model_name,
                location,
                part.input.source,
                target,
                options,
                multi,
                part.span,
                plan,
                before,
                cancel,
                csv_range,
                pure=False,
            )
        )
    return futures


def _csv_tasks(client: Any, parts: list[Partition], options: classify_lib.Options) -> list[tuple[Any, ...]]:
    """What each range of one delimited file needs, as futures: its layout, the file's head, its bytes, and every range's count.

    Quotes are counted per nominal range, boundaries found from their sums, and each range
    but the last is counted (lines, records, and whether it ended a row): every range
    waits for all counts, since one wrong cut anywhere means the file is read whole.
    """
    location, source, layout = parts[0].input.location, parts[0].input.source, parts[0].layout
    spans = [p.span for p in parts if p.span is not None]
    quotes = [client.submit(csv_ranges.quotes, location, s.start, s.end, pure=False) for s in spans]
    starts: list[Any] = [0]
    starts += [client.submit(csv_ranges.boundary, location, s.start, quotes[:k], pure=False) for k, s in enumerate(spans) if k]
    ends: list[Any] = [*starts[1:], None]
    counts = [client.submit(csv_ranges.count, location, source, layout, k, starts[k], ends[k], pure=False) for k in range(len(spans) - 1)]
    head = client.submit(csv_ranges.head, location, source, options, pure=False)
    return [(layout, head, k, starts[k], ends[k], counts) for k in range(len(spans))]


def _connect(client_class: Any, scheduler: str) -> Any:
    """A client of a scheduler address (TLS settings from Dask's own config) or of a scheduler file."""
    try:
        if not storage.is_url(scheduler) and Path(scheduler).is_file():
            return client_class(scheduler_file=scheduler)
        return client_class(scheduler)
    except ValueError as exc:
        raise UsageError(f"--scheduler {scheduler}: neither a scheduler address nor a scheduler file ({exc})") from None
    except OSError as exc:
        raise OutputError(f"--scheduler {scheduler}: cannot reach the scheduler ({exc})") from None
    except Exception as exc:  # noqa: BLE001 - what answers may not speak Dask (MemoryError on an SSH banner, TLS unset)
        raise OutputError(f"--scheduler {scheduler}: not a Dask scheduler that smclass can talk to ({type(exc).__name__}: {exc})") from None


def _gather(
    client: Any, futures: list[Any], on_part: Callable[[PartResult, int], None] | None, cancel: str, targets: list[str] | None = None
) -> list[PartResult]:
    from distributed import as_completed

    order = {future.key: i for i, future in enumerate(futures)}
    results: list[PartResult | None] = [None] * len(futures)
    failing: str | None = None
    try:
        for future in as_completed(futures, loop=client.loop):
            failing = targets[order[future.key]] if targets is not None else None
            result: PartResult = future.result()
            results[order[future.key]] = result
            if on_part is not None:
                on_part(result, len(futures))
    except BaseException as exc:
        # First the event, so that a partition still running on a remote worker drops its part.
        with contextlib.suppress(Exception):
            _cancel(client, cancel)
        client.cancel(futures, force=True)
        if isinstance(exc, OSError):
            # A full disk names no file: the part whose task failed is the one it was writing.
            raise OutputError(f"{exc.filename or failing or 'a part'}: cannot read or write ({exc.strerror or exc})") from None
        raise
    return [r for r in results if r is not None]
