"""JSON lines and whole JSON documents (arrays, objects holding a list of posts, tweets.js)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

import orjson

from smclass.errors import InputError
from smclass.reading import platforms
from smclass.reading.platforms.x import strip_javascript_prefix
from smclass.reading.records import Record, json_kind
from smclass.reading.utf8 import bad_utf8, decode


def record_from_value(
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
        if type(value) is dict and platforms.is_plain_post(value):  # most lines: no export shape to unwrap
            yield Record(value, source, lineno, index, raw_line, fmt="jsonl")
            continue
        for sub_index, (item, shape) in enumerate(platforms.unwrap_line(value)):
            if sub_index:
                index += 1
            yield record_from_value(item, source, lineno, index, raw_line, "jsonl", shape)


def _json_error_reason(raw_line: bytes, exc: Exception) -> str:
    try:
        raw_line.decode("utf-8")
    except UnicodeDecodeError as uexc:
        return bad_utf8(raw_line, uexc.start)
    message = str(exc).split(":", 1)[0]
    if "recursion" in str(exc).lower() or "depth" in str(exc).lower():
        return "JSON nested too deeply to read"
    return f"invalid JSON ({message.lower()})"


def read_json(stream: IO[bytes], source: str) -> Iterator[Record]:
    """A whole JSON document: an array of records, or an object that holds them."""
    text = decode(stream.read(), source).lstrip("\ufeff")
    text = strip_javascript_prefix(text)
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
    for index, (item, line, shape) in enumerate(platforms.unwrap_document(document, first_line), 1):
        yield record_from_value(item, source, line, index, None, "json", shape)


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
        for item, shape in platforms.unwrap_line(value):
            index += 1
            yield record_from_value(item, source, line, index, text[pos:next_pos], "json", shape)
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


