"""Where results go: an output that would destroy an input is refused, and files are written whole.

Outputs are compared with inputs by device and inode after following links, so another
spelling, a symbolic link or a hard link to an input is caught as well as the same name;
a directory input covers every file inside it. ``-o`` files are written beside the target
and renamed into place at the end (:mod:`smclass.atomic`), so a run that stops early leaves
the target as it was, never half written.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from smclass import atomic
from smclass.errors import EMPTY_INPUT_NAME, InputError, OutputError, UsageError, shown
from smclass.reading import folders as folder_lib
from smclass.reading.inputs import is_url
from smclass.reading.records import Record

Identity = tuple[int, int]


class ResultsClosedError(Exception):
    """The reader of the results on stdout went away (``| head``): the run ends quietly."""


def _stat(path: str | Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _fstat(stream: object) -> os.stat_result | None:
    """What a standard stream is open on; None when it is no file (a test runner's buffer)."""
    try:
        return os.fstat(stream.fileno())  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return None


def _identity(info: os.stat_result) -> Identity:
    return (info.st_dev, info.st_ino)


def _input_stat(name: str) -> tuple[os.stat_result | None, str]:
    """What an input names (``-``: the stream stdin is), and its name for messages."""
    if name == "-":
        return _fstat(sys.stdin), "stdin"
    return _stat(name), name


def _inputs(inputs: Sequence[str]) -> tuple[dict[Identity, str], dict[Identity, str]]:
    """The regular files and the directories among the inputs, by identity, with the name given."""
    files: dict[Identity, str] = {}
    folders: dict[Identity, str] = {}
    for given in inputs:
        info, name = _input_stat(given)
        if info is None:
            continue  # the reader says what is wrong with it
        if stat.S_ISDIR(info.st_mode):
            folders[_identity(info)] = name
        elif stat.S_ISREG(info.st_mode):
            files[_identity(info)] = name
    return files, folders


def _files_inside(folders: dict[Identity, str]) -> dict[Identity, str]:
    found: dict[Identity, str] = {}
    for name in folders.values():
        # Links to folders are followed, as the readers follow them.
        for child in (Path(name) / member for member in folder_lib.local_names(Path(name))):
            info = _stat(child)
            if info is not None and stat.S_ISREG(info.st_mode):
                found.setdefault(_identity(info), str(child))
    return found


def check_inputs(inputs: Sequence[str]) -> None:
    """Refuse an input given twice (a file twice, a link and its target, stdin redirected from a
    file also named, a file or a folder inside a folder also given): its posts would be read
    twice, each count doubled, with exit 0."""
    # Each file that will be read, by identity: the input that reads it and its own name.
    read: dict[Identity, tuple[str, str]] = {}
    named: dict[Identity, str] = {}
    for name in inputs:
        if name == "":
            raise UsageError(EMPTY_INPUT_NAME)
        info, given = _input_stat(name)
        pipe = info is not None and stat.S_ISFIFO(info.st_mode)
        if info is None or not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode) or pipe):
            continue  # the reader says what is wrong with it
        earlier = named.get(_identity(info))
        if earlier is not None:
            kind = "folder" if stat.S_ISDIR(info.st_mode) else "pipe" if pipe else "file"
            same = f"{given} is given twice" if earlier == given else f"{earlier} and {given} are the same {kind}"
            # A pipe named twice (- and /dev/stdin) is read once: the second name would say it is empty.
            raise UsageError(f"{same}: {'a pipe is read once' if pipe else 'its posts would be read twice'}")
        named[_identity(info)] = given
        if pipe:
            continue
        for member, member_info in _read_from(name, given, info):
            first = read.setdefault(_identity(member_info), (given, member))
            if first[0] != given:
                raise UsageError(_read_twice(first, (given, member)) + ": its posts would be read twice")


def _read_from(name: str, given: str, info: os.stat_result) -> Iterator[tuple[str, os.stat_result]]:
    """The files an input reads: itself, or those of a folder that its reader does not pass over."""
    if not stat.S_ISDIR(info.st_mode):
        yield given, info
        return
    for member in folder_lib.contents(folder_lib.local_names(Path(name))).files:
        found = _stat(Path(name) / member)
        if found is not None and stat.S_ISREG(found.st_mode):
            yield str(Path(name) / member), found


