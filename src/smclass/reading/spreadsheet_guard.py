"""The mark classify's CSV puts before a cell a spreadsheet would run as a formula, both ways.

Written (OWASP's CSV injection advice): a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return, and is not a number, gets a ``'`` in front. Read back from a CSV of
smclass's own results, the mark is taken off again: left on, ``'@SkyAir where is my refund``
is no longer a reply, and one label in ten changed on the way round.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARK = "'"


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def guarded(text: str) -> str:
    """``text`` as a spreadsheet will show it, not run it."""
    return MARK + text if text.startswith(FORMULA_START) and not _number(text) else text


def unguarded(cell: str) -> str:
    """A cell of smclass's CSV results as it was before :func:`guarded`."""
    rest = cell[1:]
    return rest if cell.startswith(MARK) and guarded(rest) != rest else cell


def results_columns(names: list[str]) -> bool:
    """Whether a CSV header is classify's: a ``label`` and a ``confidence`` column."""
    return {"label", "confidence"} <= {name.casefold() for name in names}
