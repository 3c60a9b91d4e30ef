"""A JSON document read through a moving window of text, so memory follows the largest record, not the file."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from smclass.reading.json_values import STRICT
from smclass.reading.lines import RECORD_LIMIT, Overlong
from smclass.reading.spool import temporary_file, temporary_writes
from smclass.reading.utf8 import bad_utf8

CHUNK = 1 << 16
_BLANKS = frozenset(" \t\r\n")
_SPACES = re.compile(r"\s*")
# Pages of blanks (padding, or a hostile file of nothing else) are passed over in big reads.
_BLANK_READ = 1 << 20
# Errors this close to the end of the text read so far may only mean the rest is still to come.
_CUT_MARGIN = 16
_DECODER = json.JSONDecoder(strict=STRICT)
# What a value too large to read is followed by: its strings' ends and escapes, its brackets,
# and for a bare number or word, what ends it.
_STRING_STOPS = re.compile(r'["\\]')
_VALUE_STOPS = re.compile(r'["\[\]{}]')
_SCALAR_ENDS = re.compile(r"[\s,\]}]")
# Text of an array's entries held in memory; past it they wait in a temporary file.
HELD = 1 << 20
TOO_LARGE = f"a JSON value over {RECORD_LIMIT >> 20} MiB, the most one record may take"


class TooLarge(Exception):  # noqa: N818 - caught where the value is read, never shown by name
    """A value that goes on past :data:`~smclass.reading.lines.RECORD_LIMIT` characters, from ``pos``."""

    def __init__(self, pos: int) -> None:
        super().__init__(TOO_LARGE)
        self.pos = pos


class Window:
    """Text decoded from a byte stream as far as it is needed; what lies behind ``pos`` is let go."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.pos = 0
        self.eof = False
        # Where text[0] stands in the input: line number and column offset, for messages.
        self._line = 1
        self._counted = 0
        self._first_column = 0
        # Bytes that are not UTF-8 end the text where they start; the reason is kept for the error,
        # and the bytes from there (as read so far) for a reject.
        self.bad: tuple[str, int] | None = None
        self._undecoded = b""

    def more(self, at_least: int = CHUNK) -> bool:
        """Read on; False once the input is over."""
        if self.eof:
            return False
        data = self._stream.read(max(at_least, CHUNK))
        try:
            self.text += self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            self._stop_at_bad_bytes(exc)
            return False
        if not data:
            self.eof = True
        return bool(data)

    def _stop_at_bad_bytes(self, exc: UnicodeDecodeError) -> None:
        good = exc.object[: exc.start].decode("utf-8")
        line_start = len(self.text) + good.rfind("\n") + 1 if "\n" in good else self.text.rfind("\n") + 1
        self.text += good
        line_bytes = self.text[line_start:].encode("utf-8") + bytes(exc.object[exc.start : exc.start + 1])
        self.bad = (bad_utf8(line_bytes, len(line_bytes) - 1), self.line_at(len(self.text)))
        self._undecoded = bytes(exc.object[exc.start :])
        self.eof = True

    def raw_from(self, pos: int, limit: int) -> str | bytes:
        """Up to ``limit`` of the input from ``pos`` as it stands: text, or bytes where bytes that
        are not UTF-8 ended the text (those and what follows them are read on, for a reject)."""
        while self.bad is None and len(self.text) - pos < limit and self.more(limit - (len(self.text) - pos)):
            pass
        if self.bad is None:
            return self.text[pos : pos + limit]
        held = self.text[pos:].encode("utf-8") + self._undecoded
        if len(held) < limit:
            held += self._stream.read(limit - len(held))
        return held[:limit]

    def line_at(self, pos: int) -> int:
        self._line += self.text.count("\n", self._counted, pos) if pos >= self._counted else -self.text.count("\n", pos, self._counted)
        self._counted = pos
        return self._line

    def column_at(self, pos: int) -> int:
        newline = self.text.rfind("\n", 0, pos)
        return pos - newline if newline >= 0 else self._first_column + pos + 1

    def skip_space(self) -> bool:
        """Move past blanks; False when the input ends first."""
        while True:
            if self.text[self.pos : self.pos + 1] in _BLANKS:
                # Matched where they stand: stripping a copy of the rest of the window cost as much
                # as the window for every blank between two elements. Like lstrip(), this passes over
                # other Unicode spaces between elements too, which is harmless.
                self.pos = _SPACES.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return True
            self.let_go()
            if not self.more(_BLANK_READ):
                return False

    def let_go(self) -> None:
        """Drop the text already read, once there is enough of it to be worth copying."""
        if self.pos < CHUNK:
            return
        self.line_at(self.pos)
        newline = self.text.rfind("\n", 0, self.pos)
        self._first_column = self.pos - newline - 1 if newline >= 0 else self._first_column + self.pos
        self.text = self.text[self.pos :]
        self._counted -= self.pos
        self.pos = 0

    def value(self, decoder: json.JSONDecoder) -> tuple[Any, int]:
        """The JSON value at ``pos`` and where it ends, reading on while it may be cut short."""
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
                if end - self.pos > RECORD_LIMIT:
                    raise TooLarge(self.pos)
                # A number at the very end of the text read so far may go on.
                if end < len(self.text) or self.eof:
                    return value, end
            except json.JSONDecodeError as exc:
                cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(self.text) - _CUT_MARGIN
                if self.eof or not cut:
                    raise
            if len(self.text) - self.pos > RECORD_LIMIT:
                raise TooLarge(self.pos)
            # Read at least as much again as this value has taken so far: parsing restarts at
            # its beginning, so growing the window this way keeps the total work linear.
            self.more(len(self.text) - self.pos)

    def pass_value(self) -> Overlong:
        """Move past the value at ``pos`` without holding it: its text goes to a temporary file.

        For a value found too large to read (:class:`TooLarge`), so that the entries after it
        can still be read. Only its brackets and strings are followed, not checked: damage in
        it shows where the array goes on. The input ending first leaves ``pos`` at the end.
        """
        spill = temporary_file()
        head = self.text[self.pos : self.pos + HELD].encode("utf-8")
        first = self.text[self.pos]
        size, depth, in_string, at = 0, 0, first == '"', self.pos + 1
        while True:
            stops = _STRING_STOPS if in_string else _VALUE_STOPS if first in "[{" else _SCALAR_ENDS
            found = stops.search(self.text, at)
            if found is not None and not (found.group() == "\\" and found.end() >= len(self.text)):
                stop, at = found.group(), found.end()
                if stop == "\\":
                    at += 1
                elif stop == '"':
                    in_string = not in_string
                elif stop in "[{":
                    depth += 1
                elif stop in "]}" and first in "[{":
                    depth -= 1
                if first not in "[{" and not in_string:
                    at = at if stop == '"' else found.start()
                    break
                if depth < 0:
                    break
                continue
            # No stop in the rest of the window, or an escape whose character is still to come.
            at = len(self.text) if found is None else found.start()
            size += _spill(spill, self.text[self.pos : at])
            self.pos = at
            self.let_go()
            at = self.pos
            if not self.more():
                break
        size += _spill(spill, self.text[self.pos : at])
        with temporary_writes(spill):
            spill.flush()
        self.pos = at
        return Overlong(head, size, b"", spill)

    def read_rest(self) -> str:
        while self.more(len(self.text)):
            if len(self.text) - self.pos > RECORD_LIMIT:
                raise TooLarge(self.pos)
        return self.text[self.pos :]


