"""Files written in one step: a temporary file beside the target, renamed over it at the end.

A reader of the target sees the old file or the whole new one, never half of it; an error
or an interrupt removes the temporary and leaves the target as it was. Temporaries are
named ``.NAME.PID.XXXXXXXX.tmp``: a later write to the same target removes those whose
process is gone (killed before it could clean up), and leaves those of live processes.
"""

from __future__ import annotations

import contextlib
import glob
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _umask() -> int:
    # Linux says it without changing it; elsewhere it can only be read by setting it, which
    # another thread creating a file at that moment would see: set it straight back.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file under this process's umask."""
    return 0o666 & ~_umask()


# What a temporary's name adds to its target's: the dots, a pid of up to 10 digits, mkstemp's
# 8 characters and ".tmp". A target named near the file system's limit (255 bytes) is cut to
# fit in it, or a name that can be written is refused as "File name too long".
_ADDED = len("..") + 10 + len(".") + 8 + len(".tmp")


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def temp_prefix(target: Path) -> str:
    room = max(_name_max(target.parent) - _ADDED, 1)
    return f".{os.fsdecode(os.fsencode(target.name)[:room])}."


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or a signal we may not send: it exists
        return True
    return True


def remove_stale(target: Path) -> list[Path]:
    """Remove temporaries of ``target`` left by processes that are gone; return what was removed."""
    prefix = temp_prefix(target)
    removed = []
    for candidate in glob.glob(glob.escape(str(target.parent / prefix)) + "*.tmp"):
        path = Path(candidate)
        middle = path.name[len(prefix) : -len(".tmp")]
        owner = middle.split(".", 1)[0]
        if "." in middle and owner.isdigit() and _process_alive(int(owner)):
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISREG(path.lstat().st_mode):
                path.unlink()
                removed.append(path)
    return removed


def own_stream(target: str | Path) -> int | None:
    """The descriptor (1 or 2) when ``target`` is this process's own stdout or stderr (``/dev/stdout``,
    ``/dev/fd/2``, or the very file the shell redirected it to), else None."""
    try:
        found = os.stat(target)
    except (OSError, ValueError):
        return None
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if os.path.samestat(found, os.fstat(fd)):
                return fd
    return None


def replaces(target: str | Path) -> bool:
    """Whether :func:`replacing` writes ``target`` whole (a plain file, or nothing there yet)."""
    if own_stream(target) is not None:
        return False
    try:
        return stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False


def spelling_problem(target: str | Path) -> str | None:
    """Why the file a path names as typed cannot be opened, where :func:`os.path.realpath` would still
    make one of it: it drops a trailing ``/`` and takes ``x/..`` away by its letters, so ``F/`` and
    ``F/../F`` (F a file) both came to name F itself, an input once."""
    text = os.fspath(target)
    tail = os.path.basename(text)
    if tail in ("", ".", ".."):
        return "names a folder, not a file: name the file to write"
    parts = text.split(os.sep)
    for at, part in enumerate(parts):
        if part == ".." and at > 0:
            before = os.sep.join(parts[:at]) or os.sep
            if not os.path.isdir(before):
                return f"goes up from {before}, which is no folder: name the file without '..'"
    return None


def _literal(target: str | Path) -> Path:
    """``target`` resolved, once its spelling names a file; the OSError a plain open would give otherwise."""
    problem = spelling_problem(target)
    if problem is not None:
        raise NotADirectoryError(20, problem, os.fspath(target))
    return Path(os.path.realpath(target))


def check_writable(target: str | Path) -> None:
    """Raise the OSError that :func:`replacing` would meet at the end, now: for a write that
    comes after minutes of work. A temporary file is made and removed beside the target,
    since permissions alone do not tell (root, an immutable or read-only mounted folder)."""
    if own_stream(target) is not None:
        return
    final = _literal(target)
    if not replaces(final):
        # A FIFO or a device is not opened to try it: a FIFO's open waits for a reader, and its
        # close would hand that reader an empty model.
        if not os.access(final, os.W_OK):
            raise PermissionError(13, os.strerror(13), str(target))
        return
    if final.exists() and not os.access(final, os.W_OK):
        raise PermissionError(13, os.strerror(13), str(target))
    fd, tmp = tempfile.mkstemp(prefix=f"{temp_prefix(final)}{os.getpid()}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    os.unlink(tmp)


@contextlib.contextmanager
def replacing(target: str | Path, *, sync: bool = True) -> Iterator[IO[bytes]]:
    """A binary handle on a temporary file that replaces ``target`` when the block ends cleanly.

    A symbolic link is followed, so its file is replaced, not the link. The new file gets
    the mode of the file it replaces, or the mode any new file gets under the umask
    (``mkstemp`` alone would make it 0600). A device or a FIFO (``/dev/null``) is never
    replaced: it is written into, and so is this process's own stdout or stderr. OSErrors (a full disk, a read-only directory) propagate,
    the temporary gone by then.
    """
    fd = own_stream(target)
    if fd is not None:
        # Written through the descriptor the shell set up, as it set it up: `>> log` appends,
        # where replacing the file would drop what it held, and a pipe has no file to replace.
        with _closing_quietly(os.fdopen(os.dup(fd), "wb")) as own:
            yield own
            own.flush()
        return
    final = _literal(target)
    if not replaces(final):
        with _closing_quietly(open(final, "wb")) as device:
            yield device
            device.flush()
        return
    try:
        mode = stat.S_IMODE(os.stat(final).st_mode)
    except FileNotFoundError:
        mode = new_file_mode()
    else:
        # Renaming needs only the directory: keep the refusal a plain open would give.
        if not os.access(final, os.W_OK):
            raise PermissionError(13, os.strerror(13), str(target))
    remove_stale(final)
    fd, tmp = tempfile.mkstemp(prefix=f"{temp_prefix(final)}{os.getpid()}.", suffix=".tmp", dir=final.parent)
    try:
        with _closing_quietly(os.fdopen(fd, "wb")) as handle:
            os.fchmod(fd, mode)
            yield handle
            handle.flush()
            if sync:
                os.fsync(fd)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _closing_quietly(handle: IO[bytes]) -> Iterator[IO[bytes]]:
    """Close ``handle`` after the block; when the block failed, a failure to close is not news.

    Closing flushes what is buffered, which fails again on a full disk: the error that
    stopped the block (or the interrupt) is the one to report.
    """
    try:
        yield handle
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()
        raise
    handle.close()
