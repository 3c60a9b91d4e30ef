"""X (Twitter): account archives (tweets.js), API v1.1 tweets, API v2 and twarc2 pages."""

from __future__ import annotations

import re
from typing import Any

from smclass.reading.platforms.base import Shape

_JS_PREFIX = re.compile(rb"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
_JS_PREFIX_TEXT = re.compile(r"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")


def is_twitter_archive(head: bytes) -> bool:
    return bool(_JS_PREFIX.match(head))


def strip_javascript_prefix(text: str) -> str:
    return _JS_PREFIX_TEXT.sub("", text, count=1)


def is_tweet_v1(value: dict[str, Any]) -> bool:
    return "id_str" in value and ("full_text" in value or "text" in value)


def tweet_v1(value: dict[str, Any]) -> dict[str, Any]:
    """API v1.1 and archive tweets: the untruncated text wherever it is kept."""
    text = value.get("full_text")
    extended = value.get("extended_tweet")
    if isinstance(extended, dict) and isinstance(extended.get("full_text"), str):
        text = extended["full_text"]
    if text is None:
        text = value.get("text")
    retweeted = value.get("retweeted_status")
    if isinstance(retweeted, dict) and isinstance(text, str) and text.startswith("RT @"):
        original = tweet_v1(retweeted)["text"] if is_tweet_v1(retweeted) else None
        author = (retweeted.get("user") or {}).get("screen_name")
        if isinstance(original, str) and author:
            text = f"RT @{author}: {original}"
    record: dict[str, Any] = {"id": value.get("id_str"), "text": text, "platform": "twitter"}
    if "created_at" in value:
        record["created_at"] = value["created_at"]
    user = value.get("user")
    if isinstance(user, dict) and user.get("screen_name"):
        record["author"] = user["screen_name"]
    return record


def tweet_v2(value: dict[str, Any]) -> dict[str, Any]:
    note = value.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) and isinstance(note.get("text"), str) else value.get("text")
    record = {"id": value.get("id"), "text": text, "platform": "twitter"}
    for key in ("created_at", "author_id", "conversation_id", "lang"):
        if key in value:
            record[key] = value[key]
    return record


def is_twarc2_page(value: dict[str, Any]) -> bool:
    data = value.get("data")
    return isinstance(data, list) and ("meta" in value or "includes" in value or "__twarc" in value)


def _v1_tweet(value: dict[str, Any]) -> list[Any]:
    return [(tweet_v1(value), value)]


def _page_tweet(tweet: Any) -> tuple[Any, Any]:
    return (tweet_v2(tweet) if isinstance(tweet, dict) else tweet), tweet


def _archive_entry(value: dict[str, Any]) -> list[Any]:
    tweet = value["tweet"]
    return [tweet_v1(tweet) if is_tweet_v1(tweet) else tweet]


SHAPES = [
    Shape("X archive tweets", lambda value: isinstance(value.get("tweet"), dict), _archive_entry),
    Shape("X API v2 page", is_twarc2_page, lambda value: [_page_tweet(t) for t in value["data"]], whole=True, each="data"),
    Shape("X API v1.1 tweet", is_tweet_v1, _v1_tweet, whole=True, text_keys=frozenset({"text", "full_text"})),
]
