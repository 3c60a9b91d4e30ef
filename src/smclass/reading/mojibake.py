"""Repairing exports that wrote UTF-8 text as if it were Latin-1 (``Ã©`` for ``é``)."""

from __future__ import annotations

import re
from typing import Any

_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1, as Facebook exports and some scrapers write it."""
    if text.isascii() or not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def fix_strings(value: Any) -> Any:
    """Every string inside a JSON value, repaired."""
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [fix_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: fix_strings(v) for k, v in value.items()}
    return value
