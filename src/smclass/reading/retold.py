"""A live input's format, told from what came before it paused, told again as the rest of its sample comes.

A pipe that pauses after its first line has its format told from that line alone, so its first
result need not wait (:func:`sniff.read_head`). The same bytes given at once are told from up to
:data:`sniff.SAMPLE_LINES` lines, which may tell another format or a doubt: a plain line, then a
line of JSON, is refused from a file (as JSON lines, its first line no JSON), where from a pipe
that paused between them both had been read as posts of plain text, exit 0. So the sample is
told again as each of its lines comes, and a telling that differs stops the run there: the
results already written stand as they are said to be, and none is written of a format the same
bytes from a file would not be read as.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import IO, Any

from smclass.errors import SmclassError, UsageError
from smclass.reading import live
from smclass.reading.records import Record
from smclass.reading.sniff import HEAD_BYTES, SAMPLE_LINES, Detected, Partial


class Seen(io.RawIOBase):
    """The stream as read, keeping its first :data:`HEAD_BYTES` bytes: the sample a file of them is told from."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.sample = bytearray()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = live.read_some(self._stream, len(buffer))
        n = len(data)
        buffer[:n] = data
        if len(self.sample) < HEAD_BYTES:
            self.sample += data[: HEAD_BYTES - len(self.sample)]
        return n


def _lines(sample: bytes) -> int:
    """How many whole lines ``sample`` holds."""
    return sample.count(b"\n")


def _named(detected: Detected) -> str:
    if detected.fmt not in ("csv", "tsv"):
        return detected.fmt
    # LinkedIn's Comments.csv is told by its header, and by its rows from a quote doubled or escaped.
    return f"{detected.fmt} (delimiter {detected.delimiter!r}{', quotes escaped by a backslash' if detected.escaped else ''})"


def _told(lines: int, detected: Detected) -> str:
    first = (
        "the first line, which came before the input paused: read as"
        if lines == 1
        else f"the first {lines} lines, which came before the input paused: read as"
    )
    return f"the format had been told from {first} {_named(detected)}, {'its result' if lines == 1 else 'their results'} written"


def checked(records: Iterator[Record], head: bytes, seen: Seen, detected: Detected, tell: Callable[[bytes], Detected]) -> Iterator[Record]:
    """``records`` as they come, the format told again (``tell``) from the sample each time it holds a line more."""
    told = _lines(head)
    watching = True
    for record in records:
        if watching:
            sample = bytes(seen.sample)
            lines = _lines(sample)
            if lines > told:
                try:
                    again = tell(sample if len(sample) >= HEAD_BYTES else Partial(sample))
                except SmclassError as exc:
                    # The doubt a file of these bytes meets, said with why results came out before it.
                    exc.args = (f"{exc} ({_told(told, detected)}; its first {lines} lines tell otherwise)",)
                    raise
                if (again.fmt, again.delimiter, again.escaped) != (detected.fmt, detected.delimiter, detected.escaped):
                    choose = f"say --input-format {detected.fmt} or --input-format {again.fmt}"
                    raise UsageError(
                        f"{record.source}:{lines}: {_told(told, detected)}; the first {lines} lines read as "
                        f"{_named(again)} (as a file of them is), so which it is cannot be told: {choose}"
                    )
                told = lines
            # The sample is whole: the format is told from no more than this.
            watching = sample.lstrip(b"\xef\xbb\xbf").lstrip().count(b"\n") < SAMPLE_LINES and len(sample) < HEAD_BYTES
        yield record
