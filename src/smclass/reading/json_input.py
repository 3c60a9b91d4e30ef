"""JSON lines and whole JSON documents (arrays, objects holding a list of posts, tweets.js)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import IO, Any

import orjson

from smclass.errors import InputError
from smclass.reading import lines, platforms
from smclass.reading.json_values import (
    HUGE_NUMBER,
    STRICT,
    NotJsonError,
    encoded_twice,
    json_error_reason,
    loads_line,
    refuse_constant,
    surrogate_error,
)
from smclass.reading.json_window import TOO_LARGE, Entries, TooLarge, Window
from smclass.reading.platforms.base import SameSecond, Unreadable
from smclass.reading.platforms.x import strip_javascript_prefix
from smclass.reading.records import Record, json_kind

# An object document is held until it ends (a key after a list may make the list posts, or
# the object one post), its long lists waiting on disk. Its other members are bounded, so
# millions of small members (posts keyed by id, about 150 bytes each once read) do not make
# memory follow the input: each counts its JSON text and this much for its place and key.
OBJECT_HELD = 64 << 20
MEMBER_BYTES = 64


def record_from_value(
    value: Any, source: str, line: int | None, index: int, raw: str | bytes | None, fmt: str, shape: str | None = None, original: Any = None
) -> Record:
    if isinstance(value, dict):
        return Record(value, source, line, index, raw, fmt=fmt, shape=shape, original=original)
    if isinstance(value, Unreadable):
        error = InputError(value.reason or f"expected {value.expected}, got {json_kind(value.value)}", source=source, line=line)
        return Record({}, source, line, index, _written(raw, value.value), error, fmt=fmt, shape=shape, original=value.value)
    twice = encoded_twice(value) if isinstance(value, str) else None
    if isinstance(value, str) and twice is None:
        # A bare JSON string is the post text itself; as read, it is the string.
        return Record({"text": value}, source, line, index, raw, fmt=fmt, shape=shape, original=value)
    if twice is not None:
        error = InputError(twice, source=source, line=line)
        return Record({}, source, line, index, _written(raw, value), error, fmt=fmt)
    error = InputError(f"expected a JSON object, got {json_kind(value)}", source=source, line=line)
    return Record({}, source, line, index, _written(raw, value), error, fmt=fmt)


def _written(raw: str | bytes | None, value: Any) -> str | bytes:
    """The rejects file's line for a value read from inside a document, which has no line of its own:
    the value itself (``null``, ``42``), never an empty object in its place."""
    return raw if raw is not None else json.dumps(value, ensure_ascii=False, default=str)


def read_jsonl(stream: IO[bytes], source: str) -> Iterator[Record]:
    """JSON lines: one JSON value per line; blank lines are passed over."""
    found = lines.bounded(stream)
    first = list(itertools.islice(found, 1))
    if first and isinstance(first[0], lines.Overlong) and first[0].lstrip(b"\xef\xbb\xbf \t")[:1] in (b"{", b"["):
        # A file that is one long line of JSON is one document written without line breaks
        # (an API page, `jq -c -s`): read as a document, its posts one at a time, where a
        # long line among others is one record too long to take.
        after = list(itertools.islice(found, _BLANKS_AFTER + 1))
        if len(after) <= _BLANKS_AFTER and all(not line.strip() for line in after):
            yield from _one_line_document(first[0], source)
            return
        first += after
    index = 0
    # Ids made of a post's second are told apart across the whole input, not line by line.
    same_second = SameSecond()
    for lineno, raw_line in enumerate(itertools.chain(first, found), 1):
        if isinstance(raw_line, lines.Overlong):
            index += 1
            failure = InputError(lines.too_long(raw_line.size), source=source, line=lineno)
            yield Record({}, source, lineno, index, raw_line, failure, fmt="jsonl")
            continue
        as_written = raw_line
        if raw_line.startswith(b"\xef\xbb\xbf"):
            # Not only the first line's: files that each began with one, joined with cat.
            raw_line = raw_line[3:]
        if not raw_line.strip():
            continue
        index += 1
        try:
            value = loads_line(raw_line)
        except orjson.JSONDecodeError as exc:
            reason = json_error_reason(raw_line, exc)
            # Rejected, a line is written as it came, its byte-order mark kept.
            yield Record({}, source, lineno, index, as_written, InputError(reason, source=source, line=lineno), fmt="jsonl")
            continue
        if type(value) is dict and platforms.is_plain_post(value):  # most lines: no export shape to unwrap
            yield Record(value, source, lineno, index, as_written, fmt="jsonl")
            continue
        shaped = platforms.unwrap_line(value, same_second)
        # An entry of a page of posts has no line of its own: rejected, it is written as itself,
        # not as the page, whose other posts have their results.
        own = as_written if len(shaped) == 1 else None
        for sub_index, (item, shape, original) in enumerate(shaped):
            if sub_index:
                index += 1
            yield record_from_value(item, source, lineno, index, own, "jsonl", shape, original)


# Blank lines after a document on one line that still leave it the whole file.
_BLANKS_AFTER = 1000


def _one_line_document(line: lines.Overlong, source: str) -> Iterator[Record]:
    """The posts of a document on one line; refused before its first post, it is the line's one bad record, as in JSON lines."""
    line.spill.seek(0)
    read = False
    try:
        for record in read_json(line.spill, source):
            read = True
            yield record
    except InputError as exc:
        if read:
            raise
        yield Record({}, source, 1, 1, line, InputError(exc.message, source=source, line=1), fmt="jsonl")


