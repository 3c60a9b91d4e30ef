"""Posts ready to classify: records with their text and id chosen, planned file by file."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from typing import Any

from smclass.errors import Deferred, UsageError
from smclass.reading import fields, ids, inputs, repeats
from smclass.reading.lines import size
from smclass.reading.live import Pause
from smclass.reading.paused import checked as checked_after_pause
from smclass.reading.plan import InputPlan, ReadOptions, plan_input
from smclass.reading.records import FIELD_BYTES, Record

SNIFF_RECORDS = 100
# They are held parsed, and a parsed record can take tens of times its text: past this much
# text the sample ends early, so memory follows the largest record, not 100 of the largest.
SNIFF_BYTES = 4 * 2**20
# Unreadable records do not count toward those 100, so a file whose first lines are damaged
# is still planned from readable ones; this much of them at most is held to look past.
SNIFF_UNREADABLE_BYTES = 8 * 2**20
# What holding an unreadable record costs besides its line (the record, its error and message,
# about 820 bytes): 3,000,000 lines of "{" after 60 posts, counted as their 6 MB alone, took 2.6 GB.
UNREADABLE_RECORD_BYTES = 1024


def first_records(
    records: Iterable[Record], on_error: str = "stop", paused: list[Record] | None = None, enough: Callable[[list[Record]], bool] = bool
) -> list[Record]:
    """The records an input's plan is chosen from: up to :data:`SNIFF_RECORDS` readable ones.

    With ``on_error`` "stop" the first unreadable record ends the run anyway, so the sample ends there.
    A live input's pause that ended the sample goes to ``paused``, for the reader to pass on; it
    ends the sample only once ``enough`` says the records in hand tell a plan.
    """
    first: list[Record] = []
    readable = readable_bytes = unreadable_bytes = 0
    for record in records:
        if isinstance(record, Pause):
            if readable and enough(first):  # a live input: plan from what has come rather than wait for more
                if paused is not None:
                    paused.append(record)
                break
            continue
        first.append(record)
        if record.error is None:
            readable += 1
            readable_bytes += _held(record)
        else:
            unreadable_bytes += _unreadable_held(record)
            if on_error != "skip" or unreadable_bytes > SNIFF_UNREADABLE_BYTES:
                break
        if readable >= SNIFF_RECORDS or readable_bytes >= SNIFF_BYTES:
            break
    return first


def _raw_size(record: Record) -> int:
    return size(record.raw) if isinstance(record.raw, bytes) else len(record.raw or "")


def _held(record: Record) -> int:
    # Its fields count as well as its line: a short CSV row is padded to the header's width.
    return _raw_size(record) + FIELD_BYTES * len(record.data)


def _unreadable_held(record: Record) -> int:
    return _raw_size(record) + UNREADABLE_RECORD_BYTES


def cut_short(first: list[Record]) -> bool:
    """Whether :func:`first_records` stopped before the input did (more records may follow)."""
    readable = [record for record in first if record.error is None]
    unreadable = sum(_unreadable_held(record) for record in first if record.error is not None)
    return len(readable) >= SNIFF_RECORDS or sum(map(_held, readable)) >= SNIFF_BYTES or unreadable > SNIFF_UNREADABLE_BYTES


def _quiet(message: str) -> None:
    return None


Notify = Callable[[str], None]


def planned(records: Iterable[Record], options: ReadOptions, notify: Notify = _quiet) -> Iterator[tuple[InputPlan, Iterator[Record]]]:
    """The records of each input with its field plan: every file of a folder or zip is planned on its own.

    The plan is reported once per input, and only when it differs from the one before (a
    folder of a thousand alike files gives one note, not a thousand).
    """
    for plan, first, rest in planned_with_sample(records, options, notify):
        yield plan, itertools.chain(first, rest)


def planned_with_sample(
    records: Iterable[Record], options: ReadOptions, notify: Notify = _quiet
) -> Iterator[tuple[InputPlan, list[Record], Iterator[Record]]]:
    """As :func:`planned`, with the first records the plan was chosen from apart from the rest,
    for readers that choose more fields from them (a label field, a --by field)."""
    said: str | None = None
    # Telling one input's records apart from the next reads on into the next input; its
    # refusal (a format it cannot tell) must come after the records before it, not lose them.
    held = Deferred()
    for source, group in itertools.groupby(held.items(records), key=attrgetter("source")):
        paused: list[Record] = []
        first = first_records(group, options.on_error, paused, _told_a_text(source, options, notify))
        # A live input planned before it paused goes on: a field named may be held by its later records.
        plan = plan_input(first, options, more=cut_short(first) or bool(paused))
        description = plan.describe()
        if description[len(source) :] != said:
            notify(description)
            said = description[len(source) :]
        # The pause goes on after the sample: the records that came before it are not held back for more.
        rest: Iterator[Record] = itertools.chain(paused, group)  # noqa: B031 - the rest of the group, taken before groupby moves on
        if paused and plan.text.detected and not plan.guessed:
            rest = checked_after_pause(rest, plan, first, notify)
        yield plan, first, _watched(rest, plan) if plan.unseen else rest
    held.raise_held()


def _told_a_text(source: str, options: ReadOptions, notify: Notify) -> Callable[[list[Record]], bool]:
    """Whether the records that came before a live input paused tell its text field: a first record
    with none (a stream's {"limit": ...} notice) had refused the input as one with no text field,
    where the same bytes from a file are planned from the records after it, so more are waited for,
    which is said once: an input that holds no text field at all is refused only after 100 records."""
    waiting: list[int] = []

    def told(first: list[Record]) -> bool:
        readable = [record for record in first if record.error is None]
        if options.text_field is not None:
            found = fields.resolve(options.text_field, readable) is not None
        else:
            found = fields.detect_text_field(readable) is not None
        if not found and not waiting:
            waiting.append(len(readable))
            held = f"'{options.text_field}'" if options.text_field else "a text field"
            come = f"the {len(readable)} records come" if len(readable) != 1 else "the 1 record come"
            notify(f"{source}: none of {come} so far holds {held}: the fields are chosen once one does, or from the first {SNIFF_RECORDS}")
        return found

    return told


def _watched(rest: Iterator[Record], plan: InputPlan) -> Iterator[Record]:
    """The rest of an input whose named fields were not in its first records: read on, it
    fails at its end if no record held one of them (a misspelt name, most likely)."""
    unseen = list(plan.unseen)
    for record in rest:
        if unseen and record.error is None:
            # As the records are read: by the name as given (a plan cannot respell a field it has
            # not seen), so "Message" where the records say "message" still fails at the end.
            unseen = [name for name in unseen if not fields.has_path(record.data, name)]
        yield record
    if unseen:
        named = " or ".join(f"'{name}'" for name in unseen)
        raise UsageError(f"{plan.source}: no record holds {named}: name a field the records have")


def read_posts(paths: Iterable[str], options: ReadOptions, notify: Notify = _quiet) -> Iterator[dict[str, Any]]:
    """Each record of each input as ``{"id", "source", "text", "reason", "record"}`` (and ``"position"`` beside a null id).

    ``text`` is None when the record has none (``reason`` says why); ``record`` is the
    record as it was read. An unreadable record raises its :class:`~smclass.errors.InputError`.
    """
    reading = options.reading(notify)
    yield from posts((record for path in paths for record in inputs.read_path(path, reading=reading)), options, notify)


def posts(records: Iterable[Record], options: ReadOptions, notify: Notify = _quiet) -> Iterator[dict[str, Any]]:
    """Records already read, as posts (see :func:`read_posts`), their fields planned file by file; ``notify`` hears each plan."""
    for plan, group in planned(records, options, notify):
        watch = repeats.Watch((plan.text.field, plan.text.title_field, plan.id_field))
        for record in group:
            if record.error is not None:
                raise record.error
            text, reason, twice = repeats.text_of(record, plan.text, watch)
            yield {
                **(ids.identity(record, plan.id_field) if twice is None else repeats.identity(record, plan.id_field, twice)),
                "source": record.source,
                "text": text,
                "reason": reason,
                "record": record.as_read(),
            }
