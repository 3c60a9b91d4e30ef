"""Inputs that are still being written: a pipe from a collector, `tail -f`, a terminal.

Reading waits for the next record, and a reader that waits for a full sample or a full
batch would hold back posts that came minutes ago. Such an input is read in a thread of
its own, and a :class:`Pause` tells the readers above when nothing more has come, so they
plan from what they have and write out what they hold.
"""

from __future__ import annotations

import os
import select
import stat
import sys
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from smclass.reading.records import Record

# How long nothing may come before the records in hand are let through: long enough that a
# steady stream keeps its full batches, short enough to feel live.
GRACE = 0.05
# How far the reading thread may run ahead of classification.
AHEAD_RECORDS = 2048
AHEAD_BYTES = 64 << 20


@dataclass(slots=True)
class Pause(Record):
    """Not a record: nothing more has come from the input yet."""


def live_fd(stream: object) -> int | None:
    """The descriptor of ``stream`` when it is a pipe, socket or terminal, which may go on being written."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):
        return None
    return fd if _may_go_on(mode) else None


def is_live_path(path: str) -> bool:
    """Whether ``path`` (``-`` for stdin) names an input that may still be being written."""
    if path == "-":
        # The stdin that will be read, not descriptor 0: a caller that set sys.stdin to a
        # buffer (a test runner, an embedding program) reads that, whatever fd 0 is.
        return live_fd(getattr(sys.stdin, "buffer", sys.stdin)) is not None
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return _may_go_on(mode)


def _may_go_on(mode: int) -> bool:
    """A pipe, socket or terminal: what is read from it may still be being written."""
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


def ready(fd: int, wait: float) -> bool:
    """Whether more can be read from ``fd`` within ``wait`` seconds (the end of the input counts)."""
    return bool(select.select([fd], [], [], wait)[0])


def read_some(stream: IO[bytes], size: int) -> bytes:
    """What one read of the stream gives, up to ``size`` bytes, without waiting for all of them."""
    read1 = getattr(stream, "read1", None)
    return read1(size) if read1 is not None else stream.read(size)


def paced(records: Iterator[Record], grace: float = GRACE) -> Iterator[Record]:
    """The records, read ahead in a thread, with a :class:`Pause` each time none has come for ``grace`` seconds.

    An error while reading is raised after the records read before it.
    """
    ahead: deque[tuple[Record, int]] = deque()
    held = [0]
    changed = threading.Condition()
    finished: list[BaseException | None] = []

    def read() -> None:
        failure: BaseException | None = None
        try:
            for record in records:
                weight = len(record.raw) if isinstance(record.raw, (bytes, str)) else 1024
                with changed:
                    changed.wait_for(lambda: len(ahead) < AHEAD_RECORDS and held[0] < AHEAD_BYTES)
                    ahead.append((record, weight))
                    held[0] += weight
                    changed.notify_all()
        except BaseException as exc:  # noqa: BLE001 - handed to the reading side, raised there
            failure = exc
        with changed:
            finished.append(failure)
            changed.notify_all()

    threading.Thread(target=read, name="smclass-live-input", daemon=True).start()
    source: str | None = None
    while True:
        with changed:
            pause = not changed.wait_for(lambda: ahead or finished, None if source is None else grace)
            if not pause:
                if ahead:
                    record, weight = ahead.popleft()
                    held[0] -= weight
                    changed.notify_all()
                elif finished[0] is not None:
                    raise finished[0]
                else:
                    return
        if pause:
            yield Pause({}, source or "", None, 0)
            source = None  # one pause until the next record: then wait as long as it takes
            continue
        source = record.source
        yield record
