"""Reading inputs: take a path or a binary file object, yield :class:`Record` objects, never print.

Formats are detected from the content (gzip magic, a sample of the first lines), so a
``.txt`` that holds JSON lines is read as JSON lines. Platform export shapes are
unwrapped by :mod:`smclass.reading.platforms`.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import stat
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from smclass.errors import EMPTY_INPUT_NAME, InputError, UsageError
from smclass.reading import containers, decoders, live, platforms, retold, sheets, sqlite, utf8
from smclass.reading.delimited import RAISED_LIMIT, excel_sep, read_delimited, read_lines
from smclass.reading.doubts import FormatDoubtError
from smclass.reading.guarded import Guarded, cut_last, not_cut_while_read
from smclass.reading.json_input import read_json, read_jsonl
from smclass.reading.platforms import email, linkedin, whatsapp
from smclass.reading.platforms.base import NotPostsError
from smclass.reading.records import Record
from smclass.reading.sniff import (
    HEAD_BYTES,
    SAMPLE_LINES,
    Detected,
    Partial,
    cr_alone,
    cr_line_ends,
    looks_binary,
    peek_stream,
    sniff,
    sniff_delimiter,
)

FORMATS = ("jsonl", "json", "csv", "tsv", "lines")

Notify = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


@dataclass(frozen=True)
class Reading:
    """How to read inputs: the format and delimiter the user gave, the fields they named, where notes go.

    ``table`` and ``query`` say what to read of a SQLite database (``table``: of a workbook).
    ``on_error`` is the run's: with "skip", damage that ends a compressed input, which holds
    no record of its own, is a note, not a record (a rejects file would get a line that is
    no input).
    """

    input_format: str | None = None
    delimiter: str | None = None
    named_fields: tuple[str, ...] = ()
    notify: Notify = _quiet
    table: str | None = None
    query: str | None = None
    on_error: str = "stop"
    encoding: str | None = None


def read_stream(
    stream: IO[bytes], source: str, input_format: str | None = None, reading: Reading | None = None, *, archives: bool = False
) -> Iterator[Record]:
    """Yield the records of one input. ``source`` names it in messages.

    With ``archives`` a zip of posts is read member by member, named ``source!member``:
    only where results name their source (a file of a folder, one of many inputs), as
    members' positions start again at 1. Without it a zip is refused.
    """
    reading = reading or Reading(input_format)
    guard: Guarded | None = stream if isinstance(stream, Guarded) else None
    # The handle as opened, for readers that need its file (SQLite, Excel); None once decompressed.
    opened: IO[bytes] | None = stream
    origin = stream
    head, stream = peek_stream(stream)
    if head[:2] == b"\x1f\x8b":
        guard = Guarded(gzip.GzipFile(fileobj=stream, mode="rb"), "gzip data")  # type: ignore[arg-type]
        opened = None
        head, stream = peek_stream(guard)  # type: ignore[arg-type]
    elif head[:4] == decoders.ZSTD_MAGIC:
        guard = Guarded(decoders.Zstd(stream, source), "zstd data")  # type: ignore[arg-type]
        opened = None
        head, stream = peek_stream(guard)  # type: ignore[arg-type]
    elif decoders.is_bzip2(head) or head.startswith(decoders.XZ_MAGIC):
        # Closed with the stream under it, as the GzipFile above is.
        kind, inner = ("bzip2", bz2.BZ2File(stream)) if decoders.is_bzip2(head) else ("xz", lzma.LZMAFile(stream))  # noqa: SIM115
        guard = Guarded(inner, f"{kind} data")  # type: ignore[arg-type]
        opened = None
        head, stream = peek_stream(guard)  # type: ignore[arg-type]
    # A stream that checks itself (compressed, a zip member): its damage may show first as a garbled record.
    checks = guard is not None
    utf16 = False
    if reading.encoding is not None and not (sheets.is_table_file(head) or head.startswith(sqlite.MAGIC)):
        # The user said what the text is: decoded as it is read, the readers see UTF-8.
        decoders.check_no_other_mark(head, reading.encoding, source)
        decoders.check_fits(head, reading.encoding, source)
        if (misread := decoders.utf8_read_otherwise(head, reading.encoding)) is not None:
            reading.notify(f"warning: {source}: {misread}")
        guard = Guarded(decoders.Recoded(stream, reading.encoding), f"{reading.encoding} text", keep=guard)  # type: ignore[arg-type]
        opened = None
        head, stream = peek_stream(guard)  # type: ignore[arg-type]
    elif head[:2] in decoders.UTF16_BOMS and not head.startswith(decoders.UTF32_BOMS):
        # A byte-order mark makes the encoding certain; the readers read UTF-8.
        reading.notify(f"{source}: UTF-16 text (byte-order mark), read as such")
        guard = Guarded(decoders.Utf16(stream), "UTF-16 text", keep=guard)  # type: ignore[arg-type]
        opened = None
        head, stream = peek_stream(guard)  # type: ignore[arg-type]
        # The only bytes of it that are no UTF-8 to the readers are a lone surrogate's: said so.
        utf16 = True
    records = _read_plain(head, stream, opened, source, reading, archives)
    if reading.encoding is not None:
        records = _said_in(records, lambda error: utf8.in_named_encoding(error, reading.encoding or ""))
    elif utf16:
        records = _said_in(records, utf8.in_utf16)
    records = not_cut_while_read(_where_not_posts(records, source), origin, source)
    if guard is not None:
        records = cut_last(records, guard, source, reading.on_error != "skip", origin if checks else None)
    first = next(records, None)
    if first is not None:
        yield first
        yield from records
    if guard is not None and guard.damage is not None:
        damage = InputError(guard.damage, source=source)
        if guard.untrusted:
            # Not a record to skip: what was already read of the input is in doubt, so the run stops.
            raise damage
        if reading.on_error == "skip":
            reading.notify(f"skipped {damage}")
        else:
            yield Record({}, source, None, 0, None, damage)
    elif first is None:
        empty = not head.strip(b"\xef\xbb\xbf \t\r\n")
        reading.notify(f"{source}: {'is empty' if empty else 'holds no records'}")


def _where_not_posts(records: Iterator[Record], source: str) -> Iterator[Record]:
    """A shape that finds its document holds no posts knows not which input it read: named here."""
    try:
        yield from records
    except NotPostsError as exc:
        if exc.source is not None:
            raise
        raise NotPostsError(exc.message, source=source, line=1) from None


def _said_in(records: Iterator[Record], reword: Callable[[InputError], InputError]) -> Iterator[Record]:
    """Errors about bytes that are not UTF-8 said of the encoding the input was decoded from."""
    try:
        for record in records:
            yield record if record.error is None else replace(record, error=reword(record.error))
    except InputError as exc:
        # A JSON document fails whole, not record by record: said in the same words.
        said = reword(exc)
        if said is exc:
            raise
        raise said from None


def _blank_to_the_end(stream: IO[bytes]) -> bool:
    """Whether the rest of ``stream`` is blanks too, read a piece at a time (what is read is not kept:
    an input with more than blanks further down is refused anyway)."""
    while piece := stream.read(HEAD_BYTES):
        if piece.strip(b" \t\r\n"):
            return False
    return True


def _read_plain(
    head: bytes, stream: IO[bytes], opened: IO[bytes] | None, source: str, reading: Reading, archives: bool
) -> Iterator[Record]:
    fmt = reading.input_format
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown input format '{fmt}' (choose from {', '.join(FORMATS)})")
    if fmt != "lines" and not head.strip(b"\xef\xbb\xbf \t\r\n"):
        if len(head) < HEAD_BYTES:
            return  # blank to its end: empty
        if fmt is None and _blank_to_the_end(stream):
            return
        if fmt is None:
            # Blank as far as the format is told from: never "empty" with posts further down.
            raise InputError(
                f"its first {HEAD_BYTES // 1024} KiB are blank, so its format cannot be told: "
                "say it with --input-format (jsonl, json, csv, tsv, lines)",
                source=source,
            )
    if sqlite.is_database(head):
        yield from sqlite.read_stream(stream, opened, source, reading.table, reading.query, reading.notify)
        return
    if reading.query is not None:
        raise UsageError(f"{source}: --query goes with a SQLite database, and this is not one")
    if sheets.is_table_file(head):
        archive = (lambda path: containers.read_zip(path, reading, read_stream, _guarded, shown=source)) if archives else None
        yield from sheets.read_stream(stream, opened, source, head, reading.table, archive)
        return
    if reading.table is not None:
        raise UsageError(f"{source}: --table goes with a SQLite database or an Excel workbook, and this is neither")
    if looks_binary(head):
        if head.startswith(decoders.UTF32_BOMS):
            said = "UTF-32 text (its byte-order mark says so), which is read only when named"
            raise InputError(f"{said}: say it with --encoding utf-32, or convert it, iconv -f UTF-32 -t UTF-8 IN > OUT", source=source)
        for family, looks in (("UTF-32", decoders.utf32_without_bom), ("UTF-16", decoders.utf16_without_bom)):
            endian = looks(head)
            if endian is not None:
                what = f"looks like {family}{endian} text without a byte-order mark, which is not guessed"
                name = f"{family}{endian}"
                raise InputError(f"{what}: say it with --encoding {name}, or convert it, iconv -f {name} -t UTF-8 IN > OUT", source=source)
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            # The OLE2 container of Excel 97-2003 (.xls) and old Word files: openpyxl reads neither.
            raise InputError("an OLE2 file (an Excel 97-2003 .xls workbook?), which is not read: save it as .xlsx or .csv", source=source)
        if head[257:262] == b"ustar":
            raise InputError("a tar archive, which is not opened: unpack it first (tar xf FILE) and give its folder", source=source)
        raise InputError("looks like a binary file, not JSON, JSON lines, CSV or TSV", source=source)
    detected = detect(head, source, reading)
    if detected.fmt in ("mbox", "email") and reading.encoding is not None and codecs.lookup(reading.encoding).name != "utf-8":
        # A message names the charset of each part itself: its bytes recoded first, a Latin-1 part had come out as mojibake.
        said = "e-mail, which names the charset of each of its parts itself: leave --encoding out"
        raise UsageError(f"{source}: --encoding {reading.encoding} goes with text in one encoding, and this is {said}")
    if detected.note is not None:
        reading.notify(f"{source}: read as lines, one post per line: {detected.note} (say --input-format csv if it is one)")
    seen = None
    if isinstance(head, Partial) and fmt is None and reading.delimiter is None:
        # Told from what came before a live input paused: told again as the rest of the sample comes.
        seen = retold.Seen(stream)
        stream = io.BufferedReader(seen, buffer_size=HEAD_BYTES)
    if seen is not None and detected.fmt == "whatsapp":
        # Only the whole chat tells which number of its dates is the day: read twice to learn it, a live chat had given no
        # result before its input ended (under tail -f, none ever). Read as it comes, its stamps stay as written.
        reading.notify(
            f"{source}: a WhatsApp chat read as it comes: its messages keep their date and time as written, with no time read from "
            "them (only the whole chat tells whether its dates are day or month first)"
        )
    try:
        records = _read_as(detected, stream, source, live=seen is not None)
        if seen is not None:
            records = retold.checked(records, head, seen, detected, lambda sample: detect(sample, source, reading))
        yield from records
    except (OSError, EOFError) as exc:
        raise InputError(f"could not be read to the end ({exc})", source=source) from None


def _read_as(detected: Detected, stream: IO[bytes], source: str, live: bool = False) -> Iterator[Record]:
    if detected.fmt == "jsonl":
        return read_jsonl(stream, source)
    if detected.fmt == "json":
        return read_json(stream, source)
    if detected.fmt == "lines":
        return read_lines(stream, source)
    if detected.fmt == "whatsapp":
        return whatsapp.read_chat(stream, source, as_it_comes=live)
    if detected.fmt == "mbox":
        return email.read_mbox(stream, source)
    if detected.fmt == "email":
        return email.read_message(stream, source)
    return platforms.unwrap_rows(read_delimited(stream, source, detected.delimiter, detected.escaped))


def detect(head: bytes, source: str, reading: Reading) -> Detected:
    """The format (and delimiter, and quoting) a reading of an input with these first bytes uses."""
    detected = _detect(head, source, reading)
    if detected.fmt in ("csv", "tsv") and linkedin.escapes_quotes(_first_row(head, detected.delimiter), head):
        return replace(detected, escaped=True)
    return detected


def _first_row(head: bytes, delimiter: str) -> list[str]:
    line = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    with RAISED_LIMIT:
        return next(csv.reader([line], delimiter=delimiter), [])


def _detect(head: bytes, source: str, reading: Reading) -> Detected:
    fmt, delimiter = reading.input_format, reading.delimiter
    if (fmt is not None or delimiter is not None) and fmt != "json" and cr_line_ends(head):
        raise InputError(cr_alone(head), source=source)  # a format named does not make such a file more than one line
    if fmt in (None, "csv", "tsv") and delimiter is not None:
        return Detected.delimited(delimiter)
    if fmt == "tsv":
        return Detected("tsv", "\t")
    if fmt == "csv":
        sep = excel_sep(head.split(b"\n", 1)[0])
        if sep is not None:
            return Detected.delimited(sep)
        lines = head.lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace").splitlines()[:SAMPLE_LINES]
        found = sniff_delimiter(lines) if lines else None
        if found == "\t":
            # Read with commas, a tab-separated header is one name and its rows break at their commas.
            said = "--input-format csv, but its lines are split by tabs: say --input-format tsv, or --delimiter ',' to split them at commas"
            raise UsageError(f"{source}:1: {said}")
        return Detected("csv", found if found is not None else ",")
    if fmt is not None:
        return Detected(fmt)
    try:
        return sniff(head, source, reading.named_fields)
    except FormatDoubtError as exc:
        raise UsageError(f"{source}:{exc.line}: {exc}") from None
    except UsageError as exc:
        raise UsageError(f"{source}: {exc}") from None


def holds_many(path: str) -> bool:
    """Whether ``path`` is a folder or a zip archive: its records then come from several files."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except OSError:
        return False
    return stat.S_ISDIR(mode) or (stat.S_ISREG(mode) and containers.is_zip(p))


