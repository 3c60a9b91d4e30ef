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


def name_like(cell: str) -> bool:
    """Whether a cell reads as a column's name: short, a few words at most."""
    return len(cell) <= 40 and len(cell.split()) <= 3


def shifted_header(
    cells: list[str], known: frozenset[str], names: list[str], row: list[str], folded: list[str] | None = None
) -> str | None:
    """Why a row of folded ``cells`` is a header of other columns than ``names`` (``known``; ``folded``, in order), or None.

    So when it names two columns or more, each once, and only the header's: the same ones in
    another order, or fewer (two exports joined with cat, one of other columns); or when two of
    its cells or more name the header's own column where they stand and the others read as
    names (a later export that renamed a column, ``author`` to ``user``: that row had been
    labelled as a post, "text"). A row with a cell that is no name, or with one name alone (a
    post whose id is ``text``), is a row.
    """
    named = [cell for cell in cells if cell]
    if len(named) < min(2, len(known)) or len(set(named)) < len(named):
        return None
    in_place = sum(1 for cell, name in zip(cells, folded or [], strict=False) if cell and cell == name)
    if not known.issuperset(named) and (in_place < 2 or not all(name_like(cell) for cell in row if cell.strip())):
        return None
    return (
        f"the header changes here to {_listed(row)} from {_listed(names)} (files of other columns joined one after another?), "
        "and the rows under it would be read from the wrong columns"
    )


def second_header(folded: list[str], fields: frozenset[str], known: frozenset[str], names: list[str], row: list[str]) -> str | None:
    """Why the first row under a header, its cells ``folded``, is a second row of column names, or None.

    So when every cell filled in it is the name of a text or id field (``fields``), two at least,
    and one is no name of the header's (``known``, folded; a repeat of them is told apart elsewhere):
    pandas writes a frame whose columns have two levels (a MultiIndex) so, and the row had been
    labelled as a post ("text") over posts without their ids.
    """
    named = [cell for cell in folded if cell]
    if len(named) < 2 or not fields.issuperset(named) or known.issuperset(named):
        return None
    return (
        f"this row names columns too ({_listed(row)}) under the header ({_listed(names)}): two rows of column names, as pandas "
        "writes a frame whose columns have two levels (a MultiIndex), and the posts would be read under the first row's: keep one "
        "row of names (in pandas, df.columns = df.columns.get_level_values(-1) before writing it)"
    )


def _listed(names: list[str]) -> str:
    shown = (name.strip().lstrip("\ufeff") for name in names)
    return ", ".join(name if name.isprintable() else name.encode("unicode_escape").decode() for name in shown)


def named_table(given: str, names: list[str]) -> str | None:
    """The table or sheet ``--table`` names: spelled as given, else the one name equal to it but for
    case, as SQLite and Excel themselves match names (``--table POSTS`` for ``posts``)."""
    if given in names:
        return given
    alike = [name for name in names if name.casefold() == given.casefold()]
    return alike[0] if len(alike) == 1 else None
