"""Writers for classification results: JSON lines and spreadsheet-safe CSV."""

from __future__ import annotations

import csv
from typing import IO, Any

import orjson

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def jsonl_line(result: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(result, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        # orjson writes no integer beyond 64 bits: such ids are written digit for digit as they are.
        return orjson.dumps(_long_integers(result), option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)


def _long_integers(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return orjson.Fragment(str(value).encode())
    if isinstance(value, dict):
        return {k: _long_integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_long_integers(v) for v in value]
    return value


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
