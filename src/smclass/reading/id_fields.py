"""Choosing the id field of an input's records: the one named, which must be there, or the one most hold."""

from __future__ import annotations

from smclass.reading.fields import ID_FIELDS, MISSING, get_path, no_such_field, one_match, present_names, resolve
from smclass.reading.records import Record


def check_id_field(name: str, records: list[Record], more: bool = False, late: bool = True) -> str:
    """A user-named id field must exist in at least one of the first records, as a text field must."""
    if not records:
        return name
    one_match(name, records)
    actual = resolve(name, records)
    if actual is None:
        if more and late:
            return name
        raise no_such_field(name, records, more)
    return actual


def detect_id_field(records: list[Record]) -> str | None:
    """The id field most of ``records`` hold a value in (ties: the first in :data:`ID_FIELDS`): a
    mixed export's `Tweet Id` is empty on its news rows, where its `URL` is not."""
    held = {name: sum(get_path(r.data, name) not in (MISSING, None, "") for r in records) for name in present_names(records, ID_FIELDS)}
    best = max(held, key=held.__getitem__, default=None)
    return best if best is not None and held[best] else None
