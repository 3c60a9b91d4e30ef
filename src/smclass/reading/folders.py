"""What a folder holds: one export to read as a whole, or its files to read one by one.

Every reader of many files asks :func:`contents`: a local folder (``containers``), a zip
(``containers``) and a Dask run over a local or remote folder (``run.storage``), so each
sees the same files, in the same order, skipping the same ones.
"""

from __future__ import annotations

import errno
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from smclass.reading.platforms import discord, instagram, slack, youtube
from smclass.reading.platforms.base import NotPostsError
from smclass.reading.records import Record

StreamReader = Callable[..., Iterator[Record]]
Opener = Callable[[str], AbstractContextManager[IO[bytes]]]
Locate = Callable[[str], str]
# Export shapes that are a folder: one unit, its files read together (a channel list names the days' files).
_EXPORTS = (("slack", slack.is_export), ("instagram", instagram.is_export), ("discord", discord.is_package))
# Files of a Google Takeout that hold what the user did, not what they wrote: read alone they
# are refused (see platforms.youtube); in a folder they are passed over, each with a note.
_ACTIVITY_FILES = re.compile(r"(?:^|/)(?:watch-history|search-history|MyActivity)\.(?:json|html)$")


@dataclass(frozen=True)
class Contents:
    """``files``: member names (relative posix paths) in reading order; ``export``: the export they make up, if any."""

    files: tuple[str, ...]
    export: str | None = None


# A dataset's notes beside its posts: README.txt would be read one post per line. Never with a
# data file's extension: authors.csv or changes.jsonl may hold posts.
_NOTES = re.compile(r"(?:readme|license|licence|changelog|changes|notice|copying|authors|citation)(?:[-.][a-z0-9]+)*", re.IGNORECASE)
# Judged under a compression suffix: README.txt.gz is notes, changes.jsonl.gz posts.
_DATA = re.compile(r"\.(?:jsonl?|ndjson|csv|tsv|tab|xlsx|parquet|db|sqlite3?|zip)(?:\.(?:gz|bz2|xz|zst))?$", re.IGNORECASE)


# A SQLite database's journal files beside it (posts.db-wal, -shm, -journal): its own state, read with it, never posts.
_SQLITE_SIDE = re.compile(r"\.(?:db|sqlite3?)-(?:wal|shm|journal)$", re.IGNORECASE)


def skipped(name: str) -> bool:
    """Files that are never posts: hidden ones and those in hidden folders (``.git/``), notes (``.md``,
    ``README.txt``, ``LICENSE``), signatures, and a SQLite database's journal files. (A Slack export's own
    lists are passed over by its reader, and only there.)"""
    parts = name.split("/")
    base = parts[-1]
    hidden = any(part.startswith(".") for part in parts)
    if _SQLITE_SIDE.search(base):
        return True
    return hidden or base.lower().endswith((".md", ".txt.sig")) or (_NOTES.fullmatch(base) is not None and _DATA.search(base) is None)


_DIGITS = re.compile(r"[0-9]+")


def _natural(part: str) -> str:
    # A digit run becomes "0", its length, then its digits less leading zeros: runs compare as numbers
    # (posts_2 before posts_10), and with any other character as a digit does (posts.json before posts2.json).
    def run(match: re.Match[str]) -> str:
        digits = match.group().lstrip("0")
        return "0" + chr(len(digits)) + digits

    return _DIGITS.sub(run, part)


def _order(name: str) -> list[tuple[str, str]]:
    # Part by part, as pathlib sorts paths: "a/b.json" comes before "a-c.json" wherever the names come from.
    # The name itself breaks a tie (posts_02, posts_2), so the order never hangs on how the names came.
    return [(_natural(part), part) for part in name.split("/")]


def contents(names: Iterable[str]) -> Contents:
    """What a folder with these member names (relative posix paths, files only) holds."""
    kept = sorted((name for name in names if not skipped(name)), key=_order)
    found = set(kept)
    for export, detect in _EXPORTS:
        if detect(found):
            return Contents(tuple(kept), export)
    return Contents(tuple(kept))


