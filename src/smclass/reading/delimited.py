"""Delimited text with a header row (CSV, TSV, semicolons...), and plain text of one post per line."""

from __future__ import annotations

import csv
import io
import re
import shlex
import threading
from collections import deque
from collections.abc import Iterator
from typing import IO, Any

from smclass.errors import InputError
from smclass.reading.fields import KNOWN_FIELDS, fold
from smclass.reading.headers import repeated_name, second_header, shifted_header
from smclass.reading.lines import RECORD_LIMIT, Overlong, bounded, joined, too_long
from smclass.reading.records import Record
from smclass.reading.spreadsheet_guard import results_columns, unguarded
from smclass.reading.utf8 import bad_utf8

# Posts of several megabytes exist (pasted logs, long threads); the csv default is 128 KiB.
FIELD_LIMIT = 2**31 - 1


class _RaisedLimit:
    """The csv module's field limit at FIELD_LIMIT while smclass reads CSV, the one before put back when no reading is left.

    The limit is the whole process's: set once for good, it had changed the csv reading of a program that uses smclass as a
    library, and a program that set its own had made smclass refuse every post over it. Raised for a whole reading, so a
    program's own csv reading between the posts smclass hands it sees it raised: raising it for each row cost 13% of the time.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # readings in threads of their own (a Dask worker's) share the one limit
        self._readings = 0
        self._before = FIELD_LIMIT

    def __enter__(self) -> None:
        with self._lock:
            if not self._readings:
                self._before = csv.field_size_limit(FIELD_LIMIT)
            self._readings += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._readings -= 1
            if not self._readings:
                csv.field_size_limit(self._before)


RAISED_LIMIT = _RaisedLimit()

_BOM = b"\xef\xbb\xbf"
# The dialect rows are read with (its delimiter aside): the Dask engine cuts a big file only
# while it doubles quotes and escapes nothing, so that quote parity tells where rows end.
DIALECT = "excel"
RUNAWAY = "a quoted field is not closed before the end of the input"
# How far a row may run over physical lines (a quoted field that holds newlines): as far as one
# record may take on one line, so a row of an email thread is read whole up to the same size.
# A stray quote near the top of a big file then costs tens of megabytes of memory (the csv
# module holds a field as 4 bytes a character), not the file.
SPAN_LIMIT = RECORD_LIMIT
# And as many lines: each is held as a bytes object of its own (some 40 bytes beside its text),
# so 16 MiB of empty lines in one quote took 1.5 GB. A 9 MiB email thread is some 300,000.
SPAN_LINES = 1_000_000
UNCLOSED = f"a quote opened on this line is not closed within {SPAN_LIMIT >> 20} MiB or {SPAN_LINES:,} lines, the most a row may span"
# What the csv module says of a lone CR outside quotes (with advice on opening files that does not apply here).
_LONE_CR = "new-line character seen in unquoted field"


# Excel reads a first line "sep=;" as the delimiter of the file and writes it for locales whose
# list separator is not a comma; the header is the line after it.
_EXCEL_SEP = re.compile(rb"(?:\xef\xbb\xbf)?sep=([^\r\n\"])\r?\n?")


def excel_sep(first_line: bytes) -> str | None:
    """The delimiter an Excel ``sep=X`` first line names, or None when the line is no such line."""
    found = _EXCEL_SEP.fullmatch(first_line)
    return found.group(1).decode("latin-1") if found else None


class _Unclosed(csv.Error):
    """A row that runs over more lines than :data:`SPAN_LIMIT` allows: raised by the lines under the reader."""


class _TooLong(csv.Error):
    """A physical line past the most one record may take: raised by the lines under the reader."""


class _Lines:
    """Physical lines as text, remembering the raw bytes of those the current row took.

    Bytes that are not UTF-8 are carried through as surrogates, so one bad row is reported
    (and kept, byte for byte, for a rejects file) without ending the input.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines = bounded(stream)
        self._pushed: deque[tuple[int, bytes]] = deque()
        self.number = 0
        # The current row: its physical lines as bytes, the number of the first, and the first bad byte.
        self.taken: list[bytes] = []
        self.start = 0
        self.size = 0
        self.bad: tuple[int, str] | None = None
        self.eof = False

    def __iter__(self) -> Iterator[str]:
        taken = self.taken
        pushed = self._pushed
        while True:
            if pushed:
                self.number, raw = pushed.popleft()
            else:
                raw = next(self._lines, b"")
                if not raw:
                    self.eof = True
                    return
                self.number += 1
                if self.number == 1 and raw.startswith(_BOM):
                    raw = raw[len(_BOM) :]
            starts = not taken
            if starts:
                self.start = self.number
                self.size = 0
            taken.append(raw)
            if isinstance(raw, Overlong):
                raise _TooLong(too_long(raw.size))
            self.size += len(raw)
            if (self.size > SPAN_LIMIT or len(taken) > SPAN_LINES) and len(taken) > 1:
                # Ends this reader (a generator that raises is done): the caller reads on with a new one.
                raise _Unclosed(UNCLOSED)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                if self.bad is None:
                    self.bad = (self.number, bad_utf8(raw, exc.start))
                text = raw.decode("utf-8", "surrogateescape")
            if starts and text[:1] == "\ufeff":
                # A file joined on with cat: its BOM is no part of the row's first cell (the raw line keeps it).
                text = text[1:]
            yield text

    def next_row(self) -> None:
        self.taken.clear()
        self.bad = None

    def push_back(self, lines: list[bytes], first: int) -> None:
        self._pushed.extendleft(reversed(list(enumerate(lines, first))))
        self.eof = False