def _guarded(member: IO[bytes], info: zipfile.ZipInfo) -> IO[bytes]:
    expected = None
    if hasattr(member, "_expected_crc"):
        expected, member._expected_crc = member._expected_crc, None
    return Guarded(member, "zip member", expected, info.filename)  # type: ignore[return-value]


def _stdin() -> IO[bytes]:
    """Standard input; a live one unbuffered by Python's own reader, whose lock a thread left
    waiting on it at exit would hold while the interpreter shuts down (a fatal error)."""
    fd = live.live_fd(sys.stdin.buffer)
    return sys.stdin.buffer if fd is None else io.FileIO(fd, "rb", closefd=False)


# fsspec chains a cache before a store too (simplecache::s3://b/x): taken for a path, such an output was written
# to a local folder "simplecache::s3:/b/x", unsaid.
_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*::)*[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(name: str) -> bool:
    """An fsspec URL (``s3://``, ``file://``, ``zip://...::file://...``, ``simplecache::s3://...``), which only a Dask run reads."""
    return bool(_URL.match(name))


def read_path(
    path: str,
    input_format: str | None = None,
    on_open: Callable[[IO[bytes]], None] | None = None,
    reading: Reading | None = None,
    *,
    table: str | None = None,
    query: str | None = None,
) -> Iterator[Record]:
    """Yield the records of a file path, or of stdin for ``-``.

    ``on_open`` is given the handle of a plain file once it is open, so a caller can
    follow how far into it reading has got (for a progress bar with an ETA).
    """
    reading = reading or Reading(input_format, table=table, query=query)
    if path == "":
        raise UsageError(EMPTY_INPUT_NAME)
    if path == "-":
        stdin = _stdin()
        if sys.stdin.isatty():
            # Nothing piped in: the run waits on the keyboard, which looked like a hang.
            reading.notify("<stdin> is the terminal: reading posts typed or pasted here, one a line; end with Ctrl-D (or name a file)")
        yield from read_stream(stdin, "<stdin>", reading=reading)
        return
    p = Path(path)
    if p.is_dir():
        yield from containers.read_directory(p, reading, read_stream)
        return
    try:
        handle = p.open("rb")
    except FileNotFoundError:
        # A URL here is no file name: "no such file" would say that what it names does not exist.
        said = "URLs are read only by classify --engine dask: give the path of the file (of a local copy, for a remote one)"
        raise InputError(said if is_url(path) else "no such file", source=path) from None
    except OSError as exc:
        raise InputError(f"cannot open ({exc.strerror})", source=path) from None
    if on_open is not None:
        on_open(handle)
    with handle:
        if containers.is_zip(p):
            yield from containers.read_zip(p, reading, read_stream, _guarded)
        else:
            yield from read_stream(handle, path, reading=reading)
