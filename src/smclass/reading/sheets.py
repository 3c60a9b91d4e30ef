"""Excel workbooks (``.xlsx``) and Parquet files: rows as records, read in bounded batches.

Both need the optional extra ``smclass[formats]`` (openpyxl, pyarrow). pandas would load
a whole file at once, so the rows come straight from openpyxl's read-only mode (one row
at a time) and pyarrow's ``iter_batches``, a row group at a time. An xlsx is a zip: it is told from a zip of
posts by its ``[Content_Types].xml`` and ``xl/`` members.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import itertools
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from smclass.errors import InputError, UsageError
from smclass.reading import numbers, spool
from smclass.reading.fields import KNOWN_FIELDS, fold
from smclass.reading.headers import name_like, named_table, repeated_name, second_header
from smclass.reading.lines import RECORD_LIMIT
from smclass.reading.records import Binary, DateText, Record, SheetError, TimeText

PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
BATCH_ROWS = 1000
# The most one Parquet row may hold: a cell of 200 MB of text (in a file of 10 MB) had been made a Python string and
# labelled, 1.4 GB; past it the row is refused before it is, as a line that long is.
ROW_LIMIT = RECORD_LIMIT
_EXTRA = "pip install 'smclass[formats]'"
# What Excel shows in a cell whose formula failed (openpyxl.cell.cell.ERROR_CODES, without importing openpyxl here).
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


def is_table_file(head: bytes) -> bool:
    """Parquet, or a zip that may be a workbook (told apart in :func:`read_stream`).

    Both are binary from their first bytes on, so text that happens to start "PAR1" or
    "PK" (a CSV header, a line of a post) is not taken for one.
    """
    return head.startswith((PARQUET_MAGIC, ZIP_MAGIC)) and b"\x00" in head


def is_workbook(names: list[str]) -> bool:
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def document_kind(archive: zipfile.ZipFile) -> str | None:
    """What an office document that is a zip is (other than a workbook), or None for a zip of files.

    Read as a zip of posts, its XML lines would be labelled as posts.
    """
    names = archive.namelist()
    if "mimetype" in names:
        # OpenDocument (.ods, .odt) and EPUB open with a member that names their type: its first bytes only.
        try:
            with archive.open("mimetype") as member:
                kind = member.read(100).decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError):
            return None  # read as a zip, the member's damage is reported where it is read
        if kind.startswith("application/"):
            return f"a document of type {kind}"
    if "[Content_Types].xml" in names and any(n.startswith(("word/", "ppt/")) for n in names):
        return "a Word or PowerPoint document"
    return None


def is_workbook_path(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return is_workbook(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def read_stream(
    stream: IO[bytes],
    opened: IO[bytes] | None,
    source: str,
    head: bytes,
    table: str | None = None,
    archive: Callable[[Path], Iterator[Record]] | None = None,
) -> Iterator[Record]:
    """The rows of a Parquet file or of a workbook's sheet (``table`` names the sheet; default the first).

    A zip that is not a workbook is read by ``archive`` (given the file on disk), or refused without one.
    """
    parquet = head.startswith(PARQUET_MAGIC)
    if parquet and table is not None:
        raise UsageError("--table goes with a SQLite database or an Excel workbook")
    with spool.local_file(stream, opened, ".parquet" if parquet else ".xlsx") as path:
        if parquet:
            yield from _parquet_rows(path, source)
            return
        if not is_workbook_path(Path(path)):
            if not zipfile.is_zipfile(path):
                # It starts as a zip but has no table of contents at its end: cut short, most likely.
                said = "damaged zip file (an Excel workbook is one too): its end, which lists its files, is missing: cut short?"
                raise InputError(said, source=source)
            if archive is None:
                message = "a zip archive here (from stdin, a lone URL, or inside another zip) is not opened: unzip it first"
                raise InputError(message, source=source)
            yield from archive(Path(path))
            return
        yield from _workbook_rows(path, source, table)


def _rows(grid: Any) -> Iterator[tuple[Any, ...]]:
    # The size a sheet declares may be wrong (other tools write it): rows past it would be lost unseen.
    grid.reset_dimensions()
    return (tuple(_value(cell) for cell in row) for row in grid.iter_rows())


def _value(cell: Any) -> Any:
    # Excel keeps a date as a number, which openpyxl reads as a time: a cell shown as a day alone (yyyy-mm-dd,
    # d/m/yy) at its midnight is that day, with no time of day, as a CSV's 2024-03-10 is (not posts made at 00:00).
    value = cell.value
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        from openpyxl.styles.numbers import is_datetime

        # Lower case: LibreOffice and pandas write YYYY-MM-DD, which openpyxl takes for a time (format codes know no case).
        return value.date() if is_datetime(cell.number_format.lower()) == "date" else value
    return value


# Sheets after the one read are looked at only this far for the note: a sheet of styled empty
# cells would otherwise be read whole (300,000 rows took 20 s).
_LOOKED_AT_ROWS = 1000


def _sheets_with_rows(book: Any, grids: list[str]) -> tuple[list[str], list[str]]:
    """The first sheet that holds a cell with something in it (a blank cover sheet is not the one
    to read), then the other sheets that do, and those blank as far as they were looked at.

    A sheet before the first with rows is read to its end; one after it, to its first such row
    or :data:`_LOOKED_AT_ROWS` rows. One that cannot be read counts as having rows, so reading
    it says what is wrong.
    """
    found: list[str] = []
    unsure: list[str] = []
    for title in grids:
        limit = _LOOKED_AT_ROWS if found else None
        blank, has = 0, False
        try:
            for cells in itertools.islice(_rows(book[title]), limit):
                has = not _blank(cells)
                if has:
                    break
                blank += 1
        except Exception:  # noqa: BLE001 - a damaged sheet makes openpyxl raise almost anything
            has = True
        if has:
            found.append(title)
        elif blank == limit:
            unsure.append(title)
    return found, unsure


def _listed(names: list[str], hidden: set[str], most: int = 5) -> str:
    shown = ", ".join(f"'{name}' (hidden)" if name in hidden else f"'{name}'" for name in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _blank(cells: tuple[Any, ...]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _one_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0] or type(exc).__name__


def _plain(value: Any) -> Any:
    """Cell values as JSON can carry them: dates as ISO text (marked, so that no one takes one for a post's
    text), decimals as the same numbers, bytes as text."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return DateText(value.isoformat())
    if isinstance(value, datetime.time):
        return TimeText(value.isoformat())
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return numbers.exact(value)
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return Binary(base64.b64encode(value).decode("ascii"))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