def _reader(lines: _Lines, delimiter: str, escaped: bool) -> Any:
    # strict: text after a closing quote ("Best day" she said) is an error, where the csv module
    # would drop the quotes, or run a stray quote on over the rows after it and join them.
    if escaped:
        # LinkedIn's Comments.csv: \" is a quote within a quoted field, and "" is no quote at all.
        return csv.reader(lines, DIALECT, delimiter=delimiter, doublequote=False, escapechar="\\", strict=True)
    return csv.reader(lines, DIALECT, delimiter=delimiter, strict=True)


def read_delimited(stream: IO[bytes], source: str, delimiter: str, escaped: bool = False) -> Iterator[Record]:
    """Delimited text with a header row; quoted fields may hold newlines.

    A row that cannot be read (bytes that are not UTF-8, more fields than the header,
    a quote left open to the end or over :data:`SPAN_LIMIT`) is an error record, and reading
    goes on at the next row (the line after the one that opened the quote). ``escaped``:
    quotes inside quoted fields are escaped with a backslash (``\\"``), not doubled.
    """
    with RAISED_LIMIT:
        yield from _read_delimited(stream, source, delimiter, escaped)


def _read_delimited(stream: IO[bytes], source: str, delimiter: str, escaped: bool) -> Iterator[Record]:
    lines = _Lines(stream)
    fmt = "tsv" if delimiter == "\t" else "csv"
    reader = _reader(lines, delimiter, escaped)
    try:
        header = next(reader)
        if len(lines.taken) == 1 and lines.number == 1 and excel_sep(lines.taken[0]) is not None:
            lines.next_row()
            header = next(reader)
        while len(header) <= 1 and not "".join(header).strip() and lines.bad is None:
            # Blank lines over the header (a byte-order mark on a line of its own): the format was told past them,
            # and read as the header they had made every row "has 2 fields but the header has 0".
            lines.next_row()
            header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise InputError(f"invalid CSV header ({_reason(exc)})", source=source, line=lines.start or 1) from None
    if lines.bad is not None:
        raise InputError(lines.bad[1], source=source, line=lines.bad[0])
    header_bytes = b"".join(lines.taken)
    names = [name.strip() for name in header]
    repeated = repeated_name(names)
    if repeated is not None:
        raise InputError(repeated, source=source, line=lines.start or 1)
    width = len(names)
    folded = [_folded(name) for name in names]
    known = frozenset(folded) - {""}
    # The column a repeated header is first told by: the first one named (pandas and R write a blank name first).
    probe = next((i for i, name in enumerate(folded) if name), 0)
    # What a cell that folds to a name can start with: most rows' first cell is passed at this look alone.
    starts = frozenset(" \t_-\ufeff").union(*({name[0], name[0].upper(), name[0].lower()} for name in known))
    # Only when no name repeats (blank ones may): a repeated one keeps its last column's cell.
    blank = dict.fromkeys(names, "") if len(set(names)) == width else None
    # classify's own CSV results: the mark it put before formula-like cells comes off again.
    results = results_columns(names)
    shape = RESULTS_SHAPE if results else None
    index = 0
    while True:
        lines.next_row()
        try:
            row = next(reader)
            error = None
        except StopIteration:
            return
        except _Unclosed:
            row, error = [], UNCLOSED
        except _TooLong as exc:
            # The row ends with the line: a new reader starts at the next one.
            row, error = [], str(exc)
            reader = _reader(lines, delimiter, escaped)
        except csv.Error as exc:
            row, error = [], f"invalid CSV ({_reason(exc)})"
            if lines.eof:
                error = RUNAWAY  # strict reading says "unexpected end of data"
            elif len(lines.taken) > 1:
                # A stray quote, or a real one with a word after it: where the row ends cannot be told.
                closed = f"closed on line {lines.number} with text after it ({exc})"
                error = f"a quoted field opened on this line is {closed}: lines {lines.start} to {lines.number} are rejected together"
            elif not escaped and (literal := _literal_row(lines.taken[0], delimiter, width)) is not None:
                # "Best day ever" she said: one line whose quotes are words, read as written.
                row, error = literal, None
        taken = lines.taken
        line = lines.start if taken else lines.number
        if error == UNCLOSED or (error == RUNAWAY and len(taken) > 1):
            # Reject the line that opened the quote, and read again from the next one.
            lines.push_back(taken[1:], line + 1)
            del taken[1:]
            reader = _reader(lines, delimiter, escaped)
            error = error or RUNAWAY
            lines.bad = None
        if error is None and (not row or (len(row) == 1 and not row[0].strip() and not any(b'"' in raw for raw in taken))):
            # A blank line is no row; a quoted empty cell ("", how a one-column CSV writes an
            # empty value) is one, whose post has no text.
            continue
        index += 1
        raw = joined(taken)
        if error is None and lines.bad is not None:
            line, error = lines.bad
        elif error is None and len(taken) > 1 and _runs_through_rows(taken, row, delimiter, width):
            error = f"{RUNS_THROUGH}: lines {line} to {lines.number} are rejected together"
        elif error is None and len(row) > width:
            error = f"row has {len(row)} fields but the header has {width}"
        elif error is None and len(row) > probe and row[probe][:1] in starts and _folded(row[probe]) in known:
            as_names = [_folded(cell) for cell in row]
            if as_names == folded:
                error = REPEATED_HEADER
            elif (changed := shifted_header(as_names, known, names, row, folded)) is not None:
                # Rows under it would be read from the wrong columns: no reject can keep that from being an answer.
                raise InputError(f"{changed}: {_apart(source, line)}", source=source, line=line)
        if error is None and index == 1 and (second := second_header([_folded(c) for c in row], KNOWN_FIELDS, known, names, row)):
            raise InputError(second, source=source, line=line)
        if error is not None:
            failure = InputError(error, source=source, line=line)
            yield Record({}, source, line, index, raw, failure, fmt=fmt, header=header_bytes)
            continue
        if results:
            row = [unguarded(cell) for cell in row]
        if len(row) < width and blank is not None:
            # A short row: its missing cells are empty, as a spreadsheet shows them. Copying a
            # blank row is 25 times faster than padding under a header of 200,000 columns.
            data: dict[str, Any] = blank.copy()
            data.update(zip(names, row, strict=False))  # the row is the shorter
        else:
            data = dict(zip(names, row + [""] * (width - len(row)), strict=True))
        cells = len(row) if len(row) < width else None
        yield Record(data, source, line, index, raw, fmt=fmt, header=header_bytes, shape=shape, cells=cells)


