"""SQLite databases: the rows of one table, or of a query, as records.

Detected by the ``SQLite format 3`` magic. A database with one table needs nothing more;
with several, ``--table NAME`` picks one and ``--query SQL`` gives any SELECT (nothing else). The database
is opened read-only. Input that is not a plain file (stdin, a zip member, gzip) is copied
to a temporary file first, since SQLite reads files, not streams.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from smclass.errors import InputError, UsageError
from smclass.reading import spool
from smclass.reading.headers import named_table, repeated_name
from smclass.reading.lines import RECORD_LIMIT
from smclass.reading.records import Binary, Record
from smclass.reading.utf8 import bad_utf8

MAGIC = b"SQLite format 3\x00"
# The longest string or BLOB a row may hold, as SQLite's own limit: SQLite reads a value of up to 1 GB whole, and
# a cell of 200 MB had taken 911 MB and been labelled. Past it, SQLite refuses the row ("string or blob too big").
VALUE_LIMIT = RECORD_LIMIT
# SQLite's own message can hold bytes of a damaged file, which Python fails to decode.
_DB_ERRORS = (sqlite3.Error, sqlite3.Warning, UnicodeDecodeError)


def is_database(head: bytes) -> bool:
    return head.startswith(MAGIC)


def read_stream(
    stream: IO[bytes],
    original: IO[bytes] | None,
    source: str,
    table: str | None = None,
    query: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> Iterator[Record]:
    """The records of a database read from ``stream`` (``original`` is the handle as opened, to find its file)."""
    with spool.local_file(stream, original, ".sqlite") as path:
        if notify is not None and path != spool.file_path(original) and _in_wal_mode(path):
            # A copy (stdin, a zip member, gzip) has no -wal beside it: the rows written since the last checkpoint
            # live there alone, and had been left out with nothing said (1,000 rows of 1,001).
            notify(
                f"warning: {source}: a SQLite database in WAL mode read from a copy, without its -wal file: rows written "
                "since its last checkpoint are not in it; give the database file itself, or checkpoint it first "
                "(sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)')"
            )
        yield from read_database(path, source, table, query)


def _in_wal_mode(path: str) -> bool:
    """Whether the database's header says WAL mode: file format versions 2 for writing and reading (bytes 18 and 19)."""
    with open(path, "rb") as handle:
        return handle.read(20)[18:20] == b"\x02\x02"


def _one_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _unreadable(exc: BaseException, source: str) -> InputError:
    """The error of a database that could not be read: a locked one is sound, only busy (it had been called unreadable)."""
    said = _one_line(exc)
    if isinstance(exc, sqlite3.OperationalError) and said in ("database is locked", "database table is locked"):
        return InputError(
            f"the SQLite database is locked by a program writing to it ({said}): read it when that program is done, "
            "or read a copy made with sqlite3 FILE '.backup copy.db'",
            source=source,
        )
    return InputError(f"not a readable SQLite database ({said})", source=source)


class _NotUtf8(bytes):
    """A TEXT value that is not UTF-8: its row gets an error naming the column, as in any other input."""


def _text(data: bytes) -> str | bytes:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _NotUtf8(data)


def _row_error(columns: list[str], row: tuple[Any, ...], source: str, number: int) -> InputError | None:
    for column, value in zip(columns, row, strict=True):
        if isinstance(value, _NotUtf8):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError as exc:
                return InputError(bad_utf8(value, exc.start), source=source, line=number, field=column)
    return None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(connection: sqlite3.Connection, source: str) -> list[str]:
    try:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [str(row[0]) for row in rows]
    except _DB_ERRORS as exc:
        raise _unreadable(exc, source) from None


def _statement(connection: sqlite3.Connection, source: str, table: str | None, query: str | None) -> tuple[str, str]:
    """The SQL to run and the name of what it reads, for the note on stderr."""
    if table is not None and query is not None:
        raise UsageError("give --table or --query, not both")
    if query is not None:
        return query, "SQLite query"
    tables = _tables(connection, source)
    if table is None:
        if len(tables) == 1:
            table = tables[0]
        elif not tables:
            raise InputError("SQLite database with no tables", source=source)
        else:
            names = ", ".join(tables)
            raise UsageError(f"{source}: the database has {len(tables)} tables ({names}): name one with --table, or give --query")
    elif named_table(table, tables) is None:
        raise UsageError(f"{source}: no table '{table}' in the database (tables: {', '.join(tables) or 'none'})")
    else:
        table = named_table(table, tables) or table
    return f"SELECT * FROM {_quote(table)}", f"SQLite table '{table}'"


