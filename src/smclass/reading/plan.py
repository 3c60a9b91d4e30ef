"""Planning one input: which fields hold the text and the id, chosen from its first records."""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace

from smclass.errors import InputError, UsageError
from smclass.reading import fields, id_fields, platforms
from smclass.reading.inputs import Reading
from smclass.reading.records import Record

CLI_NAMES = ("--delimiter", "--input-format")


def checked_delimiter(value: str | None, input_format: str | None, names: tuple[str, str] = CLI_NAMES) -> str | None:
    """A delimiter as one character ('tab' for a tab), checked against the input format (``names``: what the user called both)."""
    name, format_name = names
    if value is None:
        return None
    delimiter = "\t" if value.lower() in ("tab", "\\t", "\t") else value
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise UsageError(f"{name} takes one character, or 'tab' (got {value!r})")
    if input_format not in (None, "csv", "tsv"):
        raise UsageError(f"{name} goes with a delimited input, not {format_name} {input_format}")
    if input_format == "tsv" and delimiter != "\t":
        raise UsageError(f"{format_name} tsv is tab-delimited: {name} {value!r} says otherwise (use csv with it)")
    return delimiter


def checked_field(value: str | None, name: str) -> str | None:
    """A field the user named. An empty name (``--id-field "$COL"`` with COL unset) is refused:
    taken for no name, it quietly gave detection and record positions."""
    if value is not None and not value.strip():
        raise UsageError(f"{name} is empty: name a field (an unset shell variable?)")
    return value


def as_typed(value: str | None) -> str | None:
    """An option's text as it was typed.

    Under an ASCII locale without UTF-8 mode (``PYTHONUTF8=0 LC_ALL=C``) Python hands over the
    UTF-8 bytes of the command line as surrogate escapes: ``--text-field téxt`` matched no field
    ``téxt``, and ``--query`` holding an accent was an internal error. File names stay as they are
    given, since opening them takes those escapes back to the same bytes.
    """
    if value is None or value.isascii():
        return value
    try:
        return os.fsencode(value).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):  # text of the API's own, or bytes that are no UTF-8
        return value


@dataclass
class ReadOptions:
    """How the user asked for records to be read: what every command that reads posts takes."""

    text_field: str | None = None
    id_field: str | None = None
    input_format: str | None = None
    on_error: str = "stop"
    delimiter: str | None = None
    # What to read of a SQLite database: a table, or the rows of a query.
    table: str | None = None
    query: str | None = None
    # The text encoding the user named for inputs that are not UTF-8 (None: UTF-8, or UTF-16 with its mark).
    encoding: str | None = None

    def __post_init__(self) -> None:
        self.text_field, self.id_field = as_typed(self.text_field), as_typed(self.id_field)
        self.table, self.query = as_typed(self.table), as_typed(self.query)

    def named_fields(self) -> tuple[str, ...]:
        """The fields the user named: a header that holds one of them is a header."""
        return tuple(name for name in (self.text_field, self.id_field) if name)

    def reading(self, notify: Callable[[str], None] | None = None) -> Reading:
        """What the readers need to know of these options."""
        reading = Reading(
            self.input_format,
            self.delimiter,
            self.named_fields(),
            table=self.table,
            query=self.query,
            on_error=self.on_error,
            encoding=self.encoding,
        )
        return reading if notify is None else replace(reading, notify=notify)


@dataclass
class InputPlan:
    """What was chosen for one input: shown once on stderr."""

    source: str
    text: fields.TextChoice
    id_field: str | None
    fmt: str | None = None
    # No readable record came early enough to look at: the fields are the usual names.
    guessed: bool = False
    # Fields the user named that none of the records looked at holds, more records to come.
    unseen: tuple[str, ...] = ()
    looked_at: int = 0

    def describe(self) -> str:
        how = "guessed: no readable record to tell by" if self.guessed else "detected" if self.text.detected else "given"
        ids = f"id field '{self.id_field}'" if self.id_field else "ids are record positions"
        fmt = f"read as {self.fmt}, " if self.fmt else ""
        late = ""
        if self.unseen:
            named = " or ".join(f"'{name}'" for name in self.unseen)
            late = f"; none of the first {self.looked_at} records holds {named}: the run fails at the end if no record does"
        return f"{self.source}: {fmt}text field '{self.text.describe()}' ({how}), {ids}{late}{self.text.passed_note()}"


