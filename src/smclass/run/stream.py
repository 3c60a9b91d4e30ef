"""Streaming classification: records in, one result per readable record out, in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from smclass.errors import Deferred, InputError, SmclassError
from smclass.model import unread
from smclass.model.evaluation import written
from smclass.model.files import Model
from smclass.reading import fields, ids, inputs, live, repeats, usable
from smclass.reading.live import Pause
from smclass.reading.plan import InputPlan, ReadOptions, plan_input
from smclass.reading.posts import cut_short, planned
from smclass.reading.records import Record
from smclass.run import parallel

Notify = Callable[[str], None]
Reject = Callable[[Record, InputError], None]


@dataclass
class Options(ReadOptions):
    proba: bool = False
    # A post whose best probability is under this gets no label (None: every post gets one).
    threshold: float | None = None
    top_k: int = 0
    explain: int = 0
    keep_fields: bool = False
    batch_size: int = 2048
    # Long posts make many n-grams: a batch also ends at this many characters, which keeps
    # peak memory flat whatever the mix of tweets and emails.
    batch_chars: int = 100_000
    jobs: int = 1
    # An accurate model's cascade (off: the encoder reads every post), for models loaded afresh elsewhere.
    cascade: bool = True


def _ignore(message: str) -> None:
    return None


def _result(record: Record, plan: InputPlan, options: Options, multi: bool, twice: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = ids.identity(record, plan.id_field) if twice is None else repeats.identity(record, plan.id_field, twice)
    if multi:
        out["source"] = record.source
    return out


def classify_paths_in_batches(
    model: Model,
    paths: Iterable[str],
    options: Options,
    notify: Notify = _ignore,
    reject: Reject | None = None,
    *,
    multi: bool | None = None,
    on_open: Callable[[IO[bytes]], None] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Classify every record of every input: lists of result dicts, batch by batch, in input order.

    Batches let a writer flush once per batch. With several inputs (or ``multi``) each
    result also names its ``source``; ``on_open`` sees each plain file as it is opened.
    """
    path_list = list(paths)
    if multi is None:
        multi = several_sources(path_list)
    reading = options.reading(notify)
    records: Iterator[Record] = (record for path in path_list for record in inputs.read_path(path, on_open=on_open, reading=reading))
    if any(live.is_live_path(path) for path in path_list):
        records = live.paced(records)
    yield from _results(model, _batches(records, options, notify, reject, multi=multi), options, notify)


def several_sources(paths: list[str]) -> bool:
    """Whether results need their ``source``: several inputs, or a folder or zip of files."""
    return len(paths) > 1 or any(inputs.holds_many(path) for path in paths)


def classify_records(
    model: Model,
    records: Iterable[Record],
    options: Options,
    notify: Notify = _ignore,
    reject: Reject | None = None,
    *,
    multi: bool = False,
) -> Iterator[dict[str, Any]]:
    """Classify records already read, yielding result dicts in their order."""
    for results in classify_records_in_batches(model, records, options, notify, reject, multi=multi):
        yield from results