def _read_twice(first: tuple[str, str], second: tuple[str, str]) -> str:
    (one, one_file), (other, other_file) = first, second
    if one == one_file:
        return f"{one} is also in the input folder {other}"
    if other == other_file:
        return f"{other} is also in the input folder {one}"
    return f"{one_file} is read from both input folders {one} and {other}"


def check_outputs(inputs: Sequence[str], outputs: Sequence[tuple[str, str | Path | None]]) -> None:
    """Refuse an output that is an input or lies inside an input directory, and two outputs that are one file.

    ``outputs`` pairs each option name (``--output``) with its path; None is left out, and
    ``-`` stands for stdout, which is refused when the shell points it at an input
    (``smclass classify x.jsonl >> x.jsonl`` would read its own results forever).
    """
    files, folders = _inputs(inputs)
    named = [(option, str(path)) for option, path in outputs if path is not None and str(path) != "-"]
    for option, path in named:
        if not path.strip():
            # Said as typed: "names a folder" (of '' as of '.') would point at something the user never wrote.
            raise UsageError(f"{option} is empty: name a file")
        if is_url(path):
            # Taken for a path, it said "cannot write (No such file or directory)", or was written into a local folder "s3:".
            raise UsageError(f"{option} {path}: URLs are written only by classify --engine dask: name a file on this machine")
        problem = atomic.spelling_problem(path) if atomic.own_stream(path) is None else None
        if problem is not None:
            raise UsageError(f"{option} {path} {problem}")
    existing = [(f"{option} {path}", _stat(path)) for option, path in named]
    if any(str(path) == "-" for _, path in outputs):
        existing.append(("stdout", _fstat(sys.stdout)))
    plain = [(what, info) for what, info in existing if info is not None and stat.S_ISREG(info.st_mode)]
    # Every command writes notes to stderr: sent by the shell into an input (a log kept in the
    # input folder), they would be read back as posts, and with --on-error skip each skip's note
    # would be read and skipped again, the input growing without end.
    notes = _fstat(sys.stderr)
    notes = notes if notes is not None and stat.S_ISREG(notes.st_mode) else None
    if (plain or notes) and folders:
        # A link inside an input directory may lead to a file outside it: the reader follows it.
        files.update(_files_inside(folders))
    for what, info in plain:
        if _identity(info) in files:
            raise UsageError(f"{what} is the same file as the input {files[_identity(info)]}: writing it would destroy the input")
    if notes is not None and _identity(notes) in files:
        read_back = "its notes would be read back as posts; send stderr elsewhere"
        raise UsageError(f"stderr is the same file as the input {files[_identity(notes)]}: {read_back}")
    out = next((info for what, info in existing if what == "stdout"), None)
    if out is not None and (stat.S_ISREG(out.st_mode) or stat.S_ISFIFO(out.st_mode) or stat.S_ISSOCK(out.st_mode)):
        # The shell opened stdout on a file or a pipe before smclass ran: an option naming it
        # (/dev/stdout) would write over the results, or into the stream a reader parses.
        # A terminal or /dev/null may well take both.
        for named_what, named_info in existing:
            if named_what != "stdout" and named_info is not None and _identity(named_info) == _identity(out):
                raise UsageError(f"{named_what} is the same file as stdout: name two files")
    for option, path in named:
        real = Path(os.path.realpath(path))
        for parent in real.parents:
            above = _stat(parent)
            if above is not None and _identity(above) in folders:
                raise UsageError(f"{option} {path} is inside the input directory {folders[_identity(above)]}: write it elsewhere")
    _not_shipped(named)
    for i, (option, path) in enumerate(named):
        for other_option, other in named[i + 1 :]:
            if not (atomic.replaces(path) and atomic.replaces(other)):  # /dev/null may be named twice
                continue
            first, second = _stat(path), _stat(other)
            same = os.path.realpath(path) == os.path.realpath(other)
            if same or (first is not None and second is not None and _identity(first) == _identity(second)):
                raise UsageError(f"{option} {path} and {other_option} {other} are the same file: name two files")


def _not_shipped(named: Sequence[tuple[str, str]]) -> None:
    """Refuse an output that is, or lies in, a file smclass ships (``train --out
    models/smclass-default.npz``): every later run would use it unsaid."""
    if not named:
        return  # stdout alone: no need to look the shipped files up
    from smclass.model.files import shipped_files

    shipped = shipped_files()
    for option, path in named:
        real = Path(os.path.realpath(path))
        hit = next((found for found in (real, *real.parents) if found in shipped), None)
        if hit is not None:
            what = f"{'' if hit == real else 'in '}{shipped[hit]}, which comes with smclass"
            raise UsageError(f"{option} {path} is {what}: writing it would change every later run; write it elsewhere")


