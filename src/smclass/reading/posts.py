"""Posts ready to classify: records with their text and id chosen, planned file by file."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from smclass.reading import fields, inputs
from smclass.reading.plan import ReadOptions, plan_input
from smclass.reading.records import Record

SNIFF_RECORDS = 100


def read_posts(paths: Iterable[str], options: ReadOptions) -> Iterator[dict[str, Any]]:
    """Each record of each input as ``{"id", "source", "text", "reason", "record"}``.

    ``text`` is None when the record has none (``reason`` says why). An unreadable record
    raises its :class:`~smclass.errors.InputError`.
    """
    for path in paths:
        yield from posts(inputs.read_path(path, options.input_format, table=options.table, query=options.query), options)


def posts(records: Iterable[Record], options: ReadOptions) -> Iterator[dict[str, Any]]:
    """Records already read, as posts (see :func:`read_posts`), their fields planned file by file."""
    for _source, group in itertools.groupby(records, key=lambda r: r.source):
        first = list(itertools.islice(group, SNIFF_RECORDS))
        plan = plan_input(first, options)
        for record in itertools.chain(first, group):
            if record.error is not None:
                raise record.error
            text, reason = fields.record_text(record, plan.text)
            yield {
                "id": fields.record_id(record, plan.id_field),
                "source": record.source,
                "text": text,
                "reason": reason,
                "record": record.data,
            }