def _value(value: Any) -> Any:
    # A BLOB is bytes, which JSON cannot carry: UTF-8 text is kept as text, anything else as hex.
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return Binary(value.hex())
    return value


# --query reads the input database: a statement that opens another file (ATTACH, DETACH, or VACUUM INTO,
# which attaches its target) had made an empty database at any path the query named, read-only or not.
_OTHER_FILES = frozenset({sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH})
_SELECT_ONLY = "--query takes a SELECT (or WITH ... SELECT, or VALUES)"


def _refusing_other_files(denied: list[int]) -> Any:
    def authorize(action: int, *_: Any) -> int:
        if action in _OTHER_FILES:
            denied.append(action)
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    return authorize


def _too_big(exc: Exception, done: int, query: str | None) -> str | None:
    if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_TOOBIG:
        return None
    # Python's cursor reads the row after the one it gives: which row failed, this one or the next, it does not say.
    where = f"row {done + 1:,} or the one after it" if done >= 0 else "its first row"
    said = f"{where} holds a value over {VALUE_LIMIT:,} bytes, more than one record may take"
    # Most often an attachment's BLOB beside a short text: a query of the columns wanted reads every row.
    if query is None:
        said += "; if it is in a column other than the text, --query 'SELECT id, text FROM ...' reads the rest"
    return said


def read_database(path: str, source: str, table: str | None = None, query: str | None = None) -> Iterator[Record]:
    """Each row of the table or query as a record, in the order SQLite gives them."""
    try:
        connection = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except _DB_ERRORS as exc:
        raise InputError(f"cannot open the SQLite database ({_one_line(exc)})", source=source) from None
    connection.text_factory = _text
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LIMIT)
    try:
        try:
            connection.execute("PRAGMA query_only = ON")
        except _DB_ERRORS as exc:
            raise _unreadable(exc, source) from None
        sql, name = _statement(connection, source, table, query)
        denied: list[int] = []
        connection.set_authorizer(_refusing_other_files(denied))
        try:
            cursor = connection.execute(sql)
            columns = [str(d[0]) for d in cursor.description or []]
        except _DB_ERRORS as exc:
            if (said := _too_big(exc, -1, query)) is not None:
                raise InputError(f"could not be read ({said})", source=source, line=1) from None
            if denied:
                said = "which reads this database alone: this statement would open another database file (ATTACH, DETACH, VACUUM INTO)"
                raise UsageError(f"{source}: {_SELECT_ONLY}, {said}") from None
            if query is not None and isinstance(exc, (sqlite3.OperationalError, sqlite3.ProgrammingError, sqlite3.Warning)):
                raise UsageError(f"{source}: --query failed: {_one_line(exc)}") from None
            raise _unreadable(exc, source) from None
        if cursor.description is None:
            # PRAGMA, an empty query: no rows to read, which "holds no records" would have passed off as an empty result.
            raise UsageError(f"{source}: {_SELECT_ONLY}: this statement is no query, it gives no result columns")
        # A join's SELECT * repeats names (id, text): a record would keep only the last column.
        repeated = repeated_name(columns, "the query", " with AS")
        if repeated is not None:
            raise UsageError(f"{source}: {repeated}")
        index = 0
        while True:
            # A row at a time, so that the rows before one that cannot be read all come out (a fetch of many loses them).
            try:
                rows = [row] if (row := cursor.fetchone()) is not None else []
            except _DB_ERRORS as exc:
                raise InputError(
                    f"could not be read to the end ({_too_big(exc, index, query) or _one_line(exc)})", source=source, line=index + 1
                ) from None
            if not rows:
                return
            for row in rows:
                index += 1
                # A row has no line: its number in the result stands in for one, so errors say which row.
                error = _row_error(columns, row, source, index)
                data = {column: _value(value) for column, value in zip(columns, row, strict=True)}
                # The row as JSON is what a rejects file keeps of it, a bad row as much as a good one.
                raw = json.dumps(data, ensure_ascii=False, default=str)
                if error is not None:
                    yield Record({}, source, index, index, raw, error, fmt="sqlite", shape=name)
                    continue
                yield Record(data, source, index, index, raw, fmt="sqlite", shape=name)
    finally:
        connection.close()
