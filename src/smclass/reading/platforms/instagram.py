"""Instagram and Threads "Download your information" JSON, mojibake repaired.

Instagram's ``posts_1.json`` is a list of posts, each with its ``media``; a post with one
photo keeps its caption in ``media[0].title``, a post with several in its own ``title``.
Threads' ``threads_and_replies.json`` holds the same kind of entries under
``text_post_app_text_posts``, ``reels.json`` under ``ig_reels_media``; ``stories.json`` holds
bare media entries under ``ig_stories``. A whole export folder or zip is read by :func:`post_files`,
which keeps the files that hold posts and names the rest, which are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import IO, Any

from smclass.errors import InputError
from smclass.reading.mojibake import fix_strings
from smclass.reading.platforms.base import SameSecond, Shape, Unreadable
from smclass.reading.records import Record

_THREADS_KEY = "text_post_app_text_posts"
_STORIES_KEY = "ig_stories"
_REELS_KEY = "ig_reels_media"
# The files of an export that hold the user's own posts and comments; the rest (followers,
# likes, settings, ads, media) hold none and are skipped.
_POST_FILES = re.compile(r"(?:^|/)(?:posts_\d+|threads_and_replies|stories|reels|post_comments_\d+|reels_comments)\.json$")
# Folders only an export has; older exports are known by a post file beside followers_and_following/.
_EXPORT_FOLDERS = re.compile(
    r"(?:^|/)(?:your_instagram_activity|personal_information/personal_information|connections/followers_and_following)/"
)
_OLD_EXPORT_FOLDER = re.compile(r"(?:^|/)followers_and_following/")


def _media(entry: dict[str, Any]) -> list[dict[str, Any]]:
    media = entry.get("media")
    return [m for m in media if isinstance(m, dict)] if isinstance(media, list) else []


def _caption(entry: dict[str, Any]) -> str | None:
    title = entry.get("title")
    if isinstance(title, str) and title.strip():
        return title
    for media in _media(entry):
        if isinstance(media, dict) and isinstance(media.get("title"), str) and media["title"].strip():
            return str(media["title"])
    # A post with no caption at all: the photo says nothing to classify.
    return title if isinstance(title, str) else None


def _timestamp(entry: dict[str, Any]) -> Any:
    if "creation_timestamp" in entry:
        return entry["creation_timestamp"]
    media = _media(entry)
    return media[0].get("creation_timestamp") if media else None


def post(value: dict[str, Any]) -> list[dict[str, Any]]:
    value = fix_strings(value)
    media = _media(value)
    uri = next((m["uri"] for m in media if isinstance(m.get("uri"), str) and m["uri"]), None)
    # The first photo's path is the one thing unique to a post: two can share a second.
    return [{"id": uri or _timestamp(value), "text": _caption(value), "platform": "instagram", "created_at": _timestamp(value)}]


def is_post(value: dict[str, Any]) -> bool:
    media = value.get("media")
    return (
        isinstance(media, list)
        and bool(media)
        and all(isinstance(m, dict) and "uri" in m and "creation_timestamp" in m for m in media)
        and set(value) <= {"media", "title", "creation_timestamp"}
    )


def _each(entries: list[Any], what: str, read: Callable[[dict[str, Any]], Any]) -> list[Any]:
    """``read`` of each entry of an export's list, in order; an entry that is no object is said to be one."""
    return [read(entry) if isinstance(entry, dict) else Unreadable(what, entry) for entry in entries]


def threads(value: dict[str, Any]) -> list[Any]:
    same_second = SameSecond()

    def thread_post(entry: dict[str, Any]) -> dict[str, Any]:
        entry = fix_strings(entry)
        stamp = _timestamp(entry)
        # A text post has no photo to name it, and a thread's parts can share a second.
        ident = same_second.id(None if stamp is None else str(stamp))
        media = _media(entry)
        app_post = media[0].get("text_app_post") if media else None
        reply = app_post.get("is_reply") if isinstance(app_post, dict) else None
        record = {"id": ident, "text": _caption(entry), "platform": "threads", "created_at": stamp}
        if isinstance(reply, bool):
            record["is_reply"] = reply
        return record

    return _each(value[_THREADS_KEY], "a Threads post object", thread_post)


