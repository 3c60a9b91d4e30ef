"""Zeeschuimer captures: NDJSON, one item a line, the platform's own object under ``data``.

Zeeschuimer (the Digital Methods Initiative's browser extension) wraps each captured item
as ``{"nav_index", "item_id", "timestamp_collected", "source_platform", "source_url", ...,
"data": {...}}``. The text and id are taken from ``data`` the way 4CAT's importers take
them (``datasources/*/search_*.py``), one reader per platform module of Zeeschuimer. An
item from a module whose layout smclass does not know is refused, never guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from smclass.reading.platforms import mastodon, x
from smclass.reading.platforms.base import Shape, Unreadable, nested
from smclass.reading.records import json_kind

_ACTIVITY = re.compile(r"urn:li:activity:(\d+)")


class _LayoutError(Exception):
    """The item's ``data`` is not laid out as the platform's reader expects: its message says what was expected."""


def is_item(value: dict[str, Any]) -> bool:
    """A Zeeschuimer item: the wrapper's own keys around the captured ``data``."""
    return isinstance(value.get("source_platform"), str) and "data" in value and ("item_id" in value or "nav_index" in value)


def platform_of(value: dict[str, Any]) -> str:
    platform = str(value.get("source_platform", "")).strip().lower()
    return platform[4:] if platform.startswith("www.") else platform


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _ident(*candidates: Any) -> str | None:
    """The first usable id; numbers are kept as their digits, so ids stay alike across lines."""
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return str(candidate)
    return None


# X/Twitter ---------------------------------------------------------------------------------


def _unwrapped(tweet: Any) -> Any:
    # Tweets shown with a notice (TweetWithVisibilityResults) hold the tweet one level down.
    inner = tweet.get("tweet") if isinstance(tweet, dict) else None
    return inner if isinstance(inner, dict) and "legacy" in inner else tweet


def _handle(tweet: dict[str, Any]) -> str | None:
    if tweet.get("type") == "adaptive":
        return _text(nested(tweet, "user", "screen_name"))
    user = nested(tweet, "core", "user_results", "result")
    # X moved the handle from the user's ``legacy`` to its ``core`` in 2025.
    return _text(nested(user, "legacy", "screen_name")) or _text(nested(user, "core", "screen_name"))