def plan_input(first: list[Record], options: ReadOptions, more: bool = False, late: bool = True) -> InputPlan:
    """Choose the text and id fields of one input from its first readable records.

    With ``more`` (the records looked at are not all there are), a field the user named
    may first appear later: it is kept, and listed in ``unseen``; unless not ``late``, for
    a reading that plans its parts from these records and cannot watch the rest for it.
    """
    readable = [r for r in first if r.error is None]
    source = first[0].source if first else "<input>"
    if not readable and first:
        if options.on_error != "skip" and first[0].error is not None:
            raise first[0].error
        # Nothing readable to look at yet: the usual name is the best guess.
        choice = fields.TextChoice(options.text_field or "text", detected=not options.text_field)
        return InputPlan(source, choice, options.id_field, _describe_format(first), guessed=not options.text_field)
    if options.text_field:
        choice = fields.check_text_field(options.text_field, readable, more, late)
    else:
        found = fields.detect_text_field(readable)
        if found is None:
            names = fields.listed_names(readable)
            lines = " (or --input-format lines for one post per line)" if readable[0].fmt in ("csv", "tsv") else ""
            kept = next((f"record.{name}" for name in fields.TEXT_FIELDS if _kept_text(readable, f"record.{name}")), None)
            nested = next((at for k, v in readable[0].data.items() if (at := _text_in_json(k, v)) is not None), None)
            if kept is not None:  # smclass classify --keep-fields output, read back
                lines = _kept_hint(readable, kept)
            elif nested is not None:  # ... as CSV, whose posts' text is inside an object written as JSON text
                lines = (
                    f" (for the results of classify --keep-fields: '{nested[0]}' holds objects written as JSON text, as their CSV writes "
                    f"a kept record's nested values: their JSON lines can be read with --text-field {shlex.quote(nested[1])})"
                )
            elif readable[0].fmt in ("csv", "tsv") and any(str(name).lstrip()[:2] in ('{"', "[{") for name in readable[0].data):
                # JSON lines read as a table (--delimiter or --input-format said so): its first line made the header.
                said = f"the input looks like JSON lines, read as {readable[0].fmt}: drop --delimiter or --input-format"
                lines = f" (its header is a line of JSON: {said})"
            if _bare_results(readable):
                # Naming a field of these (--text-field label) had labelled the labels' own names, exit 0.
                said = "classify's results without --keep-fields, which hold no post's text: classify the posts themselves"
                raise InputError(
                    f"no text field found (fields: {names}): {said} (with --keep-fields, results can be read back)", source=source
                )
            raise InputError(f"no text field found (fields: {names}); name it with --text-field{lines}", source=source)
        choice = found
    id_field = id_fields.check_id_field(options.id_field, readable, more, late) if options.id_field else id_fields.detect_id_field(readable)
    if not options.text_field:
        _one_spelling(choice.field, readable)
    named = [name for name in (options.text_field, options.id_field) if name]
    unseen = tuple(name for name in named if fields.resolve(name, readable) is None)
    return InputPlan(source, choice, id_field, _describe_format(first), unseen=unseen, looked_at=len(readable))


# What a line of classify's results holds without --keep-fields (and a CSV of them, its p_ columns besides).
_RESULT_FIELDS = frozenset({"id", "source", "position", "label", "confidence", "probabilities", "reason", "top", "explain"})


