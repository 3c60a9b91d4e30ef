"""Posts ready to classify: records with their text and id chosen, planned file by file."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from smclass.reading import fields, inputs
from smclass.reading.plan import InputPlan, ReadOptions, plan_input
from smclass.reading.records import Record

SNIFF_RECORDS = 100


def _quiet(message: str) -> None:
    return None


def planned(records: Iterable[Record], options: ReadOptions, notify: Callable[[str], None] = _quiet) -> Iterator[tuple[Record, InputPlan]]:
    """Each record with the field plan of its input: every file of a folder or zip is planned on its own.

    The plan is reported once per input, and only when it differs from the one before (a
    folder of a thousand alike files gives one note, not a thousand).
    """
    said: str | None = None
    for source, group in itertools.groupby(records, key=lambda r: r.source):
        first = list(itertools.islice(group, SNIFF_RECORDS))
        plan = plan_input(first, options)
        description = plan.describe()
        if description[len(source) :] != said:
            notify(description)
            said = description[len(source) :]
        for record in itertools.chain(first, group):
            yield record, plan


def read_posts(paths: Iterable[str], options: ReadOptions) -> Iterator[dict[str, Any]]:
    """Each record of each input as ``{"id", "source", "text", "reason", "record"}``.

    ``text`` is None when the record has none (``reason`` says why); ``record`` is the
    record as it was read. An unreadable record raises its :class:`~smclass.errors.InputError`.
    """
    reading = options.reading()
    records = (record for path in paths for record in inputs.read_path(path, reading=reading))
    for record, plan in planned(records, options):
        if record.error is not None:
            raise record.error
        text, reason = fields.record_text(record, plan.text)
        yield {
            "id": fields.record_id(record, plan.id_field),
            "source": record.source,
            "text": text,
            "reason": reason,
            "record": record.as_read(),
        }
