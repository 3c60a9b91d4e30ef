"""The time a post was made, read from the usual export forms: epoch numbers, ISO 8601, Twitter's created_at."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

# Epoch numbers as seconds, milliseconds or microseconds, told apart by size: each range is
# 1973-03-03 to 2286-11-20, and the gaps between them (and smaller numbers, such as a year
# 2024) are no time a post was made, so they are unread rather than guessed. Every time, in
# whatever form, must fall in the same span, which also keeps it one Python can write out.
EPOCH_RANGES = ((1e8, 1e10, 1.0), (1e11, 1e13, 1e3), (1e14, 1e16, 1e6))
FIRST_TIME, LAST_TIME = 1e8, 1e10
_NUMBER = re.compile(r"\d+(\.\d+)?")


def parse_time(value: Any) -> float | None:
    """Seconds since the epoch from the usual export forms (epoch numbers, ISO 8601, Twitter's created_at), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return _epoch(value)
    if not isinstance(value, str):
        return None
    if _NUMBER.fullmatch(value.strip()) and (seconds := _epoch(float(value))) is not None:
        return seconds
    # Other digits go on to ISO 8601, whose basic form "20240101" is a date, not 20 million seconds.
    text = value.strip().replace("Z", "+00:00")
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%a %b %d %H:%M:%S %z %Y")):
        try:
            moment = parse(text)
            seconds = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        except (ValueError, OverflowError):
            continue
        return seconds if FIRST_TIME <= seconds < LAST_TIME else None
    return None


def _epoch(number: float) -> float | None:
    scale = next((scale for low, high, scale in EPOCH_RANGES if low <= number < high), None)
    return None if scale is None else number / scale