def local_names(path: Path, notify: Callable[[str], None] | None = None) -> list[str]:
    """The member names of a local folder, files only; a link counts as what it leads to, a file or a folder.

    ``notify`` hears of what is passed over: a link that leads nowhere, one back to a folder
    it is in (a loop), a folder that cannot be listed. Hidden entries are passed over
    unheard, as :func:`skipped` would leave out all they hold.
    """
    names: list[str] = []
    note = notify or (lambda message: None)

    def walk(folder: Path, prefix: str, within: tuple[Path, ...]) -> None:
        try:
            children = sorted(folder.iterdir())
        except OSError as exc:
            note(f"skipped {folder}: cannot be listed ({exc.strerror})")
            return
        for child in children:
            if child.name.startswith("."):
                continue
            link = child.is_symlink()
            try:
                mode = child.stat().st_mode
            except OSError as exc:
                why = f"cannot be read ({exc.strerror})"
                if link:
                    why = "a link to nothing" if exc.errno == errno.ENOENT else f"a link that cannot be followed ({exc.strerror})"
                note(f"skipped {child}: {why}")
                continue
            if stat.S_ISREG(mode):
                names.append(prefix + child.name)
            elif not stat.S_ISDIR(mode):
                note(f"skipped {child}: not a file or a folder")
            elif link and any(seen.is_relative_to(child.resolve()) for seen in within):
                note(f"skipped {child}: a link back to a folder it is in ({child.resolve()}), which would be read without end")
            else:
                walk(child, f"{prefix}{child.name}/", (*within, child.resolve() if link else within[-1] / child.name))

    walk(path, "", (path.resolve(),))
    return names


def read(held: Contents, open_member: Opener, locate: Locate, read_stream: StreamReader, reading: Any) -> Iterator[Record]:
    """The records of a folder's contents: the export read whole, or each file by ``read_stream`` in order.

    ``open_member`` opens a member by its name, ``locate`` names it in results and messages.
    """
    if held.export is not None:
        yield from read_export(held, open_member, locate, read_stream, reading)
        return
    yield from _read_files(without_extras(held.files, locate, reading.notify), open_member, locate, read_stream, reading)


# A chat's or an account's attachments beside its messages (a WhatsApp chat exported with media,
# Telegram's photos/, a Mastodon archive's media_attachments/): no posts, and opened they had
# stopped the run as binary files (a contact card, text, would have been read as posts).
_ATTACHMENT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|heic|bmp|tiff?|mp4|mov|m4v|webm|3gp|avi|mkv|opus|ogg|oga|m4a|mp3|aac|amr|wav|pdf|vcf)$", re.IGNORECASE
)


def without_extras(names: Iterable[str], locate: Locate, notify: Callable[[str], None] | None) -> list[str]:
    """``names`` but the attachments (photos, video, audio, documents, contact cards), which one note
    counts by kind, and a Mastodon archive's profile, said in a note of its own."""
    names = list(names)
    found = set(names)
    # A Mastodon archive's actor.json (the account's profile) beside its outbox.json holds no posts,
    # and read it stopped the folder (no text field found). Alone it is read as any file is, so its
    # bio can still be classified with --text-field summary.
    profiles = [name for name in names if name.rpartition("/")[2] == "actor.json" and _beside(name, "outbox.json") in found]
    for name in profiles:
        if notify is not None:
            notify(f"skipped {locate(name)}: the account's profile in a Mastodon archive, beside its outbox.json, which holds the posts")
    names = [name for name in names if name not in profiles]
    # classify --engine dask's output folder read back: its _SUCCESS (the run's manifest) had stopped the
    # read, "no text field found", and its rejects files hold the raw records that run could not read.
    run_files = [name for name in names if _RUN_FILE.search(name) and _beside(name, "_SUCCESS") in found]
    rejects = [name for name in run_files if not name.endswith("_SUCCESS")]
    if run_files and notify is not None:
        manifest = locate(next(name for name in run_files if name.endswith("_SUCCESS")))
        count = f" and {len(rejects)} rejects file{'s' if len(rejects) > 1 else ''} (the first: {locate(rejects[0])})" if rejects else ""
        if rejects:
            said = "the manifest of a classify --engine dask run and the raw records it could not read, not its results"
            notify(f"skipped {manifest}{count}: {said}; name a rejects file to read it")
        else:
            # Spark and Hadoop leave an empty _SUCCESS in their output folders too: it had been called a classify run's.
            notify(f"skipped {manifest}: the marker a finished run leaves (classify --engine dask, Spark, Hadoop), not posts")
    names = [name for name in names if name not in run_files]
    attached = [name for name in names if _ATTACHMENT.search(name)]
    if attached:
        kinds = Counter(name.rpartition(".")[2].lower() for name in attached)
        listed = ", ".join(f".{kind} ({n})" for kind, n in kinds.most_common())
        count = f"{len(attached)} attachment{'s' if len(attached) > 1 else ''}"
        if notify is not None:
            what = "(photos, video, audio, documents, contact cards), which hold no posts"
            notify(f"skipped {count} {what}: {listed} (the first: {locate(attached[0])})")
        names = [name for name in names if not _ATTACHMENT.search(name)]
    return names