def _resolved(name: str) -> tuple[tuple[str, ...], str] | None:
    """A URL as fsspec, which reads and writes it, resolves it: its store's protocols and the path in it."""
    try:
        import fsspec

        fs, inner = fsspec.core.url_to_fs(name)
    except Exception:  # noqa: BLE001 - a chained URL opens its archive here: reading or writing it says what is wrong
        return None
    return (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)), str(inner).rstrip("/")


def local_name(name: str) -> str | None:
    """The path on this machine that a plain path or a ``file://`` URL names; None for other URLs.

    Resolved by fsspec: ``file://labelled`` is ``labelled`` in the working directory and ``%20``
    stays as typed, where a URL parser had made them ``/`` and a space, and an input under the
    folder so named was cleared by ``--overwrite``.
    """
    if not is_url(name):
        return name
    found = _resolved(name)
    return found[1] or "/" if found is not None and "file" in found[0] else None


def check_run_folder(folder: str, targets: Sequence[str], inputs: Sequence[str], read: Sequence[tuple[str, str]]) -> None:
    """:func:`check_outputs` and :func:`check_no_input_inside` for a Dask run's folder and part files.

    ``read`` pairs each file read (its location) with its name in messages. A ``file://``
    URL is the path it names: spelt so, an input was once overwritten by ``--overwrite``.
    """
    out = local_name(folder)
    if out is None:
        _check_store_folder(folder, inputs, read)
        return
    given = [name for name in map(local_name, inputs) if name is not None]
    located = [(local, source) for location, source in read if (local := local_name(location)) is not None]
    # The folders given too: parts inside an input folder would be read as input next time.
    check_outputs([*given, *(local for local, _ in located)], [("--output", local_name(target)) for target in targets])
    check_no_input_inside(out, located)


def _check_store_folder(folder: str, inputs: Sequence[str], read: Sequence[tuple[str, str]]) -> None:
    """The checks of :func:`check_run_folder` for a folder in a store (``s3://``), by the paths fsspec resolves: an
    input there bearing a part's name had been deleted by ``--overwrite``, unsaid."""
    out = _resolved(folder)
    if out is None:
        return
    files = [(found[1], source) for location, source in read if (found := _resolved(location)) is not None and found[0] == out[0]]
    for path, source in files:
        if path.rpartition("/")[0] == out[1]:
            raise UsageError(f"--output {folder} holds the input {source}: write the parts to another folder")
    for name in inputs:
        found = _resolved(name) if is_url(name) else None
        if found is None or found[0] != out[0] or not (out[1] + "/").startswith(found[1] + "/"):
            continue
        if any(path.startswith(found[1] + "/") for path, _ in files):  # a folder, not a file bearing its name
            raise UsageError(f"--output {folder} is inside the input directory {name}: write it elsewhere")


def check_no_input_inside(folder: str, inputs: Sequence[tuple[str, str]]) -> None:
    """Refuse an output folder that holds an input (``(location, source)`` pairs): --overwrite
    clears earlier parts by name, and an input may bear one."""
    real = os.path.realpath(folder)
    for location, source in inputs:
        if os.path.dirname(os.path.realpath(location.rstrip("/"))) == real:
            raise UsageError(f"--output {folder} holds the input {source}: write the parts to another folder")


def write_all(handle: IO[bytes], data: bytes) -> None:
    """Write all of ``data``. Stdout is a raw stream under ``PYTHONUNBUFFERED=1`` (set in many
    container images) or ``python -u``, and a raw write may take part of it (a disk filling up):
    its count was dropped, so the last batch came out cut short with exit 0. Written on, the
    rest meets the error."""
    view = memoryview(data)
    while view:
        taken = handle.write(view)
        if taken is None:  # a raw stream set non-blocking, with a full pipe
            raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
        if taken == 0:
            raise OSError(errno.EIO, "the write took nothing")
        view = view[taken:]


def cannot_write(name: str, exc: OSError) -> OutputError:
    return OutputError(f"{shown(name)}: cannot write ({exc.strerror or exc})")


