"""The public Python API: what ``import smclass`` gives a notebook."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from smclass.errors import ReadWarning, UsageError
from smclass.model.files import Model
from smclass.model.files import load as _load_file
from smclass.reading.decoders import checked_encoding
from smclass.reading.plan import ReadOptions, checked_delimiter, checked_field
from smclass.reading.posts import read_posts


def load(path: str | Path | None = None) -> Model:
    """The model at ``path``, else $SMCLASS_MODEL, else the bundled default model."""
    return _load_file(path)


def read(
    path: str | Path,
    *,
    text_field: str | None = None,
    id_field: str | None = None,
    input_format: str | None = None,
    delimiter: str | None = None,
    table: str | None = None,
    query: str | None = None,
    encoding: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """The posts of any supported input (file, folder, zip, platform export, ``-`` for stdin).

    Each is a dict with ``id``, ``source``, ``text`` (None when the record has none, with
    the ``reason``) and ``record``, the record as read. ``table`` names the SQLite table or
    the workbook sheet to read, ``query`` a SQLite query, as ``--table`` and ``--query`` do;
    ``encoding`` the text encoding of an input that is not UTF-8, as ``--encoding``.
    ``notify`` is given each note the command prints on stderr (``notify=print`` shows them);
    without it, the notes of what was passed over or may be misread (files skipped, warnings)
    are issued as :class:`~smclass.errors.ReadWarning`, and the rest (how each file was read) dropped.
    """
    if not isinstance(path, (str, bytes, os.PathLike)):
        # Read as its repr, a list of paths had been refused as one missing file: "['a.csv', 'b.csv']: no such file".
        several = ": itertools.chain(*map(smclass.read, paths)) reads several" if isinstance(path, (list, tuple)) else ""
        raise UsageError(f"read takes the path of one input (a file, a folder, a zip, or - for stdin), not {type(path).__name__}{several}")
    named = {"text_field": text_field, "id_field": id_field, "input_format": input_format, "delimiter": delimiter}
    for name, value in {**named, "table": table, "query": query, "encoding": encoding}.items():
        if value is not None and not isinstance(value, str):
            # The checks below take text: a number or a list had stopped deep inside them with an AttributeError.
            raise UsageError(f"{name} takes text, not {type(value).__name__}, e.g. {name}='...'")
    options = ReadOptions(
        text_field=checked_field(text_field, "text_field"),
        id_field=checked_field(id_field, "id_field"),
        input_format=input_format,
        delimiter=checked_delimiter(delimiter, input_format, ("delimiter", "input_format")),
        table=table,
        query=query,
        encoding=checked_encoding(encoding, "encoding"),
    )
    return read_posts([os.fsdecode(path)], options, notify or _warn_of_losses)


def _warn_of_losses(note: str) -> None:
    # Said as the command says them, "skipped ..." and "warning: ...": a notebook had read a folder
    # without its skipped files, or cp1252 over UTF-8, without a word.
    if note.startswith(("skipped ", "warning: ")):
        warnings.warn(note.removeprefix("warning: "), ReadWarning, stacklevel=2)