def _story(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fixed = fix_strings(entry)
    title = fixed.get("title")
    record = {
        "id": fixed.get("uri") or fixed.get("creation_timestamp"),
        "text": title if isinstance(title, str) else None,
        "platform": "instagram",
        "created_at": fixed.get("creation_timestamp"),
        "kind": "story",
    }
    return record, entry


def stories(value: dict[str, Any]) -> list[Any]:
    """``stories.json``: each story is a bare media entry, its caption in ``title``."""
    return _each(value[_STORIES_KEY], "an Instagram story object", _story)


def _reel(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    (record,) = post(entry)
    return {**record, "kind": "reel"}, entry


def reels(value: dict[str, Any]) -> list[Any]:
    """``reels.json``: each reel is a post with its ``media``, as in ``posts_1.json``."""
    return _each(value[_REELS_KEY], "an Instagram reel object", _reel)


def is_stories(value: dict[str, Any]) -> bool:
    return isinstance(value.get(_STORIES_KEY), list)


def is_reels(value: dict[str, Any]) -> bool:
    return isinstance(value.get(_REELS_KEY), list)


def is_threads(value: dict[str, Any]) -> bool:
    return isinstance(value.get(_THREADS_KEY), list)


def is_export(names: set[str]) -> bool:
    """Whether these member names (relative to the export's top) are an Instagram or Threads export."""
    if any(_EXPORT_FOLDERS.search(n) for n in names):
        return True
    return any(_POST_FILES.search(n) for n in names) and any(_OLD_EXPORT_FOLDER.search(n) for n in names)


def post_files(names: list[str]) -> tuple[list[str], str]:
    """The members that hold posts, and a note naming the ones skipped."""
    keep = [n for n in names if _POST_FILES.search(n)]
    skipped = [n.rsplit("/", 1)[-1] for n in names if not _POST_FILES.search(n)]
    shown = [n for n in skipped if n.endswith(".json")][:3] or skipped[:3]
    more = ", ..." if len(skipped) > len(shown) else ""
    return keep, f"{len(skipped)} files that hold no posts skipped: {', '.join(shown)}{more}" if skipped else ""


def read_export(
    names: list[str],
    open_member: Callable[[str], AbstractContextManager[IO[bytes]]],
    locate: Callable[[str], str],
    read_stream: Callable[[IO[bytes], str, str | None], Iterator[Record]],
    input_format: str | None,
) -> Iterator[Record]:
    """The posts of an export's post files; the note on the skipped files rides on the first file's shape."""
    keep, note = post_files(names)
    if not keep:
        files = "posts_N.json, reels.json, stories.json, threads_and_replies.json or comments"
        message = f"an Instagram export with no {files} (was it exported as HTML?)"
        raise InputError(message, source=locate("").rstrip("!/"))
    for number, name in enumerate(keep):
        with open_member(name) as handle:
            for record in read_stream(handle, locate(name), input_format):
                if number == 0 and note:
                    record.shape = f"{record.shape or 'Instagram export'}; {note}"
                yield record


# ``post_comments_1.json`` (and ``reels_comments.json``): each comment is a ``string_map_data`` of
# labelled values, its words under "Comment", its time under "Time".
def is_comment(value: dict[str, Any]) -> bool:
    fields = value.get("string_map_data")
    return isinstance(fields, dict) and isinstance(fields.get("Comment"), dict)


def comment(value: dict[str, Any]) -> list[Any]:
    fields = fix_strings(value["string_map_data"])
    words, time, owner = (fields.get(key) if isinstance(fields.get(key), dict) else {} for key in ("Comment", "Time", "Media Owner"))
    record = {"id": time.get("timestamp"), "text": words.get("value"), "platform": "instagram", "kind": "comment"}
    if isinstance(owner.get("value"), str):
        record["media_owner"] = owner["value"]
    return [(record, value)]


SHAPES = [
    Shape("Instagram comments", is_comment, comment, numbered=True),
    Shape("Threads posts", is_threads, threads, whole=True),
    Shape("Instagram stories", is_stories, stories, whole=True, each=_STORIES_KEY),
    Shape("Instagram reels", is_reels, reels, whole=True, each=_REELS_KEY),
    Shape("Instagram posts", is_post, post, text_keys=frozenset({"title"})),
]
