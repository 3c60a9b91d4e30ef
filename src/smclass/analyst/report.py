"""The numbers of a report on classify output: labels, time, accounts, confidence, typical words, Emergent traces.

Input is what ``smclass classify --keep-fields`` writes: one result per post with the
record it came from. Everything is counted in one pass; only the hashtags and links of
posts are kept (with their time and account), since the trace of Emergent use needs them.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from smclass.labels import LABELS
from smclass.reading.fields import TEXT_FIELDS, get_path
from smclass.reading.mojibake import fix_mojibake

TIME_FIELDS = ("created_at", "timestamp", "date", "created_utc", "createdAt", "published", "time", "ts", "datetime", "Date")
ACCOUNT_FIELDS = ("author", "user.screen_name", "user", "username", "screen_name", "author_id", "account.acct", "from", "handle", "owner")
_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}")
_HASHTAG = re.compile(r"(?<![\w&])#(\w{2,})")
_LINK = re.compile(r"https?://\S+")
# fmt: off
_STOP = frozenset({
    "the", "and", "for", "that", "this", "with", "you", "your", "are", "was", "have", "has", "not", "but", "all",
    "just", "from", "they", "our", "out", "about", "what", "when", "will", "can", "get", "his", "her", "she", "him",
    "its", "it's", "i'm", "don't", "who", "been", "were", "would", "there", "their", "them", "than", "then", "into",
    "more", "some", "one", "also", "any", "how",
})
# fmt: on
CONFIDENCE_BINS = 10


@dataclass
class _Item:
    """Where one hashtag or link was used: (time or None, account or None, label)."""

    uses: list[tuple[float | None, str | None, str | None]] = field(default_factory=list)


@dataclass
class Tally:
    posts: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    no_label: Counter[str] = field(default_factory=Counter)
    hours: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    groups: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    confidence: list[int] = field(default_factory=lambda: [0] * CONFIDENCE_BINS)
    words: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    tags: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    items: dict[str, _Item] = field(default_factory=lambda: defaultdict(_Item))
    timed: int = 0
    # A time field whose value no form here reads: said in a note, never left out unseen.
    unread_times: int = 0
    unread_example: str | None = None
    with_account: int = 0
    first: float | None = None
    last: float | None = None


def parse_time(value: Any) -> float | None:
    """Seconds since the epoch from the usual export forms: epoch numbers, ISO 8601, Twitter's created_at."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d{9,13}(\.\d+)?", value.strip())):
        number = float(value)
        return number / 1000 if number > 1e11 else number
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%a %b %d %H:%M:%S %z %Y")):
        try:
            moment = parse(text)
        except ValueError:
            continue
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    return None


