"""Bluesky: ``app.bsky.feed.getAuthorFeed`` items, and post views on their own (``searchPosts``, ``getPosts``, one per line)."""

from __future__ import annotations

from typing import Any

from smclass.reading.platforms.base import Shape


def feed_item(value: dict[str, Any]) -> dict[str, Any]:
    post = value["post"]
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    out = {"id": post.get("uri"), "text": record.get("text"), "platform": "bluesky", "created_at": record.get("createdAt")}
    if author.get("handle"):
        out["author"] = author["handle"]
    if isinstance(value.get("reason"), dict):
        out["reason_type"] = value["reason"].get("$type")
    return out


def is_feed_item(value: dict[str, Any]) -> bool:
    post = value.get("post")
    return isinstance(post, dict) and "uri" in post and isinstance(post.get("record"), dict)


def is_post_view(value: dict[str, Any]) -> bool:
    record, uri = value.get("record"), value.get("uri")
    return isinstance(uri, str) and uri.startswith("at://") and isinstance(record, dict) and record.get("$type") == "app.bsky.feed.post"


SHAPES = [
    Shape("Bluesky feed", is_feed_item, lambda value: [feed_item(value)], text_keys=frozenset({"post"})),
    Shape("Bluesky post", is_post_view, lambda value: [feed_item({"post": value})]),
]
