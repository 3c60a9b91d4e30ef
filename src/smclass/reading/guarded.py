"""A stream that checks itself (compressed, a zip member), and where its damage shows in the records read from it."""

from __future__ import annotations

import io
import lzma
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from typing import IO, Any

from smclass.errors import InputError, UsageError
from smclass.reading import live
from smclass.reading.records import Record
from smclass.reading.sniff import HEAD_BYTES


class Guarded(io.RawIOBase):
    """A compressed stream whose damage reads as its end, with the reason kept.

    Everything before the damage is read as usual; the reader then reports the damage
    as one error record instead of losing what it had read.
    """

    FAILURES = (OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, lzma.LZMAError)

    def __init__(self, inner: IO[bytes], what: str, expected_crc: int | None = None, name: str = "", keep: Guarded | None = None) -> None:
        # read1: one step of decompression at a time, so the data before the damage comes out
        # (a buffered read of many steps would lose it with the exception).
        self._read = getattr(inner, "read1", inner.read)
        self._what = what
        self.damage: str | None = None
        # Damage other than a cut (a failed check, bad compressed data) means the bytes that
        # came out before it may be wrong too: no record read from them can be trusted.
        self.untrusted = False
        # A zip member checks its CRC in the read that reaches its end, and that read's data
        # would be lost with the error: the check is done here instead, once the data is out.
        self._expected_crc = expected_crc
        self._crc = 0
        self._name = name
        # The guard of the stream under this one (text decoded from a gzip): its damage comes first.
        self._under = keep

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.damage is not None:
            return 0
        try:
            data = self._read(len(buffer))
        except self.FAILURES as exc:
            if self._take_under():
                return 0
            self.untrusted = not isinstance(exc, EOFError)
            if self.untrusted:
                self.damage = f"damaged {self._what} ({exc}): the records read from it before this may be wrong too"
            else:
                self.damage = f"damaged {self._what} ({exc}); reading of this input stopped there"
            return 0
        if self._expected_crc is not None:
            if data:
                self._crc = zlib.crc32(data, self._crc)
            elif self._crc != self._expected_crc:
                self.untrusted = True
                check = f"Bad CRC-32 for file {self._name!r}"
                self.damage = f"damaged {self._what} ({check}): the records read from it before this may be wrong too"
        if not data and self._take_under():
            return 0
        n = len(data)
        buffer[:n] = data
        return n

    def _take_under(self) -> bool:
        if self._under is None or self._under.damage is None:
            return False
        self.damage, self.untrusted = self._under.damage, self._under.untrusted
        return True


def cut_last(records: Iterator[Record], guard: Guarded, source: str, stops: bool, origin: IO[bytes] | None) -> Iterator[Record]:
    """Each record one behind: the last of a damaged input, its line not ended, is cut short, never a post or a row to read.

    Read as it is, a cut "192,post..." is the short row "1" (an id of another record) and
    a cut line of text a post that says less than it did. A stream that checks itself
    (``origin``, what it was read from, is given) and fails its check further on is named
    damaged where a record's error would stop the run (``stops``) or the input be refused:
    a flipped byte garbles lines (or sways the format) before the check fails at the end.
    """
    last: Record | None = None
    damage: InputError | None = None
    try:
        for record in records:
            if last is not None:
                if last.error is not None and stops and (damage := damage_further_on(guard, source, origin)) is not None:
                    break
                yield last
            last = record
    except (InputError, UsageError):
        if (damage := damage_further_on(guard, source, origin)) is None:
            raise
    if damage is not None:
        raise damage
    if last is None:
        return
    # Its own error too (the cut line is no JSON): the damage is the cause, and is what is said.
    if guard.damage is not None and isinstance(last.raw, bytes) and not last.raw.endswith(b"\n"):
        error = InputError(f"cut short: {guard.damage}", source=last.source, line=last.line)
        last = replace(last, data={}, error=error, original=None, shape=None)
    elif last.error is not None and stops and (damage := damage_further_on(guard, source, origin)) is not None:
        raise damage
    yield last


def damage_further_on(guard: Guarded, source: str, origin: IO[bytes] | None) -> InputError | None:
    """The damage of a stream that fails its check, read to its end for it (each piece dropped as read).

    Not a live input (a pipe, a terminal), which may go on without end: its record's error is said as it is.
    """
    if origin is None or live.live_fd(origin) is not None:
        return None
    while guard.damage is None and guard.read(HEAD_BYTES):
        pass
    return InputError(guard.damage, source=source) if guard.untrusted and guard.damage is not None else None


def _cut_while_read(stream: IO[bytes], source: str) -> InputError | None:
    """The error for a file now shorter than what has been read of it: truncated or written anew meanwhile."""
    try:
        size, read = os.fstat(stream.fileno()).st_size, stream.tell()
    except (OSError, ValueError, AttributeError):
        return None
    if size >= read:
        return None
    said = f"the file was cut to {size:,} bytes while it was read ({read:,} had been read)"
    return InputError(f"{said}: it is being written or replaced; read it once it is done", source=source)


def not_cut_while_read(records: Iterator[Record], stream: IO[bytes], source: str) -> Iterator[Record]:
    """The records of a regular file, which is checked at their end and at a record's error.

    A file truncated or written anew while it was read (an export run again, a log rotated)
    ends where the read had got to: its last line cut there came out as an error of its own
    (``invalid JSON (unexpected end of data)`` at a line past the file's new end), and with
    ``--on-error skip`` the run ended with exit 0 on posts no longer in the file. Checked at
    an error and at the end only, so a file that grows meanwhile (a log) is read on as ``cat`` would.
    """
    try:
        regular = stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        regular = False
    if not regular:
        yield from records
        return
    try:
        for record in records:
            if record.error is not None and (cut := _cut_while_read(stream, source)) is not None:
                raise cut
            yield record
    except InputError:
        if (cut := _cut_while_read(stream, source)) is not None:
            raise cut from None
        raise
    if (cut := _cut_while_read(stream, source)) is not None:
        raise cut