# A stray quote (a post that starts with one, as jq's @tsv writes it) that a later cell ending in
# one (an inch mark) closes cleanly: the rows between would be one post, under one label.
RUNS_THROUGH = "a quote opened on this line seems to run through the next rows, whose lines read as rows of their own (a stray quote?)"
_RUNS = re.compile(r"\d+|[^\W\d_]+")


def _shape(cell: str) -> str:
    """A cell with each run of digits as 9 and of letters as a: ``t2`` and ``t3`` alike, ``ok`` not."""
    return _RUNS.sub(lambda run: "9" if run.group()[0].isdigit() else "a", cell.strip())


def _runs_through_rows(taken: list[bytes], row: list[str], delimiter: str, width: int) -> bool:
    """Whether a row over several lines is a quote that ran on over whole rows, not a field that holds newlines.

    So when each of its lines, the first and the last too, is split as a row of the file: into
    as many cells as the header by its delimiters, which in a TSV is telling alone (posts
    rarely hold a tab, jq's @tsv escapes them, and Excel quotes a cell for its newlines alone);
    in a CSV also with its first cell shaped like the row's (``t2``, ``t3``) and no space after
    a comma, which a post's own commas have. A line that is blank, or starts like a number with
    a comma in it (``1,000 came``), says neither. A quote opened in the first cell leaves
    nothing to tell rows by.
    """
    first = row[0].strip() if row else ""
    if width < 2 or not first or "\n" in first:
        return False
    tab, cut = delimiter == "\t", delimiter.encode()
    # A line that is no whole row (nearly every field over lines has one): told by counts in C, before any line is decoded.
    if any(raw.count(cut) != width - 1 and raw.strip() for raw in taken):
        return False
    if not tab and not any(c.isdigit() for c in first):
        # A username or a word first (bob, alice) is matched by a post's own line such as "ok,see you soon".
        return False
    shape = _shape(first)
    rows = 0
    for number, raw in enumerate(taken):
        text = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
        if not text.strip():
            continue
        cells = text.split(delimiter)
        if len(cells) != width or not cells[0].strip():
            return False
        if number == 0:
            continue
        if not tab:
            if cells[0].isdigit() and cells[1][:1].isdigit():
                continue
            if _shape(cells[0]) != shape or any(cell[:1] == " " for cell in cells[1:]):
                return False
        rows += 1
    # In a CSV, one line of a post can read as a row by chance ("4,maybe 5 of us"); two seldom do.
    return rows > 0 if tab else rows > 1