def read_json(stream: IO[bytes], source: str) -> Iterator[Record]:
    """A whole JSON document: an array of records (read element by element), or an object that holds them (read member by member)."""
    window = Window(stream)
    window.more()
    window.text = strip_javascript_prefix(window.text.lstrip("\ufeff"))
    if not window.skip_space():
        if window.bad is not None:
            raise InputError(window.bad[0], source=source, line=window.bad[1])
        return
    if window.text[window.pos] == "[":
        yield from _read_json_array(window, source)
        return
    if window.text[window.pos] == "{":
        yield from _read_json_object(window, source)
        return
    offset = window.pos
    first_line = window.line_at(offset)
    try:
        text = window.read_rest()
    except TooLarge:
        raise InputError(TOO_LARGE, source=source, line=first_line) from None
    if window.bad is not None:
        raise InputError(window.bad[0], source=source, line=window.bad[1])
    refused = surrogate_error(text)
    if refused is not None:
        raise InputError(refused, source=source, line=first_line)
    try:
        document = json.loads(text, parse_constant=refuse_constant, strict=STRICT)
    except NotJsonError as exc:
        raise InputError(str(exc), source=source, line=first_line) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read", source=source) from None
    except json.JSONDecodeError as exc:
        where = first_line + exc.lineno - 1
        raise InputError(f"invalid JSON ({_said(exc.msg)} at column {exc.colno})", source=source, line=where) from None
    for index, (item, line, shape, original) in enumerate(platforms.unwrap_document(document, first_line, source), 1):
        yield record_from_value(item, source, line, index, None, "json", shape, original)


def _read_json_object(window: Window, source: str) -> Iterator[Record]:
    """An object document, read member by member: a long array in it waits on disk, not in memory.

    What the object holds (one post, a shape's page, a list of posts under a key) is decided
    only once it has been read to its end, as when it was read whole.
    """
    first_line = window.line_at(window.pos)
    arrays: list[Entries] = []
    try:
        document = _object_members(window, source, arrays)
        long = {key: _long_list(value) for key, value in document.items() if isinstance(value, Entries)}
        document = {key: value.head if isinstance(value, Entries) else value for key, value in document.items()}
        posts = platforms.unwrap_document(document, first_line, source, long)
        for index, (item, line, shape, original) in enumerate(posts, 1):
            yield record_from_value(item, source, line, index, None, "json", shape, original)
    except RecursionError:
        raise InputError("JSON nested too deeply to read", source=source) from None
    finally:
        for entries in arrays:
            entries.close()


def _long_list(entries: Entries) -> platforms.LongList:
    return platforms.LongList(entries.head, entries.objects, entries.every)