def _first(record: dict[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        value = get_path(record, name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
            return value
    return None


def tally(results: Iterable[dict[str, Any]], *, by: str | None = None) -> Tally:
    out = Tally()
    for result in results:
        out.posts += 1
        found = result.get("record")
        record: dict[str, Any] = found if isinstance(found, dict) else {}
        label = result.get("label")
        if label is None:
            reason = str(result.get("reason") or "no label")
            out.no_label["uncertain" if reason.startswith("uncertain") else reason] += 1
        else:
            out.labels[label] += 1
        confidence = result.get("confidence")
        if isinstance(confidence, (int, float)):
            out.confidence[min(int(confidence * CONFIDENCE_BINS), CONFIDENCE_BINS - 1)] += 1
        stamp = _first(record, TIME_FIELDS)
        moment = parse_time(stamp)
        if moment is None and stamp is not None:
            out.unread_times += 1
            out.unread_example = out.unread_example or f"{stamp!r}"
        account = _first(record, ACCOUNT_FIELDS)
        account = None if account is None else str(account)
        group = _first({**record, **result}, [by]) if by else account
        if moment is not None:
            out.timed += 1
            out.first = moment if out.first is None else min(out.first, moment)
            out.last = moment if out.last is None else max(out.last, moment)
        if account is not None:
            out.with_account += 1
        if group is not None:
            out.groups[str(group)][label or "none"] += 1
        text = _first(record, TEXT_FIELDS)
        if isinstance(text, str):
            _count_text(out, fix_mojibake(text), label, moment, account)
        if moment is not None:
            # Hourly counts: as small as the span, and summed into days or weeks for display.
            out.hours[int(moment // 3600)][label or "none"] += 1
    return out


def _count_text(out: Tally, text: str, label: str | None, moment: float | None, account: str | None) -> None:
    key = label or "none"
    lowered = text.lower()
    tags = {tag.lower() for tag in _HASHTAG.findall(text)}
    links = {link.rstrip(".,;:!?)") for link in _LINK.findall(text)}
    words = {w for w in _WORD.findall(_LINK.sub(" ", lowered)) if w not in _STOP and not w.startswith(("@", "#"))}
    out.words[key].update(words)
    out.tags[key].update(tags)
    for item in [f"#{tag}" for tag in tags] + sorted(links):
        out.items[item].uses.append((moment, account, label))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _over_time(out: Tally) -> dict[str, Any] | None:
    if not out.hours:
        return None
    span = max(out.hours) - min(out.hours)
    unit, size = ("hour", 1) if span <= 72 else ("day", 24) if span <= 24 * 120 else ("week", 24 * 7)
    buckets: dict[int, Counter[str]] = defaultdict(Counter)
    for hour, counts in out.hours.items():
        buckets[hour // size * size].update(counts)
    rows = [{"start": _iso(start * 3600), **{label: buckets[start][label] for label in [*LABELS, "none"]}} for start in sorted(buckets)]
    return {"unit": unit, "buckets": rows}


def _typical(counts: dict[str, Counter[str]], label: str, top: int) -> list[str]:
    """The terms most typical of one label against the others (smoothed log-odds), used at least 3 times."""
    mine = counts.get(label, Counter())
    rest: Counter[str] = Counter()
    for other, c in counts.items():
        if other != label:
            rest.update(c)
    n_mine, n_rest = sum(mine.values()) + 1, sum(rest.values()) + 1
    vocabulary = len(set(mine) | set(rest)) + 1
    scored = [
        (math.log((c + 0.5) / (n_mine + 0.5 * vocabulary)) - math.log((rest[w] + 0.5) / (n_rest + 0.5 * vocabulary)), w)
        for w, c in mine.items()
        if c >= 3
    ]
    return [w for _, w in sorted(scored, reverse=True)[:top]]


def _widest_window(uses: list[tuple[float | None, str | None, str | None]], window: float) -> tuple[int, float | None, float | None]:
    """The most distinct accounts that used an item within ``window`` seconds of each other."""
    timed = sorted((t, a) for t, a, _ in uses if t is not None and a is not None)
    if not timed:
        return len({a for _, a, _ in uses if a is not None}), None, None
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
    return best, timed[0][0], timed[-1][0]


def traces(out: Tally, *, window_hours: float = 72.0, min_accounts: int = 3, top: int = 25) -> list[dict[str, Any]]:
    """Hashtags and links taken up by at least ``min_accounts`` distinct accounts within the window."""
    found: list[dict[str, Any]] = []
    for item, record in out.items.items():
        accounts = Counter(a for _, a, _ in record.uses if a is not None)
        if len(accounts) < min_accounts:
            continue
        widest, first, last = _widest_window(record.uses, window_hours * 3600)
        if widest < min_accounts:
            continue
        found.append(
            {
                "item": item,
                "kind": "hashtag" if item.startswith("#") else "link",
                "accounts_in_window": widest,
                "accounts": len(accounts),
                "posts": len(record.uses),
                "top_accounts": [a for a, _ in accounts.most_common(8)],
                "first": None if first is None else _iso(first),
                "last": None if last is None else _iso(last),
                "labels": dict(Counter(label or "none" for _, _, label in record.uses).most_common()),
            }
        )
    found.sort(key=lambda t: (-t["accounts_in_window"], -t["posts"], t["item"]))
    return found[:top]


def numbers(out: Tally, *, by: str | None = None, window_hours: float = 72.0, min_accounts: int = 3, top: int = 10) -> dict[str, Any]:
    """Everything the report shows, as one JSON-ready object."""
    notes = []
    unread = f"{out.unread_times} with a time in a form smclass cannot read, such as {out.unread_example}" if out.unread_times else ""
    if out.posts and not out.timed:
        unread = f" ({unread})" if unread else ""
        notes.append(f"no record carries a timestamp{unread}: no labels over time, and traces are counted over the whole collection")
    elif out.timed < out.posts:
        unread = f" ({unread})" if unread else ""
        notes.append(f"{out.posts - out.timed} of {out.posts} posts carry no timestamp{unread}: they are left out of labels over time")
    if out.posts and not out.with_account:
        notes.append("no record names an account: no Emergent traces (they need distinct accounts)")
    labelled = sum(out.labels.values())
    groups = sorted(out.groups.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:20]
    edges = [round(i / CONFIDENCE_BINS, 2) for i in range(CONFIDENCE_BINS + 1)]
    return {
        "posts": out.posts,
        "labels": {
            label: {"count": out.labels[label], "share": round(out.labels[label] / out.posts, 4) if out.posts else 0.0} for label in LABELS
        },
        "no_label": dict(out.no_label.most_common()),
        "labelled": labelled,
        "first": None if out.first is None else _iso(out.first),
        "last": None if out.last is None else _iso(out.last),
        "over_time": _over_time(out),
        "timed": out.timed,
        "groups": {"by": by or "account", "rows": [{"group": g, "posts": sum(c.values()), **{k: c[k] for k in LABELS}} for g, c in groups]},
        "confidence": {"edges": edges, "counts": out.confidence, "uncertain": out.no_label.get("uncertain", 0)},
        "typical": {label: {"words": _typical(out.words, label, top), "hashtags": _typical(out.tags, label, top)} for label in LABELS},
        "emergent_traces": traces(out, window_hours=window_hours, min_accounts=min_accounts),
        "notes": notes,
    }
