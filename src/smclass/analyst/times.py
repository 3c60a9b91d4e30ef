"""The time a post was made, read from the usual export forms: epoch numbers, ISO 8601, Twitter's created_at, RFC 2822."""

from __future__ import annotations

import email.utils
import re
import time
from datetime import UTC, datetime
from typing import Any

from smclass.reading.platforms import whatsapp_dates

# Epoch numbers as seconds, milliseconds or microseconds, told apart by size: each range is
# 1973-03-03 to 2286-11-20, and the gaps between them (and smaller numbers, such as a year
# 2024) are no time a post was made, so they are unread rather than guessed. Every time, in
# whatever form, must fall in the same span, which also keeps it one Python can write out, and
# none may be past tomorrow (read_time).
EPOCH_RANGES = ((1e8, 1e10, 1.0), (1e11, 1e13, 1e3), (1e14, 1e16, 1e6))
FIRST_TIME, LAST_TIME = 1e8, 1e10
_NUMBER = re.compile(r"\d+(\.\d+)?")
# An epoch number, told apart by size, must also fall from 2000 to a day past now: a post made
# before or in the future is a number in another form, such as a compact date below.
EARLIEST_EPOCH = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
_COMPACT = {12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
# ISO 8601 days, extended and basic, as calendar or week dates: eight digits are never an epoch number here.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}|\d{4}-?W\d{2}(-?\d)?")


def parse_time(value: Any) -> float | None:
    """Seconds since the epoch from the usual export forms (epoch numbers, ISO 8601, Twitter's created_at), or None."""
    return read_time(value)[0]


def read_time(value: Any) -> tuple[float | None, bool]:
    """:func:`parse_time`, and whether the time named no zone (``2024-03-10 08:00``, a compact date), so was read as UTC."""
    seconds, naive = _read(value)
    # No post is made after tomorrow (a day's margin for the zones): a typo'd or placeholder year, 2250, had stretched the chart
    # over centuries and made its real weeks one bar. Epoch numbers are held to the same end by _epoch.
    return (seconds, naive) if seconds is not None and seconds <= time.time() + 86400 else (None, False)


def _read(value: Any) -> tuple[float | None, bool]:
    if isinstance(value, bool) or value is None:
        return None, False
    if is_extended_date(value):
        return _extended(value["$date"])
    if isinstance(value, float):
        return _epoch(value), False
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None, False
    text = value.strip()
    if _NUMBER.fullmatch(text):
        if (seconds := _epoch(float(text))) is not None:
            return seconds, False
        if len(text) in _COMPACT:
            seconds = _compact(text)
            return seconds, seconds is not None
    if (rfc := _RFC_2822.fullmatch(text)) is not None:
        return _rfc_2822(text, rfc.group(1), rfc.group(2))
    # Other digits go on to ISO 8601, whose basic form "20240101" is a date, not 20 million seconds.
    # BigQuery and some SQL exports name the zone as a word after the time: "2024-03-10 08:00:00 UTC".
    text = re.sub(r"(?<=\d)(?:[zZ]| ?UTC)$", "+00:00", text)
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%a %b %d %H:%M:%S %z %Y")):
        try:
            moment = parse(text)
            seconds = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        except (ValueError, OverflowError):
            continue
        return (seconds, moment.tzinfo is None) if FIRST_TIME <= seconds < LAST_TIME else (None, False)
    return None, False


# RFC 2822 (e-mail, RSS pubDate, many CSV exports): "Sun, 10 Mar 2024 08:00:00 GMT", "10 Mar 2024 08:00 +0530"; an e-mail's
# Date: most often names its zone in a comment after the offset ("-0700 (PDT)", as mbox and the Enron mails write it).
_RFC_2822 = re.compile(
    r"(?:([A-Z][a-z]{2}),\s*)?\d{1,2}\s+[A-Z][a-z]{2}\s+(\d{2,4})\s+\d{1,2}:\d{2}(?::\d{2})?\s+(?:[+-]\d{4}|UT|GMT|Z|[ECMP][SD]T)"
    r"(?:\s*\([^()]{1,40}\))?"
)


def _rfc_2822(text: str, day: str | None, year: str) -> tuple[float | None, bool]:
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, OverflowError):
        return None, False
    # The email package reads any year under 100 as two digits: "0024" and "024" came out as 2024. Four digits are the year
    # as written; three are obsolete (RFC 2822, 4.3, adds 1900 to them), left unread rather than guessed.
    if len(year) == 3 or (len(year) == 4 and int(year) != moment.year):
        return None, False
    if day is not None and day != moment.strftime("%a"):
        return None, False  # a weekday that is not the date's says one of them is wrong: which is no guess to make
    # "-0000" says the zone is unknown (RFC 2822, 3.3): read as UTC, and said, as a time with no zone is.
    seconds = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return (seconds, moment.tzinfo is None) if FIRST_TIME <= seconds < LAST_TIME else (None, False)