def _object_members(window: Window, source: str, arrays: list[Entries]) -> dict[str, Any]:
    """The members of the object at ``pos``: values as read, and long arrays as their :class:`Entries`.

    Damage raises the error json.loads gives for the same text, at its line.
    """
    decoder = json.JSONDecoder(parse_constant=refuse_constant, strict=STRICT)
    members: dict[str, Any] = {}
    held = 0
    window.pos += 1
    expected = "Expecting property name enclosed in double quotes"
    if _next(window, source, expected) == "}":
        window.pos += 1
    else:
        while True:
            if _next(window, source, expected) != '"':
                raise _damage(window, source, expected, window.pos)
            if held > OBJECT_HELD:
                raise InputError(_too_many(len(members)), source=source, line=window.line_at(window.pos))
            start = window.pos
            key = _value(window, source, decoder)
            if _next(window, source, "Expecting ':' delimiter") != ":":
                raise _damage(window, source, "Expecting ':' delimiter", window.pos)
            window.pos += 1
            if _next(window, source, "Expecting value") == "[":
                held += window.pos - start + MEMBER_BYTES
                entries = _array_entries(window, source, decoder)
                _once(members, key, entries if entries.long else list(entries.every()), source, window.line_at(start))
                if entries.long:
                    arrays.append(entries)
                else:
                    held += entries.size
            else:
                try:
                    _once(members, key, _value(window, source, decoder), source, window.line_at(start))
                    held += window.pos - start + MEMBER_BYTES
                except InputError as exc:
                    # Only a top-level array is read entry by entry: say which member was too big to hold.
                    if exc.message == TOO_LARGE:
                        raise InputError(f"its member {key!r} is {TOO_LARGE}", source=source, line=exc.line) from None
                    raise
            window.let_go()
            after = _next(window, source, "Expecting ',' delimiter")
            window.pos += 1
            if after == "}":
                break
            if after != ",":
                raise _damage(window, source, "Expecting ',' delimiter", window.pos - 1)
    if window.skip_space():
        damage = _damage(window, source, "Extra data", window.pos)
        if window.bad is None and window.text[window.pos : window.pos + 1] == "{":
            # Objects one after another, pretty-printed (a tool's output appended to): no JSON document.
            hint = "another object follows the first, and objects one after another are no JSON document: put each on one line (jq -c .)"
            damage = InputError(f"{damage.message}: {hint}", source=source, line=damage.line)
        raise damage
    if window.bad is not None:
        raise InputError(window.bad[0], source=source, line=window.bad[1])
    return members


def _once(members: dict[str, Any], key: str, value: Any, source: str, line: int) -> None:
    """Sets ``members[key]``. A parser keeps the last of a key given twice and says nothing: the
    document's text, id or posts would be one of two by a guess, so two different values stop here."""
    if key in members:
        held = members[key]
        if isinstance(held, Entries) or isinstance(value, Entries) or held != value:
            said = f"the object gives {key!r} twice, with different values: which one is meant would be a guess"
            raise InputError(said, source=source, line=line)
    members[key] = value


def _too_many(members: int) -> str:
    # Held, not as written: each member also counts MEMBER_BYTES for its place, so a 50 MiB file may be refused.
    said = f"a JSON object whose members take over {OBJECT_HELD >> 20} MiB to hold besides its long lists ({members:,} members so far)"
    said += ": an object is read whole before what it holds can be told"
    return said + ". Posts keyed by id can be made JSON lines first: jq -c 'to_entries[] | .value + {id: .key}'"


def _array_entries(window: Window, source: str, decoder: json.JSONDecoder) -> Entries:
    """The array at ``pos``, entry by entry: held while short, and in a temporary file once long."""
    entries = Entries(platforms.LOOKED_AT)
    window.pos += 1
    try:
        if _next(window, source, "Expecting value") == "]":
            window.pos += 1
            return entries
        while True:
            start = window.pos
            value = _value(window, source, decoder)
            entries.add(value, window.text[start : window.pos])
            window.let_go()
            after = _next(window, source, "Expecting ',' delimiter")
            window.pos += 1
            if after == "]":
                return entries
            if after != ",":
                raise _damage(window, source, "Expecting ',' delimiter", window.pos - 1)
            _next(window, source, "Expecting value")
    except BaseException:
        entries.close()
        raise


def _next(window: Window, source: str, expected: str) -> str:
    """The next character that is not a blank; the input ending first is the damage json.loads names ``expected``."""
    if not window.skip_space():
        raise _damage(window, source, expected, len(window.text))
    return window.text[window.pos]


def _value(window: Window, source: str, decoder: json.JSONDecoder) -> Any:
    """The JSON value at ``pos``, ``pos`` moved past it."""
    start = window.pos
    try:
        value, end = window.value(decoder)
    except json.JSONDecodeError as exc:
        raise _damage(window, source, exc.msg, exc.pos) from None
    except ValueError as exc:
        said = str(exc) if isinstance(exc, NotJsonError) else HUGE_NUMBER
        raise InputError(said, source=source, line=window.line_at(start)) from None
    except TooLarge:
        raise InputError(TOO_LARGE, source=source, line=window.line_at(start)) from None
    refused = surrogate_error(window.text[start:end])
    if refused is not None:
        raise InputError(refused, source=source, line=window.line_at(start))
    window.pos = end
    return value