def _as_v1(tweet: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL tweet as the v1.1 tweet its ``legacy`` nearly is, the long post's note as its full text."""
    legacy = tweet.get("legacy")
    if not isinstance(legacy, dict):
        raise _LayoutError("an X GraphQL tweet with its 'legacy' object")
    # ``data.id`` is no id to trust: Zeeschuimer parses some with JavaScript's parseInt, which rounds 19 digits.
    ident = _ident(tweet.get("rest_id"), legacy.get("id_str"))
    if ident is None:
        raise _LayoutError("an X GraphQL tweet with its 'rest_id' or 'legacy.id_str'")
    note = _text(nested(tweet, "note_tweet", "note_tweet_results", "result", "text"))
    full_text = note if note is not None else legacy.get("full_text")
    v1 = {key: value for key, value in legacy.items() if key not in ("retweeted_status", "extended_tweet", "text")}
    v1.update({"id_str": ident, "full_text": full_text, "user": {"screen_name": _handle(tweet)}})
    retweeted = _unwrapped(nested(legacy, "retweeted_status_result", "result") or nested(tweet, "retweeted_status_result", "result"))
    if isinstance(retweeted, dict) and isinstance(retweeted.get("legacy"), dict):
        v1["retweeted_status"] = _as_v1(retweeted)
    return v1


def _tweet(data: dict[str, Any]) -> dict[str, Any]:
    tweet = _unwrapped(data)
    if not tweet.get("rest_id") and tweet.get("type") != "adaptive":
        raise _LayoutError('an X GraphQL tweet (with \'rest_id\') or an adaptive one ("type": "adaptive")')
    record = x.tweet_v1(_as_v1(tweet))
    if tweet.get("promoted") is True:
        record["promoted"] = True
    return record


# Instagram, Threads ------------------------------------------------------------------------


def _caption(data: dict[str, Any]) -> str | None:
    """The caption of an item-list media object: ``caption`` is null on a post without one."""
    return _text(nested(data, "caption", "text"))


def _instagram(data: dict[str, Any]) -> dict[str, Any]:
    graph = "__typename" in data and data["__typename"] != "XDTMediaDict"
    if graph:
        edges = nested(data, "edge_media_to_caption", "edges")
        text = _text(nested(edges[0], "node", "text")) if isinstance(edges, list) and edges else None
        # 4CAT names a post by its shortcode, the part of its link after /p/.
        ident = _ident(data.get("shortcode"), data.get("id"))
    else:
        text = _caption(data)
        ident = _ident(data.get("code"), data.get("id"))
    if ident is None:
        raise _LayoutError("an Instagram media object with its 'code' or 'id'")
    record: dict[str, Any] = {"id": ident, "text": text, "platform": "instagram"}
    author = nested(data, "user", "username") or nested(data, "owner", "username")
    if isinstance(author, str):
        record["author"] = author
    stamp = data.get("taken_at", data.get("taken_at_timestamp"))
    if stamp is not None:
        record["created_at"] = stamp
    link = data.get("link")
    # Zeeschuimer lets some ads through; 4CAT refuses them, here they are read and marked.
    if data.get("product_type") == "ad" or (isinstance(link, str) and link.startswith("https://www.facebook.com/ads/")):
        record["ad"] = True
    return record


def _threads(data: dict[str, Any]) -> dict[str, Any]:
    ident = _ident(data.get("code"), data.get("pk"), data.get("id"))
    if ident is None:
        raise _LayoutError("a Threads post object with its 'code'")
    record: dict[str, Any] = {"id": ident, "text": _caption(data), "platform": "threads"}
    author = nested(data, "user", "username")
    if isinstance(author, str):
        record["author"] = author
    if "taken_at" in data:
        record["created_at"] = data["taken_at"]
    return record


# TikTok, LinkedIn, Truth Social, Gab, 9GAG ---------------------------------------------------


def _tiktok(data: dict[str, Any]) -> dict[str, Any]:
    ident = _ident(data.get("id"))
    if ident is None or "desc" not in data:
        raise _LayoutError("a TikTok video object with its 'id' and 'desc'")
    record: dict[str, Any] = {"id": ident, "text": _text(data["desc"]), "platform": "tiktok"}
    author = data.get("author")
    # Videos from the API name their author in an object, videos embedded in a page by handle.
    handle = author.get("uniqueId") if isinstance(author, dict) else author
    if isinstance(handle, str):
        record["author"] = handle
    if "createTime" in data:
        record["created_at"] = data["createTime"]
    return record


def _linkedin(data: dict[str, Any]) -> dict[str, Any]:
    # 4CAT names a post by its activity number; an aggregate update names it first.
    urns = (nested(data, "updateMetadata", "urn"), data.get("preDashEntityUrn"), data.get("entityUrn"), data.get("id"))
    found = next((m for urn in urns if isinstance(urn, str) and (m := _ACTIVITY.search(urn))), None)
    if found is None:
        raise _LayoutError("a LinkedIn update with an 'urn:li:activity:' id")
    commentary = data.get("commentary")
    if commentary is not None and not isinstance(nested(commentary, "text", "text"), str):
        raise _LayoutError("a LinkedIn update whose 'commentary' holds 'text.text'")
    record: dict[str, Any] = {"id": found.group(1), "text": nested(commentary, "text", "text"), "platform": "linkedin"}
    author = nested(data, "actor", "name", "text")
    if isinstance(author, str):
        record["author"] = author
    return record


def _truth(data: dict[str, Any]) -> dict[str, Any]:
    ident = _ident(data.get("id"))
    if ident is None or "content" not in data:
        raise _LayoutError("a Truth Social status with its 'id' and 'content'")
    # Zeeschuimer has already taken the HTML out of ``content``; 4CAT reads it as it is.
    record: dict[str, Any] = {"id": ident, "text": _text(data["content"]), "platform": "truthsocial"}
    author = nested(data, "account", "username")
    if isinstance(author, str):
        record["author"] = author
    if "created_at" in data:
        record["created_at"] = data["created_at"]
    return record


def _gab(data: dict[str, Any]) -> dict[str, Any]:
    kind = data.get("type")
    if kind is not None and kind != "post":
        raise _LayoutError(f"a Gab post (this one is a {kind!r})" if isinstance(kind, str) else "a Gab post")
    # Older captures keep Gab's own short keys (4CAT reads ``i`` and ``c``); newer ones name them.
    ident = _ident(data.get("i"), data.get("id"))
    if ident is None or not ("c" in data or "content" in data):
        raise _LayoutError("a Gab post with its id and content ('i' and 'c', or 'id' and 'content')")
    # Gab's own ``c`` is HTML (Zeeschuimer's newer module strips it into ``content``).
    raw = _text(data.get("c"))
    text = mastodon.html_to_text(raw) if raw is not None else _text(data.get("content"))
    record: dict[str, Any] = {"id": ident, "text": text, "platform": "gab"}
    if "ca" in data or "created_at" in data:
        record["created_at"] = data.get("ca", data.get("created_at"))
    return record


def _ninegag(data: dict[str, Any]) -> dict[str, Any]:
    ident = _ident(data.get("id"))
    if ident is None or "title" not in data:
        raise _LayoutError("a 9GAG post with its 'id' and 'title'")
    # A 9GAG post's words are its title, with a description under it now and then.
    parts = [p for p in (data.get("title"), data.get("description")) if isinstance(p, str) and p.strip()]
    record: dict[str, Any] = {"id": ident, "text": "\n\n".join(parts) or None, "platform": "9gag"}
    if "creationTs" in data:
        record["created_at"] = data["creationTs"]
    return record


# Zeeschuimer's module ids (its ``source_platform``), each with its reader and how notes name it.
_READERS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "twitter.com": ("X/Twitter", _tweet),
    "x.com": ("X/Twitter", _tweet),
    "instagram.com": ("Instagram", _instagram),
    "threads.net": ("Threads", _threads),
    "threads.com": ("Threads", _threads),
    "tiktok.com": ("TikTok", _tiktok),
    "linkedin.com": ("LinkedIn", _linkedin),
    "truthsocial.com": ("Truth Social", _truth),
    "gab.com": ("Gab", _gab),
    "9gag.com": ("9GAG", _ninegag),
}
READABLE = tuple(_READERS)


def read_item(value: dict[str, Any]) -> list[Any]:
    platform = platform_of(value)
    name, reader = _READERS[platform]
    data = value["data"]
    try:
        if not isinstance(data, dict):
            raise _LayoutError(f"the {name} post as an object (got {json_kind(data)})")
        record = reader(data)
    except _LayoutError as layout:
        # The whole line is the record refused, so --rejects keeps it as it was captured.
        return [Unreadable(str(layout), value, f"expected {layout} under 'data' of this {platform} item")]
    record["source_platform"] = platform
    return [record]


def _refuse(value: dict[str, Any]) -> list[Any]:
    readable = ", ".join(sorted(set(READABLE)))
    reason = f"expected a Zeeschuimer item smclass can read, got one from {platform_of(value)!r} (it reads {readable})"
    return [Unreadable("", value, reason)]


def _shape(platform: str) -> Shape:
    name = _READERS[platform][0]
    return Shape(f"Zeeschuimer {name} items", lambda value: is_item(value) and platform_of(value) == platform, read_item)


SHAPES = [
    *(_shape(platform) for platform in _READERS),
    Shape("Zeeschuimer items", is_item, _refuse),
]
