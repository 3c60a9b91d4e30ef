"""The one wording for bytes that are not UTF-8, at their line and column."""

from __future__ import annotations

from smclass.errors import InputError


def bad_utf8(line: bytes, start: int) -> str:
    """The one wording for a byte that is not UTF-8, at its column in ``line``."""
    return f"not valid UTF-8 (byte 0x{line[start]:02x} at column {start + 1}): name the input's encoding with --encoding, e.g. cp1252"


def decode(data: bytes, source: str) -> str:
    """A whole document as text; a bad byte is reported at its line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        raise InputError(
            bad_utf8(data[line_start : exc.start + 1], exc.start - line_start),
            source=source,
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None
