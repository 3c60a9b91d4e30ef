"""Where a Dask run reads and writes: local paths or fsspec URLs, and its output folder.

Every name is made whole on the client (a relative path becomes absolute, a URL stays as
given) before it reaches a worker, whose working directory is its own. The output folder
holds ``part-NNNNN.jsonl`` files, ``part-NNNNN.rejects.jsonl`` beside those that skipped
records, and ``_SUCCESS`` last: a reader that finds ``_SUCCESS`` finds every part whole.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from smclass import atomic
from smclass.errors import InputError, OutputError, UsageError
from smclass.reading import folders
from smclass.reading.inputs import is_url as is_url
from smclass.reading.records import Record

MANIFEST = "_SUCCESS"
# What a run leaves in its folder, and what --overwrite clears first.
_OURS = re.compile(r"^(part-\d{5,}(\.jsonl|\.rejects\.(jsonl|csv|tsv))|_SUCCESS)$")
_TEMPORARY = re.compile(r"^\.(part-\d{5,}(\.jsonl|\.rejects\.(jsonl|csv|tsv))|_SUCCESS)\..*\.tmp$")


def whole(name: str) -> str:
    """A name every worker reads the same way: an absolute path, or the URL as given but for its ``file://`` parts
    (``file://in.jsonl``, ``zip://a.jsonl::file://x.zip``), made absolute as a path is: a worker had read them in its
    own directory."""
    if not is_url(name):
        return os.path.abspath(name)
    return "::".join("file://" + filesystem(part)[1] if part.startswith("file://") else part for part in name.split("::"))


def join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name if is_url(folder) else os.path.join(folder, name)


def filesystem(name: str) -> tuple[Any, str]:
    """The fsspec file system of a URL and the path inside it."""
    import fsspec

    try:
        return fsspec.core.url_to_fs(name)  # type: ignore[no-any-return]
    except ImportError as exc:
        raise UsageError(f"{name}: {exc}") from None
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a chained URL opens its archive here (zip://a.jsonl::file:///x.zip): missing, or no zip
        raise InputError(f"cannot open ({_remote_reason(exc)})", source=name) from None


@dataclass(frozen=True)
class Input:
    """One input: ``location`` for the workers, ``source`` as the user named it (what results show).

    A ``location`` that ends in "/" is a folder that is one export (Slack, Instagram), read whole.
    """

    location: str
    source: str
    size: int

    @property
    def folder(self) -> bool:
        return self.location.endswith("/")


def input_files(inputs: list[str], notify: Callable[[str], None] | None = None) -> list[Input]:
    """The inputs in order; a folder (local or remote) stands for its files as a single process reads them.

    ``notify`` hears of a folder with no files to read, as a single process says it.
    """
    if "-" in inputs:
        raise UsageError("--engine dask reads files, not stdin")
    found = []
    # Each file by what it is, with the input that reads it: a single process refuses a file read twice.
    read: dict[object, tuple[str, bool]] = {}
    for name in inputs:
        items = _remote_inputs(name, notify) if is_url(name) else _local_inputs(name, notify)
        if not items and notify is not None:
            notify(f"{name}: holds no files to read")
        for item in items:
            given = (name, item.source == name)
            first = read.setdefault(_identity(item.location), given)
            if first is not given:
                raise UsageError(f"{_read_twice(item.source, first, given)}: its posts would be read twice")
        found.extend(items)
    return found


def _identity(location: str) -> object:
    """What a file is, however it is spelt: a file on this disk by device and inode (as a path or a file:// URL), else by its store's
    protocols and its path there (``s3://b/x`` and ``s3a://b/x``)."""
    if "::" in location:
        # A member of an archive (zip://a.jsonl::file:///x.zip): its path is inside that archive, which the URL names.
        return location
    fs, inner = filesystem(location) if is_url(location) else (None, location)
    if fs is None or _on_disk(fs):
        with contextlib.suppress(OSError):
            info = os.stat(inner)
            return (info.st_dev, info.st_ino)
    protocols = () if fs is None else fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return (protocols, str(inner).rstrip("/"))


def _read_twice(source: str, first: tuple[str, bool], second: tuple[str, bool]) -> str:
    """Which two inputs read one file, each ``(name, whether it names the file itself)``."""
    (one, one_direct), (other, other_direct) = first, second
    if one_direct and other_direct:
        return f"{one} is given twice" if one == other else f"{one} and {other} are the same file"
    if one_direct or other_direct:
        return f"{one if one_direct else other} is also in the input folder {other if one_direct else one}"
    return f"{source} is read from both input folders {one} and {other}"


def _local_inputs(name: str, notify: Callable[[str], None] | None) -> list[Input]:
    path = Path(name)
    if not path.is_dir():
        if not path.exists():
            raise InputError("no such file", source=name)
        return [Input(whole(name), name, path.stat().st_size)]
    sizes = {member: (path / member).stat().st_size for member in folders.local_names(path, notify)}
    held = folders.contents(sizes)
    if held.export is not None:
        return [_export_input(held, sizes, whole(name), str(path))]
    files = folders.without_extras(held.files, lambda member: str(path / member), notify)
    return [Input(whole(str(path / member)), str(path / member), sizes[member]) for member in files]


def _remote_inputs(name: str, notify: Callable[[str], None] | None) -> list[Input]:
    fs, inner = filesystem(name)
    try:
        # A store may hold a key and keys under it (s3://b/x.jsonl and s3://b/x.jsonl/y.jsonl): named without a final "/"
        # it is the file, where the folder had been read in its place, unsaid; with one, the folder.
        if (not name.endswith("/") and fs.isfile(inner)) or not fs.isdir(inner):
            if not fs.isfile(inner):
                raise InputError("no such file", source=name)
            return [Input(whole(name), name, int(fs.size(inner) or 0))]
        sizes = _remote_files(fs, inner)
    except InputError as exc:
        raise exc if exc.source is not None else InputError(exc.message, source=name) from None
    except Exception as exc:  # noqa: BLE001 - a store raises its own errors too (botocore's NoCredentialsError)
        raise InputError(f"cannot open ({_remote_reason(exc)})", source=name) from None
    held = folders.contents(sizes)
    # Named under the folder as the user spelled it, as a local folder's files are.
    url, location = name.rstrip("/"), whole(name).rstrip("/")
    if held.export is not None:
        return [_export_input(held, sizes, location, url)]
    files = folders.without_extras(held.files, lambda member: f"{url}/{member}", notify)
    return [Input(f"{location}/{member}", f"{url}/{member}", sizes[member]) for member in files]


def _remote_reason(exc: BaseException) -> str:
    """A remote store's error in one line, named by its kind when that says more (NoCredentialsError)."""
    text = " ".join(str(exc).split())
    return text if isinstance(exc, OSError) else f"{type(exc).__name__}: {text}"


def _export_input(held: folders.Contents, sizes: dict[str, int], location: str, source: str) -> Input:
    """An export folder as one input, read whole on a worker (:func:`read_folder`)."""
    return Input(location + "/", source, sum(sizes[member] for member in held.files))


def _remote_files(fs: Any, inner: str) -> dict[str, int]:
    """The files of a remote folder by their names inside it, with their sizes."""
    found = fs.find(inner, detail=True)
    top = inner.rstrip("/") + "/"
    other = next((key for key in found if not key.startswith(top)), None)
    if other is not None:
        # s3fs lists s3://b//in's keys as b/in/...: cut where the name given ends, each lost its first letter, a.jsonl
        # became a hidden ".jsonl", and the folder "held no files to read", exit 0.
        raise InputError(f"the store lists what it holds under another name ({other}): give the folder as it is named there")
    # A key that ends in "/" is a folder's marker (the S3 console's "Create folder" makes an empty "in/"): taken
    # for a file, it was read as a folder that is one export, so every post under it twice.
    files = {key: info for key, info in found.items() if info.get("type") == "file" and not key.endswith("/")}
    return {key[len(top) :]: int(info.get("size") or 0) for key, info in files.items()}


def read_folder(location: str, source: str, reading: Any) -> Iterator[Record]:
    """The records of an export folder (local or remote), read whole as one process reads it, named under ``source``."""
    from smclass.reading import inputs

    if is_url(location):
        fs, inner = filesystem(location)
        names = list(_remote_files(fs, inner))
        top = inner.rstrip("/") + "/"

        def open_member(name: str) -> Any:
            return fs.open(top + name, "rb")

        def locate(name: str) -> str:
            return source.rstrip("/") + "/" + name
    else:
        root = Path(location)
        names = folders.local_names(root, reading.notify)

        def open_member(name: str) -> Any:
            return (root / name).open("rb")

        def locate(name: str) -> str:
            return str(Path(source) / name)

    yield from folders.read(folders.contents(names), open_member, locate, inputs.read_stream, reading)


def holds_many(name: str) -> bool:
    """Whether an input stands for several files (a folder, local or remote, or a zip): results then name their source."""
    if not is_url(name):
        from smclass.reading import inputs

        return inputs.holds_many(name)
    fs, inner = filesystem(name)
    try:
        if not name.endswith("/") and fs.isfile(inner):  # the file, also where keys lie under it (see _remote_inputs)
            return _zip_of_files(fs, inner)
        return bool(fs.isdir(inner))
    except OSError:
        return False


def _zip_of_files(fs: Any, inner: str) -> bool:
    """A zip of posts at a URL, read as its path is (a workbook is a zip too, but one table)."""
    from smclass.reading import sheets

    if not fs.isfile(inner):
        return False
    with fs.open(inner, "rb") as handle:
        if handle.read(len(sheets.ZIP_MAGIC)) != sheets.ZIP_MAGIC:
            return False
        handle.seek(0)
        try:
            with zipfile.ZipFile(handle) as archive:
                return not sheets.is_workbook(archive.namelist())
        except (zipfile.BadZipFile, ValueError, EOFError):
            return False  # reading it says what is wrong


def open_input(location: str) -> IO[bytes]:
    if is_url(location):
        fs, inner = filesystem(location)
        if fs.protocol in ("memory", ("memory",)):
            # fsspec's memory store hands every opener the same file object, so two workers
            # reading ranges of one file in threads would move each other's position.
            return io.BytesIO(fs.cat_file(inner))
        handle = fs.open(inner, "rb")
        # A chained URL's file system (zip://member::file:///x.zip) closes its archive when it is
        # collected, which left the member's file reading a closed one: the file holds it.
        with contextlib.suppress(AttributeError):
            handle.smclass_filesystem = fs
        return handle  # type: ignore[no-any-return]
    return open(location, "rb")


@contextlib.contextmanager
def writing(target: str) -> Iterator[IO[bytes]]:
    """A file written whole: beside a temporary and renamed (local), or one upload completed at the end (remote)."""
    if not is_url(target):
        with atomic.replacing(target) as handle:
            yield handle
        return
    fs, inner = filesystem(target)
    if _on_disk(fs):
        # This disk, named by a file:// URL: fsspec writes such a file in place, so a part cut short
        # by a failed task or a stop was left under its name; written as a path's is instead.
        with atomic.replacing(inner) as handle:
            yield handle
        return
    try:
        handle = fs.open(inner, "wb")
    except NotImplementedError:
        # A store fsspec reads but cannot write (http://): it had been an "internal error ... please report it".
        protocol = fs.protocol[0] if isinstance(fs.protocol, tuple) else fs.protocol
        raise OutputError(f"{target}: cannot write (fsspec reads {protocol}:// URLs but cannot write them)") from None
    try:
        yield handle
    except BaseException:
        # Closing would complete the upload of a part cut short: abandon it instead.
        with contextlib.suppress(Exception):
            handle.discard()
            # Nothing is left to finish: s3fs's file would try as it is collected, and print a traceback on stderr.
            handle.closed = True
        raise
    handle.close()


def prepare_folder(folder: str, overwrite: bool, shown: str | None = None) -> list[str]:
    """Make the output folder ready: refuse one that holds a run's files unless ``overwrite``; return what was cleared.

    ``shown`` is the folder as the user gave it, for messages.
    """
    shown = shown or folder
    if is_url(folder):
        fs, inner = filesystem(folder)
        try:
            a_file = bool(fs.isfile(inner))
            names = [key.rsplit("/", 1)[-1] for key in fs.ls(inner, detail=False)] if not a_file and fs.isdir(inner) else []
        except FileNotFoundError:
            a_file, names = False, []
        except Exception as exc:  # noqa: BLE001 - a store raises its own errors too (botocore's NoCredentialsError)
            raise OutputError(f"{shown}: cannot write ({_remote_reason(exc)})") from None
        if a_file:
            # As for a path. A store holds a key and keys under it alike: parts under s3://b/in.jsonl/ had made
            # that input read as a folder of them from then on.
            raise UsageError(f"{shown}: exists and is not a directory")
        if _on_disk(fs):
            # A local folder named by a file:// URL is made, as a plain path's is.
            try:
                fs.makedirs(inner, exist_ok=True)
            except OSError as exc:
                raise OutputError(f"{shown}: cannot write ({exc.strerror or exc})") from None

        def remove(name: str) -> None:
            fs.rm(inner.rstrip("/") + "/" + name)
    else:
        path = Path(folder)
        if path.exists() and not path.is_dir():
            raise UsageError(f"{shown}: exists and is not a directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot write ({exc.strerror or exc})") from None
        names = [child.name for child in path.iterdir()]

        def remove(name: str) -> None:
            (path / name).unlink()

    used = sorted(name for name in names if _OURS.match(name))
    if used and not overwrite:
        raise UsageError(_holds_a_run(shown, used[0]))
    # The manifest goes first: a folder without it is never taken for a finished run.
    cleared = sorted(used, key=lambda name: name != MANIFEST) + sorted(name for name in names if _TEMPORARY.match(name))
    for name in cleared:
        try:
            remove(name)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise OutputError(f"{join(folder, name)}: cannot remove ({exc.strerror or exc})") from None
    return cleared


def _holds_a_run(shown: str, first: str) -> str:
    return f"{shown} already holds the results of a run ({first}, ...): give --overwrite to replace them, or another folder"


def refuse_earlier_run(folder: str, overwrite: bool, shown: str | None = None, inputs: list[str] | None = None) -> None:
    """:func:`prepare_folder`'s refusal of a local folder holding a run, said before a cluster starts
    (seconds): a Ctrl-C in between had been told the folder lacked its _SUCCESS. Not where an input
    lies in the folder: that a part would destroy it is what the later check says."""
    if overwrite or is_url(folder):
        return
    path = Path(folder)
    real = os.path.realpath(folder)
    if any(not is_url(name) and os.path.dirname(os.path.realpath(name)) == real for name in inputs or []):
        return
    with contextlib.suppress(OSError):
        used = sorted(child.name for child in path.iterdir() if _OURS.match(child.name)) if path.is_dir() else []
        if used:
            raise UsageError(_holds_a_run(shown or folder, used[0]))


def finished_run(folder: str) -> bool:
    """Whether ``folder`` holds a run's ``_SUCCESS``: after a stop, an earlier run may still be there whole."""
    try:
        if is_url(folder):
            fs, inner = filesystem(folder)
            return bool(fs.exists(inner.rstrip("/") + "/" + MANIFEST))
        return (Path(folder) / MANIFEST).is_file()
    except Exception:  # noqa: BLE001 - only a message hangs on it; a store raises its own errors
        return False


def _on_disk(fs: Any) -> bool:
    """Whether an fsspec filesystem is this machine's own disk (a file:// URL)."""
    return "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))


def remove_temporaries(folder: str) -> None:
    """Remove the part files a stopped run's workers were still writing in a local ``folder``.

    Only once those workers have ended; a store's or a remote cluster's are left for the next
    run's :func:`prepare_folder`. Best effort: the run is already stopping with its own error.
    """
    if is_url(folder):
        try:
            fs, inner = filesystem(folder)
        except InputError:
            return  # the run is stopping with this error already
        if not _on_disk(fs):
            return
        folder = inner
    with contextlib.suppress(OSError):
        for child in Path(folder).iterdir():
            if _TEMPORARY.match(child.name):
                with contextlib.suppress(OSError):
                    child.unlink()


def write_manifest(folder: str, manifest: dict[str, Any]) -> None:
    target = join(folder, MANIFEST)
    try:
        with writing(target) as handle:
            handle.write(json.dumps(manifest, indent=2).encode() + b"\n")
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