def is_day(value: Any) -> bool:
    """Whether a time is a day with no time of day (``2024-03-10``, ``20240310``, ``2024-W10-7``): read as its midnight,
    it is no hour of the day."""
    if is_extended_date(value):
        value = value["$date"]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    # By its form, not by date.fromisoformat, which reads the first eight digits of epoch seconds as a day (1710063000 as 1710-06-30).
    return isinstance(value, str) and _DAY.fullmatch(value.strip()) is not None


def is_extended_date(value: Any) -> bool:
    """A date in MongoDB's extended JSON, as mongoexport writes one: ``{"$date": ...}``."""
    return isinstance(value, dict) and len(value) == 1 and "$date" in value


def _extended(inner: Any) -> tuple[float | None, bool]:
    # {"$date": "2024-03-10T08:00:00Z"} (relaxed), {"$date": {"$numberLong": "1710057600000"}}
    # (canonical) or {"$date": 1710057600000} (legacy): the numbers are milliseconds, whatever their size.
    if isinstance(inner, str):
        return _read(inner) if not _NUMBER.fullmatch(inner.strip()) else (None, False)
    if isinstance(inner, dict) and len(inner) == 1 and isinstance(inner.get("$numberLong"), str):
        inner = inner["$numberLong"]
        if not re.fullmatch(r"-?\d{1,19}", inner):  # a 64-bit integer, as $numberLong holds; longer would not convert
            return None, False
        inner = int(inner)
    # Compared before dividing: an integer too large for a float is no date either.
    if isinstance(inner, bool) or not isinstance(inner, (int, float)) or not FIRST_TIME * 1000 <= inner < LAST_TIME * 1000:
        return None, False
    return inner / 1000, False


def _epoch(number: float) -> float | None:
    scale = next((scale for low, high, scale in EPOCH_RANGES if low <= number < high), None)
    if scale is None:
        return None
    # A number read as a post time must land where posts are: "202403100800" (a compact date) had
    # been read as milliseconds of 1976, "2024031009" as seconds of 2034.
    seconds = number / scale
    return seconds if EARLIEST_EPOCH <= seconds <= time.time() + 86400 else None


def _compact(text: str) -> float | None:
    """A compact date and time (YYYYMMDDHHMM or YYYYMMDDHHMMSS, UTC), as some exports write them."""
    try:
        seconds = datetime.strptime(text, _COMPACT[len(text)]).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None
    return seconds if FIRST_TIME <= seconds < LAST_TIME else None


def unread_example(value: Any) -> str:
    """A time no form here reads, as a note shows it: one after today said so; a WhatsApp stamp with why it stays unread,
    since a chat may say how to read it; a number that may be an Excel date serial with the day it would be, unread (it could
    as well be a count) but named."""
    if whatsapp_dates.is_stamp(value):
        return f"{value!r}, {whatsapp_dates.WHY}"
    if _read(value)[0] is not None:
        return f"{value!r}, which is after today"
    if (day := _excel_day(value)) is not None:
        return (
            f"{value!r}, which may be an Excel date, days since 1899-12-30, here {day}: format its column as {_ISO_IN_EXCEL} before saving"
        )
    return f"{value!r}"


# Excel keeps a date as days since 1899-12-30; a CSV saved from a column formatted as a number writes them so (45361.5 is 2024-03-10 12:00).
_EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)
# A number format that makes Excel write the date and time as text read here (ISO 8601 with a space).
_ISO_IN_EXCEL = "yyyy-mm-dd hh:mm:ss"


def _excel_day(value: Any) -> str | None:
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    # Compared as days before any arithmetic: an integer of 400 digits is no float.
    first, last = ((moment - _EXCEL_EPOCH.timestamp()) / 86400 for moment in (EARLIEST_EPOCH, time.time() + 86400))
    if not first <= value <= last:
        return None
    seconds = _EXCEL_EPOCH.timestamp() + value * 86400
    return datetime.fromtimestamp(round(seconds), UTC).isoformat(timespec="minutes").replace("+00:00", "")