def classify_records_in_batches(
    model: Model,
    records: Iterable[Record],
    options: Options,
    notify: Notify = _ignore,
    reject: Reject | None = None,
    *,
    multi: bool = False,
    plan: InputPlan | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Classify records in batches; ``plan`` is used for all of them when given (a range of a file), else each input is planned."""
    yield from _results(model, _batches(records, options, notify, reject, multi=multi, plan=plan), options, notify)


def choose_plan(records: list[Record], options: Options) -> InputPlan:
    """The plan a reading of these first records of an input chooses, for every part of it:
    a field the user named must be among them, as no part watches the rest of the input for it."""
    return plan_input(records, options, more=cut_short(records), late=False)


Batch = list[tuple[dict[str, Any], "str | None"]]
# Names that are surely an id (not "url" or "name", which many posts hold beside one).
_LATE_IDS = frozenset({"id", "id_str", "post_id", "tweet_id", "status_id", "message_id", "uuid", "guid"})


def _results(model: Model, batches: Iterable[Batch], options: Options, notify: Notify) -> Iterator[list[dict[str, Any]]]:
    # An error while reading must not drop the batches already read: the workers finish
    # them and they are written; the error is raised after them.
    held = Deferred()
    for batch, scored in parallel.predict_batches(model, held.items(batches), options.jobs, explain=options.explain, notify=notify):
        yield list(_fill(batch, scored, model, options))
    held.raise_held()


def _batches(
    records: Iterable[Record], options: Options, notify: Notify, reject: Reject | None, *, multi: bool, plan: InputPlan | None = None
) -> Iterator[Batch]:
    """Result stubs with their texts, in input order, in batches that grow from one record.

    Each input (each file of a folder or zip) gets its own field plan. A failure yields the
    batch read so far before it is raised, so nothing read is lost.
    """
    batch: Batch = []
    try:
        groups = planned(records, options, notify) if plan is None else [(plan, iter(records))]
        yield from _fill_batches(batch, groups, options, notify, reject, multi=multi)
    except SmclassError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _fill_batches(
    batch: Batch,
    groups: Iterable[tuple[InputPlan, Iterable[Record]]],
    options: Options,
    notify: Notify,
    reject: Reject | None,
    *,
    multi: bool,
) -> Iterator[Batch]:
    """Fill ``batch`` in place and yield it whenever it is full (the caller yields the last one)."""
    chars = 0
    # Batches grow from one record, so the first results show up as soon as they are classified.
    size = 1
    for plan, group in groups:
        # The usual record: a plain field of text, and an id in a plain field or none. It
        # takes a short way here; anything else goes through fields.record_text and _result.
        # Not when a record's own field comes first (full_text over a cut text): record_text knows it.
        plain = plan.text.title_field is None and plan.text.own_field is None
        plain_text = plan.text.field if plain and not multi and not options.keep_fields else None
        plain_id = plan.id_field
        # Ids are positions when the first records name none; one that comes later is said, not dropped unseen.
        late_id = plan.id_field is None and options.id_field is None
        # Ids from a field the first records held: a later record that holds none but another id gets a null id, said once.
        other_id = plan.id_field is not None and options.id_field is None
        # A detected text field falls back, record by record, to another common one: said once.
        fall_back = plan.text.detected and plan.text.title_field is None
        watch = repeats.Watch((plan.text.field, plan.text.title_field, plan.id_field))
        choice = plan.text
        for record in group:
            if plan.text is not choice:
                # A live input's later record held a fuller field than its plan saw (reading.paused).
                choice, plain_text = plan.text, None
            if late_id and record.error is None and not record.data.keys().isdisjoint(_LATE_IDS):
                # An id that is null or empty is none: the records of the plan may hold it so too.
                name = next((n for n in fields.ID_FIELDS if n in _LATE_IDS and record.data.get(n) not in (None, "")), None)
                if name is not None:
                    said = f"holds '{name}', which the records the plan was chosen from did not: ids stay record positions"
                    notify(str(InputError(f"{said} (say --id-field {name} to use it)", source=record.source, line=record.line)))
                    late_id = False
            if record.__class__ is Pause:
                # Nothing more has come from a live input: what is held goes out now.
                if batch:
                    yield parallel.Flush(batch)
                    batch.clear()
                    chars = 0
                continue
            out: dict[str, Any] | None = None
            if plain_text is not None and record.error is None and watch.twice(record) is None:
                data = record.data
                text = data.get(plain_text)
                if text.__class__ is str and usable.usable(text):
                    ident = data.get(plain_id) if plain_id is not None else None
                    # A float id may be a long integer orjson could not keep: record_id restores it.
                    out = ids.identity(record, plain_id) if ident is None or ident == "" or ident.__class__ is float else {"id": ident}
            if out is None:
                text, reason = None, None
                error = record.error
                twice = None
                if error is None:
                    try:
                        text, reason, twice = repeats.text_of(record, plan.text, watch)
                    except InputError as exc:
                        error = exc
                    if fall_back and text is not None and (used := fields.fell_back(record, plan.text)) is not None:
                        field = plan.text.describe()
                        said = f"holds no text in '{field}': its text is read from '{used}'"
                        said += f" (each record without text in '{field}' is read from another text field it holds)"
                        notify(str(InputError(said, source=record.source, line=record.line)))
                        fall_back = False
                if error is not None:
                    if options.on_error != "skip":
                        raise error
                    notify(f"skipped {error}")
                    if reject is not None:
                        reject(record, error)
                    continue
                out = _result(record, plan, options, multi, twice)
                if reason is not None:
                    _no_label(out, options, reason)
                if options.keep_fields:
                    out["record"] = record.as_read()
            if other_id and out["id"] is None and not record.data.keys().isdisjoint(_LATE_IDS):
                name = next((n for n in fields.ID_FIELDS if n in _LATE_IDS and record.data.get(n) not in (None, "")), None)
                if name is not None:
                    said = f"holds no '{plan.id_field}', the ids are read from, but '{name}'"
                    said += ": its id is null with its position, as is each such record's"
                    notify(str(InputError(f"{said} (say --id-field {name} to read ids from it)", source=record.source, line=record.line)))
                    other_id = False
            batch.append((out, text))
            # A kept record is held with its result until the batch is written: its size counts, not only its text's.
            chars += record.size() if options.keep_fields else len(text) if text else 0
            if len(batch) >= size or chars >= options.batch_chars:
                yield batch[:]
                batch.clear()
                chars = 0
                size = min(size * 2, options.batch_size)


def _no_label(out: dict[str, Any], options: Options, reason: str) -> None:
    """A result with no label, and why: every line carries the keys asked for, null where there is nothing, in one order."""
    out.update(label=None, confidence=None)
    asked = {"probabilities": options.proba, "top": options.top_k, "reason": True, "explain": options.explain}
    out.update((key, reason if key == "reason" else None) for key, wanted in asked.items() if wanted)


def _fill(batch: Batch, scored: parallel.Scored | None, model: Model, options: Options) -> Iterator[dict[str, Any]]:
    labels = model.labels
    probabilities, known, explanations = scored if scored is not None else (None, None, None)
    # Only these options add keys that must move behind label and confidence.
    reorder = options.proba or options.keep_fields or options.threshold is not None or options.explain or options.top_k
    if probabilities is not None and len(probabilities):
        best = probabilities.argmax(axis=1)
        best_labels = [labels[i] for i in best.tolist()]
        confidences = probabilities[np.arange(len(best)), best].tolist()
        rows = probabilities.tolist() if options.proba or options.threshold is not None or options.top_k else None
    row = 0
    for out, text in batch:
        if text is not None and probabilities is not None and known is not None and not known[row]:
            # No word of it is known to the model: no label, as for a post with no text.
            _no_label(out, options, unread.reason(text))
            row += 1
        elif text is not None and probabilities is not None:
            out["label"] = best_labels[row]
            out["confidence"] = written(confidences[row])
            if rows is not None:
                shares = {label: round(v, 4) for label, v in zip(labels, rows[row], strict=True)}
                # Ranked by the shares unrounded: two equal at 4 decimals keep the order the label was chosen by.
                order = sorted(range(len(labels)), key=lambda i: -rows[row][i])
                ranked = [(labels[i], shares[labels[i]]) for i in order]
                if options.proba:
                    out["probabilities"] = shares
                if options.top_k:
                    out["top"] = [{"label": label, "probability": p} for label, p in ranked[: options.top_k]]
                # The cut meets the confidence as written, so 0.9592 keeps its label at --threshold 0.9592.
                if options.threshold is not None and out["confidence"] < options.threshold:
                    # Below the cut the post gets no label, but keeps what the model thought.
                    out["label"] = None
                    # As many digits as the confidence has: two would show 0.4153 as 0.42, over a cut of 0.416.
                    second = f", next {ranked[1][0]} {ranked[1][1]:.4f}" if len(ranked) > 1 else ""
                    out["reason"] = f"uncertain: best {ranked[0][0]} {ranked[0][1]:.4f}{second}"
                    out["probabilities"] = shares
            if explanations is not None:
                out["explain"] = explanations[row] if out["label"] is not None else None
            row += 1
            if reorder:  # keep the contract's key order: id, label, confidence, then extras
                for key in ("probabilities", "top", "reason", "explain", "record"):
                    if key in out:
                        out[key] = out.pop(key)
        yield out
