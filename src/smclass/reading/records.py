"""Where a record came from, and the record itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from smclass.errors import InputError
from smclass.reading.json_values import STRICT
from smclass.reading.lines import Overlong

# Twenty digits or more: a number orjson may have read as a float (past 64 bits), nested or not.
_LONG_NUMBER = re.compile(rb"\d{20,}")


# What a field costs in a parsed record beyond its text (a dict slot, the value's object): a short
# CSV row under a header of 200,000 columns is a few bytes of input and 200,000 fields.
FIELD_BYTES = 48


class SheetError(str):
    """An error a spreadsheet shows in a cell (``#N/A``, ``#DIV/0!``): no one's words, never read as a post's text."""

    __slots__ = ()


class Spelled(str):
    """A typed value spelled as text so JSON can carry it. ``--keep-fields`` shows it; it is never read as a
    post's text, which would label the spelling: a text field holding one is an error, as a number there is."""

    __slots__ = ()


class Binary(Spelled):
    """Bytes that are not UTF-8 (a BLOB, a Parquet binary cell), spelled out (hex, base64)."""

    __slots__ = ()


class DateText(Spelled):
    """A date cell of a spreadsheet or Parquet file, as ISO text: Excel makes one of a typed ``1/2``, which no one wrote as a post."""

    __slots__ = ()


class TimeText(Spelled):
    """A time of day cell, as ISO text: Excel makes one of a typed ``12:30``."""

    __slots__ = ()


@dataclass(slots=True)
class Record:
    """One post as read from an input, before any field is chosen.

    ``error`` is set instead of raising when the record could not be read, so that
    the caller decides whether to stop or skip and the rest of the input is not lost.
    ``data`` is what the field planner looks at (a platform shape's flattened post);
    ``original`` is the record as it stood in the input when a shape flattened it.
    """

    data: dict[str, Any]
    source: str
    line: int | None
    index: int
    raw: str | bytes | None = None  # as it stood in the input, bytes where the reader has them
    error: InputError | None = field(default=None)
    fmt: str | None = None
    shape: str | None = None
    original: Any = None
    # The raw header row of a delimited input, so a rejects file of its rows can start with it.
    header: bytes | None = None
    # A CSV row with fewer cells than its header: how many it had (the rest were read as empty).
    cells: int | None = None

    def as_read(self) -> Any:
        """The record as it was read (what ``--keep-fields`` carries)."""
        if self.original is not None:
            return self.original
        values = self.data.values()
        if self.fmt in ("json", "jsonl") and isinstance(self.raw, bytes):
            nested = float in map(type, values) or (any(isinstance(v, (dict, list)) for v in values) and _LONG_NUMBER.search(self.raw))
            if nested:
                # orjson reads integers beyond 64 bits as floats, at any depth; json keeps them digit for digit.
                try:
                    exact = json.loads(self.raw, strict=STRICT)
                except (ValueError, RecursionError):
                    return self.data
                # Only when the line is this record, not a page of posts it came out of.
                return exact if isinstance(exact, dict) and exact.keys() == self.data.keys() else self.data
        return self.data

    def size(self) -> int:
        """About how many bytes the record holds, to bound a batch of records by: its raw line's
        length (for a record with none, a sheet row or Parquet, that of its text values), and
        :data:`FIELD_BYTES` for each of its fields."""
        if isinstance(self.raw, (bytes, str)):
            held = len(self.raw)
        else:
            held = sum(len(value) for value in self.data.values() if isinstance(value, str))
        return held + FIELD_BYTES * len(self.data)

    def raw_bytes(self) -> bytes:
        """The record's bytes as they stood in the input, without the line end.

        A record from a binary input (Parquet, a Slack export) has none: it is written as the
        JSON line of the record as read, so the rejects file still holds one line for it.
        """
        if self.raw is None:
            return json.dumps(self.as_read(), ensure_ascii=False, default=str).encode("utf-8", "surrogateescape")
        raw = self.raw if isinstance(self.raw, bytes) else self.raw.encode("utf-8", "surrogateescape")
        return raw.rstrip(b"\r\n")

    def rejected(self, last_header: bytes | None) -> Iterator[bytes]:
        """What a rejects file gets for this record, byte for byte, in pieces: its line with its
        own line end (CRLF stays CRLF), under its input's header row when that differs from
        ``last_header``. A line too long to hold is copied from the file it waits in."""
        raw = self.raw
        end = (raw.ending or b"\n") if isinstance(raw, Overlong) else b"\r\n" if _ending(raw) == b"\r\n" else b"\n"
        if self.header is not None and self.header is not last_header:
            yield self.header.rstrip(b"\r\n") + (_ending(self.header) or end)
        if isinstance(raw, Overlong):
            yield from raw.chunks()
            if not raw.ending:
                yield end
            return
        yield self.raw_bytes() + end

    def raw_text(self) -> str:
        """The record as it stood in the input, for a rejects file (decoded only when asked for)."""
        if isinstance(self.raw, bytes):
            return self.raw.decode("utf-8", errors="replace").rstrip("\r\n")
        return (self.raw or "").rstrip("\r\n")


def json_kind(value: Any) -> str:
    """How a JSON value is named in messages: "a number", "an object", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, Binary):
        return "binary data that is not UTF-8 text"
    if isinstance(value, DateText):
        return "a date"
    if isinstance(value, TimeText):
        return "a time"
    return "text"


def _ending(raw: str | bytes | None) -> bytes:
    if isinstance(raw, str):
        raw = raw[-2:].encode("utf-8", "surrogateescape")
    if not raw:
        return b""
    return b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
