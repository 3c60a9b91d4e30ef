"""The column names of a table (a CSV header, a sheet's first row, a query's columns, a Parquet schema)."""

from __future__ import annotations


def repeated_name(names: list[str], what: str = "the header", fix: str = "") -> str | None:
    """Why a header that names a column twice is refused (a record keeps one value per name), or None.

    Blank names are no names: spreadsheets export unnamed columns, and those are let be.
    ``what`` says whose names they are; ``fix`` is added to how to mend it.
    """
    # One pass over the names, not one per name: a header of 40,000 columns took 49 s.
    where: dict[str, list[str]] = {}
    for number, name in enumerate(names, 1):
        where.setdefault(name, []).append(str(number))
    for name, columns in where.items():
        if name and len(columns) > 1:
            times = "twice" if len(columns) == 2 else f"{len(columns)} times"
            listed = ", ".join(columns[:-1]) + f" and {columns[-1]}"
            return f"{what} names {name!r} {times} (columns {listed}): rename {'one' if len(columns) == 2 else 'all but one'}{fix}"
    return None
