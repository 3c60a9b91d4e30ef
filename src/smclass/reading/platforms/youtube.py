"""YouTube: yt-dlp ``.info.json`` written with ``--write-comments``, and Google Takeout ``comments.csv``.

Takeout keeps a comment's words in its ``Comment Text`` column as JSON text segments,
``{"text": "..."}`` objects in a row (since 2024) or under ``takeoutSegments`` (before):
the segments join into the comment; a link segment keeps its text.
"""

from __future__ import annotations

import json
from typing import Any

from smclass.reading.platforms.base import Shape, Unreadable


def info_comments(value: dict[str, Any]) -> list[Any]:
    video = value.get("id")
    out: list[Any] = []
    for comment in value["comments"]:
        if not isinstance(comment, dict):
            out.append(Unreadable("a yt-dlp comment object", comment))
            continue
        parent = comment.get("parent")
        out.append(
            {
                "id": comment.get("id"),
                "text": comment.get("text"),
                "platform": "youtube",
                "video_id": video,
                # yt-dlp marks a top-level comment with the parent "root".
                "parent": None if parent in (None, "root") else parent,
                "author": comment.get("author"),
                "timestamp": comment.get("timestamp"),
            }
        )
    return out


def is_info_json(value: dict[str, Any]) -> bool:
    return isinstance(value.get("comments"), list) and ("extractor" in value or "extractor_key" in value or "webpage_url" in value)


def segments_text(value: Any) -> str | None:
    """The words of a Takeout ``Comment Text`` cell, or None when it is not the segments JSON."""
    if not isinstance(value, str):
        return None
    cell = value.strip()
    if not cell.startswith("{"):
        return None
    try:
        # Raw newlines sit inside the JSON strings: strict=False lets them through.
        parsed = json.loads(f"[{cell}]", strict=False)
    except (ValueError, RecursionError):
        return None
    if len(parsed) == 1 and isinstance(parsed[0], dict) and isinstance(parsed[0].get("takeoutSegments"), list):
        parsed = parsed[0]["takeoutSegments"]
    if not all(isinstance(s, dict) for s in parsed):
        return None
    return "".join(s["text"] for s in parsed if isinstance(s.get("text"), str))


def takeout_row(value: dict[str, Any]) -> list[dict[str, Any]]:
    cell = value.get("Comment Text")
    text = segments_text(cell)
    record: dict[str, Any] = {
        "id": value.get("Comment ID"),
        # A cell that is not segments JSON is taken as the words themselves.
        "text": cell if text is None else text,
        "platform": "youtube",
        "video_id": value.get("Video ID") or None,
        "parent": value.get("Parent Comment ID") or None,
        "created_at": value.get("Comment Create Timestamp"),
    }
    if value.get("Post ID"):
        record["post_id"] = value["Post ID"]
    return [record]


def is_takeout_row(value: dict[str, Any]) -> bool:
    return "Comment ID" in value and "Comment Text" in value


# Google Takeout's activity histories (YouTube watch and search history, My Activity) are
# lists of what the user did, worded by Google ("Watched ..."): no post of theirs in them.
TAKEOUT_ACTIVITY = "a Google Takeout activity history (watch or search history, My Activity), not posts"


def is_takeout_activity(value: dict[str, Any]) -> bool:
    return (
        isinstance(value.get("header"), str)
        and isinstance(value.get("title"), str)
        and isinstance(value.get("time"), str)
        and (isinstance(value.get("products"), list) or isinstance(value.get("activityControls"), list))
    )


SHAPES = [
    Shape(
        "Google Takeout activity",
        is_takeout_activity,
        lambda value: [Unreadable("", value, f"this is {TAKEOUT_ACTIVITY}")],
        text_keys=frozenset({"title", "description"}),
    ),
    Shape(
        "yt-dlp info.json comments", is_info_json, info_comments, whole=True, text_keys=frozenset({"title", "description"}), each="comments"
    ),
]
# Rows of CSV files, offered to platforms.unwrap_rows rather than to JSON objects.
ROW_SHAPES = [Shape("YouTube Takeout comments", is_takeout_row, takeout_row)]
