"""Mastodon: ActivityPub ``outbox.json`` activities and API statuses, whose text is HTML."""

from __future__ import annotations

import html
import re
from typing import Any

from smclass.reading.platforms.base import NotPostsError, Shape

_BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/li|/h\d)\s*/?\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
# What HTML holds that no reader sees as words: comments too, whose ">" (Outlook's <!--[if mso]>) ends no tag.
_HIDDEN = re.compile(r"<!--.*?-->|<(style|script|head|title)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def html_to_text(value: str) -> str:
    """The words of HTML (Mastodon and ActivityPub posts, YouTube comments, e-mail bodies), and its line breaks."""
    text = _BLOCK_TAGS.sub("\n", _HIDDEN.sub("", value))
    text = _TAGS.sub("", text)
    return html.unescape(text).strip()


def activity(value: dict[str, Any]) -> dict[str, Any]:
    kind = value.get("type")
    obj = value.get("object")
    if kind == "Create" and isinstance(obj, dict):
        content = obj.get("content")
        return {
            "id": obj.get("id") or value.get("id"),
            "text": _with_warning(obj.get("summary"), html_to_text(content) if isinstance(content, str) else None),
            "platform": "mastodon",
            "created_at": obj.get("published") or value.get("published"),
            "url": obj.get("url"),
        }
    # A boost (Announce) carries only the URL of someone else's post: no text to judge.
    return {"id": value.get("id"), "text": None, "platform": "mastodon", "activity": kind, "object": obj if isinstance(obj, str) else None}


def _with_warning(warning: Any, text: str | None) -> str | None:
    """The content warning (``spoiler_text``, an outbox's ``summary``) before the text: the author's words on what follows."""
    if isinstance(warning, str) and warning.strip() and text is not None:
        return f"{warning.strip()}\n\n{text}"
    return text


def status(value: dict[str, Any]) -> dict[str, Any]:
    reblog = value.get("reblog")
    source = reblog if isinstance(reblog, dict) else value
    content = source.get("content")
    text = _with_warning(source.get("spoiler_text"), html_to_text(content) if isinstance(content, str) else None)
    # A boost is someone else's post that the account shared: said so as X says a retweet (and a
    # Bluesky repost is said), its author the boosted post's own. A boost of a post without words stays so.
    account = source.get("account") if isinstance(reblog, dict) else None
    acct = account.get("acct") if isinstance(account, dict) else None
    if isinstance(acct, str) and acct and text:
        text = f"RT @{acct}: {text}"
    record = {"id": value.get("id"), "text": text, "platform": "mastodon", "url": value.get("url") or value.get("uri")}
    if isinstance(reblog, dict):
        record["reblog_of"] = reblog.get("id")
    # The account that posted or boosted it, as X names a retweet's retweeter: without it, report
    # found no account in any status (its account object is no plain field a flattened post keeps).
    poster = value.get("account")
    if isinstance(poster, dict) and isinstance(poster.get("acct"), str) and poster["acct"].strip():
        record["author"] = poster["acct"]
    if "created_at" in value:
        record["created_at"] = value["created_at"]
    return record


def is_status(value: dict[str, Any]) -> bool:
    return isinstance(value.get("content"), str) and "account" in value and ("uri" in value or "url" in value)


def is_activity(value: dict[str, Any]) -> bool:
    return value.get("type") in ("Create", "Announce") and "object" in value


def is_link_list(value: dict[str, Any]) -> bool:
    """An ActivityPub collection of links only: a Mastodon export's ``likes.json`` or ``bookmarks.json``."""
    items = value.get("orderedItems")
    return value.get("type") == "OrderedCollection" and isinstance(items, list) and bool(items) and all(isinstance(i, str) for i in items)


def link_list(value: dict[str, Any]) -> list[Any]:
    # Each link would be read as a post whose text is a URL, and labelled from its domain.
    said = "this is a list of links to others' posts (Mastodon's likes.json or bookmarks.json), not posts: it holds no text to classify"
    raise NotPostsError(said)


SHAPES = [
    Shape("ActivityPub links", is_link_list, link_list, whole=True),
    Shape("ActivityPub outbox", is_activity, lambda value: [activity(value)]),
    Shape("Mastodon status", is_status, lambda value: [status(value)], text_keys=frozenset({"content", "text"})),
]
