"""Standard streams the shell closed (``<&-``, ``>&-``, ``2>&-``, a daemon's detached process).

Python sets such a stream to None, and the first ``sys.stdout.buffer`` would be an internal
error. Worse, the descriptor is free: the next file opened (an ``-o`` temporary, a spill)
would take it, and whatever writes to fd 2 (a library's C code, a worker's last words) would
write into that file. So each closed descriptor is held on /dev/null from the start, and the
Python stream stands in with what closing it means for the run.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from smclass.errors import InputError, OutputError

STDIN_CLOSED = "standard input is closed"
STDOUT_CLOSED = "stdout is closed: nowhere to write the results"


def _closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def _hold(fd: int) -> None:
    """Put /dev/null on the free descriptor ``fd``, so no file opened later takes it.

    Read-only, even for stdout and stderr: what writes to the descriptor itself (``-o
    /dev/stdout``, ``--errors /dev/stderr``) then fails as a closed stream does, rather than
    its results going to /dev/null with exit 0."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    if devnull != fd:
        os.dup2(devnull, fd)
        os.close(devnull)


class _ClosedStdin(io.TextIOBase):
    """Stdin the shell closed: reading it is an error, as for ``cat <&-``.

    Not an empty input: a closed stdin is a slip in a script or a service's setup, and
    reading it as empty would end in exit 0 with no results, a loss nobody would see.
    """

    @property
    def buffer(self) -> NoReturn:
        raise InputError(STDIN_CLOSED, source="<stdin>")

    def read(self, size: int | None = -1) -> NoReturn:
        raise InputError(STDIN_CLOSED, source="<stdin>")

    def readline(self, size: int | None = -1) -> NoReturn:  # type: ignore[override]
        raise InputError(STDIN_CLOSED, source="<stdin>")

    def fileno(self) -> NoReturn:
        # What the shell opened stdin on (see run.paths): nothing.
        raise OSError(9, "Bad file descriptor")

    def isatty(self) -> bool:
        return False


class _ClosedStdoutBytes(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> NoReturn:
        raise OutputError(STDOUT_CLOSED)

    def fileno(self) -> int:
        # /dev/null, held read-only on fd 1: a later dup2 onto it (the end of a run) stays harmless.
        return 1


class _ClosedStdout(io.TextIOBase):
    """Stdout the shell closed: a run whose results go to it fails at their first byte;
    with ``-o FILE`` it is never written, and so never matters."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = _ClosedStdoutBytes()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            raise OutputError(STDOUT_CLOSED)
        return 0

    def fileno(self) -> int:
        return 1

    def isatty(self) -> bool:
        return False


def guard() -> None:
    """Hold every closed standard descriptor on /dev/null and give Python a stream that says so.

    A closed stderr is only /dev/null: notes and errors go nowhere, the exit code still tells.
    """
    closed = [fd for fd in (0, 1, 2) if _closed(fd)]
    for fd in closed:  # lowest first, so each open lands on the descriptor being held
        _hold(fd)
    if 0 in closed and sys.stdin is None:
        sys.stdin = _ClosedStdin()
    if 1 in closed and sys.stdout is None:
        sys.stdout = _ClosedStdout()
    if 2 in closed and sys.stderr is None:
        # Notes and errors go nowhere, through a descriptor of their own (fd 2 takes no writes).
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process


def library_write_failed(exc: OSError) -> bool:
    """Whether ``exc`` is a write that click, typer or rich made to stdout (help, --version) on a full
    disk: our own writes go through ``app._write_stdout``, and those libraries write nowhere else."""
    if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        return False
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is None:
        return False
    import click
    import rich
    import typer

    where = Path(frame.tb_frame.f_code.co_filename)
    return any(where.is_relative_to(Path(str(library.__file__)).parent) for library in (click, typer, rich))
