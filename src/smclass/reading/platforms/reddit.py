"""Reddit: listing JSON and Pushshift dumps; posts (t3) and comments (t1), replies walked in order."""

from __future__ import annotations

from typing import Any

from smclass.reading.platforms.base import MAX_DEPTH, Shape


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
        return []
    if kind == "t3":
        parts = [p for p in (data.get("title"), data.get("selftext")) if isinstance(p, str) and p.strip()]
        record = {"id": data.get("name") or data.get("id"), "text": "\n\n".join(parts) or None, "platform": "reddit", "kind": "post"}
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
