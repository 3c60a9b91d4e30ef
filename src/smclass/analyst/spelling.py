"""Fields a report looks for (a time, an account, --by) found in each record as that record spells them.

A file may spell one field several ways (``Author`` in one record, ``author`` or ``AUTHOR`` in
the next), and so may several files read together: resolving a name once, against the first
records, lost the time and account of every record spelled otherwise. Names are matched as
:func:`smclass.reading.fields.fold` matches them (case, spaces, underscores, hyphens); a key
spelled exactly as the name wins over one that only folds to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from smclass.reading.fields import MISSING, fold, get_path

# Matched as --by is, without regard to case, spaces or underscores (a Brandwatch "Date", a "User Name").
TIME_FIELDS = (
    *("created_at", "timestamp", "date", "created_utc", "createdAt", "record.createdAt"),
    *("published", "time", "ts", "datetime", "indexedAt", "create_time"),
)
# Where a time is looked for, in order: a Telegram message's date is the exporting computer's local time, naming no
# zone, so its date_unixtime, the moment itself, comes first. Notes name TIME_FIELDS, the names most exports use.
TIMES_READ = ("date_unixtime", *TIME_FIELDS)
ACCOUNT_FIELDS = (
    *("author", "author.handle", "user.screen_name", "user", "username", "screen_name"),
    # A WhatsApp chat names who wrote each message as its sender: without it a group chat named no account.
    *("author_id", "account.acct", "from", "handle", "owner", "sender"),
)

# Records of one export share their keys: each set of keys is resolved once. Bounded, for files of ever-new keys.
_KNOWN_SHAPES = 4096


class Spelled:
    """Names looked for in order, each found in a record as the record spells it."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(dict.fromkeys(names))
        self._shapes: dict[tuple[Any, ...], list[str]] = {}

    def values(self, data: Mapping[str, Any]) -> Iterable[Any]:
        """The values the record holds for the names, in the names' order (a name it lacks gives none)."""
        for path in self._paths(data):
            value = get_path(data, path)
            if value is MISSING and "." in path:
                # The first step is spelled as this record's keys are; a deeper one may be spelled otherwise.
                value = _folded(data, path.split("."))
            if value is not MISSING:
                yield value

    def first(self, data: Mapping[str, Any], usable: Any) -> Any:
        """The first value of the names that ``usable`` accepts, or None."""
        return next((value for value in self.values(data) if usable(value)), None)

    def _paths(self, data: Mapping[str, Any]) -> list[str]:
        shape = tuple(data)
        paths = self._shapes.get(shape)
        if paths is None:
            if len(self._shapes) >= _KNOWN_SHAPES:
                self._shapes.clear()
            paths = self._shapes[shape] = _spelled(self.names, shape)
        return paths


def _spelled(names: tuple[str, ...], keys: tuple[Any, ...]) -> list[str]:
    folded: dict[str, str] = {}
    for key in keys:
        if isinstance(key, str):
            folded.setdefault(fold(key), key)
    paths = []
    for name in names:
        if name in keys:
            paths.append(name)  # a key holding dots wins over the path, as get_path reads it
        elif fold(name) in folded:
            paths.append(folded[fold(name)])
        elif "." in name:
            top, rest = name.split(".", 1)
            key = top if top in keys else folded.get(fold(top))
            if key is not None:
                paths.append(f"{key}.{rest}")
    return list(dict.fromkeys(paths))


def _folded(data: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(data, Mapping):
            if part in data:
                data = data[part]
                continue
            key = next((k for k in data if isinstance(k, str) and fold(k) == fold(part)), None)
            if key is None:
                return MISSING
            data = data[key]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return MISSING
    return data
