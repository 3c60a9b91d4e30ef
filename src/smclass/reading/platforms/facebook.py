"""Facebook "Download your information": posts (``your_posts_1.json``) and comments (``comments.json``), mojibake repaired.

Both are lists of entries ``{"timestamp", "data": [...], "title"}``: a post's words are in
``data[].post``, a comment's in ``data[].comment.comment``. Comments are kept under
``comments_v2`` or ``group_comments_v2``; likes and reactions, entries of the same form
with no words, are refused.
"""

from __future__ import annotations

from typing import Any

from smclass.reading.mojibake import fix_strings
from smclass.reading.platforms.base import Shape, Unreadable

REACTIONS = "this is Facebook's likes and reactions (likes_and_reactions_N.json), not posts: it holds no text to classify"


def post(value: dict[str, Any]) -> dict[str, Any] | Unreadable:
    value = fix_strings(value)
    data = [d for d in value.get("data") or [] if isinstance(d, dict)]
    texts = [d["post"] for d in data if isinstance(d.get("post"), str)]
    comments = [d["comment"] for d in data if isinstance(d.get("comment"), dict)]
    texts += [c["comment"] for c in comments if isinstance(c.get("comment"), str)]
    if data and not texts and all("reaction" in d for d in data):
        # A like is no post with no text: a file of them read as posts would be a line of null per like.
        return Unreadable("", value, REACTIONS)
    record: dict[str, Any] = {"id": value.get("timestamp"), "text": "\n\n".join(texts) if texts else None, "platform": "facebook"}
    for key in ("author", "group"):
        found = next((c[key] for c in comments if isinstance(c.get(key), str)), None)
        if found is not None:
            record[key] = found
    # The title is Facebook's words about the entry ("Ana added a new photo."), not the
    # user's: kept as the activity, never offered as the text of a post that has none.
    if isinstance(value.get("title"), str):
        record["activity"] = value["title"]
    return record


# Every key Facebook writes in an entry. A record with others (an id, a url, a text) is someone
# else's, however it names its time: read as an entry, its id and title would be lost.
ENTRY_KEYS = frozenset({"timestamp", "data", "attachments", "title", "tags"})


def is_post(value: dict[str, Any]) -> bool:
    if not isinstance(value.get("timestamp"), int) or not value.keys() <= ENTRY_KEYS:
        return False
    return isinstance(value.get("data"), list) or isinstance(value.get("attachments"), list) or isinstance(value.get("title"), str)


SHAPES = [Shape("Facebook posts", is_post, lambda value: [post(value)], text_keys=frozenset({"title"}), numbered=True)]
