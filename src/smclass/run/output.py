"""Writers for classification results: JSON lines and spreadsheet-safe CSV."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import IO, Any

import orjson

from smclass import atomic
from smclass.errors import OutputError

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_JSONL = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS

# Text that cannot be UTF-8: a file name of bytes that are not UTF-8 (Python holds them as
# surrogates, U+DC80 to U+DCFF, one per byte) or a lone surrogate from a JSON escape.
# Written out, they become escapes a person can read: \xff for the byte, \ud800 for the rest.
DISPLAY_ERRORS = "smclass-display"


def _display_escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    escaped = "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else f"\\u{ord(c):04x}" for c in bad)
    return escaped, error.end


codecs.register_error(DISPLAY_ERRORS, _display_escape)


def displayable(text: str) -> str:
    """``text`` with anything that cannot be written as UTF-8 escaped (see ``DISPLAY_ERRORS``)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", DISPLAY_ERRORS).decode("utf-8")
    return text


def _displayable_value(value: Any) -> Any:
    if isinstance(value, str):
        return displayable(value)
    if isinstance(value, dict):
        return {displayable(k) if isinstance(k, str) else k: _displayable_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_displayable_value(v) for v in value]
    return value


def jsonl_line(result: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(result, option=_JSONL)
    except orjson.JSONEncodeError:
        # Rare (see DISPLAY_ERRORS): the usual line pays nothing for it.
        return orjson.dumps(_displayable_value(result), option=_JSONL)


def spreadsheet_safe(value: Any) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection advice)."""
    if value is None:
        return ""
    text = orjson.dumps(value).decode() if isinstance(value, (dict, list)) else str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class CsvWriter:
    """CSV with one header row; probabilities become one ``p_<label>`` column per label."""

    def __init__(self, handle: IO[str], proba_labels: list[str] | None = None) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")
        self._proba_labels = proba_labels or []
        self._columns: list[str] | None = None

    def _flatten(self, result: dict[str, Any]) -> dict[str, Any]:
        flat = {k: v for k, v in result.items() if k not in ("probabilities", "record")}
        probabilities = result.get("probabilities") or {}
        flat.update({f"p_{label}": probabilities.get(label) for label in self._proba_labels})
        record = result.get("record")
        if isinstance(record, dict):
            flat.update({f"record.{k}": v for k, v in record.items()})
        return flat

    def write(self, result: dict[str, Any]) -> None:
        flat = self._flatten(result)
        if self._columns is None:
            leading = ["id", "source", "label", "confidence"] if "source" in flat else ["id", "label", "confidence"]
            self._columns = leading + [f"p_{label}" for label in self._proba_labels] + ["reason"]
            self._columns += [c for c in flat if c.startswith("record.")]
            self._writer.writerow(self._columns)
        self._writer.writerow([spreadsheet_safe(flat.get(c)) for c in self._columns])


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to exactly ``path``, whole (see :mod:`smclass.atomic`); a failure is one :class:`OutputError`."""
    try:
        with atomic.replacing(path) as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