# Two exports joined with cat: the second one's header is no post.
REPEATED_HEADER = "this row repeats the header (CSV files joined one after another?): it is no post"


def _folded(cell: str) -> str:
    """A cell as a field name is matched (:func:`fields.fold`), and without the BOM of a file joined on."""
    return fold(cell.strip().replace("\ufeff", ""))


def _apart(source: str, line: int) -> str:
    where = "FILE" if source == "<stdin>" or "!" in source else shlex.quote(source)  # a zip member is no path
    return f"classify the parts apart, e.g. head -n {line - 1} {where} and tail -n +{line} {where}"


RESULTS_SHAPE = "smclass CSV results, the ' before formula-like cells taken off"


def _literal_row(raw: bytes, delimiter: str, width: int) -> list[str] | None:
    """One line cut at its delimiters with its quotes kept as text, when that gives the header's width."""
    text = raw.decode("utf-8", "surrogateescape").removesuffix("\n").removesuffix("\r")
    try:
        cells = next(csv.reader([text], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
    except csv.Error:  # a CR alone inside the line: its own error stands
        return None
    # A cell with an odd number of quotes was cut inside a quoted field ("Hello, world" she said).
    if len(cells) != width or any(cell.count('"') % 2 for cell in cells):
        return None
    # A cell quoted whole ("Personal", "say ""hi""") is a quoted cell, read as the csv module reads
    # one; "Best day" ever "really" starts and ends with quotes that are words.
    return [_unquoted(cell) for cell in cells]


def _unquoted(cell: str) -> str:
    inner = cell[1:-1]
    whole = len(cell) > 1 and cell[0] == cell[-1] == '"' and '"' not in inner.replace('""', "")
    return inner.replace('""', '"') if whole else cell


def _reason(exc: csv.Error) -> str:
    if str(exc).startswith(_LONE_CR):
        # Lines end in LF, so the csv module's "new-line character" can only be a CR within the line.
        return "a carriage return (CR) alone inside an unquoted field"
    return str(exc)


def header_row(head: bytes, delimiter: str) -> tuple[bytes, int] | None:
    """The bytes of the header row at the start of ``head`` (with its BOM) and its physical lines.

    None when the row does not end inside ``head`` on a line end, or is not UTF-8: then it
    is no row to hand to readers of other parts of the file.
    """
    if excel_sep(head.split(b"\n", 1)[0]) is not None:
        return None  # two lines before the rows: such a file is read whole, by one reader
    lines = _Lines(io.BytesIO(head))
    try:
        with RAISED_LIMIT:
            next(csv.reader(lines, DIALECT, delimiter=delimiter))
    except (StopIteration, csv.Error):
        return None
    taken = b"".join(lines.taken)
    if lines.eof or lines.bad is not None or not taken.endswith(b"\n"):
        return None
    size = len(taken) + (len(_BOM) if head.startswith(_BOM) else 0)
    return (head[:size], len(lines.taken)) if size < len(head) else None


def read_lines(stream: IO[bytes], source: str) -> Iterator[Record]:
    """One post per line, its id the line number; a blank line is a record with empty text."""
    for number, raw in enumerate(bounded(stream), 1):
        if isinstance(raw, Overlong):
            failure = InputError(too_long(raw.size), source=source, line=number)
            yield Record({}, source, number, number, raw, failure, fmt="lines")
            continue
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            failure = InputError(bad_utf8(raw, exc.start), source=source, line=number)
            yield Record({}, source, number, number, raw, failure, fmt="lines")
            continue
        text = text.rstrip("\r\n").removeprefix("\ufeff")  # a BOM further down: a file joined on with cat
        if "\r" in text:
            # Old Mac line ends in part of the file (one joined on with cat): the posts they end would be one.
            yield Record({}, source, number, number, raw, InputError(LONE_CR_LINE, source=source, line=number), fmt="lines")
            continue
        yield Record({"text": text}, source, number, number, raw, fmt="lines")


LONE_CR_LINE = (
    "the line holds a carriage return (CR) alone, an old Mac line end: the posts on either side of it would be read as one "
    "(convert such line ends first, e.g. sed 's/\\r$//' IN | tr '\\r' '\\n' > OUT)"
)
