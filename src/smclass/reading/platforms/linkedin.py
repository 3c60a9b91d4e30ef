"""LinkedIn's data export ("Get a copy of your data"): CSV files, one per kind of activity.

``Shares.csv`` doubles a quote inside a quoted field as RFC 4180 says, but ``Comments.csv``
(``Date,Link,Message``) escapes it with a backslash, ``\\"``, and its messages span lines:
read with doubled quotes, ``"the \\"spring drive\\" back then`` ends its field at the
escaped quote, and the rest of the message falls apart into rows of its own.

``Shares.csv`` also writes each line of a multi-line ``ShareCommentary`` in quotes of its own,
its quotes doubled once more (``"First line"``, ``""`` for a blank line), inside the quoted
cell: once the CSV layer has unquoted the cell, those wrappers are still on every line.
"""

from __future__ import annotations

import re
from typing import Any

from smclass.reading.fields import fold
from smclass.reading.platforms.base import Shape

# Headers (folded names) of LinkedIn tables written with backslash-escaped quotes.
_ESCAPING = frozenset({frozenset({"date", "link", "message"})})
_ESCAPED = re.compile(rb'\\"')
# A doubled quote inside a field's text (not an empty field, "" between delimiters or line ends).
_DOUBLED = re.compile(rb'[^\s,;\t|"]""')


def escapes_quotes(header: list[str], head: bytes) -> bool:
    """Whether a CSV with this header row and these first bytes escapes quotes with a backslash.

    Known by its header; but a file under that header whose first rows double their quotes,
    and escape none, is read as they show (a CSV of one's own that happens to share the names).
    """
    if frozenset(fold(name) for name in header if name.strip()) not in _ESCAPING:
        return False
    return bool(_ESCAPED.search(head)) or not _DOUBLED.search(head)


# One line of a commentary as Shares.csv wraps it: in quotes, any quote inside it doubled.
_WRAPPED_LINE = re.compile(r'"((?:[^"\r]|"")*)"(\r?)')


def unwrapped_commentary(cell: str) -> str:
    """A Shares.csv commentary without the quotes LinkedIn put around each of its lines.

    Only when every line is wrapped so: a post that quotes something on one of its lines
    keeps its quotes. A one-line cell is left as it is, since a post that is one quotation
    reads the same.
    """
    if "\n" not in cell or not cell.startswith('"'):
        return cell
    lines = [_WRAPPED_LINE.fullmatch(line) for line in cell.split("\n")]
    if not all(lines):
        return cell
    return "\n".join(found.group(1).replace('""', '"') + found.group(2) for found in lines if found)


def _commentary_key(value: dict[str, Any]) -> str | None:
    return next((key for key in value if isinstance(key, str) and fold(key) == "sharecommentary"), None)


def is_shares_row(value: dict[str, Any]) -> bool:
    return {"sharelink", "sharecommentary"} <= {fold(key) for key in value if isinstance(key, str)}


def shares_row(value: dict[str, Any]) -> list[dict[str, Any]]:
    """A Shares.csv row as it was written, its commentary unwrapped: the field plan reads it as any CSV row."""
    key = _commentary_key(value)
    if key is None or not isinstance(value[key], str):
        return [value]
    return [{**value, key: unwrapped_commentary(value[key])}]


# Rows of CSV files, offered to platforms.unwrap_rows rather than to JSON objects.
ROW_SHAPES = [Shape("LinkedIn shares", is_shares_row, shares_row)]
