"""CSV and TSV with a header row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, Any

from smclass.errors import InputError
from smclass.reading.records import Record
from smclass.reading.utf8 import bad_utf8

# Posts of several megabytes exist (pasted logs, long threads); the csv default is 128 KiB.
csv.field_size_limit(2**31 - 1)


def _decoded_lines(stream: IO[bytes], source: str, counter: list[int]) -> Iterator[str]:
    """Physical lines as text, so a bad byte is reported on its own line."""
    for number, raw in enumerate(stream, 1):
        counter[0] = number
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(bad_utf8(raw, exc.start), source=source, line=number) from None


def read_delimited(stream: IO[bytes], source: str, delimiter: str) -> Iterator[Record]:
    """CSV or TSV with a header row; quoted fields may hold newlines."""
    counter = [0]
    reader = csv.reader(_decoded_lines(stream, source, counter), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"invalid CSV header ({exc})", source=source, line=1) from None
    names = [name.strip() for name in header]
    fmt = "tsv" if delimiter == "\t" else "csv"
    index = 0
    start = counter[0] + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"invalid CSV ({exc})", source=source, line=start) from None
        line = start
        start = counter[0] + 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        index += 1
        raw = delimiter.join(row)
        if len(row) > len(names):
            error = InputError(f"row has {len(row)} fields but the header has {len(names)}", source=source, line=line)
            yield Record({}, source, line, index, raw, error, fmt=fmt)
            continue
        data: dict[str, Any] = dict(zip(names, row, strict=False))
        yield Record(data, source, line, index, raw, fmt=fmt)
