"""One exception family for everything the library reports to its callers."""

from __future__ import annotations


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
            where = self.source
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


class UsageError(SmclassError):
    """Options that do not fit together or do not fit the data."""

    exit_code = 2


class OutputError(SmclassError):
    """An output that cannot be written: a full disk, a read-only directory, a device that refuses."""
