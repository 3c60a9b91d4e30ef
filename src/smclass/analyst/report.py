"""The numbers of a report on labelled posts: labels, time, accounts, confidence, typical words, Emergent traces.

Input is what ``smclass classify --keep-fields`` writes (one result per post with the record
it came from), a file of posts labelled by hand, or posts not labelled yet, which are
classified here. Everything is counted in one pass; the hashtags and links of posts are
summed up per hashtag and link (see :mod:`smclass.analyst.emergent`), so memory does not grow
with the number of posts.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smclass import batching
from smclass.analyst import items, rare
from smclass.analyst.emergent import ItemUses, Use, add_use, full_note, traces
from smclass.analyst.groups import GroupCounts
from smclass.analyst.report_labels import check_kind, kind, merged, own_label
from smclass.analyst.spelling import ACCOUNT_FIELDS, TIME_FIELDS, TIMES_READ, Spelled
from smclass.analyst.timeline import Timeline
from smclass.analyst.times import is_day, is_extended_date, read_time, unread_example
from smclass.errors import InputError, UsageError
from smclass.labels import LABELS
from smclass.reading import fields, inputs, repeats
from smclass.reading.mojibake import fix_mojibake
from smclass.reading.plan import ReadOptions
from smclass.reading.platforms import x
from smclass.reading.posts import planned_with_sample
from smclass.reading.records import Record

LABEL_FIELD = "label"
# Each record's own spelling of these is found as it comes (a file may write Author, then author).
_TIMES, _ACCOUNTS = Spelled(TIMES_READ), Spelled(ACCOUNT_FIELDS)
_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}")
# Handles and hashtags are no words: "RT @cityhall:" had made "cityhall" typical of what it was retweeted in.
_HANDLE_OR_TAG = re.compile(r"(?<!\w)[@#][^\s@#]+")
# Rows of the breakdown by account (or --by): the largest groups.
GROUPS_SHOWN = 20
# Rows of the Emergent traces: those taken up by the most accounts in the window.
TRACES_SHOWN = 25
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
class Tally:
    posts: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    no_label: Counter[str] = field(default_factory=Counter)
    timeline: Timeline = field(default_factory=Timeline)
    groups: GroupCounts = field(default_factory=GroupCounts)
    confidence: list[int] = field(default_factory=lambda: [0] * CONFIDENCE_BINS)
    words: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    tags: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    items: dict[str, ItemUses | Use] = field(default_factory=dict)
    window: float = 72.0 * 3600
    timed: int = 0
    # A time field whose value no form here reads: said in a note, never left out unseen.
    unread_times: int = 0
    unread_example: str | None = None
    # A time with no zone is read as UTC: said, since it may be local time.
    naive_times: int = 0
    naive_example: str | None = None
    # A day with no time of day (a sheet's Date column beside its Time): charted by hour, its posts had all been at midnight.
    day_times: int = 0
    day_example: str | None = None
    with_account: int = 0
    # Hashtags glued to an ellipsis, most often cut short (see items.hashtags): left out, and said.
    tags_cut: int = 0
    cut_example: str | None = None
    # X's t.co links whose records do not say where they lead: matched as written, so seldom taken up.
    short_links: int = 0
    # Rare words and hashtags let go to bound memory: how many, and the most uses one of them had had less than.
    terms_let_go: int = 0
    let_go_below: int = 0
    items_let_go: int = 0
    items_let_go_below: int = 0
    first: float | None = None
    last: float | None = None
    by: str | None = None
    grouped: int = 0
    # Whose labels are counted: the posts' own (True) or a model's (False); None before the first post.
    own_labels: bool | None = None
    kind: str | None = None  # the first post's (see report_labels.kind): every other post must be of it
    model: str | None = None
    predictor: Any = None  # loaded at the first post that needs it: a file of labelled posts never loads one
    classified: int = 0


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != ""


def _a_time(value: Any) -> bool:
    # A mongoexport's {"$date": ...} is a time too: passed over, its posts had been said to carry none.
    return _scalar(value) or is_extended_date(value)


def _stamp(data: dict[str, Any]) -> Any:
    """The first of the record's times that reads as one, else its first (counted as unread): a "created_at" of
    "3 hours ago" beside a readable "timestamp" had left the post with no time, said to be in no form smclass reads."""
    stamps = [value for value in _TIMES.values(data) if _a_time(value)]
    return next((value for value in stamps if read_time(value)[0] is not None), stamps[0] if stamps else None)


def _names_account(value: Any) -> bool:
    # " " or "@" names no one: the next field (a username beside a blank author) does.
    return _scalar(value) and items.account_key(str(value)) is not None


def _group(record: Record, by: str | None, spelled: Spelled) -> str | None:
    """The post's value of --by: a string, number or boolean (as JSON spells it); None when it has none."""
    value = next(iter(spelled.values(record.data)), None)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        # Counting a list as missing would hide the posts; one group per list would count a post many times.
        kind = "a list" if isinstance(value, list) else "an object"
        raise InputError(f"--by '{by}' holds {kind}, not one value per post", source=record.source, line=record.line)
    return None if value is None or value == "" else str(value)


