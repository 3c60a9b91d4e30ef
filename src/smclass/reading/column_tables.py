"""A JSON document that is a table a notebook wrote by columns or keyed by row, not a list of posts.

pandas' ``to_json`` writes a frame column by column by default (``{"text": {"0": ..., "1": ...}}``),
or keyed by row with ``orient='index'``; ``json.dump`` of ``df.to_dict()`` or ``to_dict('list')``
writes the same. Read as they stand, a column of texts was one post, or its texts were posts that
lost their ids and every other column to record positions, with exit 0.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from smclass.reading.fields import TEXT_FIELDS, fold

_TEXT_NAMES = frozenset(fold(name) for name in TEXT_FIELDS if "." not in name)
_HOW = "pandas' to_json or json.dump of df.to_dict()"
_WRITE = "or write it with df.to_json(FILE, orient='records', lines=True)"
# The entries of a list looked at, as many as a list too long to hold keeps in the document.
_LOOKED_AT = 10


def refusal(document: Mapping[str, Any], long: Mapping[str, Any]) -> str | None:
    """Why ``document`` is refused as a table of rows or columns (with the jq line that makes it JSON lines), or None.

    ``long`` holds the platforms' ``LongList`` of each list too long to hold, whose first entries stand in the document.
    """
    if document and all(isinstance(value, dict) for value in document.values()):
        return _by_columns(document) or _by_rows(document)
    return _split(document) or _by_lists(document, long) or _series(document)


def _series(document: Mapping[str, Any]) -> str | None:
    """``{"0": "a post", "1": "another"}``: a column of texts keyed by row, as pandas' to_json writes a Series.

    Read as one record, its row keys were its fields, and --text-field 0, which the error asked
    for, read the first text alone as the whole input. Row keys are numbers or ids, which hold a
    digit, where a record's fields (``name``, ``bio``) hold none.
    """
    values = list(document.values())
    if len(values) < 2 or not _cells(values) or not all(any(c.isdigit() for c in str(key)) for key in document) or not _sentences(values):
        return None
    jq = "to_entries[] | {index: .key, text: .value}"
    return (
        f"a column of texts keyed by row ({_keys(list(document))}), as pandas' to_json writes a Series, not one post: "
        f"make rows of it with jq, jq -c {shlex.quote(jq)} FILE | smclass classify -, or write it with "
        "series.to_frame('text').to_json(FILE, orient='records', lines=True)"
    )


def _split(document: Mapping[str, Any]) -> str | None:
    """``{"columns": ["id", "text"], "data": [["b1", ...], ...]}``: rows as lists under the names of their cells."""
    columns, data = document.get("columns"), document.get("data")
    if not isinstance(columns, list) or not columns or not all(isinstance(name, str) for name in columns) or not isinstance(data, list):
        return None
    if not data or not all(isinstance(row, list) and len(row) == len(columns) for row in data[:_LOOKED_AT]):
        return None
    jq = ".columns as $c | .data[] | [$c, .] | transpose | map({(.[0]): .[1]}) | add"
    return (
        f"a table of rows written as lists under their column names ({', '.join(repr(name) for name in columns[:6])}), as pandas' "
        f"to_json(orient='split') or json.dump of df.to_dict('split') writes it, not posts: make rows of it with jq, "
        f"jq -c {shlex.quote(jq)} FILE | smclass classify -, {_WRITE}"
    )


def _by_columns(document: Mapping[str, Any]) -> str | None:
    """``{"id": {"0": ...}, "text": {"0": ...}}``: every member an object of the same row keys, one a column of texts.

    Rows are keyed by an index, never by a field's name: an object keyed ``text`` or ``body`` is a
    post's (``{"post": {"title": ..., "body": ...}}``, which --text-field post.body reads). A lone
    member is a column only over pandas' own row numbers.
    """
    rows = list(next(iter(document.values())))
    if not rows or any(list(value) != rows for value in document.values()) or any(fold(str(row)) in _TEXT_NAMES for row in rows):
        return None
    if len(document) < 2 and (len(rows) < 2 or rows != [str(at) for at in range(len(rows))]):
        return None
    texts = [name for name, column in document.items() if fold(name) in _TEXT_NAMES and _cells(column.values())]
    if not texts:
        return None
    jq = ". as $t | .[keys_unsorted[0]] | keys_unsorted[] as $i | {index: $i} + ($t | map_values(.[$i]))"
    return (
        f"a table written column by column ({_HOW}): its member {texts[0]!r} holds the texts of {_rows(len(rows))}, "
        f"keyed by row ({_keys(rows)}), not one post: make rows of it with jq, jq -c {shlex.quote(jq)} FILE | smclass classify -, {_WRITE}"
    )


def _by_rows(document: Mapping[str, Any]) -> str | None:
    """``{"0": {"id": ..., "text": ...}, "1": {...}}``: records keyed by their row, each holding a text field."""
    if len(document) < 2 or not all(any(fold(name) in _TEXT_NAMES for name in row) for row in document.values()):
        return None
    if not any(isinstance(value, str) for row in document.values() for name, value in row.items() if fold(name) in _TEXT_NAMES):
        return None
    jq = "to_entries[] | {index: .key} + .value"
    return (
        f"posts keyed by their row ({_keys(list(document))}), as pandas' to_json(orient='index') or json.dump of "
        f"df.to_dict('index') writes them, not one post: take them out with jq, jq -c {shlex.quote(jq)} FILE | smclass classify -, {_WRITE}"
    )


def _by_lists(document: Mapping[str, Any], long: Mapping[str, Any]) -> str | None:
    """``{"id": [...], "text": [...]}``: lists of as many values, none an object, one of them texts."""
    lists = {name: value for name, value in document.items() if isinstance(value, list)}
    if len(lists) < 2 or any(isinstance(item, (dict, list)) for value in lists.values() for item in value[:_LOOKED_AT]):
        return None
    texts = next((name for name, value in lists.items() if _cells(value[:_LOOKED_AT]) and _sentences(value[:_LOOKED_AT])), None)
    if texts is None:
        return None
    sizes = {name: _size(name, value, long) for name, value in lists.items()}
    # One value in each is as likely a post with a list beside it as a row.
    if sizes[texts] < 2 or any(size != sizes[texts] for size in sizes.values()):
        return None
    path = f".{texts}" if texts.isidentifier() else f".[{texts!r}]".replace("'", '"')
    jq = f'. as $t | range({path} | length) as $i | $t | map_values(if type == "array" then .[$i] else . end)'
    names = ", ".join(repr(name) for name in lists)
    return (
        f"a table written column by column (json.dump of df.to_dict('list'), or a Series' to_json(orient='split')): "
        f"its lists {names} hold {sizes[texts]:,} values each, a row's values at one place in every list: read as posts, "
        f"its texts would lose their ids and other columns: make rows of it with jq, jq -c {shlex.quote(jq)} FILE | smclass classify -, "
        f"{_WRITE}"
    )


def _cells(values: Any) -> bool:
    values = list(values)
    return bool(values) and all(value is None or isinstance(value, str) for value in values) and any(isinstance(v, str) for v in values)


def _sentences(values: list[Any]) -> bool:
    texts = [value for value in values if isinstance(value, str)]
    return sum(len(text.split()) >= 3 for text in texts) * 2 >= len(texts)


def _size(name: str, value: list[Any], long: Mapping[str, Any]) -> int:
    return sum(1 for _ in long[name].entries()) if name in long else len(value)


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"


def _keys(keys: list[Any]) -> str:
    shown = ", ".join(repr(key) for key in keys[:3])
    return f"{shown}, ..." if len(keys) > 3 else shown
