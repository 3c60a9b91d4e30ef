"""YouTube: yt-dlp ``.info.json`` written with ``--write-comments``, the Data API's comment threads and comments,
and Google Takeout ``comments.csv`` and ``live chats.csv``.

Takeout keeps a comment's words in its ``Comment Text`` column (a live chat message's in ``Live Chat Text``) as JSON text segments,
``{"text": "..."}`` objects in a row (since 2024) or under ``takeoutSegments`` (before):
the segments join into the comment; a link segment keeps its text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from smclass.reading.fields import fold
from smclass.reading.platforms.base import Shape, Unreadable
from smclass.reading.platforms.mastodon import html_to_text


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


def _by_folded(value: dict[str, Any]) -> dict[str, Any]:
    # Takeout has spelled its headers "Comment Text" and "Comment text": names are matched as
    # every field name is (fields.fold), never by their exact spelling.
    return {fold(name): cell for name, cell in value.items()}


def _segments_row(value: dict[str, Any], kind: str) -> dict[str, Any]:
    """A Takeout row of ``kind`` ("comment", "live chat") as a post: the text cell's segments joined, its own id."""
    row = _by_folded(value)
    cell = row.get(fold(f"{kind} text"))
    text = segments_text(cell)
    record = {
        "id": row.get(fold(f"{kind} id")),
        # A cell that is not segments JSON is taken as the words themselves.
        "text": cell if text is None else text,
        "platform": "youtube",
        "video_id": row.get("videoid") or None,
    }
    if kind == "comment":
        record["parent"] = row.get("parentcommentid") or None
    record["created_at"] = row.get(fold(f"{kind} create timestamp"))
    if row.get("postid"):
        record["post_id"] = row["postid"]
    return record


def takeout_row(value: dict[str, Any]) -> list[dict[str, Any]]:
    return [_segments_row(value, "comment")]


def is_takeout_row(value: dict[str, Any]) -> bool:
    return {"commentid", "commenttext"} <= set(map(fold, value))


def live_chat_row(value: dict[str, Any]) -> list[dict[str, Any]]:
    return [_segments_row(value, "live chat")]


def is_live_chat_row(value: dict[str, Any]) -> bool:
    return {"livechatid", "livechattext"} <= set(map(fold, value))


# Header names of the Takeout tables read as posts (folded): a header of them is a CSV header,
# though the names are none that fields.py knows.
ROW_FIELDS = frozenset({"commentid", "commenttext", "livechatid", "livechattext"})

# Takeout tables that hold no text of the user's, by file name and header (folded names):
# read alone they are refused, in a folder passed over with a note. Both must agree: a file
# of one's own that shares the names alone is no Takeout table.
_TABLES = {
    "subscriptions.csv": (
        frozenset({"channelid", "channelurl", "channeltitle"}),
        "YouTube subscriptions (Google Takeout), a list of channels, not posts",
    ),
}


def takeout_table(header: list[str], name: str) -> str | None:
    """What a Takeout table that holds no posts is, from its file name and header row, or None."""
    names, what = _TABLES.get(name.replace("!", "/").rsplit("/", 1)[-1].lower(), (None, None))
    return what if names == frozenset(fold(cell) for cell in header if cell.strip()) else None


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


def api_comment(value: dict[str, Any], parent: Any = None) -> dict[str, Any]:
    """A Data API ``youtube#comment``: its words as typed (``textOriginal``; ``textDisplay`` is HTML)."""
    snippet: dict[str, Any] = value["snippet"] if isinstance(value.get("snippet"), dict) else {}
    text = snippet.get("textOriginal")
    if text is None and isinstance(snippet.get("textDisplay"), str):
        text = snippet["textDisplay"]
        # HTML by default, plain when fetched with textFormat=plainText ("if x < 5 and y > 3").
        text = html_to_text(text) if _HTML.search(text) else text
    return {
        "id": value.get("id"),
        "text": text,
        "platform": "youtube",
        "video_id": snippet.get("videoId"),
        "parent": snippet.get("parentId", parent),
        "author": snippet.get("authorDisplayName"),
        "created_at": snippet.get("publishedAt"),
    }


_HTML = re.compile(r"<(?:br|/?a[ >]|/?b>|/?i>|/?p>)|&(?:#\d+|amp|quot|lt|gt|apos);", re.IGNORECASE)


def _api(value: dict[str, Any], kind: str) -> bool:
    # Its words sit in a snippet object: a table of the API's fields flattened (snippet.textOriginal
    # as a column) is read as a table, with --text-field naming the column.
    return value.get("kind") == kind and isinstance(value.get("snippet"), dict)


def api_thread(value: dict[str, Any]) -> list[Any]:
    """A ``youtube#commentThread``: its top comment, then the replies the API returned with it."""
    snippet: dict[str, Any] = value["snippet"] if isinstance(value.get("snippet"), dict) else {}
    top = snippet.get("topLevelComment")
    replies = (value.get("replies", {}).get("comments") or []) if isinstance(value.get("replies"), dict) else []
    comments = [(top, None), *((reply, value.get("id")) for reply in (replies if isinstance(replies, list) else [replies]))]
    return [
        (api_comment(comment, parent), comment) if isinstance(comment, dict) else Unreadable("a youtube#comment object", comment)
        for comment, parent in comments
    ]


SHAPES = [
    Shape("YouTube API comment thread", lambda value: _api(value, "youtube#commentThread"), api_thread),
    Shape("YouTube API comment", lambda value: _api(value, "youtube#comment"), lambda value: [api_comment(value)]),
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
ROW_SHAPES = [
    Shape("YouTube Takeout comments", is_takeout_row, takeout_row),
    Shape("YouTube Takeout live chats", is_live_chat_row, live_chat_row),
]