# How far under a first row that names no known field the real header is looked for.
_TITLE_ROWS = 20


def _filled(cells: tuple[Any, ...]) -> list[Any]:
    return [cell for cell in cells if cell is not None and str(cell).strip()]


def _reads_as_header(cells: tuple[Any, ...], title: int) -> bool:
    """Whether a row is a table's header under a title of ``title`` cells: two or more short names, each
    once, one a field smclass knows, and more of them than the title has. A row no wider than the first
    is one of its table's rows: a short post beside its kind (``Love it``, ``Comment``)."""
    filled = _filled(cells)
    if len(filled) < 2 or len(filled) <= title:
        return False
    if not all(isinstance(cell, str) and name_like(cell) for cell in filled):
        return False
    named = [cell.strip() for cell in filled]
    return len(set(named)) == len(named) and any(fold(cell) in KNOWN_FIELDS for cell in named)


def _header(cells: tuple[Any, ...]) -> list[str]:
    names = []
    for number, cell in enumerate(cells, 1):
        name = str(_plain(cell)).strip() if cell is not None else ""
        names.append(name or f"column_{number}")
    return names


def _workbook_rows(path: str, source: str, sheet: str | None) -> Iterator[Record]:
    try:
        import openpyxl
    except ImportError:
        raise InputError(f"reading Excel workbooks needs openpyxl: {_EXTRA}", source=source) from None
    try:
        # A damaged workbook makes openpyxl raise almost anything (zip, XML, key, value errors).
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"not a readable Excel workbook ({_one_line(exc)})", source=source) from None
    try:
        names = list(book.sheetnames)
        sheet = sheet if sheet is None else named_table(sheet, names) or sheet
        if sheet is not None and sheet not in names:
            raise UsageError(f"{source}: no sheet '{sheet}' in the workbook (sheets: {', '.join(names) or 'none'})")
        if not names:
            return
        # A chart sheet holds no rows: the first sheet that has them is read, unless one is named.
        grids = [grid.title for grid in book.worksheets]
        if sheet is not None and sheet not in grids:
            raise UsageError(f"{source}: sheet '{sheet}' is a chart, with no rows (sheets with rows: {', '.join(grids) or 'none'})")
        if not grids:
            return
        # A hidden sheet (an old draft, a lookup table) is one the user does not see: a visible one is read first.
        hidden = {grid.title for grid in book.worksheets if getattr(grid, "sheet_state", "visible") != "visible"}
        order = [title for title in grids if title not in hidden] + [title for title in grids if title in hidden]
        with_rows, unsure = ([], []) if sheet is not None else _sheets_with_rows(book, order)
        name = sheet or (with_rows[0] if with_rows else order[0])
        shape = f"Excel sheet '{name}'"
        if name in hidden:
            shape += " (hidden)" if sheet is not None else " (hidden: no visible sheet has rows)"
        if len(with_rows) > 1:
            # Read as documented (the first), but never the others dropped unsaid.
            first = "the first visible" if name not in hidden and hidden & set(with_rows) else "the first"
            listed = _listed(with_rows[1:], hidden)
            shape += f", {first} of {len(with_rows)} sheets with rows (not read: {listed}; --table NAME reads another)"
        if unsure:
            shape += f" (not read: {_listed(unsure, hidden)}, blank in the {_LOOKED_AT_ROWS:,} rows looked at)"
        rows = _rows(book[name])
        header: list[str] | None = None
        # The rows under a first row that names no field smclass knows (a report's title), held
        # until none of them reads as the real header: it would be a post, the title the header.
        doubted: list[Record] | None = None
        title = 0
        index = 0
        line = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                yield from doubted or ()
                return
            except Exception as exc:  # noqa: BLE001
                yield from doubted or ()
                raise InputError(f"could not be read to the end ({_one_line(exc)})", source=source, line=line + 1) from None
            line += 1
            if _blank(cells):
                continue
            if header is None:
                header = _header(cells)
                repeated = repeated_name(header)
                if repeated is not None:
                    raise InputError(repeated, source=source, line=line)
                doubted = None if any(fold(name) in KNOWN_FIELDS for name in header) else []
                title = len(_filled(cells))
                continue
            if doubted is not None and _reads_as_header(cells, title):
                raise InputError(
                    f"this row reads as a header ({', '.join(str(c).strip() for c in cells if c is not None)}) under "
                    f"{'a row' if not doubted else f'{len(doubted) + 1} rows'} of something else (a report's title?), which would be read "
                    "as the header and this row as a post: delete the rows above it in the sheet",
                    source=source,
                    line=line,
                )
            if index == 0:
                named = ["" if cell is None else str(cell) for cell in cells]
                folded = [fold(cell) for cell in named]
                second = second_header(folded, KNOWN_FIELDS, frozenset(fold(name) for name in header), header, named)
                if second is not None:
                    raise InputError(second, source=source, line=line)
            index += 1
            cells = tuple(SheetError(c) if isinstance(c, str) and c in _ERROR_CODES else c for c in cells)
            raw = json.dumps([_plain(c) for c in cells], ensure_ascii=False, default=str)
            # A cell past the header's last name (a note in column D) is in a column with no name,
            # named by its number as a blank header cell is: the sheet read whole, as it declares none.
            width = next((i for i in range(len(cells), len(header), -1) if cells[i - 1] is not None), len(header))
            header.extend(f"column_{number}" for number in range(len(header) + 1, width + 1))
            # A row shorter than the header has its missing cells as empty ones: every record has every column.
            data = {column: _plain(cell) for column, cell in itertools.zip_longest(header, cells[: len(header)])}
            record = Record(data, source, line, index, raw, fmt="xlsx", shape=shape)
            if doubted is None:
                yield record
                continue
            doubted.append(record)
            if len(doubted) >= _TITLE_ROWS:
                yield from doubted
                doubted = None
    finally:
        book.close()


