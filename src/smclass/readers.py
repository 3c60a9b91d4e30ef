"""Readers: take a binary file object, yield :class:`Record` objects, never print.

Formats are detected from the content (gzip magic, the first non-blank character,
the delimiter on the header line), so a ``.txt`` that holds JSON lines is read as
JSON lines. Platform export shapes are unwrapped by :mod:`smclass.exports`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from smclass import exports
from smclass.errors import InputError, UsageError
from smclass.records import Record, json_kind

FORMATS = ("jsonl", "json", "csv", "tsv")
_HEAD_BYTES = 1 << 16
# Posts of several megabytes exist (pasted logs, long threads); the csv default is 128 KiB.
csv.field_size_limit(2**31 - 1)


class _Rewound(io.RawIOBase):
    """Serve bytes already read for sniffing, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def _read_head(stream: IO[bytes]) -> bytes:
    chunks = []
    size = 0
    while size < _HEAD_BYTES:
        chunk = stream.read(_HEAD_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def peek_stream(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """Return the first bytes of ``stream`` and a stream that still starts at byte 0."""
    head = _read_head(stream)
    return head, io.BufferedReader(_Rewound(head, stream), buffer_size=_HEAD_BYTES)


def detect_format(head: bytes, name: str = "") -> str:
    """Guess the format of a (decompressed) input from its first bytes."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if exports.is_twitter_archive(text):
        return "json"
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        first, newline, after = text.partition(b"\n")
        if not newline and len(head) >= _HEAD_BYTES:
            # A first line longer than the sample: a huge post in JSON lines, or a whole
            # response saved on one line; JSON lines reads both.
            return "jsonl"
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return "json"
        # One object alone is a whole document (it may hold a list of posts).
        return "jsonl" if after.strip() else "json"
    header = text.split(b"\n", 1)[0]
    if header.count(b"\t") > header.count(b","):
        return "tsv"
    lower = name.lower()
    if lower.endswith((".tsv", ".tsv.gz", ".tab")):
        return "tsv"
    return "csv"


def _looks_binary(head: bytes) -> bool:
    return b"\x00" in head[:8192]


def _bad_utf8(line: bytes, start: int) -> str:
    """The one wording for a byte that is not UTF-8, at its column in ``line``."""
    return f"not valid UTF-8 (byte 0x{line[start]:02x} at column {start + 1})"


def _decode(data: bytes, source: str) -> str:
    """A whole document as text; a bad byte is reported at its line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        raise InputError(
            _bad_utf8(data[line_start : exc.start + 1], exc.start - line_start)
            + "; convert the file to UTF-8 first, e.g. with iconv -f latin1 -t utf-8",
            source=source,
            line=data.count(b"\n", 0, exc.start) + 1,
        ) from None


def read_stream(stream: IO[bytes], source: str, input_format: str | None = None) -> Iterator[Record]:
    """Yield the records of one input. ``source`` names it in messages."""
    head, stream = peek_stream(stream)
    if head[:2] == b"\x1f\x8b":
        gz = gzip.GzipFile(fileobj=stream, mode="rb")
        try:
            head, stream = peek_stream(gz)  # type: ignore[arg-type]
        except (OSError, EOFError) as exc:
            raise InputError(f"damaged gzip data ({exc})", source=source) from None
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        return
    if _looks_binary(head):
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
            yield from read_delimited(stream, source, "\t" if fmt == "tsv" else ",")
    except (OSError, EOFError) as exc:
        raise InputError(f"could not be read to the end ({exc})", source=source) from None


def read_path(path: str, input_format: str | None = None, on_open: Callable[[IO[bytes]], None] | None = None) -> Iterator[Record]:
    """Yield the records of a file path, or of stdin for ``-``.

    ``on_open`` is given the handle of a plain file once it is open, so a caller can
    follow how far into it reading has got (for a progress bar with an ETA).
    """
    if path == "-":
        yield from read_stream(sys.stdin.buffer, "<stdin>", input_format)
        return
    p = Path(path)
    if p.is_dir():
        yield from exports.read_directory(p, input_format, read_stream)
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
        if exports.is_zip(p):
            yield from exports.read_zip(p, input_format, read_stream)
        else:
            yield from read_stream(handle, path, input_format)


def _record_from_value(
    value: Any, source: str, line: int | None, index: int, raw: str | bytes | None, fmt: str, shape: str | None = None
) -> Record:
    if isinstance(value, dict):
        return Record(value, source, line, index, raw, fmt=fmt, shape=shape)
    if isinstance(value, str):
        # A bare JSON string is the post text itself.
        return Record({"text": value}, source, line, index, raw, fmt=fmt, shape=shape)
    error = InputError(f"expected a JSON object, got {json_kind(value)}", source=source, line=line)
    return Record({}, source, line, index, raw, error, fmt=fmt)


def read_jsonl(stream: IO[bytes], source: str) -> Iterator[Record]:
    """JSON lines: one JSON value per line; blank lines are passed over."""
    index = 0
    for lineno, raw_line in enumerate(stream, 1):
        if lineno == 1 and raw_line.startswith(b"\xef\xbb\xbf"):
            raw_line = raw_line[3:]
        if not raw_line.strip():
            continue
        index += 1
        try:
            value = orjson.loads(raw_line)
        except orjson.JSONDecodeError as exc:
            reason = _json_error_reason(raw_line, exc)
            yield Record({}, source, lineno, index, raw_line, InputError(reason, source=source, line=lineno), fmt="jsonl")
            continue
        if type(value) is dict and exports.is_plain_post(value):  # most lines: no export shape to unwrap
            yield Record(value, source, lineno, index, raw_line, fmt="jsonl")
            continue
        for sub_index, (item, shape) in enumerate(exports.unwrap_line(value)):
            if sub_index:
                index += 1
            yield _record_from_value(item, source, lineno, index, raw_line, "jsonl", shape)


def _json_error_reason(raw_line: bytes, exc: Exception) -> str:
    try:
        raw_line.decode("utf-8")
    except UnicodeDecodeError as uexc:
        return _bad_utf8(raw_line, uexc.start)
    message = str(exc).split(":", 1)[0]
    if "recursion" in str(exc).lower() or "depth" in str(exc).lower():
        return "JSON nested too deeply to read"
    return f"invalid JSON ({message.lower()})"


def read_json(stream: IO[bytes], source: str) -> Iterator[Record]:
    """A whole JSON document: an array of records, or an object that holds them."""
    text = _decode(stream.read(), source).lstrip("\ufeff")
    text = exports.strip_javascript_prefix(text)
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    if stripped.startswith("["):
        yield from _read_json_array(text, offset, source)
        return
    try:
        document = json.loads(text)
    except RecursionError:
        raise InputError("JSON nested too deeply to read", source=source) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg.lower()} at column {exc.colno})", source=source, line=exc.lineno) from None
    first_line = text.count("\n", 0, offset) + 1
    for index, (item, line, shape) in enumerate(exports.unwrap_document(document, first_line), 1):
        yield _record_from_value(item, source, line, index, None, "json", shape)


