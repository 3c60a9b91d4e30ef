"""Where a record came from, and the record itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smclass.errors import InputError


@dataclass
class Record:
    """One post as read from an input, before any field is chosen.

    ``error`` is set instead of raising when the record could not be read, so that
    the caller decides whether to stop or skip and the rest of the input is not lost.
    """

    data: dict[str, Any]
    source: str
    line: int | None
    index: int
    raw: str | bytes | None = None  # as it stood in the input; JSON lines keep their bytes
    error: InputError | None = field(default=None)
    fmt: str | None = None
    shape: str | None = None

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
    return "text"
