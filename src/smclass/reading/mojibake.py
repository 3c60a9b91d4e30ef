"""Repairing exports that wrote UTF-8 text as if it were Latin-1 (``Ã©`` for ``é``) or Windows-1252 (``â€™`` for ``’``)."""

from __future__ import annotations

import re
from typing import Any

_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")
# Windows-1252 (Excel, Windows tools) reads the bytes 0x80-0x9F as punctuation where Latin-1 has
# controls: UTF-8 garbled through it shows "’" as "â€™", "…" as "â€¦", "😀" as "ðŸ˜€", "É" as "Ã‰".
# Such text was never repaired (its € and ™ are no Latin-1), where the same post garbled through
# Latin-1 was: each such character goes back to its byte before the text is decoded again.
_FROM_1252 = {ord(bytes([b]).decode("cp1252")): b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_SIGNS_1252 = "".join(map(chr, _FROM_1252))
# Pairs that text as written hardly holds: Â or Ã before a Latin-1 symbol (Ã© for é, Â» for ») or
# a Windows-1252 one (Ã‰ for É), any lead before a C1 control (â\x80\x99 for ’, ð\x9f for an emoji),
# and their Windows-1252 forms (â€ before every garbled quote, dash and ellipsis, ðŸ before every emoji).
# Capitals before a no-break space or a symbol (French `CAFÉ\u00a0!`) are valid UTF-8 pairs as well, and are words.
# Ã before the punctuation that may end a word (’ ” … – — ›) is how Ò, Ô, Å, Ö, × and Û garble, but
# also genuine capitals (Portuguese "AMANHÃ…", "IRMÃ’s"), which had been rewritten (AMANHÅ): alone, such a pair proves nothing.
_ENDING_1252 = "\u2019\u201d\u2026\u2013\u2014\u203a"
_SURE_1252 = "".join(sign for sign in _SIGNS_1252 if sign not in _ENDING_1252)
_TELLING = re.compile(f"[\u00c2\u00c3][\u0080-\u00bf{_SURE_1252}]|[\u00c2-\u00f4][\u0080-\u009f]|\u00e2\u20ac|\u00f0\u0178")
_ENDING = re.compile(f"[\u00c2\u00c3][{_ENDING_1252}]")


def _garbled(text: str) -> bool:
    """Whether ``text`` shows mojibake: one telling pair, or two pairs that a word's end could also make."""
    return _TELLING.search(text) is not None or len(_ENDING.findall(text)) >= 2


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1 or Windows-1252 in text of unknown origin, where a telling pair shows it happened."""
    if text.isascii() or not _garbled(text):
        return text
    try:
        return text.translate(_FROM_1252).encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def fix_export(text: str) -> str:
    """Undo UTF-8 read as Latin-1 in an export known to write every text so (Facebook, Instagram)."""
    if text.isascii() or not _MOJIBAKE.search(text):
        return text
    return _decoded(text)


def _decoded(text: str) -> str:
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def fix_strings(value: Any) -> Any:
    """Every string inside a JSON value of an export known to write mojibake, repaired."""
    if isinstance(value, str):
        return fix_export(value)
    if isinstance(value, list):
        return [fix_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: fix_strings(v) for k, v in value.items()}
    return value
