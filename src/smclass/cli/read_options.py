"""The options that say how to read an input, shared by every command that reads posts."""

from __future__ import annotations

from typing import Annotated

import typer

from smclass.cli.app import InputFormat
from smclass.reading.decoders import checked_encoding
from smclass.reading.plan import ReadOptions, checked_delimiter, checked_field

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
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Text encoding of inputs that are not UTF-8, e.g. cp1252 for a CSV saved by Excel on Windows, latin-1, utf-16le. "
        "Default: UTF-8 (UTF-16 with a byte-order mark is read as such). Never guessed.",
        show_default=False,
    ),
]
QueryOption = Annotated[str | None, typer.Option("--query", help="SQLite input: a SELECT whose rows are the posts.", show_default=False)]


def delimiter_value(value: str | None, input_format: InputFormat | None) -> str | None:
    """``--delimiter`` as one character ('tab' for a tab), checked against ``--input-format``."""
    return checked_delimiter(value, input_format.value if input_format else None)


def read_options(
    text_field: str | None,
    id_field: str | None,
    input_format: InputFormat | None,
    delimiter: str | None = None,
    table: str | None = None,
    query: str | None = None,
    encoding: str | None = None,
) -> ReadOptions:
    """How a command that reads posts was asked to read them."""
    return ReadOptions(
        text_field=checked_field(text_field, "--text-field"),
        id_field=checked_field(id_field, "--id-field"),
        input_format=input_format.value if input_format else None,
        delimiter=delimiter_value(delimiter, input_format),
        table=table,
        query=query,
        encoding=checked_encoding(encoding),
    )
