"""Labels over time: posts per hour, day or week and label, as the report charts them.

The unit follows the span of the posts' times: hours up to 72 hours, days up to 120 days, weeks
past that. Counts are kept in the unit the span so far calls for, and summed into the next as
soon as the span grows past it, so what is kept is at most 73 hours, 121 days, or the weeks of
the span (some 2,800 from 1973, the first time read, to now): kept by the hour, times spread over centuries had
held a count for every hour, hundreds of megabytes.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from smclass.labels import LABELS

_UNITS = (("hour", 1, 72), ("day", 24, 24 * 120), ("week", 24 * 7, None))


class Timeline:
    """Posts per unit of time and label."""

    def __init__(self) -> None:
        self.unit, self.size = "hour", 1
        self.counts: dict[int, Counter[str]] = defaultdict(Counter)  # by the hour each unit starts at
        self.low: int | None = None
        self.high: int | None = None
        # A day with no time of day is no hour of it: one such post makes the chart one of days at least.
        self.days = False

    def add(self, moment: float, label: str, *, day: bool = False) -> None:
        hour = int(moment // 3600)
        self.low = hour if self.low is None else min(self.low, hour)
        self.high = hour if self.high is None else max(self.high, hour)
        self.days = self.days or day
        span = self.high - self.low
        unit, size = next((u, s) for u, s, most in _UNITS if (most is None or span <= most) and (s > 1 or not self.days))
        if size != self.size:
            self.unit, self.size = unit, size
            merged: dict[int, Counter[str]] = defaultdict(Counter)
            for start, counts in self.counts.items():
                merged[self._start(start)].update(counts)
            self.counts = merged
        self.counts[self._start(hour)][label] += 1

    def _start(self, hour: int) -> int:
        # Weeks start on Mondays (ISO 8601); the epoch began on a Thursday, 96 hours before one.
        offset = 96 if self.unit == "week" else 0
        return (hour - offset) // self.size * self.size + offset

    def chart(self) -> dict[str, Any] | None:
        if not self.counts:
            return None
        rows = [
            {"start": _iso(start * 3600), **{label: self.counts[start][label] for label in [*LABELS, "none"]}}
            for start in sorted(self.counts)
        ]
        return {"unit": self.unit, "buckets": rows}

    def apart(self) -> str | None:
        """A note when the posts' times fall in two groups a year or more apart, the gap nine tenths of the chart or more.

        The chart then spans the gap and the bars of the smaller group are too thin to see: a few posts dated wrong (a typo'd
        year, a placeholder such as 1975-01-01) had stretched it so with nothing said.
        """
        starts = sorted(self.counts)
        if len(starts) < 2:
            return None
        gap, cut = max((b - a, i + 1) for i, (a, b) in enumerate(itertools.pairwise(starts)))
        if gap < 24 * 365 or gap * 10 < (starts[-1] - starts[0]) * 9:
            return None
        # A span of a year is counted in weeks: each group is named by the weeks it falls in.
        weeks = [(part, _iso(part[0] * 3600)[:10], _iso(part[-1] * 3600)[:10]) for part in (starts[:cut], starts[cut:])]
        groups = [
            f"{sum(sum(self.counts[s].values()) for s in part):,} in the week{f's of {a} to {b}' if b != a else f' of {a}'}"
            for part, a, b in weeks
        ]
        return (
            f"the posts' times fall in two groups {gap / (24 * 365.25):.1f} years apart ({groups[0]}; {groups[1]}): labels over time "
            "span the gap, so the bars either side of it are thin; a wrong or placeholder date would put posts apart so"
        )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