class Entries:
    """The entries of an array inside a document, kept until the whole document is read.

    Which entries are posts is only known once the document has ended (a key after the
    array may make it one post, a shape's page or an object with two lists of posts), so
    the entries are kept as their JSON text, which takes a fraction of the memory of the
    values, and past :data:`HELD` in a temporary file; they are read again, in order, when
    they are wanted.
    """

    def __init__(self, head_size: int) -> None:
        self.head: list[Any] = []  # the first entries, as read
        self.objects = True  # every entry so far is an object
        self._head_size = head_size
        self._texts: list[bytes] = []
        self._held = 0
        self._file: IO[bytes] | None = None

    def add(self, value: Any, text: str) -> None:
        self.objects = self.objects and isinstance(value, dict)
        if len(self.head) < self._head_size:
            self.head.append(value)
        data = text.encode("utf-8")
        if self._file is not None:
            _write(self._file, data)
            return
        self._texts.append(data)
        self._held += len(data)
        if self._held > HELD:
            self._file = temporary_file()
            for held in self._texts:
                _write(self._file, held)
            self._texts = []

    @property
    def long(self) -> bool:
        return self._file is not None

    @property
    def size(self) -> int:
        """The bytes of JSON text held in memory (none once they wait in a file)."""
        return self._held if self._file is None else 0

    def every(self) -> Iterator[Any]:
        """All the entries, read again from the start, one at a time."""
        if self._file is None:
            for data in self._texts:
                yield _DECODER.decode(data.decode("utf-8"))
            return
        file = self._file
        with temporary_writes(file):
            file.flush()
        file.seek(0)
        while size := int.from_bytes(file.read(8), "little"):
            yield _DECODER.decode(file.read(size).decode("utf-8"))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _spill(file: IO[bytes], text: str) -> int:
    data = text.encode("utf-8", "surrogatepass")
    with temporary_writes(file):
        file.write(data)
    return len(data)


def _write(file: IO[bytes], data: bytes) -> None:
    with temporary_writes(file):
        file.write(len(data).to_bytes(8, "little"))
        file.write(data)
