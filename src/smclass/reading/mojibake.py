"""Repairing exports that wrote UTF-8 text as if it were Latin-1 (``Ã©`` for ``é``)."""

from __future__ import annotations

import re
from typing import Any

_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")
# Pairs that text as written hardly holds: Â or Ã before a Latin-1 symbol (Ã© for é, Â» for »),
# or any lead before a C1 control (â\x80\x99 for ’, ð\x9f for an emoji). Capitals before a
# no-break space or a symbol (French `CAFÉ\u00a0!`) are valid UTF-8 pairs as well, and are words.
_TELLING = re.compile("[\u00c2\u00c3][\u0080-\u00bf]|[\u00c2-\u00f4][\u0080-\u009f]")


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1 in text of unknown origin, where a telling pair shows it happened."""
    if text.isascii() or not _TELLING.search(text):
        return text
    return _decoded(text)


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
