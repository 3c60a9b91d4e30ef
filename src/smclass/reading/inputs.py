"""Reading inputs: take a path or a binary file object, yield :class:`Record` objects, never print.

Formats are detected from the content (gzip magic, the first non-blank character,
the delimiter on the header line), so a ``.txt`` that holds JSON lines is read as
JSON lines. Platform export shapes are unwrapped by :mod:`smclass.reading.platforms`.
"""

from __future__ import annotations

import functools
import gzip
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from smclass.errors import InputError, UsageError
from smclass.reading import containers, platforms, sheets, sqlite
from smclass.reading.delimited import read_delimited
from smclass.reading.json_input import read_json, read_jsonl
from smclass.reading.records import Record
from smclass.reading.sniff import detect_format, looks_binary, peek_stream

FORMATS = ("jsonl", "json", "csv", "tsv")


def read_stream(
    stream: IO[bytes], source: str, input_format: str | None = None, *, table: str | None = None, query: str | None = None
) -> Iterator[Record]:
    """Yield the records of one input. ``source`` names it in messages.

    ``table`` and ``query`` say what to read of a SQLite database.
    """
    opened: IO[bytes] | None = stream
    head, stream = peek_stream(stream)
    if head[:2] == b"\x1f\x8b":
        gz = gzip.GzipFile(fileobj=stream, mode="rb")
        opened = None
        try:
            head, stream = peek_stream(gz)  # type: ignore[arg-type]
        except (OSError, EOFError) as exc:
            raise InputError(f"damaged gzip data ({exc})", source=source) from None
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        return
    if sqlite.is_database(head):
        yield from sqlite.read_stream(stream, opened, source, table, query)
        return
    if query is not None:
        raise UsageError(f"{source}: --query goes with a SQLite database, and this is not one")
    if sheets.is_table_file(head):
        yield from sheets.read_stream(stream, opened, source, head, table)
        return
    if table is not None:
        raise UsageError(f"{source}: --table goes with a SQLite database or an Excel workbook, and this is neither")
    if looks_binary(head):
        raise InputError("looks like a binary file, not JSON, JSON lines, CSV or TSV", source=source)
    fmt = input_format or detect_format(head, source)
    if fmt not in FORMATS:
        raise UsageError(f"unknown input format '{fmt}' (choose from {', '.join(FORMATS)})")
    try:
        if fmt == "jsonl":
            yield from read_jsonl(stream, source)
        elif fmt == "json":
            yield from read_json(stream, source)
        else:
            yield from platforms.unwrap_rows(read_delimited(stream, source, "\t" if fmt == "tsv" else ","))
    except (OSError, EOFError) as exc:
        raise InputError(f"could not be read to the end ({exc})", source=source) from None


def read_path(
    path: str,
    input_format: str | None = None,
    on_open: Callable[[IO[bytes]], None] | None = None,
    *,
    table: str | None = None,
    query: str | None = None,
) -> Iterator[Record]:
    """Yield the records of a file path, or of stdin for ``-``.

    ``on_open`` is given the handle of a plain file once it is open, so a caller can
    follow how far into it reading has got (for a progress bar with an ETA).
    """
    read = functools.partial(read_stream, table=table, query=query)
    if path == "-":
        yield from read(sys.stdin.buffer, "<stdin>", input_format)
        return
    p = Path(path)
    if p.is_dir():
        yield from containers.read_directory(p, input_format, read)
        return
    try:
        handle = p.open("rb")
    except FileNotFoundError:
        raise InputError("no such file", source=path) from None
    except OSError as exc:
        raise InputError(f"cannot open ({exc.strerror})", source=path) from None
    if on_open is not None:
        on_open(handle)
    with handle:
        if containers.is_zip(p):
            yield from containers.read_zip(p, input_format, read)
        else:
            yield from read(handle, path, input_format)


