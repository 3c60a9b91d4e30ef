"""The mark classify's CSV puts before a cell a spreadsheet would run as a formula, both ways.

Written (OWASP's CSV injection advice): a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return, and is not a number, gets a ``'`` in front. Read back from a CSV of
smclass's own results, the mark is taken off again: left on, ``'@SkyAir where is my refund``
is no longer a reply, and one label in ten changed on the way round.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARK = "'"


# A number as a spreadsheet reads one: float() also takes inf, nan and 1_000, which a spreadsheet
# reads as a formula (-inf: #NAME?).
_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def is_number(text: str) -> bool:
    """Whether a cell's text is a plain decimal number (``-12``, ``+3.5``, ``1e5``)."""
    return _NUMBER.fullmatch(text) is not None


def _marked(text: str) -> bool:
    # A text that already starts with the mark before a formula (``'@bob' said no``) is marked
    # again, so that taking one mark off always gives the text back.
    while text.startswith(MARK):
        text = text[1:]
    return text.startswith(FORMULA_START) and not is_number(text)


def guarded(text: str) -> str:
    """``text`` as a spreadsheet will show it, not run it."""
    return MARK + text if _marked(text) else text


def unguarded(cell: str) -> str:
    """A cell of smclass's CSV results as it was before :func:`guarded`."""
    return cell[1:] if cell.startswith(MARK) and _marked(cell[1:]) else cell


def results_columns(names: list[str]) -> bool:
    """Whether a CSV header is classify's results with the records kept (``--keep-fields``): a
    ``label``, a ``confidence`` and ``record.`` columns. Only those hold posts' words to take
    the mark off; a sheet someone made with a confidence column of their own is read as written."""
    folded = [name.casefold() for name in names]
    return {"label", "confidence"} <= set(folded) and any(name.startswith("record.") for name in folded)
