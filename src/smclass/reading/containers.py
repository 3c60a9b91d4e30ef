"""Inputs that hold many files: directories and zip archives (what they hold is decided in :mod:`smclass.reading.folders`)."""

from __future__ import annotations

import shlex
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from smclass.errors import InputError
from smclass.reading import folders, sheets
from smclass.reading.platforms.base import NotPostsError
from smclass.reading.records import Record

StreamReader = Callable[..., Iterator[Record]]
Guard = Callable[[IO[bytes], zipfile.ZipInfo], IO[bytes]]
# A link's target is a path: this much of it is enough to name it in a note.
_LINK_BYTES = 1024


def is_zip(path: Path) -> bool:
    """A zip of posts: an Excel workbook is a zip too, but a table of its own.

    Only a regular file is looked at: the zip test reopens and seeks, which on a device
    (/dev/zero) never ends and on a FIFO would take bytes from the one reader.
    """
    return path.is_file() and zipfile.is_zipfile(path) and not sheets.is_workbook_path(path)


def read_zip(path: Path, reading: Any, read_stream: StreamReader, guarded: Guard, shown: str | None = None) -> Iterator[Record]:
    """Every member, in a folder's reading order (:func:`folders.contents`); a damaged member ends with an error record,
    and the next member is read.

    ``shown`` names the archive in results when ``path`` is a copy of it (a zip read from a stream).
    A zip inside it is refused (``read_stream`` opens none by default): a zip that holds itself would never end.
    """
    shown = shown if shown is not None else str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"damaged zip archive ({exc})", source=shown) from None
    with archive:
        document = sheets.document_kind(archive)
        if document is not None:
            raise InputError(f"{document}, not a zip of posts: save it as .xlsx or .csv", source=shown)
        _check_nothing_before(path, archive, shown)
        infos = []
        for info in archive.infolist():
            _name_as_unzip_reads_it(info)
            if info.is_dir() or folders.skipped(info.filename):
                continue
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                # zip -y keeps a link as the path it leads to: read, that path would be a post.
                reading.notify(f"skipped {shown}!{info.filename}: {_link(archive, info)}, which a zip holds as that path, not as a file")
                continue
            infos.append(info)
        # Exports are often zipped with their folder as the first path part.
        prefix = _common_prefix([i.filename for i in infos])
        # A zip may hold several members of one name: each is kept, and opened by its own entry.
        by_name: dict[str, list[zipfile.ZipInfo]] = {}
        for info in infos:
            by_name.setdefault(info.filename[len(prefix) :], []).append(info)
        held = folders.contents(by_name)
        if not held.files:
            reading.notify(f"{shown}: holds no files to read")

        def locate(name: str) -> str:
            return f"{shown}!{prefix}{name}"

        if held.export is not None:
            twice = next((name for name in held.files if len(by_name[name]) > 1), None)
            if twice is not None:
                # An export's members are read by name: which of the two to read cannot be told.
                raise InputError(f"holds {len(by_name[twice])} members named {prefix}{twice}: unzip it and keep one", source=shown)
            yield from folders.read_export(held, lambda name: archive.open(by_name[name][0]), locate, read_stream, reading)
            return
        for name in folders.without_extras(held.files, locate, reading.notify):
            same = by_name[name]
            n = len(same)
            if n > 1:
                reading.notify(f"{locate(name)}: {n} members have this name; each is read, its source marked (1 of {n}) to ({n} of {n})")
            for number, info in enumerate(same, 1):
                source = locate(name) if n == 1 else f"{locate(name)} ({number} of {n})"
                try:
                    yield from _read_member(archive, info, source, reading, read_stream, guarded)
                except NotPostsError as exc:
                    # As in a folder: raised from the member's first bytes, before any record of it.
                    reading.notify(f"skipped {source}: {exc.message}")


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str, reading: Any, read_stream: StreamReader, guarded: Guard
) -> Iterator[Record]:
    member = None
    if info.flag_bits & 0x1:
        # zipfile would say so as "File <ZipInfo filename=... compress_type=...> is encrypted".
        said = "is encrypted: smclass opens no password-protected zip; unzip it with its password first"
    else:
        try:
            member = archive.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError) as exc:
            said = f"cannot open this zip member ({exc})"
    if member is None:
        damage = InputError(said, source=source)
        if reading.on_error == "skip":
            # No record of it was read: a line in the rejects file would be none of the input's ("{}").
            reading.notify(f"skipped {damage}")
        else:
            yield Record({}, source, None, 0, None, damage)
        return
    with member:
        yield from read_stream(guarded(member, info), source, reading=reading)


def _check_nothing_before(path: Path, archive: zipfile.ZipFile, shown: str) -> None:
    """A zip whose first bytes are another zip's member (``cat a.zip b.zip``) is refused: zipfile reads only
    the last archive's list of members, so the first one's would be passed over unsaid.

    Bytes before the first member that are no zip (a self-extracting archive's program) are read past, as unzip does.
    """
    if any(info.header_offset == 0 for info in archive.infolist()):
        return
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            return
    fix = f"zip -FF {shlex.quote(shown)} --out whole.zip"
    said = "holds another zip archive before this one (joined with cat?), whose members would not be read"
    raise InputError(f"{said}: make one archive of both ({fix})", source=shown)


def _name_as_unzip_reads_it(info: zipfile.ZipInfo) -> None:
    """A name not flagged UTF-8 that is UTF-8 all the same (Info-ZIP on Linux writes such names) is read so,
    as unzip reads it; zipfile reads it as cp437 (café.jsonl as caf├⌐.jsonl). Others stay as zipfile reads them."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return
    try:
        # cp437 gives each byte a character of its own: encoded again, the name is its bytes.
        info.filename = info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return


def _link(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    try:
        with archive.open(info) as member:
            target = member.read(_LINK_BYTES + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError, EOFError, zlib.error):
        return "a link"
    shown = target[:_LINK_BYTES].decode("utf-8", "backslashreplace") + ("..." if len(target) > _LINK_BYTES else "")
    return f"a link to {shown if shown.isprintable() else repr(shown)}"


def _common_prefix(names: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def read_directory(path: Path, reading: Any, read_stream: StreamReader) -> Iterator[Record]:
    held = folders.contents(folders.local_names(path, reading.notify))
    if not held.files:
        reading.notify(f"{path}: holds no files to read")
    yield from folders.read(held, lambda name: (path / name).open("rb"), lambda name: str(path / name), read_stream, reading)
