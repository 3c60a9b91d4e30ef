"""A big CSV or TSV file cut into byte ranges at row boundaries, each read on its own.

A quoted field may hold newlines, so a newline ends a row only where the quotes before it
pair up: with quotes doubled inside quoted fields (RFC 4180), a newline is a row boundary
when the number of quote bytes since the start of the file is even. Each nominal range of
``--partition-size`` counts its quote bytes; their sums give the parity at each range's
start, and a range then starts at the first line start of even parity at or after it, so
the ranges tile the file. Every range but the first reads the file's header row first,
with the delimiter sniffed once from the head of the file.

Parity is what RFC 4180 promises, not what every file keeps: Python's reader takes a quote
inside an unquoted field (``5'11" tall``) as a character. So each range is read once to
count its lines and records, with a line after it that the reader can only take as a row
of its own if the range ended where a reader of the whole file ends a row. When a range
does not, the cut was wrong, and the file is read whole, in its first part.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from smclass.errors import InputError, UsageError
from smclass.reading import inputs, platforms, sheets, sniff, sqlite
from smclass.reading import lines as line_reading
from smclass.reading.delimited import DIALECT, RUNAWAY, header_row, read_delimited
from smclass.reading.plan import InputPlan, ReadOptions, plan_input
from smclass.reading.posts import cut_short, first_records
from smclass.reading.records import Record
from smclass.run import ranges, storage

_QUOTE = b'"'
_CHUNK = 1 << 20
# No delimiter, quote or blank: a row of its own wherever a row may start.
_SENTINEL = b"smclass range end\n"


@dataclass(frozen=True)
class Layout:
    """What every range of one delimited file shares: its delimiter and its header row (bytes and physical lines)."""

    delimiter: str
    header: bytes
    header_lines: int


@dataclass(frozen=True)
class Count:
    """The physical lines and records of a range, and whether it ended where the whole file's reader ends a row."""

    lines: int
    records: int
    clean: bool


def parity_holds(dialect: Any) -> bool:
    """Whether quote parity tells row boundaries: quotes quote, are doubled inside fields, and nothing escapes."""
    return dialect.quoting != csv.QUOTE_NONE and bool(dialect.doublequote) and dialect.escapechar is None and dialect.quotechar == '"'


def layout(location: str, source: str, options: ReadOptions) -> Layout | None:
    """The layout of a plain CSV or TSV file as one process would read it; None for any other file (not cut)."""
    reading = options.reading()
    if reading.input_format not in (None, "csv", "tsv") or not parity_holds(csv.get_dialect(DIALECT)):
        return None
    with storage.open_input(location) as handle:
        head = sniff.read_head(handle)
    if head[:2] == b"\x1f\x8b" or head[:4] == b"PK\x03\x04" or sniff.looks_binary(head):
        return None
    if sqlite.is_database(head) or sheets.is_table_file(head):
        return None
    try:
        # Named as the whole-file reading names it: a .tsv suffix counts in sniffing.
        detected = inputs.detect(head, source if storage.is_url(location) else location, reading)
    except (InputError, UsageError):
        return None
    if detected.fmt not in ("csv", "tsv") or detected.escaped:
        # An escaped quote (\", LinkedIn's Comments.csv) is a quote byte that does not quote:
        # parity says nothing of where such a file's rows end, so one task reads it whole.
        return None
    found = header_row(head, detected.delimiter)
    return Layout(detected.delimiter, *found) if found is not None else None


def quotes(location: str, start: int, end: int | None) -> int:
    """The quote bytes in [start, end)."""
    total = 0
    with storage.open_input(location) as handle:
        handle.seek(start)
        left = None if end is None else end - start
        while left is None or left > 0:
            chunk = handle.read(_CHUNK if left is None else min(_CHUNK, left))
            if not chunk:
                break
            total += chunk.count(_QUOTE)
            if left is not None:
                left -= len(chunk)
    return total