def _quiet(message: str) -> None:
    return None


def collect(
    paths: Iterable[str],
    options: ReadOptions,
    *,
    by: str | None = None,
    model_path: str | Path | None = None,
    notify: Callable[[str], None] = _quiet,
    window_hours: float = 72.0,
    label_field: str | None = None,
) -> Tally:
    """Read and count every post of ``paths``: with the labels they carry, else with the model's.

    A report counts one kind of label: hand labels, classify's results, or the model's here
    (see :mod:`smclass.analyst.report_labels`); a post of another kind stops it.
    ``label_field`` names where the labels are (by default ``label``, if the posts have it); a
    field that is named must be there.
    """
    out = Tally(by=by, window=window_hours * 3600)
    for entry in _results(paths, options, out, by, model_path, notify, label_field):
        _count(out, entry)
    return out


def _results(
    paths: Iterable[str],
    options: ReadOptions,
    out: Tally,
    by: str | None,
    model_path: str | Path | None,
    notify: Callable[[str], None],
    named: str | None,
) -> Iterator[dict[str, Any]]:
    reading = options.reading(notify)
    records = (record for path in paths for record in inputs.read_path(path, reading=reading))
    waiting: list[dict[str, Any]] = []
    held = 0
    # --by may name a field that only some files, or only later records, hold: refused only when no record does.
    unheld: UsageError | None = None
    by_seen = False
    for plan, head, group in planned_with_sample(merged(records), options, notify):
        readable = [r for r in head if r.error is None]
        label_field = _label_field(named, readable)
        by_field = _by_field(by, readable)
        if by_field is None and by is not None:
            names = fields.listed_names(readable)
            unheld = unheld or UsageError(
                f"{readable[0].source}: no field '{by}' in the records (fields: {names}); name one of them with --by"
            )
        by_names = Spelled([by_field, by] if by_field else [by]) if by else None
        watch = repeats.Watch((plan.text.field, plan.text.title_field, label_field))
        for record in itertools.chain(head, group):
            if record.error is not None:
                raise record.error
            twice = watch.twice(record) or repeats.used_twice(record, plan.text)
            if twice is not None:
                # Counting one of two labels, or reading one of two texts, is a guess: as train and evaluate, stop.
                raise InputError(repeats.twice_reason(twice), source=record.source, line=record.line)
            text, reason = fields.record_text(record, plan.text)
            entry = {"data": record.data, "text": text, "group": _group(record, by, by_names) if by_names else None}
            by_seen = by_seen or (by_names is not None and next(iter(by_names.values(record.data)), fields.MISSING) is not fields.MISSING)
            entry.update(stamp=_stamp(record.data), account=_ACCOUNTS.first(record.data, _names_account))
            entry["targets"] = {**x.link_targets(record.data), **x.link_targets(record.original)}
            own = own_label(record, label_field)
            this = kind(record, own, label_field)
            if out.kind is None:
                out.kind, out.own_labels = this, own is not None
            check_kind(record, this, out.kind, label_field)
            if own is not None:
                yield {**entry, **own}
                continue
            waiting.append({**entry, "reason": reason})
            # Each entry holds its whole record: the batch is bounded by their size as well as their count.
            held += record.size()
            if len(waiting) == 2048 or held >= batching.CHARS:
                yield from _classified(waiting, out, model_path)
                waiting, held = [], 0
    if unheld is not None and not by_seen:
        raise unheld
    yield from _classified(waiting, out, model_path)


def _label_field(named: str | None, readable: list[Record]) -> str:
    """Where the posts carry their labels: ``named``, else ``label`` when they have it (two fields
    that match only by case are refused, never one picked)."""
    if not readable:
        return named or LABEL_FIELD
    fields.one_match(named or LABEL_FIELD, readable)
    found = fields.resolve(named or LABEL_FIELD, readable)
    if found is None and named is not None:
        names = fields.listed_names(readable)
        raise UsageError(f"{readable[0].source}: no field '{named}' in its first {len(readable)} records (fields: {names})")
    return found or LABEL_FIELD


def _classified(entries: list[dict[str, Any]], out: Tally, model_path: str | Path | None) -> Iterator[dict[str, Any]]:
    if not entries:
        return
    from smclass.model import files as model_lib

    if out.model is None:
        out.model = str(model_path or os.environ.get(model_lib.MODEL_ENV) or "default")
        out.predictor = model_lib.load(model_path)
    out.classified += sum(entry["text"] is not None for entry in entries)  # a post with no text is not classified
    for entry, prediction in zip(entries, out.predictor.classify([e["text"] for e in entries]), strict=True):
        yield {**entry, "label": prediction.label, "confidence": prediction.confidence}