def _damage(window: Window, source: str, reason: str, pos: int) -> InputError:
    if window.bad is not None:  # the text stops where the bytes stop being UTF-8
        return InputError(window.bad[0], source=source, line=window.bad[1])
    return InputError(f"invalid JSON ({_said(reason)} at column {window.column_at(pos)})", source=source, line=window.line_at(pos))


def _said(reason: str) -> str:
    """json's reason before "at column N": some of its own end in "at" ("Invalid control character at")."""
    return reason.lower().removesuffix(" at")


def _read_json_array(window: Window, source: str) -> Iterator[Record]:
    """Walk a top-level array element by element, so each record knows its line and memory follows the largest.

    Damage ends the array: the records before it are kept, and the damage is one error record.
    """
    decoder = json.JSONDecoder(parse_constant=refuse_constant, strict=STRICT)
    window.pos += 1
    index = 0
    same_second = SameSecond()

    def damage(reason: str, pos: int, start: int | None = None) -> Record:
        """The damage that ends the array, as one reject: the rest of the input from the element
        it is in (``start``, else ``pos``). A rest longer than a reject holds is an error that
        stops the run whatever --on-error says: the posts in what a reject would leave out
        would be neither results nor rejects."""
        line = window.line_at(pos)
        if window.bad is not None:  # the text stops where the bytes stop being UTF-8
            reason, line = window.bad[0], window.bad[1]
        raw = window.raw_from(pos if start is None else start, REJECT_HELD + 1)
        if len(raw) > REJECT_HELD:
            raise InputError(f"{reason}: {PAST_DAMAGE}", source=source, line=line)
        return Record({}, source, line, index + 1, raw, InputError(reason, source=source, line=line), fmt="json")

    while True:
        if not window.skip_space():
            yield damage("JSON array is not closed (file truncated?)", len(window.text))
            return
        if window.text[window.pos] == "]":
            yield from _after_array(window, damage)
            return
        start = window.pos
        try:
            value, end = window.value(decoder)
        except RecursionError:
            yield damage("JSON nested too deeply to read", start)
            return
        except TooLarge:
            # Passed over, not read: the entries after it are still read.
            line = window.line_at(start)
            index += 1
            passed = window.pass_value()
            yield Record({}, source, line, index, passed, InputError(TOO_LARGE, source=source, line=line), fmt="json")
        except json.JSONDecodeError as exc:
            yield damage(f"invalid JSON ({_said(exc.msg)} at column {window.column_at(exc.pos)})", exc.pos, start)
            return
        except ValueError as exc:
            # Well-formed, but Python will not make an int of over 4,300 digits (a guard against
            # quadratic work), or it holds NaN: this element is passed over, and the ones after it are read.
            line = window.line_at(start)
            index += 1
            passed = window.pass_value()
            said = str(exc) if isinstance(exc, NotJsonError) else HUGE_NUMBER
            yield Record({}, source, line, index, passed, InputError(said, source=source, line=line), fmt="json")
        else:
            line = window.line_at(start)
            raw = window.text[start:end]
            refused = surrogate_error(raw)
            if refused is not None:
                index += 1
                yield Record({}, source, line, index, raw, InputError(refused, source=source, line=line), fmt="json")
            else:
                for item, shape, original in platforms.unwrap_line(value, same_second):
                    index += 1
                    yield record_from_value(item, source, line, index, raw, "json", shape, original)
            window.pos = end
        if not window.skip_space():
            yield damage("JSON array is not closed (file truncated?)", len(window.text))
            return
        if window.text[window.pos] == ",":
            window.pos += 1
        elif window.text[window.pos] != "]":
            yield damage("invalid JSON (expected ',' or ']' between records)", window.pos)
            return
        window.let_go()


# The most of a damaged array's rest one reject holds.
REJECT_HELD = 1 << 20
PAST_DAMAGE = (
    f"a JSON document cannot be read on past its damage, and the rest of it is over {REJECT_HELD >> 20} MiB, "
    "more than one reject holds: mend it (or cut it at the damage) to read the posts after it"
)


def _after_array(window: Window, damage: Callable[[str, int], Record]) -> Iterator[Record]:
    """Only blanks may follow the array: more (a second array appended with >>, junk) is one error record, not dropped."""
    window.pos += 1
    if window.skip_space():
        yield damage(f"invalid JSON (extra data after the array at column {window.column_at(window.pos)})", window.pos)
    elif window.bad is not None:
        yield damage("not valid UTF-8", len(window.text))  # damage() gives the byte and its line
