"""The breakdown of a report by account (or ``--by``): posts per group and label, exact, in bounded memory.

A collection may name millions of accounts, most with one post each. Held as a dict, their
counts grew with them (187 MB at 300,000 accounts); past :data:`HELD` groups the counts go
to a temporary SQLite file, added up there, and the largest are asked of it at the end.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter

from smclass.labels import LABELS

# Groups counted in memory before the counts move to disk.
HELD = 50_000
_KEYS = (*LABELS, "none")
_COLUMNS = ", ".join(f"n{i}" for i in range(len(_KEYS)))


class GroupCounts:
    """Posts per group and label (a label of ``_KEYS``), however many groups there are."""

    def __init__(self, held: int | None = None) -> None:
        self._held = HELD if held is None else held
        self._counts: dict[str, list[int]] = {}
        self._disk: sqlite3.Connection | None = None
        self._file: tempfile._TemporaryFileWrapper[bytes] | None = None

    def add(self, group: str, label: str) -> None:
        counts = self._counts.get(group)
        if counts is None:
            if len(self._counts) >= self._held:
                self._spill()
            counts = self._counts[group] = [0] * len(_KEYS)
        counts[_KEYS.index(label)] += 1

    def count(self) -> int:
        """How many groups there are."""
        if self._disk is None:
            return len(self._counts)
        self._spill()
        (found,) = self._disk.execute("SELECT count(*) FROM groups").fetchone()
        return int(found)

    def largest(self, n: int) -> list[tuple[str, Counter[str]]]:
        """The ``n`` groups with the most posts, ties by name, each with its posts per label."""
        rows: list[tuple[str, list[int]]]
        if self._disk is None:
            rows = sorted(self._counts.items(), key=lambda row: (-sum(row[1]), row[0]))[:n]
        else:
            self._spill()
            total = " + ".join(f"n{i}" for i in range(len(_KEYS)))
            found = self._disk.execute(f"SELECT name, {_COLUMNS} FROM groups ORDER BY {total} DESC, name LIMIT ?", (n,))
            rows = [(str(row[0]), [int(c) for c in row[1:]]) for row in found]
        return [(group, Counter({key: c for key, c in zip(_KEYS, counts, strict=True) if c})) for group, counts in rows]

    def _spill(self) -> None:
        if self._disk is None:
            self._file = tempfile.NamedTemporaryFile(prefix="smclass-report-", suffix=".db")  # noqa: SIM115 - closed in close()
            self._disk = sqlite3.connect(self._file.name)
            self._disk.execute(f"CREATE TABLE groups (name TEXT PRIMARY KEY, {', '.join(f'n{i} INTEGER' for i in range(len(_KEYS)))})")
        added = ", ".join(f"n{i} = n{i} + excluded.n{i}" for i in range(len(_KEYS)))
        marks = ", ".join("?" * (len(_KEYS) + 1))
        self._disk.executemany(
            f"INSERT INTO groups (name, {_COLUMNS}) VALUES ({marks}) ON CONFLICT(name) DO UPDATE SET {added}",
            ((group, *counts) for group, counts in self._counts.items()),
        )
        self._disk.commit()
        self._counts.clear()

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()
            self._disk = None
        if self._file is not None:
            self._file.close()
            self._file = None
