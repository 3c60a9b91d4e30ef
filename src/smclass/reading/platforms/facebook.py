"""Facebook "Download your information": ``your_posts_1.json`` entries, mojibake repaired."""

from __future__ import annotations

from typing import Any

from smclass.reading.mojibake import fix_strings
from smclass.reading.platforms.base import Shape


def post(value: dict[str, Any]) -> dict[str, Any]:
    value = fix_strings(value)
    texts = [d["post"] for d in value.get("data") or [] if isinstance(d, dict) and isinstance(d.get("post"), str)]
    record: dict[str, Any] = {"id": value.get("timestamp"), "text": "\n\n".join(texts) if texts else None, "platform": "facebook"}
    # The title is Facebook's words about the entry ("Ana added a new photo."), not the
    # user's: kept as the activity, never offered as the text of a post that has none.
    if isinstance(value.get("title"), str):
        record["activity"] = value["title"]
    return record


def is_post(value: dict[str, Any]) -> bool:
    if not isinstance(value.get("timestamp"), int):
        return False
    return isinstance(value.get("data"), list) or isinstance(value.get("attachments"), list) or isinstance(value.get("title"), str)


SHAPES = [Shape("Facebook posts", is_post, lambda value: [post(value)], text_keys=frozenset({"title"}))]