def _parquet_rows(path: str, source: str) -> Iterator[Record]:
    """Row group by row group: pyarrow's ``iter_batches`` over the whole file holds on to what it read (100,000
    rows of 1.2 KB in groups of 1,000 peaked at 225 MB, against 114 MB a group at a time), and damage in one
    group then says at which row it starts, the rows of the groups before it all read."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"reading Parquet needs pyarrow: {_EXTRA}", source=source) from None
    try:
        # Damaged Parquet makes pyarrow raise its own errors, OSError or ValueError by version.
        parquet = pq.ParquetFile(path)
        names = [str(name) for name in parquet.schema_arrow.names]
        sizes = [parquet.metadata.row_group(group).num_rows for group in range(parquet.metadata.num_row_groups)]
        ranged = _range_index(parquet.schema_arrow, names)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"not a readable Parquet file ({_one_line(exc)})", source=source) from None
    with parquet:
        repeated = repeated_name(names, "the file's schema")
        if repeated is not None:
            raise InputError(repeated, source=source)
        index = 0
        for group, size in enumerate(sizes):
            first = index + 1
            batches = parquet.iter_batches(batch_size=BATCH_ROWS, row_groups=[group])
            while True:
                try:
                    batch = next(batches, None)
                    rows = _held_rows(batch) if batch is not None else None
                except Exception as exc:  # noqa: BLE001
                    where = f"row group {group + 1} of {len(sizes)} (rows {first} to {first + size - 1})"
                    said = f"could not be read to the end: {where} is damaged ({_one_line(exc)})"
                    raise InputError(said, source=source, line=index + 1) from None
                if rows is None:
                    break
                for row in rows:
                    index += 1
                    if isinstance(row, int):
                        said = f"the row is {row:,} bytes, over the {ROW_LIMIT >> 20} MiB one record may take"
                        yield Record({}, source, index, index, None, InputError(said, source=source, line=index), fmt="parquet")
                        continue
                    data = {str(k): _plain(v) for k, v in row.items()}
                    if ranged is not None:
                        data[ranged[0]] = ranged[1] + ranged[2] * (index - 1)
                    # Its row number stands in for a line, so errors say which row.
                    yield Record(data, source, index, index, None, fmt="parquet")


def _range_index(schema: Any, names: list[str]) -> tuple[str, int, int] | None:
    """A named pandas index of consecutive numbers (``df.set_index("id")`` over ids 101, 102, ...): its name, start and step.

    pandas keeps such an index in the file's metadata alone, not as a column, where any other
    index is a column of its name: the ids were left out, and the rows' positions stood in for them.
    """
    try:
        pandas = schema.pandas_metadata
    except ValueError:  # metadata that is no JSON: what the columns hold is still read
        return None
    columns = pandas.get("index_columns") if isinstance(pandas, dict) else None
    for column in columns if isinstance(columns, list) else []:
        if isinstance(column, dict) and column.get("kind") == "range" and isinstance(column.get("name"), str):
            start, step = column.get("start"), column.get("step")
            if isinstance(start, int) and isinstance(step, int) and column["name"] not in names:
                return column["name"], start, step
    return None


def _held_rows(batch: Any) -> list[dict[str, Any] | int]:
    """A batch's rows as :func:`_batch_rows` gives them, but a row over :data:`ROW_LIMIT` bytes as its size."""
    if batch.nbytes <= ROW_LIMIT:
        return [*_batch_rows(batch)]
    sizes = [0] * batch.num_rows
    for column in batch.columns:
        # A slice of a dictionary column counts the whole dictionary: its row's size is that of the value it points at.
        if hasattr(column, "indices"):
            values = [column.dictionary.slice(i, 1).nbytes for i in range(len(column.dictionary))]
            cells = [0 if i is None else values[i] for i in column.indices.to_pylist()]
        else:
            cells = [column.slice(i, 1).nbytes for i in range(batch.num_rows)]
        sizes = [size + cell for size, cell in zip(sizes, cells, strict=True)]
    return [size if size > ROW_LIMIT else _batch_rows(batch.slice(i, 1))[0] for i, size in enumerate(sizes)]


def _batch_rows(batch: Any) -> list[dict[str, Any]]:
    """A Parquet batch's rows as Python values; a row with a time Python cannot hold (past year 9999) gets its
    times as Arrow writes them, the rest of the batch as usual.

    One such cell stopped the file, and with it the good rows of its batch.
    """
    try:
        rows: list[dict[str, Any]] = batch.to_pylist()
        return rows
    except (ValueError, OverflowError):
        return [_row(batch.slice(i, 1)) for i in range(batch.num_rows)]


def _row(one: Any) -> dict[str, Any]:
    try:
        row: dict[str, Any] = one.to_pylist()[0]
        return row
    except (ValueError, OverflowError):
        import pyarrow as pa

        columns = [column.cast(pa.string()) if pa.types.is_temporal(column.type) else column for column in one.columns]
        text: dict[str, Any] = pa.RecordBatch.from_arrays(columns, names=one.schema.names).to_pylist()[0]
        return text
