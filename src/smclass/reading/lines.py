"""Lines of a byte stream, none held in memory past the most one record may take.

A line of hundreds of megabytes (a dump with its newlines lost, a hostile file) would
otherwise be held whole, several times over while it is decoded and parsed. Past
:data:`RECORD_LIMIT` it is an error record of its own, and its bytes wait in a temporary
file, so a rejects file still gets the line byte for byte.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from smclass.reading.spool import temporary_file, temporary_writes

# Far above any post a platform takes (about 63,000 characters) or a record of one with all its
# metadata, and small enough that holding one costs tens of megabytes, not the input.
RECORD_LIMIT = 16 << 20
_COPY = 1 << 20


def too_long(size: int) -> str:
    return f"the line is {size:,} bytes, over the {RECORD_LIMIT >> 20} MiB one record may take"


class Overlong(bytes):
    """The first bytes of a line longer than :data:`RECORD_LIMIT`; the whole line is in ``spill``:
    ``size`` bytes, ending in ``ending`` (empty for the last line of an input, or a JSON value)."""

    size: int
    ending: bytes
    spill: IO[bytes]

    def __new__(cls, head: bytes, size: int, ending: bytes, spill: IO[bytes]) -> Overlong:
        line = super().__new__(cls, head)
        line.size, line.ending, line.spill = size, ending, spill
        return line

    def chunks(self) -> Iterator[bytes]:
        """The whole line as read, line end included, a piece at a time."""
        with temporary_writes(self.spill):  # the seek writes what the buffer still holds
            self.spill.seek(0)
        while chunk := self.spill.read(_COPY):
            yield chunk


def _overlong(start: bytes, readline: Callable[[int], bytes]) -> Overlong:
    spill = temporary_file()
    with temporary_writes(spill):
        spill.write(start)
    size, last = len(start), start
    while not last.endswith(b"\n"):
        last = readline(_COPY)
        if not last:
            break
        with temporary_writes(spill):
            spill.write(last)
        size += len(last)
    with temporary_writes(spill):
        spill.flush()
    return Overlong(start[:_COPY], size, _ending(last), spill)


def _ending(line: bytes) -> bytes:
    return b"\r\n" if line.endswith(b"\r\n") else b"\n" if line.endswith(b"\n") else b""


def bounded(stream: IO[bytes] | Iterable[bytes]) -> Iterator[bytes]:
    """The lines of ``stream`` with their line ends; a line past the limit comes as an :class:`Overlong`.

    An iterable without ``readline`` (lines already cut by a range reader) is taken as it is.
    """
    if getattr(stream, "readline", None) is None:
        yield from stream
        return
    readline = _readline(stream)  # type: ignore[arg-type]
    while line := readline(RECORD_LIMIT + 1):
        if len(line) > RECORD_LIMIT and not line.endswith(b"\n"):
            yield _overlong(line, readline)
        else:
            yield line


def _readline(stream: IO[bytes]) -> Callable[[int], bytes]:
    """``stream.readline``, which takes the most to read; for a file that takes no such bound
    (fsspec's remote files), lines found by reading on and seeking back."""
    readline = stream.readline
    try:
        bounded_already = bool(inspect.signature(readline).parameters)
    except (TypeError, ValueError):  # a builtin's: io's readline takes a size
        bounded_already = True
    if bounded_already:
        return readline

    def by_seeking(most: int) -> bytes:
        start, parts, taken = stream.tell(), [], 0
        while taken < most:
            chunk = stream.read(min(_COPY, most - taken))
            if not chunk:
                break
            end = chunk.find(b"\n")
            if end >= 0:
                parts.append(chunk[: end + 1])
                taken += end + 1
                stream.seek(start + taken)
                break
            parts.append(chunk)
            taken += len(chunk)
        return b"".join(parts)

    return by_seeking


def size(line: bytes) -> int:
    """The length of a line as it stood in the input."""
    return line.size if isinstance(line, Overlong) else len(line)


def skip(stream: IO[bytes]) -> int:
    """Read past the rest of the current line, however long; the bytes passed over."""
    passed = 0
    readline = _readline(stream)
    while part := readline(_COPY):
        passed += len(part)
        if part.endswith(b"\n"):
            break
    return passed


def joined(pieces: list[bytes]) -> bytes:
    """The lines of one row as one raw record, still an :class:`Overlong` when one of them is."""
    if not any(isinstance(piece, Overlong) for piece in pieces):
        return b"".join(pieces)
    spill = temporary_file()
    total = 0
    for piece in pieces:
        for chunk in piece.chunks() if isinstance(piece, Overlong) else [piece]:
            with temporary_writes(spill):
                spill.write(chunk)
            total += len(chunk)
    with temporary_writes(spill):
        spill.flush()
    last = pieces[-1]
    return Overlong(b"".join(pieces)[:_COPY], total, last.ending if isinstance(last, Overlong) else _ending(last), spill)