def _by_field(name: str | None, readable: list[Record]) -> str | None:
    """The --by field as the records spell it (``Channel`` for ``channel``), as --text-field is matched; None when none of them holds it."""
    if name is None or not readable:
        return name
    return fields.resolve(name, readable)


def _count(out: Tally, entry: dict[str, Any]) -> None:
    out.posts += 1
    label = entry["label"]
    if label is None:
        reason = str(entry.get("reason") or "no label")
        out.no_label["uncertain" if reason.startswith("uncertain") else reason] += 1
    else:
        out.labels[label] += 1
    if entry["confidence"] is not None:
        out.confidence[min(int(entry["confidence"] * CONFIDENCE_BINS), CONFIDENCE_BINS - 1)] += 1
    stamp = entry["stamp"]
    moment, naive = read_time(stamp)
    if naive:
        out.naive_times += 1
        out.naive_example = out.naive_example or f"{stamp!r}"
    if moment is None and stamp is not None:
        out.unread_times += 1
        out.unread_example = out.unread_example or unread_example(stamp)
    account = None if entry["account"] is None else items.account_key(str(entry["account"]))
    group = entry["group"] if out.by else account
    if moment is not None:
        out.timed += 1
        day = is_day(stamp)
        if day:
            out.day_times += 1
            out.day_example = out.day_example or f"{stamp!r}"
        out.first = moment if out.first is None else min(out.first, moment)
        out.last = moment if out.last is None else max(out.last, moment)
        out.timeline.add(moment, label or "none", day=day)
    if account is not None:
        out.with_account += 1
    if group is not None:
        out.grouped += 1
        out.groups.add(str(group), label or "none")
    if entry["text"] is not None:
        _count_text(out, fix_mojibake(entry["text"]), label, moment, account, entry.get("targets") or {})
    # Counted by post, not by post with text: every 4096th post without one had put it off for good.
    if out.posts % 4096 == 0:
        _let_go_of_rare_terms(out)


def _count_text(out: Tally, text: str, label: str | None, moment: float | None, account: str | None, targets: dict[str, str]) -> None:
    key = label or "none"
    lowered = text.lower()
    # A link's "#settings" is its fragment, no hashtag anyone took up.
    cut: list[str] = []
    tags, (links, short) = items.hashtags(text, cut), items.links_leading(text, targets)
    out.short_links += short
    if cut:
        out.tags_cut += len(cut)
        out.cut_example = out.cut_example or f"#{cut[0]}…"
    words = {w for w in _WORD.findall(_HANDLE_OR_TAG.sub(" ", items.without_links(lowered))) if w not in _STOP}
    out.words[key].update(words)
    out.tags[key].update(tags)
    for item in [f"#{tag}" for tag in tags] + sorted(links):
        add_use(out.items, item, out.window, moment, account, label)


def _let_go_of_rare_terms(out: Tally) -> None:
    for counts in (out.words, out.tags):
        gone, below = rare.terms(counts)
        out.terms_let_go += gone
        out.let_go_below = max(out.let_go_below, below)
    gone, fewest = rare.items(out.items)
    out.items_let_go += gone
    out.items_let_go_below = max(out.items_let_go_below, fewest)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


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
    # A term no more frequent here than in the other labels is typical of none of them.
    return [w for score, w in sorted(scored, reverse=True)[:top] if score > 0]


