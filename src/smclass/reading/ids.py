"""A record's id on its output line: its own, else its position, never a guess that could equal another's."""

from __future__ import annotations

import decimal
import json
import math
from typing import Any

from smclass.reading import numbers
from smclass.reading.fields import MISSING, get_path, lookup
from smclass.reading.json_values import STRICT
from smclass.reading.records import Record


def record_id(record: Record, id_field: str | None) -> Any:
    """The record's own id; its 1-based position when its input has no id field; None when it lacks the id its input has.

    A position stands in only where no record has an id: among real ids it could equal
    another record's (see :func:`identity`).
    """
    if id_field is not None:
        value = lookup(record, id_field)
        if value.__class__ is float:
            value = exact_number(record, id_field, value)
            if value.__class__ is float and not math.isfinite(value):
                # NaN (a Parquet or spreadsheet blank) is no id, and JSON writes it as null: the position stands in.
                return None
        if value is not MISSING and value not in (None, ""):
            return value
        return None
    return record.index


def identity(record: Record, id_field: str | None) -> dict[str, Any]:
    """``{"id": ...}`` for an output line, with ``"position"`` beside a null id so the record can still be found."""
    ident = record_id(record, id_field)
    return {"id": ident} if ident is not None else {"id": None, "position": record.index}


def exact_number(record: Record, path: str, value: Any) -> Any:
    """``value`` digit for digit: orjson reads integers beyond 64 bits as floats, json keeps them,
    and a float spelled with more digits than a float holds (``1234567890123456789.0``) is
    given as the whole number it is, or as its own text.

    Looked at only for a float id, so the usual record pays nothing for it. A record has its own
    text to read again on a line of JSON lines or as an element of a JSON array; the posts of an
    object document (``{"posts": [...]}``) have none, and keep the float.
    """
    if not isinstance(record.raw, (bytes, str)) or record.original is not None:
        return value
    try:
        exact = get_path(json.loads(record.raw, parse_float=decimal.Decimal, strict=STRICT), path)
    except (ValueError, RecursionError, TypeError):
        return value
    if isinstance(exact, decimal.Decimal):
        return value if math.isfinite(value) and decimal.Decimal(repr(value)) == exact else numbers.exact(exact)
    return exact if isinstance(exact, int) else value
