"""One JSON value: read as orjson reads it, and why one is refused, in the words used everywhere.

Python's json reads what orjson does not (NaN, lone surrogate escapes, numbers too wide for a
double): the readers of documents, which use json, refuse the same values JSON lines do.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from smclass.reading.utf8 import bad_utf8

ENCODED_TWICE = "a JSON object written as a JSON string (encoded twice): decode it first, e.g. jq -c 'fromjson'"
ARRAY_ENCODED_TWICE = "a JSON array of objects written as a JSON string (encoded twice): decode it first, e.g. jq -c 'fromjson'"


def encoded_twice(text: str) -> str | None:
    """Why a JSON string is refused when it holds a JSON object, or an array of them (a page of
    posts), as ``json.dumps`` of a line of JSON gives: its keys and brackets would be labelled as
    the post's words. None for a string that is text."""
    bare = text.strip()
    if not ((bare.startswith("{") and bare.endswith("}")) or (bare.startswith("[") and bare.endswith("]"))):
        return None
    try:
        value = lenient_loads(bare)
    except orjson.JSONDecodeError:
        return None
    if isinstance(value, dict):
        return ENCODED_TWICE
    # A list of numbers or words ("[1, 2]") may be what someone wrote; a list of objects is not.
    return ARRAY_ENCODED_TWICE if isinstance(value, list) and any(isinstance(v, dict) for v in value) else None


def loads_line(raw_line: bytes) -> Any:
    """A JSON line as orjson reads it; where orjson refuses only a number too wide for a double
    (an integer of over 308 digits, which a JSON array keeps), or a raw control character in a
    string (see :data:`STRICT`), as json reads it.

    Raises orjson's error where json refuses the line too, or reads a number in it as infinity.
    """
    try:
        return orjson.loads(raw_line)
    except orjson.JSONDecodeError as exc:
        message = str(exc)
        if "infinity" not in message and not message.startswith(_CONTROL):
            raise
        try:
            value = json.loads(raw_line.decode("utf-8"), parse_constant=refuse_constant, parse_float=_finite, strict=STRICT)
        except (ValueError, RecursionError):
            raise exc from None
        try:
            lone = lone_surrogate(value)
        except RecursionError:
            raise exc from None
        if lone is not None:
            raise orjson.JSONDecodeError(lone, "", 0) from None
        return value


# json's ``strict``, everywhere JSON is read from an input. A raw control character (a tab, a
# form feed, the vertical tab Excel writes for a line break in a cell) inside a JSON string is
# no JSON, strictly, but exporters that leave them unescaped are common, and such a string can
# mean one thing only: the character itself, as Python's json reads it with strict=False (the
# CSV and plain-lines readers keep such characters in a post too). Rejected, they had cost
# every such line, and the whole file once the sniffer's sample held a majority of them.
# orjson has no such mode: json reads only the lines orjson refuses for it, so the usual line
# pays nothing.
STRICT = False
_CONTROL = "unexpected control character in string"


def lone_surrogate(value: Any) -> str | None:
    """orjson's words for a lone surrogate escape json took as text, which UTF-8 cannot hold; None when there is none."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as lone:
        half = lone.object[lone.start]
        return "no low surrogate in string" if half < "\udc00" else "invalid high surrogate in string"
    return None


def lenient_loads(text: str | bytes) -> Any:
    """A JSON value as orjson reads it, or as json does where orjson refuses only a raw control character in a string."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if not str(exc).startswith(_CONTROL):
            raise
        try:
            return json.loads(text, strict=STRICT)
        except (ValueError, RecursionError):
            raise exc from None


class NotJsonError(ValueError):
    """NaN, Infinity or -Infinity: no JSON, though Python's json reads them (orjson refuses them)."""

    def __init__(self, name: str) -> None:
        # Python's json.dump writes NaN for every missing number or text of a frame's records; jq reads it as null.
        how = ": Python's json writes it for a missing value, jq -c . FILE | smclass classify - reads it as null" if name == "NaN" else ""
        super().__init__(f"invalid JSON ({name} is not a JSON value){how}")


def refuse_constant(name: str) -> Any:
    """For json's ``parse_constant``: NaN and Infinity are no JSON, and orjson refuses them too."""
    raise NotJsonError(name)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(text)
    return value


def json_error_reason(raw_line: bytes, exc: Exception) -> str:
    try:
        raw_line.decode("utf-8")
    except UnicodeDecodeError as uexc:
        return bad_utf8(raw_line, uexc.start)
    message = str(exc).split(":", 1)[0]
    if "recursion" in str(exc).lower() or "depth" in str(exc).lower():
        return "JSON nested too deeply to read"
    if "infinity" in message and _DIGITS.search(raw_line) is not None:
        return HUGE_NUMBER
    if message.startswith("unexpected character") and (b"NaN" in raw_line or b"Infinity" in raw_line):
        try:
            json.loads(raw_line, parse_constant=refuse_constant)
        except NotJsonError as named:
            return str(named)
        except (ValueError, RecursionError):
            pass
    return f"invalid JSON ({message.lower()})"


HUGE_NUMBER = "a number of more than 4,300 digits, more than Python reads"
_DIGITS = re.compile(rb"\d{4301}")

# json takes a lone surrogate escape ("\\ud800") for text, which no UTF-8 output can hold;
# orjson refuses it, as it does on JSON lines. Only text with such an escape is checked.
_SURROGATE = re.compile(r"\\[uU][dD][89a-fA-F]")


def surrogate_error(text: str) -> str | None:
    if _SURROGATE.search(text) is None:
        return None
    try:
        value = lenient_loads(text)
    except orjson.JSONDecodeError as exc:
        return f"invalid JSON ({str(exc).split(':', 1)[0].lower()})"
    # Read by json where orjson refused only a raw control character, a lone surrogate is still there to find.
    lone = lone_surrogate(value)
    return f"invalid JSON ({lone})" if lone is not None else None
