"""One exception family for everything the library reports to its callers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def shown(name: str) -> str:
    """``name`` (a file name, a line of notes) fit for a one-line message: a newline or another
    control character in it shows escaped (``\\n``), so one message stays one line and names the
    file it means. Bytes that are not UTF-8 are left to the writer, which escapes them."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() or "\ud800" <= c <= "\udfff" else c.encode("unicode_escape").decode() for c in name)


class SmclassError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    exit_code = 1


class InputError(SmclassError):
    """A record or file that cannot be read or used, with where it happened."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        raw: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        self.raw = raw
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        where = ""
        if self.source is not None:
            where = shown(self.source)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        if self.field is not None:
            where += f"field '{self.field}': "
        return where


class DataError(SmclassError):
    """Labelled data that cannot support what was asked: too few posts of a label, one label only."""


class ModelError(SmclassError):
    """A model file that is missing, unsafe, damaged or not a smclass model."""


class MissingExtraError(ModelError):
    """A model that needs an optional extra (its encoder's libraries or files) this install lacks."""


class UsageError(SmclassError):
    """Options that do not fit together or do not fit the data."""

    exit_code = 2


class OutputError(SmclassError):
    """An output that cannot be written: a full disk, a read-only directory, a device that refuses."""


class TemporaryFileError(OutputError):
    """A temporary file (a spilled line, a spooled copy of stdin, CSV rows waiting for their
    columns) that cannot be written: the run would go on short of what was spilled."""

    def __init__(self, folder: str, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        full = exc.errno in (27, 28, 122)  # EFBIG (ulimit -f), ENOSPC, EDQUOT
        advice = "set TMPDIR to a folder with room" if full else "set TMPDIR to a folder smclass may write to"
        super().__init__(f"cannot write a temporary file in {folder} ({reason}): {advice}")


class ReadWarning(UserWarning):
    """What reading an input passed over or may have misread, as a Python warning: the notes that
    ``smclass classify`` prints on stderr, which a library caller would otherwise never see."""


class Deferred:
    """An error raised while iterating, held until what came before it has been used.

    ``items(iterable)`` gives the items and stops quietly at a :class:`SmclassError`;
    ``raise_held()`` raises it afterwards. Reading ahead (grouping records by their input,
    keeping workers busy) must not lose what was read before the error.
    """

    def __init__(self) -> None:
        self.error: SmclassError | None = None

    def items(self, iterable: Iterable[T]) -> Iterator[T]:
        try:
            yield from iterable
        except SmclassError as exc:
            self.error = exc

    def raise_held(self) -> None:
        if self.error is not None:
            raise self.error


# Path("") is Path("."): an input named by empty text (a shell variable left unset) had read every file of the working folder.
EMPTY_INPUT_NAME = "an input named is empty text: name a file or a folder, or - for stdin"