_RUN_FILE = re.compile(r"(?:^|/)(?:_SUCCESS|part-[0-9]{5,}\.rejects\.(?:jsonl|csv|tsv))$")


def _beside(name: str, other: str) -> str:
    folder = name.rpartition("/")[0]
    return f"{folder}/{other}" if folder else other


def _read_files(names: Iterable[str], open_member: Opener, locate: Locate, read_stream: StreamReader, reading: Any) -> Iterator[Record]:
    for name in names:
        if _ACTIVITY_FILES.search(name):
            reading.notify(f"skipped {locate(name)}: {youtube.TAKEOUT_ACTIVITY}")
            continue
        try:
            with open_member(name) as handle:
                # A folder's results name their files, so a zip among them can be opened.
                yield from read_stream(handle, locate(name), reading=reading, archives=True)
        except NotPostsError as exc:
            # Raised from the first bytes, before any record: nothing of it is lost.
            reading.notify(f"skipped {locate(name)}: {exc.message}")


def read_export(held: Contents, open_member: Opener, locate: Locate, read_stream: StreamReader, reading: Any) -> Iterator[Record]:
    """An export's records (``held.export`` is set), read as :func:`read` reads it."""
    names = list(held.files)
    if held.export == "slack":

        def read_bytes(name: str) -> bytes:
            with open_member(name) as handle:
                return handle.read()

        attached = [name for name in names if slack.is_attachment(name)]
        for passed, what in ((slack.extras(names), "holding no day of messages"), (attached, "attached to messages")):
            if passed:
                count = f"{len(passed)} file{'s' if len(passed) > 1 else ''}"
                reading.notify(f"skipped {count} of the Slack export {what} (the first: {locate(passed[0])})")
        yield from slack.records(names, read_bytes, locate)
        return

    if held.export == "discord":
        yield from _discord_package(names, open_member, locate, read_stream, reading)
        return

    def read_post_file(stream: IO[bytes], source: str, input_format: str | None) -> Iterator[Record]:
        return read_stream(stream, source, reading=reading)

    yield from instagram.read_export(names, open_member, locate, read_post_file, reading.input_format)


def _discord_package(names: list[str], open_member: Opener, locate: Locate, read_stream: StreamReader, reading: Any) -> Iterator[Record]:
    """The package's files in order but those that hold no posts (channel.json, index.json, account/, ...).

    Its messages files are read as any file is; so is a file that is not the package's own (one's
    posts put beside it), which a folder would have read.
    """
    messages = set(discord.message_files(names))
    known, others = discord.package_parts(name for name in names if name not in messages)
    if known:
        count = f"{sum(known.values())} file{'s' if sum(known.values()) > 1 else ''}"
        parts = ", ".join(f"{part} ({n})" for part, n in known.items())
        reading.notify(f"skipped {count} of the Discord data package that hold no messages: {parts}")
    read = messages | set(others)
    yield from _read_files([name for name in names if name in read], open_member, locate, read_stream, reading)