def numbers(
    out: Tally, *, by: str | None = None, window_hours: float | None = None, min_accounts: int = 3, top: int = 10
) -> dict[str, Any]:
    """Everything the report shows, as one JSON-ready object; ``window_hours`` defaults to the one ``collect`` kept times for."""
    by = by or out.by
    window_hours = out.window / 3600 if window_hours is None else window_hours
    found = traces(out.items, window_hours=window_hours, min_accounts=min_accounts, top=None, untimed=not out.timed)
    shown_traces = found[:TRACES_SHOWN]
    notes = []
    unread = f"{out.unread_times} with a time in a form smclass cannot read, such as {out.unread_example}" if out.unread_times else ""
    if out.posts and not out.timed:
        # A time under a name report does not look for ("tweet_created") is not no time: say where it looked.
        unread = f" ({unread})" if unread else f" in a field report reads ({', '.join(TIME_FIELDS[:4])}, ...)"
        notes.append(f"no record carries a timestamp{unread}: no labels over time, and traces are counted over the whole collection")
    elif out.timed < out.posts:
        unread = f" ({unread})" if unread else ""
        notes.append(
            f"{out.posts - out.timed} of {out.posts} posts carry no timestamp{unread}: they are left out of labels over time "
            "and of the traces' windows"
        )
    if out.naive_times:
        notes.append(f"{out.naive_times} of {out.posts} posts carry a time with no time zone, such as {out.naive_example}: read as UTC")
    if out.day_times:
        notes.append(
            f"{out.day_times} of {out.posts} posts carry a date with no time of day, such as {out.day_example}: labels over time are "
            "counted by day, and in the traces' windows these posts count as made at midnight UTC"
        )
    if (apart := out.timeline.apart()) is not None:
        notes.append(apart)
    if out.posts and not out.with_account:
        looked = f"in a field report reads ({', '.join(ACCOUNT_FIELDS[:4])}, ...)"
        notes.append(f"no record names an account {looked}: no Emergent traces (they need distinct accounts)")
    if by and out.grouped < out.posts:
        notes.append(f"{out.posts - out.grouped} of {out.posts} posts have no value in '{by}': they are left out of the breakdown by it")
    elif not by and 0 < out.grouped < out.posts:
        notes.append(f"{out.posts - out.grouped} of {out.posts} posts name no account: they are left out of the breakdown by account")
    if out.tags_cut:
        notes.append(
            f"{out.tags_cut} hashtags glued to an ellipsis, such as {out.cut_example}, are not counted: such a tag is most often "
            "cut short (as X cuts a retweet's text), and is then not the tag its post used"
        )
    if out.short_links and out.with_account:  # with no account there are no traces for them to miss: the note was noise
        notes.append(items.short_links_note(out.short_links))
    if len(found) > TRACES_SHOWN:
        # A list cut short with no word reads as every trace there is.
        notes.append(f"the Emergent traces show the {TRACES_SHOWN} taken up by the most accounts of {len(found)} found")
    group_count = out.groups.count()
    if group_count > GROUPS_SHOWN:
        notes.append(f"the breakdown by {by or 'account'} shows the {GROUPS_SHOWN} largest of {group_count} groups")
    if out.terms_let_go:
        notes.append(
            f"{out.terms_let_go:,} rare words and hashtags (used fewer than {out.let_go_below} times when let go) were not kept, "
            f"past {rare.TERMS_HELD:,} distinct ones: the typical words may be counted a little short"
        )
    if out.items_let_go:
        notes.append(
            f"{out.items_let_go:,} hashtags and links (taken up by fewer than {out.items_let_go_below} accounts when let go) were not "
            f"kept, past {rare.TERMS_HELD:,} distinct ones: a trace among them may be missing, or counted short"
        )
    if out.own_labels:
        notes.append("the labels are the ones the posts carry: no model was run")
    elif out.model is not None:
        notes.append(f"the posts carry no labels: classified {out.classified} with the model {out.model}")
        if out.predictor is not None and (lacking := out.predictor.never_gives()) is not None:
            notes.append(lacking)  # a label at 0% on the page is not one no post holds
    rated = sum(out.confidence)
    if out.posts and out.kind == "hand":
        notes.append("labels given by hand carry no confidence: the confidence chart is empty")
    elif rated < out.posts:
        notes.append(
            f"{out.posts - rated} of {out.posts} posts carry no confidence (a post left without a label has none): "
            f"the confidence chart counts the other {rated}"
        )
    if note := full_note(out.items, shown_traces, found):
        notes.append(note)
    labelled = sum(out.labels.values())
    groups = out.groups.largest(GROUPS_SHOWN)
    edges = [round(i / CONFIDENCE_BINS, 2) for i in range(CONFIDENCE_BINS + 1)]
    return {
        "posts": out.posts,
        "labels": {
            label: {"count": out.labels[label], "share": round(out.labels[label] / out.posts, 4) if out.posts else 0.0} for label in LABELS
        },
        "no_label": dict(out.no_label.most_common()),
        "labelled": labelled,
        "labels_from": "posts" if out.own_labels else "model" if out.model is not None else None,
        "model": out.model,
        "first": None if out.first is None else _iso(out.first),
        "last": None if out.last is None else _iso(out.last),
        "over_time": out.timeline.chart(),
        "timed": out.timed,
        "groups": {
            "by": by or "account",
            "count": group_count,
            # "none" as in over_time: a group's posts with no label, so its columns add up to its posts.
            "rows": [{"group": g, "posts": sum(c.values()), **{k: c[k] for k in [*LABELS, "none"]}} for g, c in groups],
        },
        "confidence": {"edges": edges, "counts": out.confidence, "uncertain": out.no_label.get("uncertain", 0)},
        "typical": {label: {"words": _typical(out.words, label, top), "hashtags": _typical(out.tags, label, top)} for label in LABELS},
        # What made each a trace, so that neither the page nor the JSON shows its figures (or "None found") without it.
        "emergent_rule": {"min_accounts": min_accounts, "window_hours": window_hours if out.timed else None},
        "emergent_traces": shown_traces,
        "notes": notes,
    }
