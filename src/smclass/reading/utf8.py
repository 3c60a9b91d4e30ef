"""The one wording for bytes that are not UTF-8, at their line and column."""

from __future__ import annotations

from smclass.errors import InputError

_ADVICE = ": name the input's encoding with --encoding, e.g. cp1252"


def bad_utf8(line: bytes, start: int) -> str:
    """The one wording for a byte that is not UTF-8, at its column in ``line``."""
    return f"not valid UTF-8 (byte 0x{line[start]:02x} at column {start + 1}){_ADVICE}"


def in_named_encoding(error: InputError, encoding: str) -> InputError:
    """``error`` as said of an input read in the ``encoding`` the user named: a byte that encoding
    has no character for reaches the readers as it was, and is no UTF-8 to them."""
    if not error.message.startswith("not valid UTF-8 (") or not error.message.endswith(_ADVICE):
        return error
    where = error.message.removeprefix("not valid UTF-8 (").removesuffix(_ADVICE).removesuffix(")")
    said = f"not valid {encoding} ({where}): that byte has no character in {encoding}; is the input in another encoding?"
    return InputError(said, source=error.source, line=error.line, field=error.field, raw=error.raw)


def in_utf16(error: InputError) -> InputError:
    """``error`` as said of an input decoded from UTF-16 (its byte-order mark): the only bytes of
    it that are no UTF-8 to the readers are a lone surrogate's, which the decoder carries through."""
    if not error.message.startswith("not valid UTF-8 (") or not error.message.endswith(_ADVICE):
        return error
    where = error.message.removeprefix("not valid UTF-8 (").removesuffix(_ADVICE).removesuffix(")")
    column = where.rsplit(" at ", 1)[-1]
    said = f"not valid UTF-16 (a lone surrogate at {column}: half of a character that takes two 16-bit units, the other half missing)"
    return InputError(said, source=error.source, line=error.line, field=error.field, raw=error.raw)


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
