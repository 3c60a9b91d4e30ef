"""Bluesky: ``app.bsky.feed.getAuthorFeed`` items, and post views on their own (``searchPosts``, ``getPosts``, one per line)."""

from __future__ import annotations

from typing import Any

from smclass.reading.platforms.base import Shape


def feed_item(value: dict[str, Any]) -> dict[str, Any]:
    post = value["post"]
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    text = record.get("text")
    reason = value.get("reason")
    # A repost is someone else's post that the feed's owner shared: said so as X says a retweet,
    # its author the post's own. A repost of a post without words stays without them.
    if isinstance(reason, dict) and reason.get("$type") == _REPOST and isinstance(text, str) and text.strip() and author.get("handle"):
        text = f"RT @{author['handle']}: {text}"
    out = {"id": post.get("uri"), "text": text, "platform": "bluesky", "created_at": record.get("createdAt")}
    if author.get("handle"):
        out["author"] = author["handle"]
    reposter = reason.get("by") if isinstance(reason, dict) and reason.get("$type") == _REPOST else None
    if isinstance(reason, dict) and isinstance(reposter, dict) and reposter.get("handle"):
        # The repost is the reposter's act, at its own time, as an X retweet is its retweeter's: taken
        # for the post's author's, three accounts reposting one post were one account in report's traces.
        out["author"] = reposter["handle"]
        out["created_at"] = reason.get("indexedAt") or out["created_at"]
    if isinstance(reason, dict):
        out["reason_type"] = reason.get("$type")
    return out


_REPOST = "app.bsky.feed.defs#reasonRepost"


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
