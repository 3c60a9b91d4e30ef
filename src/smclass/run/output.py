"""Writers for classification results: JSON lines and spreadsheet-safe CSV."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from smclass import atomic
from smclass.errors import OutputError, TemporaryFileError
from smclass.reading import spreadsheet_guard
from smclass.reading.spool import temporary_writes

_JSONL = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS

# Text that cannot be UTF-8: a file name of bytes that are not UTF-8 (Python holds them as
# surrogates, U+DC80 to U+DCFF, one per byte) or a lone surrogate from a JSON escape.
# Written out, they become escapes a person can read: \xff for the byte, \ud800 for the rest.
DISPLAY_ERRORS = "smclass-display"


def _display_escape(error: UnicodeError) -> tuple[str | bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    if all(0xDC80 <= ord(c) <= 0xDCFF for c in bad):
        # Escaped bytes that are UTF-8 come from an ASCII locale (PYTHONUTF8=0 LC_ALL=C), where Python escapes
        # every byte past ASCII of a name: café.jsonl was written "caf\\xc3\\xa9.jsonl" in source and messages.
        raw = bytes(ord(c) - 0xDC00 for c in bad)
        with contextlib.suppress(UnicodeDecodeError):
            raw.decode("utf-8")
            return raw, error.end  # as bytes: the UTF-8 codec takes no text beyond ASCII from a handler
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
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**64:
        # orjson writes no integer beyond 64 bits: such ids are written digit for digit as they are.
        return orjson.Fragment(str(value).encode())
    if isinstance(value, dict):
        return {displayable(k) if isinstance(k, str) else k: _displayable_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_displayable_value(v) for v in value]
    return value


# What JSON lets a string hold raw but a reader of lines or a terminal acts on: U+2028 and U+2029,
# at which str.splitlines (and JavaScript's regular expressions, and some editors) end a line, a
# post holding one coming out as two lines, neither of them JSON; and the C1 controls U+0080 to
# U+009F (U+0085 a line end too, U+009B a control sequence as ESC [ is, U+009D a window title),
# which JSON, unlike the C0 ones, does not escape. Their escapes are the same JSON value. In
# UTF-8 these bytes are only ever these characters.
_RAW = re.compile(rb"\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]")


def _escaped(found: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(found.group().decode())


def _one_line(line: bytes) -> bytes:
    if line.isascii():  # most lines (ids, labels, numbers): a tenth of the time of the search below
        return line
    return _RAW.sub(_escaped, line) if _RAW.search(line) else line


def jsonl_line(result: dict[str, Any]) -> bytes:
    try:
        return _one_line(orjson.dumps(result, option=_JSONL))
    except orjson.JSONEncodeError as exc:
        if _too_deep(exc):
            return _deep_json(result) + b"\n"
        # Rare (see DISPLAY_ERRORS, and integers beyond 64 bits): the usual line pays nothing for it.
        return _one_line(orjson.dumps(_displayable_value(result), option=_JSONL))


def _too_deep(exc: Exception) -> bool:
    # orjson reads 1,024 levels of nesting but writes only about 254.
    return "Recursion limit" in str(exc)


def _deep_json(value: Any) -> bytes:
    """A record nested deeper than orjson writes, by the json module, whose depth is Python's
    recursion limit: raised for this one value (a record read is at most 1,024 levels deep).
    Escaped to ASCII, so a lone surrogate in it is written as JSON can hold it."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), default=str).encode("ascii")
    finally:
        sys.setrecursionlimit(limit)


def shown_id(result: dict[str, Any]) -> str:
    """A result's id for people: its position stands in for a null id, marked so it is not read as one."""
    ident = result["id"]
    if ident is None:
        return f"- (position {result.get('position')})"
    # Other than text, an id is shown as the JSON output writes it (true, not Python's True).
    return ident if isinstance(ident, str) else json.dumps(ident, ensure_ascii=False, default=str)


