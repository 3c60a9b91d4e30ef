"""``--format table``: results as rows for people, written batch by batch.

Every batch is a table of its own with the same fixed column widths and no border, so the
batches line up as one table while memory holds one batch, whatever the input's size.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from smclass.run.output import displayable, shown_id

# Wide enough for most ids and for a label or the reason there is none; longer ones fold inside their cell.
_ID, _SOURCE, _LABEL, _NUMBER, _RECORD = 24, 30, 24, 10, 60
# Control characters other than the newline (which folds inside a cell) would move the
# cursor, colour the terminal or break the columns: they are shown as escapes. So are the
# bidi embeddings, overrides and isolates: an id of U+202E shows the rest of its row, label
# and confidence with it, backwards in a terminal that lays out right-to-left text.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# A cell is cut past this many characters, saying how long it was: folding a multi-megabyte
# id into its column took rich time that grows with the square of its length.
_LONGEST = 1000


def _cell(value: str) -> Text:
    """A cell as the text it holds: no rich markup (an id "[bold]" is shown, not obeyed), no control codes."""
    if len(value) > _LONGEST:
        value = f"{value[:_LONGEST]}… ({len(value):,} characters)"
    return Text(_CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), displayable(value)))


class TableWriter:
    def __init__(self, handle: IO[str], proba_labels: list[str] | None, *, terminal: bool) -> None:
        self._handle = handle
        self._proba = proba_labels or []
        self._terminal = terminal
        self._show_record: bool | None = None  # decided by the first row: --keep-fields gives every row one
        self._show_source = False  # several inputs give every row its source: ids alone may repeat across them
        self._header_done = False

    def _table(self) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_header=not self._header_done, show_edge=False, pad_edge=False)
        table.add_column("id", width=_ID, overflow="fold")
        if self._show_source:
            table.add_column("source", width=_SOURCE, overflow="fold")
        table.add_column("label", width=_LABEL, overflow="fold")
        table.add_column("confidence", width=_NUMBER, justify="right")
        for label in self._proba:
            table.add_column(label, width=max(_NUMBER, len(label)), justify="right")
        if self._show_record:
            table.add_column("record", width=_RECORD, overflow="ellipsis", no_wrap=True)
        return table

    def _print(self, table: Table) -> None:
        width = _ID + _LABEL + _NUMBER + sum(max(_NUMBER, len(label)) for label in self._proba) + 3 * (3 + len(self._proba))
        width += _RECORD + 3 if self._show_record else 0
        width += _SOURCE + 3 if self._show_source else 0
        Console(file=self._handle, width=width, soft_wrap=False, force_terminal=self._terminal, highlight=False).print(table)
        self._header_done = True

    def write(self, batch: list[dict[str, Any]]) -> None:
        if not batch:
            return
        if self._show_record is None:
            self._show_record = "record" in batch[0]
            self._show_source = "source" in batch[0]
        table = self._table()
        for r in batch:
            # Four places, as the JSON lines give them: two had shown 0.8964 as 0.90, beside a label
            # that --threshold 0.9 had withheld from it, and 0.996 as a certain 1.00.
            confidence = "" if r.get("confidence") is None else f"{r['confidence']:.4f}"
            row = [
                shown_id(r),
                *([str(r.get("source", ""))] if self._show_source else []),
                r["label"] or f"- ({r.get('reason', '')})",
                confidence,
            ]
            probs = r.get("probabilities") or {}
            row += [f"{probs[label]:.4f}" if label in probs else "" for label in self._proba]
            if self._show_record:
                row.append(json.dumps(r.get("record"), ensure_ascii=False, default=str))
            table.add_row(*[_cell(cell) for cell in row])
        self._print(table)

    def close(self) -> None:
        """An input with no records still gets the header, so the reader sees the run ended."""
        if not self._header_done:
            self._show_record = False
            self._print(self._table())
