"""The options that say how to read an input, shared by every command that reads posts."""

from __future__ import annotations

from typing import Annotated

import typer

from smclass.cli.app import InputFormat
from smclass.errors import UsageError
from smclass.reading.plan import ReadOptions

DelimiterOption = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        "-d",
        help="Field delimiter of a delimited input (',' ';' '|' or 'tab'). Default: detected from the first lines.",
        show_default=False,
    ),
]
TableOption = Annotated[
    str | None, typer.Option("--table", help="SQLite input: the table to read (needed when it has several).", show_default=False)
]
QueryOption = Annotated[str | None, typer.Option("--query", help="SQLite input: a SELECT whose rows are the posts.", show_default=False)]


def delimiter_value(value: str | None, input_format: InputFormat | None) -> str | None:
    """``--delimiter`` as one character ('tab' for a tab), checked against ``--input-format``."""
    if value is None:
        return None
    delimiter = "\t" if value.lower() in ("tab", "\\t", "\t") else value
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise UsageError(f"--delimiter takes one character, or 'tab' (got {value!r})")
    if input_format not in (None, InputFormat.csv, InputFormat.tsv):
        raise UsageError(f"--delimiter goes with a delimited input, not --input-format {input_format.value}")
    if input_format == InputFormat.tsv and delimiter != "\t":
        raise UsageError(f"--input-format tsv is tab-delimited: --delimiter {value!r} says otherwise (use csv with it)")
    return delimiter


def field_option(value: str | None, option: str) -> str | None:
    """A field named on the command line. An empty name (``--id-field "$COL"`` with COL unset)
    is refused: taken for no name, it quietly gave detection and record positions."""
    if value is not None and not value.strip():
        raise UsageError(f"{option} is empty: name a field (an unset shell variable?)")
    return value


def read_options(
    text_field: str | None,
    id_field: str | None,
    input_format: InputFormat | None,
    delimiter: str | None = None,
    table: str | None = None,
    query: str | None = None,
) -> ReadOptions:
    """How a command that reads posts was asked to read them."""
    return ReadOptions(
        text_field=field_option(text_field, "--text-field"),
        id_field=field_option(id_field, "--id-field"),
        input_format=input_format.value if input_format else None,
        delimiter=delimiter_value(delimiter, input_format),
        table=table,
        query=query,
    )