def spreadsheet_safe(value: Any) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection advice)."""
    if value is None:
        return ""
    # Lists, objects and booleans as the JSON output writes them (true, not Python's True).
    text = _cell_json(value) if isinstance(value, (dict, list, bool)) else str(value)
    return spreadsheet_guard.guarded(text)


def _cell_json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError as exc:
        if _too_deep(exc):
            return _deep_json(value).decode("ascii")
        # As jsonl_line writes them: an integer beyond 64 bits digit for digit, text that is no UTF-8 escaped.
        return orjson.dumps(_displayable_value(value)).decode()


# Rows waiting for the columns of every record stay in memory up to this size, then on disk.
SPOOL_MEMORY = 8 * 2**20


class _Rows:
    """``csv.writer`` rows that end in ``\\n`` and quote every cell holding ``\\r`` as well.

    The csv module quotes a cell for the characters of its own line terminator only: with
    ``\\n`` a bare carriage return went out unquoted, and a reader split the row there.
    """

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle
        self._row = io.StringIO()
        self._writer = csv.writer(self._row, lineterminator="\r\n")

    def writerow(self, cells: list[Any]) -> None:
        self._writer.writerow(cells)
        row = self._row.getvalue()
        self._row.seek(0)
        self._row.truncate()
        self._handle.write(row[:-2] + "\n")


class CsvWriter:
    """CSV with one header row; probabilities become one ``p_<label>`` column per label.

    With the records kept (``--keep-fields``) the columns are those of every record, not
    the first one's: the rows wait in a spooled temporary file (memory bounded, the rest on
    disk) until ``close`` knows them all and writes the header and the rows.
    """

    def __init__(self, handle: IO[str], proba_labels: list[str] | None = None) -> None:
        self._handle = handle
        self._writer = _Rows(handle)
        self._proba_labels = proba_labels or []
        self._columns: list[str] | None = None
        self._spool: IO[bytes] | None = None
        self._record_columns: dict[str, None] = {}
        self.rows = 0  # results handed to the output, header aside: what a run stopped early has written

    def _flatten(self, result: dict[str, Any]) -> dict[str, Any]:
        flat = {k: v for k, v in result.items() if k not in ("probabilities", "record")}
        probabilities = result.get("probabilities") or {}
        flat.update({f"p_{label}": probabilities.get(label) for label in self._proba_labels})
        record = result.get("record")
        if isinstance(record, dict):
            flat.update({f"record.{k}": v for k, v in record.items()})
        elif record is not None:
            flat["record"] = record
        return flat

    def write(self, result: dict[str, Any]) -> None:
        flat = self._flatten(result)
        if self._columns is None:
            # position fills in only beside an empty id, as reason beside an empty label: a
            # row cannot add a column, and the first row does not tell whether one will need it.
            leading = ["id", "position", "source", "label", "confidence"] if "source" in flat else ["id", "position", "label", "confidence"]
            self._columns = leading + [f"p_{label}" for label in self._proba_labels] + ["reason"]
            if "record" in result:
                self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, prefix="smclass-")  # noqa: SIM115 - closed in close()
            else:
                self._writer.writerow(self._columns)
        if self._spool is not None:
            for column in flat:
                if column.startswith("record"):
                    self._record_columns.setdefault(column)
            # Cells as the text they will be, so the spool keeps every digit of every value.
            # displayable: a file name that is not UTF-8 (its source) is escaped here as the writer escapes it.
            row = orjson.dumps({k: displayable(spreadsheet_safe(v)) for k, v in flat.items()}, option=orjson.OPT_APPEND_NEWLINE)
            with self._spooling():
                self._spool.write(row)
            return
        self._writer.writerow([spreadsheet_safe(flat.get(c)) for c in self._columns])
        self.rows += 1

    @contextlib.contextmanager
    def _spooling(self) -> Iterator[None]:
        """A spool write that fails (a full TMPDIR) drops the spool: its rows, one perhaps cut
        short, are never written, so the output is not silently short."""
        try:
            with temporary_writes():
                yield
        except TemporaryFileError:
            spool, self._spool = self._spool, None
            if spool is not None:
                with contextlib.suppress(OSError, ValueError):
                    spool.close()
            raise

    def close(self) -> None:
        """Write the rows that waited for the columns of every record (nothing to do otherwise)."""
        if self._spool is None or self._columns is None:
            return
        with self._spooling():  # the seek writes what the spool still holds
            self._spool.seek(0)
        spool, self._spool = self._spool, None
        with spool:
            columns = self._columns + list(self._record_columns)
            self._writer.writerow(columns)
            for line in spool:
                row = orjson.loads(line)
                self._writer.writerow([row.get(c, "") for c in columns])
                self.rows += 1


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to exactly ``path``, whole (see :mod:`smclass.atomic`); a failure is one :class:`OutputError`."""
    try:
        with atomic.replacing(path) as handle:
            handle.write(data)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None


# What a file's name says it holds, among the formats classify writes.
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


# Names that promise a format smclass does not write: what it writes instead, said.
_NOT_WRITTEN = {
    ".tsv": "tab-separated values, which smclass does not write",
    ".tab": "tab-separated values, which smclass does not write",
    ".xlsx": "an Excel workbook, which smclass does not write",
    ".parquet": "Parquet, which smclass does not write",
    ".json": "one JSON document, where smclass writes JSON lines (one object a line) or CSV",
}


def format_named(path: str) -> str | None:
    """The output format a file's name promises (``labelled.csv``: csv), if it promises one."""
    return _SUFFIXES.get(Path(path).suffix.lower())


def unwritten_format(path: str) -> str | None:
    """What a file's name promises that no --format writes (``labelled.tsv``), if it does."""
    return _NOT_WRITTEN.get(Path(path).suffix.lower())
