"""Reddit: listing JSON and Pushshift dumps; posts (t3) and comments (t1), replies walked in order."""

from __future__ import annotations

from typing import Any

from smclass.reading.platforms.base import MAX_DEPTH, Shape
from smclass.reading.usable import PLACEHOLDERS


def things(value: dict[str, Any], depth: int = 0) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each post or comment with its own data (its replies walked, not repeated)."""
    kind = value.get("kind")
    data = value.get("data")
    if not isinstance(data, dict):
        return []
    if kind == "Listing":
        out: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for child in data.get("children") or []:
            if isinstance(child, dict):
                out.extend(things(child, depth + 1))
        return out
    if kind == "more":
        # In a listing, a stub for comments it does not hold; on its own (a line of a dump), a record
        # of the input like any other, so it gets its line (unlabelled) rather than vanishing.
        return [] if depth else [({"id": data.get("name") or data.get("id"), "text": None, "platform": "reddit", "kind": "more"}, data)]
    if kind == "t3":
        # "[removed]" in place of the selftext is Reddit's, not the poster's: the title alone is read.
        selftext = data.get("selftext")
        parts = [p for p in (data.get("title"), selftext) if isinstance(p, str) and p.strip() and p.strip() not in PLACEHOLDERS]
        text = "\n\n".join(parts) or (selftext if isinstance(selftext, str) and selftext.strip() in PLACEHOLDERS else None)
        record = {"id": data.get("name") or data.get("id"), "text": text, "platform": "reddit", "kind": "post"}
    else:
        record = {"id": data.get("name") or data.get("id"), "text": data.get("body"), "platform": "reddit", "kind": "comment"}
    for key in ("subreddit", "author", "created_utc", "permalink"):
        if key in data:
            record[key] = data[key]
    out = [(record, {k: v for k, v in data.items() if k != "replies"})]
    replies = data.get("replies")
    if isinstance(replies, dict) and depth < MAX_DEPTH:
        out.extend(things(replies, depth + 1))
    return out


def is_thing(value: dict[str, Any]) -> bool:
    return value.get("kind") in ("Listing", "t1", "t3", "more") and isinstance(value.get("data"), dict)


SHAPES = [Shape("Reddit listing", is_thing, things, whole=True)]