def _read_json_array(text: str, start: int, source: str) -> Iterator[Record]:
    """Walk a top-level array element by element, so each record knows its line."""
    decoder = json.JSONDecoder()
    pos = start + 1
    line = text.count("\n", 0, pos) + 1
    counted_to = pos
    index = 0
    end = len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos < end and text[pos] == "]":
            return
        if pos >= end:
            raise InputError("JSON array is not closed (file truncated?)", source=source, line=text.count("\n") + 1)
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        try:
            value, next_pos = decoder.raw_decode(text, pos)
        except RecursionError:
            raise InputError("JSON nested too deeply to read", source=source, line=line) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON ({exc.msg.lower()} at column {exc.colno})", source=source, line=exc.lineno) from None
        for item, shape in exports.unwrap_line(value):
            index += 1
            yield _record_from_value(item, source, line, index, text[pos:next_pos], "json", shape)
        pos = next_pos
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos < end and text[pos] == ",":
            pos += 1
        elif pos < end and text[pos] == "]":
            return
        else:
            line += text.count("\n", counted_to, pos)
            counted_to = pos
            raise InputError("invalid JSON (expected ',' or ']' between records)", source=source, line=line)


def _decoded_lines(stream: IO[bytes], source: str, counter: list[int]) -> Iterator[str]:
    """Physical lines as text, so a bad byte is reported on its own line."""
    for number, raw in enumerate(stream, 1):
        counter[0] = number
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(_bad_utf8(raw, exc.start), source=source, line=number) from None


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
