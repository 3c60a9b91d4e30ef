"""Emergent traces: hashtags and links taken up by many distinct accounts within a window.

Each hashtag or link keeps only what its trace shows, summed as posts stream by: its posts,
their labels, and per account how often it used it and at which times. Those times are
thinned as they come: of three times of one account no further apart than the window, the
middle one can go, since every window that holds it holds one of the other two. What is left
grows with the span of the collection over the window, never with the number of posts. An
item keeps at most ``POINTS`` accounts and times; one used by more is marked ``full``, and
its account figures are then lower bounds, which the report says.
"""

from __future__ import annotations

import bisect
from collections import Counter
from datetime import UTC, datetime
from typing import Any

# Per hashtag or link: accounts plus their kept times. A trace in the top list rarely has
# more than a few hundred accounts; past this, new accounts and times are left uncounted.
POINTS = 4096


class ItemUses:
    """Where one hashtag or link was used."""

    __slots__ = ("accounts", "first", "full", "labels", "last", "points", "posts", "times", "window")

    def __init__(self, window: float) -> None:
        self.window = window
        self.posts = 0
        self.labels: Counter[str] = Counter()
        # Uses per account (timed or not), and the thinned times of each account's timed uses.
        self.accounts: dict[str, int] = {}
        self.times: dict[str, list[float]] = {}
        self.points = 0
        self.full = False
        # Over the uses that carry both a time and an account, as the window counts them.
        self.first: float | None = None
        self.last: float | None = None

    def add(self, moment: float | None, account: str | None, label: str | None) -> None:
        self.posts += 1
        self.labels[label or "none"] += 1
        if account is None:
            return
        if moment is not None:
            self.first = moment if self.first is None else min(self.first, moment)
            self.last = moment if self.last is None else max(self.last, moment)
        if account not in self.accounts:
            if self.points >= POINTS:
                self.full = True
                return
            self.accounts[account] = 0
            self.points += 1
        self.accounts[account] += 1
        if moment is None:
            return
        times = self.times.setdefault(account, [])
        if self.points < POINTS:
            before = len(times)
            _add_time(times, moment, self.window)
            self.points += len(times) - before
            return
        trial = list(times)
        _add_time(trial, moment, self.window)
        if len(trial) > len(times):
            self.full = True
        else:
            times[:] = trial


Use = tuple[float | None, str | None, str | None]


def add_use(
    items: dict[str, ItemUses | Use], item: str, window: float, moment: float | None, account: str | None, label: str | None
) -> None:
    """Count one use of ``item``. Most links and many hashtags are used once: that use is kept as
    one tuple, far smaller than the tallies, which are made at its second use."""
    uses = items.get(item)
    if uses is None:
        items[item] = (moment, account, label)
        return
    if isinstance(uses, tuple):
        uses = items[item] = _tallied(uses, window)
    uses.add(moment, account, label)


def _tallied(use: Use, window: float) -> ItemUses:
    uses = ItemUses(window)
    uses.add(*use)
    return uses


def _add_time(times: list[float], moment: float, window: float) -> None:
    if times and moment < times[-1]:
        bisect.insort(times, moment)
        kept = _thin(times, window)
        times[:] = kept
        return
    while len(times) >= 2 and moment - times[-2] <= window:
        times.pop()
    if not times or times[-1] != moment:
        times.append(moment)


def _thin(times: list[float], window: float) -> list[float]:
    kept: list[float] = []
    for moment in times:
        while len(kept) >= 2 and moment - kept[-2] <= window:
            kept.pop()
        if not kept or kept[-1] != moment:
            kept.append(moment)
    return kept


def _widest_window(uses: ItemUses, window: float, untimed: bool) -> int:
    """The most distinct accounts that used an item within ``window`` seconds of each other; in an
    ``untimed`` collection, all of its accounts. Where other posts carry times, a use without one
    is in no window: counting it in all of them would make traces of the posts known least."""
    timed = sorted((t, a) for a, times in uses.times.items() for t in times)
    if not timed:
        return len(uses.accounts) if untimed else 0
    best = 0
    inside: Counter[str] = Counter()
    start = 0
    for t, account in timed:
        inside[account] += 1
        while timed[start][0] < t - window:
            old = timed[start][1]
            inside[old] -= 1
            if not inside[old]:
                del inside[old]
            start += 1
        best = max(best, len(inside))
    return best


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def traces(
    items: dict[str, ItemUses | Use], *, window_hours: float, min_accounts: int, top: int | None, untimed: bool = False
) -> list[dict[str, Any]]:
    """Hashtags and links taken up by at least ``min_accounts`` distinct accounts within the window
    (over the whole collection when it is ``untimed``), the ``top`` most widely taken up (all with None)."""
    found: list[dict[str, Any]] = []
    window = window_hours * 3600
    for item, kept in items.items():
        uses = _tallied(kept, window) if isinstance(kept, tuple) else kept
        if len(uses.accounts) < min_accounts:
            continue
        if window < uses.window:
            # Times thinned for a wider window may have dropped ones a narrower window needs.
            raise ValueError(f"times were kept for a {uses.window / 3600:g}-hour window, not {window_hours:g}")
        widest = _widest_window(uses, window, untimed)
        if widest < min_accounts:
            continue
        found.append(
            {
                "item": item,
                "kind": "hashtag" if item.startswith("#") else "link",
                "accounts_in_window": widest,
                "accounts": len(uses.accounts),
                "posts": uses.posts,
                "top_accounts": [a for a, _ in Counter(uses.accounts).most_common(8)],
                "first": None if uses.first is None else _iso(uses.first),
                "last": None if uses.last is None else _iso(uses.last),
                "labels": dict(uses.labels.most_common()),
            }
        )
    found.sort(key=lambda t: (-t["accounts_in_window"], -t["posts"], t["item"]))
    return found[:top]


def full_note(items: dict[str, ItemUses | Use], shown: list[dict[str, Any]], found: list[dict[str, Any]] | None = None) -> str | None:
    """The note for items that outgrew what is kept of one: a shown trace's account figures are
    lower bounds, and an item with no trace (of ``found``, all traces, when the shown ones are
    fewer) may have one among the accounts and times not kept."""
    shown_items = {t["item"] for t in (shown if found is None else found)}
    full = [t["item"] for t in shown if getattr(items[t["item"]], "full", False)]
    unseen = [item for item, kept in items.items() if item not in shown_items and getattr(kept, "full", False)]
    kept = f"than a report keeps for one hashtag or link ({POINTS})"
    notes = []
    if full:
        notes.append(
            f"{_named(full)} were used by more accounts, or at more times, {kept}: their accounts, accounts in the window and "
            "top accounts are counted over the first ones only, so they are at least these"
        )
    if unseen:
        notes.append(
            f"{_named(unseen)} were used by more accounts, or at more times, {kept} and show no trace: they are counted over "
            "the first ones only, so a trace among the later ones may be missing"
        )
    return "; ".join(notes) or None


def _named(items: list[str]) -> str:
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")
