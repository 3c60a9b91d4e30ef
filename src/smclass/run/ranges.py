"""A big JSON-lines file cut into byte ranges at line boundaries, each read on its own.

A line belongs to the range its first byte lies in: a range that starts inside a line
skips to the next one, and reads on past its end to finish the last line it began.
Each range is read twice: once to count its lines and records, so the range after it
knows where it starts (a record's position id is its position in the whole file), then
to classify it. CSV is cut at rows, not lines (a quoted field may hold a newline): see
:mod:`smclass.run.csv_ranges`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from smclass.errors import InputError, UsageError
from smclass.reading import lines as line_reading
from smclass.reading import platforms, sniff
from smclass.reading.json_input import read_jsonl
from smclass.reading.plan import ReadOptions
from smclass.reading.records import Record
from smclass.run import storage

# Records of a file's start looked at before it is cut.
_LOOKED_AT = 200

MIN_PARTITION = 1 << 20
# A plain post after the range's lines: the index it gets tells how far the range counted,
# even when its last line stood for no record at all.
_SENTINEL = b'{"text": "-"}\n'


@dataclass(frozen=True)
class Span:
    """Bytes [start, end) of a file; ``end`` None reads to the end."""

    start: int
    end: int | None


@dataclass(frozen=True)
class Count:
    lines: int
    records: int


def partition_size(size: int, workers: int, asked: int | None) -> int:
    """Asked for, or about the file over twice the workers (every worker gets work), at least 1 MB."""
    if asked is not None:
        return max(1, asked)
    return max(MIN_PARTITION, -(-size // (2 * max(1, workers))))


def spans(size: int, part: int) -> list[Span]:
    if size <= part:
        return [Span(0, None)]
    starts = list(range(0, size, part))
    return [Span(start, starts[i + 1] if i + 1 < len(starts) else None) for i, start in enumerate(starts)]


def splittable(location: str, options: ReadOptions) -> bool:
    """Whether a file is plain JSON lines (not gzip, not a zip, not CSV), read as one process would: only those are cut."""
    reading = options.reading()
    if reading.input_format not in (None, "jsonl") or reading.delimiter is not None:
        return False
    with storage.open_input(location) as handle:
        first = sniff.read_head(handle)
    if first[:2] == b"\x1f\x8b" or first[:4] == b"PK\x03\x04" or sniff.looks_binary(first):
        return False
    if reading.input_format != "jsonl":
        try:
            if sniff.sniff(first, location, reading.named_fields).fmt != "jsonl":
                return False
        except (InputError, UsageError):
            return False
    # Facebook entries number the ids of one second across the file: read apart, a range would start again at 1.
    return not any(record.shape in platforms.NUMBERED for record in itertools.islice(head(location, location), _LOOKED_AT))


def lines(location: str, span: Span) -> Iterator[bytes]:
    """The lines whose first byte lies in ``span``."""
    with storage.open_input(location) as handle:
        position = span.start
        if position > 0:
            handle.seek(position - 1)
            position += line_reading.skip(handle) - 1
        found = line_reading.bounded(handle)
        while span.end is None or position < span.end:
            line = next(found, b"")
            if not line:
                return
            position += line_reading.size(line)
            yield line


class _Lines:
    """An iterable of lines for the JSON-lines reader, which only iterates."""

    def __init__(self, source: Iterator[bytes]) -> None:
        self._source = source

    def __iter__(self) -> Iterator[bytes]:
        return self._source


def count(location: str, span: Span) -> Count:
    """The lines and the records (as the reader numbers them) of one range."""
    seen = [0]

    def counted() -> Iterator[bytes]:
        for line in lines(location, span):
            seen[0] += 1
            yield line
        yield _SENTINEL

    last = 0
    for record in read_jsonl(_Lines(counted()), location):  # type: ignore[arg-type]
        last = record.index
    return Count(seen[0], last - 1)


def records(location: str, source: str, span: Span, before: Sequence[Count]) -> Iterator[Record]:
    """The records of one range, numbered and placed as in a reading of the whole file."""
    found = read_jsonl(_Lines(lines(location, span)), source)  # type: ignore[arg-type]
    for record in shifted(found, sum(c.lines for c in before), sum(c.records for c in before)):
        if before and record.shape in platforms.NUMBERED:
            # Past the records splittable looked at: its id would be counted from this range alone.
            message = f"a record of {record.shape}, whose id numbers the posts of its second across the file: it cannot be cut into ranges"
            raise InputError(f"{message}; classify it with --engine local", source=source, line=record.line)
        yield record


def shifted(found: Iterable[Record], line_base: int, index_base: int) -> Iterator[Record]:
    """Records read from a range, moved to their lines and positions in the whole file."""
    for record in found:
        if not (line_base or index_base):
            yield record
            continue
        line = record.line + line_base if record.line is not None else None
        error = record.error
        if error is not None:
            error = InputError(error.message, source=error.source, line=line, field=error.field, raw=error.raw)
        yield replace(record, line=line, index=record.index + index_base, error=error)


def head(location: str, source: str) -> Iterator[Record]:
    """The records of a file from its start, from which its plan is chosen as a single process would."""
    return read_jsonl(_Lines(lines(location, Span(0, None))), source)  # type: ignore[arg-type]