def _bare_results(readable: list[Record]) -> bool:
    """Whether the records are classify's results without the posts kept: a label and a confidence, nothing else of a post's."""
    return all(
        {"label", "confidence"} <= r.data.keys() and all(k in _RESULT_FIELDS or str(k).startswith("p_") for k in r.data) for r in readable
    )


def _kept_text(readable: list[Record], path: str) -> bool:
    """Whether classify's results hold ``path`` in their kept records, as text: a CSV of them writes an object
    there as JSON text (``record.post`` of ``{"body": ...}``), which is no post's text to name."""
    found = fields.resolve(path, readable)
    return found is not None and not all(_json_object(fields.get_path(r.data, found)) is not None for r in readable)


def _text_in_json(name: object, value: object) -> tuple[str, str] | None:
    """A kept record's column of classify's CSV results and the path to the text inside the object it holds as JSON text."""
    inner = fields.text_inside(_json_object(value)) if isinstance(name, str) and name.startswith("record.") else None
    return (name, f"{name}.{inner}") if isinstance(name, str) and inner is not None and inner.isprintable() else None


def _json_object(value: object) -> object:
    """An object or array written as JSON text, as classify's CSV writes a kept record's nested values, parsed; else None."""
    if not isinstance(value, str) or value[:1] not in ("{", "["):
        return None
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, (dict, list)) else None


def _kept_hint(readable: list[Record], kept: str) -> str:
    """How to read back classify --keep-fields results, whose text field ``kept`` names in their records.

    ``--text-field record.NAME`` reads one field of the kept record as it stands: classify may have
    read those posts otherwise, as a platform's shape (an X post's whole text where its 'text' is
    cut) or from a title with its body (a Reddit post), and following the hint had labelled other words."""
    posts = [replace(r, data=r.data["record"]) for r in readable if isinstance(r.data.get("record"), dict)]
    shape = next((name for post in posts for _, name, _ in platforms.unwrap_line(post.data) if name is not None), None)
    choice = fields.detect_text_field(posts) if posts else None
    if choice is None or (shape is None and choice.title_field is None):
        # A CSV of results holds its record's fields as columns of their own, its text one of them.
        return f" (for the results of classify --keep-fields: --text-field {kept if choice is None else 'record.' + choice.field})"
    how = f"in their platform's shape ({shape})" if shape is not None else f"from '{choice.describe()}'"
    where = shlex.quote(readable[0].source) if readable[0].source != "<stdin>" else "FILE"
    return (
        f" (for the results of classify --keep-fields: --text-field {kept} reads that field of the kept records as it stands, "
        f"where classify read those posts {how}: jq -c .record {where} | smclass classify - reads them as it did)"
    )


def _describe_format(first: list[Record]) -> str | None:
    if not first:
        return None
    fmt = first[0].fmt
    # Every shape the sample holds, in order: a capture of several platforms is not one of them.
    shapes = list(dict.fromkeys(record.shape for record in first if record.shape))
    if shapes and any(record.shape is None and record.error is None for record in first):
        shapes.append("plain records")
    shape = ", ".join(shapes) if len(shapes) < 4 else f"{', '.join(shapes[:3])} and {len(shapes) - 3} more shapes"
    if shape and fmt:
        return f"{shape} ({fmt})"
    return shape or fmt


def _one_spelling(name: str, records: list[Record]) -> None:
    """A detected text field that one record spells two ways only by case (``TEXT`` and ``Text``
    columns) is refused: either could be the posts', and detection had read the first without a
    word. Records that each spell it their own way (``text`` here, ``Text`` there) are read so."""
    if "." in name:
        return
    folded = fields.fold(name)
    both = (keys for r in records if len(keys := [k for k in r.data if isinstance(k, str) and fields.fold(k) == folded]) > 1)
    spellings = next(both, [])
    if len(spellings) > 1:
        listed = " and ".join(f"'{key}'" for key in spellings)
        said = f"the fields {listed} differ only in case, and either could be the text: name one with --text-field"
        raise UsageError(f"{records[0].source}: {said}")
