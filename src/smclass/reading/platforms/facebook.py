"""Facebook "Download your information": posts (``your_posts_1.json``), comments (``comments.json``), photos and
videos, and Messenger threads, mojibake repaired.

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


# Photos and videos: ``your_uncategorized_photos.json`` (``other_photos_v2``), ``your_videos.json``
# (``videos_v2``) and an album's file (``photos`` beside the album's ``name``). A photo's caption
# is its ``description``; its ``title`` is the album's name ("Mobile Uploads"), the same on every
# photo, and never its text.
_MEDIA_LISTS = ("other_photos_v2", "videos_v2", "photos")


def _media_list(value: dict[str, Any]) -> str | None:
    key = next((key for key in _MEDIA_LISTS if isinstance(value.get(key), list)), None)
    if key is None or (key == "photos" and not ("cover_photo" in value or "last_modified_timestamp" in value)):
        return None
    entries = value[key]
    return key if all(isinstance(e, dict) and "uri" in e and "creation_timestamp" in e for e in entries[:10]) else None


def _media_item(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fixed = fix_strings(entry)
    caption = fixed.get("description")
    record = {
        "id": fixed.get("uri") or fixed.get("creation_timestamp"),
        "text": caption if isinstance(caption, str) else None,
        "platform": "facebook",
        "created_at": fixed.get("creation_timestamp"),
    }
    if isinstance(fixed.get("title"), str):
        record["album"] = fixed["title"]
    return record, entry


def is_media(value: dict[str, Any]) -> bool:
    return _media_list(value) is not None


def media(value: dict[str, Any]) -> list[Any]:
    key = _media_list(value)
    return [_media_item(e) if isinstance(e, dict) else Unreadable("a Facebook photo or video object", e) for e in value[key or ""]]


# Messenger's (and Instagram's) ``message_1.json``: the thread's ``participants`` and its ``messages``,
# each with ``sender_name``, ``timestamp_ms`` and, when it has words, ``content``. The download of
# end-to-end encrypted chats names them ``senderName``, ``timestamp`` and ``text``, and writes
# clean UTF-8: repairing it as mojibake would garble a capital before a no-break space.
def is_messages(value: dict[str, Any]) -> bool:
    return isinstance(value.get("participants"), list) and isinstance(value.get("messages"), list)


# Messenger writes these messages itself, in the thread's words: someone added to it or leaving it
# ("Ana added Bo to the group."), a call ("Ana started a video chat."), and in the encrypted
# chats' download the stand-in for an unsent message ("User unsent a message").
_EVENTS = frozenset({"Subscribe", "Unsubscribe", "Call", "placeholder"})


def _message(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    encrypted = "timestamp_ms" not in entry and ("senderName" in entry or "timestamp" in entry)
    fixed = entry if encrypted else fix_strings(entry)
    content = fixed.get("text" if encrypted else "content")
    stamp = fixed.get("timestamp" if encrypted else "timestamp_ms")
    kind = fixed.get("type")
    event = isinstance(kind, str) and kind in _EVENTS
    record = {"id": stamp, "text": content if isinstance(content, str) and not event else None, "platform": "messenger"}
    author = fixed.get("senderName" if encrypted else "sender_name")
    if isinstance(author, str):
        record["author"] = author
    if event:
        record["kind"] = kind
    return record, entry


def messages(value: dict[str, Any]) -> list[Any]:
    return [_message(e) if isinstance(e, dict) else Unreadable("a Messenger message object", e) for e in value["messages"]]


SHAPES = [
    # An album's own description and a thread's title (its people's names) are kept beside, not read as a post.
    Shape("Facebook photos and videos", is_media, media, whole=True, text_keys=frozenset({"description"})),
    Shape("Messenger messages", is_messages, messages, whole=True, each="messages", numbered=True, text_keys=frozenset({"title"})),
    Shape("Facebook posts", is_post, lambda value: [post(value)], text_keys=frozenset({"title"}), numbered=True),
]