def boundary(location: str, start: int, quotes_before: Sequence[int]) -> int:
    """The first line start at or after ``start`` with an even number of quotes before it (the file's size if none)."""
    odd = sum(quotes_before) % 2 == 1
    with storage.open_input(location) as handle:
        position = start
        if start > 0:
            handle.seek(start - 1)
            if handle.read(1) == b"\n" and not odd:
                return start
        while True:
            chunk = handle.read(_CHUNK)
            if not chunk:
                return position
            at = 0
            while at < len(chunk):
                quote = chunk.find(_QUOTE, at)
                if not odd:
                    newline = chunk.find(b"\n", at, quote if quote >= 0 else len(chunk))
                    if newline >= 0:
                        return position + newline + 1
                if quote < 0:
                    break
                odd = not odd
                at = quote + 1
            position += len(chunk)


def _lines(location: str, start: int, end: int | None, eof: list[bool]) -> Iterator[bytes]:
    """The lines of [start, end), both line starts; ``eof`` is set when the range reaches the end of the file."""
    with storage.open_input(location) as handle:
        handle.seek(start)
        position = start
        found = line_reading.bounded(handle)
        while end is None or position < end:
            line = next(found, b"")
            if not line:
                break
            position += line_reading.size(line)
            yield line
        eof[0] = not handle.read(1)


class _Stream:
    """An iterable of lines for the delimited reader, which only iterates."""

    def __init__(self, source: Iterator[bytes]) -> None:
        self._source = source

    def __iter__(self) -> Iterator[bytes]:
        return self._source


def _header_lines(shape: Layout) -> list[bytes]:
    return [line + b"\n" for line in shape.header.split(b"\n")[:-1]]


def _read(source: str, shape: Layout, index: int, lines: Iterator[bytes]) -> Iterator[Record]:
    """Rows read from ``lines``, the header row first for any range but the first (which holds it)."""
    first = [] if index == 0 else _header_lines(shape)
    return read_delimited(_Stream(itertools.chain(first, lines)), source, shape.delimiter)  # type: ignore[arg-type]


def count(location: str, source: str, shape: Layout, index: int, start: int, end: int) -> Count:
    """The lines and records of range ``index`` = [start, end), and whether it ends where a row ends."""
    seen = [0]
    eof = [False]

    def counted() -> Iterator[bytes]:
        for line in _lines(location, start, end, eof):
            seen[0] += 1
            yield line
        if not eof[0]:
            yield _SENTINEL

    last: Record | None = None
    runaway = False
    for record in _read(source, shape, index, counted()):
        last = record
        runaway = runaway or (record.error is not None and record.error.message == RUNAWAY)
    records = last.index if last is not None else 0
    if eof[0]:
        return Count(seen[0], records, True)
    offset = 0 if index == 0 else shape.header_lines
    # The line after the range read as a row of its own, where it stands: the range ended a row.
    clean = not runaway and last is not None and last.raw == _SENTINEL and last.line == offset + seen[0] + 1
    return Count(seen[0], records - 1, clean)


def records(
    location: str,
    source: str,
    shape: Layout,
    row_shape: str | None,
    index: int,
    start: int,
    end: int | None,
    before: Sequence[Count],
) -> Iterator[Record]:
    """The records of range ``index``, numbered and placed as in a reading of the whole file."""
    # Every range but the first reads the header again, which the whole file has only once.
    line_base = sum(c.lines for c in before) - (shape.header_lines if index else 0)
    rows = _read(source, shape, index, _lines(location, start, end, [False]))
    yield from ranges.shifted(platforms.rows_as(rows, row_shape), line_base, sum(c.records for c in before))


@dataclass(frozen=True)
class Head:
    """A file's field plan and the row shape of its first row, both as a reading of the whole file chooses them."""

    plan: InputPlan | None
    row_shape: str | None


def head(location: str, source: str, options: ReadOptions) -> Head:
    """Read the first records of the whole file as one process does, to plan every range alike."""
    with storage.open_input(location) as handle:
        first = first_records(inputs.read_stream(handle, source, reading=options.reading()), options.on_error)
    if not first:
        return Head(None, None)
    more = cut_short(first)
    return Head(plan_input(first, options, more=more, late=False), first[0].shape if first[0].error is None else None)