class ResultsStream(io.RawIOBase):
    """A results stream that turns a failed write into one :class:`OutputError` naming it.

    On stdout a closed pipe raises :class:`ResultsClosedError` instead: only the results stream
    going away ends a run quietly.
    """

    def __init__(self, handle: IO[bytes], name: str, *, stdout: bool = False, whole: bool = False) -> None:
        super().__init__()
        self._handle = handle
        self.name = name
        self.stdout = stdout
        # Written to a temporary and renamed at the end: nothing reaches the name before.
        self.whole = whole
        # After the first failure (reported once) writes are dropped: a text wrapper
        # flushing on its way out must not report it again.
        self._failed = False
        self._midway = False

    def writable(self) -> bool:
        return True

    @property
    def failed(self) -> bool:
        """Whether a write has failed: what is written after that is dropped."""
        return self._failed

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if not self._failed:
            # Set until the write returns: a stop inside it (Ctrl-C into a full pipe) left part of it written.
            self._midway = True
            with self._failures():
                write_all(self._handle, data)
            self._midway = False
        return len(data)

    def flush(self) -> None:
        if not self._failed and not self._handle.closed:
            with self._failures():
                self._handle.flush()

    def close(self) -> None:
        # The handle belongs to whoever opened it: a text wrapper closing this leaves it open.
        with contextlib.suppress(Exception):
            super().close()

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            self._failed = True
            self._raise(exc)

    def _raise(self, exc: OSError) -> None:
        if isinstance(exc, BrokenPipeError) and self.stdout:
            raise ResultsClosedError from None
        raise cannot_write(self.name, exc) from None

    def stopped(self, results: int) -> str:
        """What a run that stops early after ``results`` results has left behind."""
        counted, were = ("1 result", "was") if results == 1 else (f"{results:,} results", "were")
        if self.whole:
            return f"{self.name} was not written ({counted} {were} done; it is written only when the run completes)"
        part = ", and part of the next batch (its last line may be cut short)" if self._midway else ""
        return f"{counted} written to {self.name}{part}"


@contextlib.contextmanager
def results_file(path: str | Path | None) -> Iterator[ResultsStream]:
    """The stream for results: stdout for None or ``-``; else the file, written whole at the end
    (a device or a FIFO, which cannot be replaced, is written as results come)."""
    if path is None or str(path) == "-":
        stream = ResultsStream(sys.stdout.buffer, "stdout", stdout=True)
        try:
            yield stream
            stream.flush()
        finally:
            if stream.failed:
                # What a failed flush left in stdout's buffer (the end of a write the disk took part of)
                # would fail again as Python exits: two lines of its own after ours, and exit 120.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
        return
    name = str(path)
    # Only the opening, the last flush and the rename are ours to name: an OSError from
    # the caller's block passes through as it is.
    in_block = False
    try:
        with atomic.replacing(path) as handle:
            in_block = True
            # -o /dev/stdout is stdout by another name: its reader going away (| head) ends the run as quietly.
            yield ResultsStream(handle, name, stdout=atomic.own_stream(path) == 1, whole=atomic.replaces(path))
            in_block = False
    except OSError as exc:
        if in_block:
            raise
        raise cannot_write(name, exc) from None


@contextlib.contextmanager
def rejects_file(path: str | Path | None, counted: Callable[[], None]) -> Iterator[Callable[[Record, InputError], None]]:
    """What takes each skipped record: ``counted`` alone, or with ``path`` its raw bytes too, in a
    file written as results are (:func:`results_file`: whole at the end), so a run that fails
    leaves the rejects file of the last good run as it was, never emptied or cut."""
    if path is None:
        yield lambda record, error: counted()
        return
    with results_file(path) as stream:
        header: list[bytes | None] = [None]

        def reject(record: Record, error: InputError) -> None:
            # The raw bytes as they stood, so the file can be fixed and read again; rows of a
            # delimited input come under that input's header row.
            stream.writelines(record.rejected(header[0]))
            header[0] = record.header or header[0]
            counted()

        yield reject


def rejects_left(path: str | Path, rejects: int) -> str:
    """What a run that stops early has left in its rejects file: nothing, as it is written at the end, unless
    it is a device or a FIFO, which is written as the records come."""
    if atomic.replaces(path):
        return f"{path} was not written (it is written only when the run completes)"
    return f"{rejects:,} reject{'' if rejects == 1 else 's'} written to {path}"
