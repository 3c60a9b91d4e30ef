"""The moment of a WhatsApp message, from the date and time its chat writes in the phone's locale.

``03/04/23, 10:15`` is the 3rd of April or the 4th of March: only the chat as a whole tells. A
chat in which some first number is over 12 writes the day first, one in which some second number
is over 12 the month first; one in which neither ever happens, or both do, is not read (a guess
would chart a month's posts in another month). Each layout of the date (separator, where the year
is and how long, 12- or 24-hour clock, seconds or none) is told apart on its own, since one file
may hold the dates of two locales (a phone's changed mid-chat, two exports joined). A chat runs in time order:
a layout whose dates, read as the numbers say, go back more than a day is not read either. Nor is
one whose two-digit first number could be the year (``23-04-13``, as French Canada and some older
Android locales write the date): a chat is read day or month first only when, read year first, its
dates would not run in time order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

_STAMP = re.compile(
    r"(?P<d1>\d{1,4})(?P<sep>[./-])(?P<d2>\d{1,2})[./-](?P<d3>\d{1,4})(?:,?[ \u00a0]|[ \u00a0]klo[ \u00a0])"
    r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?(?:[ \u00a0\u202f]?(?P<half>[AaPp])\.?[ \u00a0\u202f]?[Mm]\.?)?"
)
# WhatsApp came out in 2009: a date before it is no message's, and a two-digit year is of this century.
_FIRST_YEAR = 2009
# A chat runs in time order; a phone's clock set back, or a flight across time zones, moves it back by hours, not days.
_BACK = timedelta(days=1)
_ORDERS = ("dmy", "mdy", "ymd")

# Said of such a stamp wherever it stays unread: a sheet's 3/10/2024 12:00 is one too, and read nowhere but in a chat.
WHY = (
    "a date in a locale's order, which smclass reads only in a WhatsApp chat whose dates show which number is the day, "
    "the month and the year (a day over 12; dates that run in time order only when read that way)"
)


def is_stamp(value: object) -> bool:
    """Whether a value is a WhatsApp chat's date and time as the chat wrote it (``03/04/23, 10:15``)."""
    return isinstance(value, str) and _STAMP.fullmatch(value.strip()) is not None


def _parts(stamp: str) -> tuple[tuple[object, ...], re.Match[str]] | None:
    match = _STAMP.fullmatch(stamp)
    if match is None:
        return None
    year_first = len(match["d1"]) == 4
    layout = (
        match["sep"],
        year_first,
        len(match["d3"] if not year_first else match["d1"]),
        match["half"] is not None,
        match["s"] is not None,
    )
    return layout, match


def _day(match: re.Match[str], order: str) -> date | None:
    d1, d2, d3 = int(match["d1"]), int(match["d2"]), int(match["d3"])
    if len(match["d1"]) == 4:
        year, month, day = d1, d2, d3  # 2023-04-03: year, month, day, as every locale that puts the year first writes it
    elif len(match["d3"]) == 3:
        return None
    elif order == "ymd":
        if len(match["d1"]) != 2 or len(match["d3"]) != 2:
            return None
        year, month, day = d1 + 2000, d2, d3
    else:
        year = d3 + 2000 if len(match["d3"]) == 2 else d3
        day, month = (d1, d2) if order == "dmy" else (d2, d1)
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if found.year >= _FIRST_YEAR and found <= date.today() + _BACK else None


def _moment(match: re.Match[str], day: date | None) -> datetime | None:
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"] in "Pp" else 0)
    if day is None or hour > 23 or minute > 59 or second > 59:
        return None
    return datetime(day.year, day.month, day.day, hour, minute, second)


@dataclass
class _Layout:
    first_over_12: bool = False
    second_over_12: bool = False
    # For each way of reading the date: the latest day read so far, and whether one went back before it or was no date.
    latest: dict[str, date] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    last: tuple[str, str, str] | None = None

    def add(self, match: re.Match[str]) -> None:
        # A chat holds many messages a day, and a date read again changes nothing here: read three ways for every
        # message, the dates had made classifying a chat half as slow again (35 MB: 13.2 s where it had taken 8.8).
        if (numbers := (match["d1"], match["d2"], match["d3"])) == self.last:
            return
        self.last = numbers
        if len(match["d1"]) != 4:
            self.first_over_12 = self.first_over_12 or int(match["d1"]) > 12
            self.second_over_12 = self.second_over_12 or int(match["d2"]) > 12
        for order in _ORDERS:
            day = _day(match, order)
            if day is None or (order in self.latest and day < self.latest[order] - _BACK):
                self.broken.add(order)
            elif order not in self.latest or day > self.latest[order]:
                self.latest[order] = day

    def order(self, year_first: bool) -> str | None:
        if year_first:
            return None if "dmy" in self.broken else "dmy"  # year, month, day whatever the order: a month over 12 breaks it
        if self.first_over_12 == self.second_over_12:
            return None  # neither number is ever over 12 (truly ambiguous), or both are (no one order)
        order = "dmy" if self.first_over_12 else "mdy"
        # 23-04-13 is the 23rd of April 2013 or the 13th of April 2023: only dates that, read year first, go back in time tell.
        return None if order in self.broken or "ymd" not in self.broken else order


class ChatDates:
    """The orders of a chat's date layouts, learnt from all its stamps (:meth:`add`), then each stamp's moment (:meth:`iso`)."""

    def __init__(self) -> None:
        self._layouts: dict[tuple[object, ...], _Layout] = {}
        # The day of the stamp read last, by its layout, order and numbers: the next message is most often of the same day.
        self._last: tuple[tuple[object, ...], date | None] = ((), None)

    def add(self, stamp: str) -> None:
        parts = _parts(stamp)
        if parts is not None:
            self._layouts.setdefault(parts[0], _Layout()).add(parts[1])

    def iso(self, stamp: str) -> str | None:
        """The stamp as ISO 8601 local time with no zone (the phone's), or None when its chat does not say how to read it."""
        parts = _parts(stamp)
        if parts is None or (layout := self._layouts.get(parts[0])) is None:
            return None
        order = layout.order(bool(parts[0][1]))
        if order is None:
            return None
        match = parts[1]
        if (key := (parts[0], order, match["d1"], match["d2"], match["d3"])) != self._last[0]:
            self._last = (key, _day(match, order))
        moment = _moment(match, self._last[1])
        return None if moment is None else moment.isoformat()
