"""A JSON record whose object gives a field it is read by twice (``{"text": "a", "text": "b"}``).

JSON parsers keep the last value and say nothing: the post would be labelled from one of two
texts, or named by one of two ids, by a guess. Only the fields a plan reads are looked at, and
only a record whose raw text holds such a name (quoted) more than once is parsed again to tell:
a line where it occurs once, nearly every line, costs one search of its bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson

from smclass.reading import fields, ids
from smclass.reading.json_values import STRICT
from smclass.reading.records import Record

_JSON = frozenset({"json", "jsonl"})


def twice_reason(name: str) -> str:
    return f"'{name}' is given twice in this record"


def identity(record: Record, id_field: str | None, twice: str | None) -> dict[str, Any]:
    """The record's ``{"id": ...}``; with its id field given twice, either value would be a guess at
    which record this is: its position says instead."""
    if twice is not None and twice == id_field:
        return {"id": None, "position": record.index}
    return ids.identity(record, id_field)


class Watch:
    """The top-level fields a plan reads, and the quoted forms a record's raw JSON spells them in."""

    __slots__ = ("_as_bytes", "_as_text")

    def __init__(self, names: Iterable[str | None]) -> None:
        as_bytes: list[tuple[str, bytes]] = []
        as_text: list[tuple[str, str]] = []
        # A dotted name (extended_tweet.full_text) is read through its first step, which may be given twice.
        steps = [step for n in names if n for step in ((n, n.split(".")[0]) if "." in n else (n,))]
        for name in dict.fromkeys(steps):
            quoted = json.dumps(name, ensure_ascii=False)
            # A writer that escapes what is not ASCII spells a name such as 'título' as "t\u00edtulo".
            for spelled in dict.fromkeys((quoted, json.dumps(name))):
                as_bytes.append((name, spelled.encode("utf-8", "surrogatepass")))
                as_text.append((name, spelled))
        self._as_bytes = tuple(as_bytes)
        self._as_text = tuple(as_text)

    def twice(self, record: Record) -> str | None:
        """The first watched field the record's own JSON object gives more than once, or None."""
        raw: Any = record.raw
        # Every record pays this much: a count of each name in its raw line, in C.
        for _name, needle in self._as_bytes if raw.__class__ is bytes else self._as_text if raw.__class__ is str else ():
            if raw.count(needle) > 1:
                return self._confirmed(record)
        return None

    def _confirmed(self, record: Record) -> str | None:
        raw: Any = record.raw
        if record.original is not None or record.fmt not in _JSON:
            return None
        needles = self._as_bytes if isinstance(raw, bytes) else self._as_text
        data = record.data
        suspects = [name for name, needle in needles if raw.count(needle) > 1 and name in data and _dropped(raw, needle, data)]
        keys = _top_level_keys(raw) if suspects else []
        return next((name for name in suspects if keys.count(name) > 1), None)


def _dropped(raw: Any, needle: bytes | str, data: dict[str, Any]) -> bool:
    """Whether the parsed record, written out again, spells the name fewer times than its raw JSON:
    a name that is also a nested key or a value (``{"type": "text", "text": ...}``) keeps its count,
    and needs no slower parse (this costs about a tenth of one)."""
    try:
        again = orjson.dumps(data)
    except (TypeError, orjson.JSONEncodeError):
        return True
    kept: int = again.count(needle if isinstance(needle, bytes) else needle.encode("utf-8", "surrogatepass"))
    given: int = raw.count(needle)
    return kept < given


def _top_level_keys(raw: Any) -> list[str]:
    """The keys of the object ``raw`` holds, repeats kept; none when it holds no object (a page of posts)."""
    raw = raw.removeprefix(b"\xef\xbb\xbf" if isinstance(raw, bytes) else "\ufeff")  # a JSON line's, kept for the rejects file
    if raw.lstrip()[:1] not in (b"{", "{"):
        return []
    try:
        pairs = json.loads(raw, object_pairs_hook=list, strict=STRICT)
    except (ValueError, RecursionError):
        return []
    return [pair[0] for pair in pairs] if isinstance(pairs, list) else []


def text_of(record: Record, choice: fields.TextChoice, watch: Watch) -> tuple[str | None, str | None, str | None]:
    """``(text, reason, twice)``: the record's text as :func:`fields.record_text` reads it, or none
    with the reason when a field it is read by (``watch``'s, or the one read in their place) is
    given twice, that field then in ``twice``."""
    twice = watch.twice(record)
    if twice is None:
        text, reason = fields.record_text(record, choice)
        twice = used_twice(record, choice) if text is not None else None
        if twice is None:
            return text, reason, None
    return None, twice_reason(twice), twice


def used_twice(record: Record, choice: fields.TextChoice) -> str | None:
    """The field a record's text is read from in place of the plan's (its own ``full_text``, or
    another common text field where the plan's is empty), when its object gives that field twice."""
    if record.fmt not in _JSON or record.original is not None:
        return None
    used = fields.own_text_field(record, choice)
    if used is None:
        used = fields.fell_back(record, choice)
    return _watching(used).twice(record) if used is not None else None


@lru_cache(maxsize=64)
def _watching(name: str) -> Watch:
    return Watch((name,))
