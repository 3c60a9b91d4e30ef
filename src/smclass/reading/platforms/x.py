"""X (Twitter): account archives (tweets.js), API v1.1 tweets, API v2 and twarc2 pages, snscrape's tweets."""

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


def tweet_v2(value: dict[str, Any], tweets: dict[Any, Any] | None = None, users: dict[Any, Any] | None = None) -> dict[str, Any]:
    """API v2 tweets: the long post's ``note_tweet.text`` over the truncated ``text``; a retweet as v1.1 gives it.

    ``tweets`` and ``users`` are a page's ``includes`` by id, where a retweet's original is kept.
    """
    text = _v2_text(value)
    original, author = _retweeted(value, tweets or {}, users or {})
    if original is not None and isinstance(text, str) and text.startswith("RT @"):
        text = f"RT @{author}: {original}"
    record = {"id": value.get("id"), "text": text, "platform": "twitter"}
    for key in ("created_at", "author_id", "conversation_id", "lang"):
        if key in value:
            record[key] = value[key]
    return record


def _v2_text(value: dict[str, Any]) -> Any:
    note = value.get("note_tweet")
    return note["text"] if isinstance(note, dict) and isinstance(note.get("text"), str) else value.get("text")


def _retweeted(value: dict[str, Any], tweets: dict[Any, Any], users: dict[Any, Any]) -> tuple[str | None, str | None]:
    """The full text of the tweet ``value`` retweets and its author's handle, when the data holds both."""
    refs = value.get("referenced_tweets")
    ref = next((r for r in refs if isinstance(r, dict) and r.get("type") == "retweeted"), None) if isinstance(refs, list) else None
    if ref is None:
        return None, None
    # A page keeps the original in includes; twarc2's flattened lines put it in the reference itself.
    found = tweets.get(ref.get("id"))
    tweet = found if isinstance(found, dict) else ref
    user = users.get(tweet.get("author_id"))
    if not isinstance(user, dict):
        user = tweet.get("author")
    text = _v2_text(tweet) if "text" in tweet or "note_tweet" in tweet else None
    author = user.get("username") if isinstance(user, dict) else None
    if isinstance(text, str) and isinstance(author, str) and author:
        return text, author
    return None, None


def is_tweet_v2(value: dict[str, Any]) -> bool:
    """A v2 tweet saved on a line of its own (twarc2 flattened, tweepy): its edit history or long-post
    note says so; before X kept edit histories (2022), twarc2's own stamp or v2's typed references did."""
    return (
        isinstance(value.get("text"), str)
        and "id" in value
        and (not value.keys().isdisjoint(_TWEET_MARKS) or isinstance(value.get("note_tweet"), dict) or _typed_references(value))
    )


def _typed_references(value: dict[str, Any]) -> bool:
    refs = value.get("referenced_tweets")
    return isinstance(refs, list) and bool(refs) and all(isinstance(r, dict) and r.get("type") in _REFERENCE_TYPES for r in refs)


_REFERENCE_TYPES = frozenset({"retweeted", "quoted", "replied_to"})
_TWEET_MARKS = frozenset({"edit_history_tweet_ids", "__twarc"})


_TWEET_KEYS = frozenset({"note_tweet", "edit_history_tweet_ids"})
# Entries of a page looked at to tell a page of tweets.
_LOOKED = 10
# What an X API v2 answer holds at its top: a record with other keys is someone else's envelope.
_LOOKUP_KEYS = frozenset({"data", "includes", "meta", "errors", "__twarc"})


def is_twarc2_page(value: dict[str, Any]) -> bool:
    data = value.get("data")
    # A lookup of one tweet (GET /2/tweets/:id) answers with the tweet itself under data.
    one = _tweet_like(data)
    if one and value.keys() <= _LOOKUP_KEYS:
        return True  # without expansions a lookup is {"data": {...}} alone
    # Any API pages its results as {"data": [...], "meta": ...}: only a page of tweets is read as one.
    looked = [entry for entry in data[:_LOOKED] if isinstance(entry, dict)] if isinstance(data, list) else []
    # Most, not all: a withheld tweet or one with its words in note_tweet alone is still a tweet of the page.
    page = isinstance(data, list) and 2 * sum(map(_tweet_like, looked)) >= len(looked)
    if page and not data:
        page = isinstance(value.get("meta"), dict) and "result_count" in value["meta"]  # X's own empty page
    return (page or one) and ("meta" in value or "includes" in value or "__twarc" in value)


def _tweet_like(entry: Any) -> bool:
    """An X API v2 tweet: an id and its text (v2 gives both), its long text, or its edit history."""
    return isinstance(entry, dict) and "id" in entry and (isinstance(entry.get("text"), str) or not entry.keys().isdisjoint(_TWEET_KEYS))


def _v1_tweet(value: dict[str, Any]) -> list[Any]:
    return [(tweet_v1(value), value)]


def _page(value: dict[str, Any]) -> list[Any]:
    includes = value["includes"] if isinstance(value.get("includes"), dict) else {}
    tweets, users = _by_id(includes.get("tweets")), _by_id(includes.get("users"))
    data = value["data"]
    return [((tweet_v2(t, tweets, users) if isinstance(t, dict) else t), t) for t in (data if isinstance(data, list) else [data])]


def _by_id(items: Any) -> dict[Any, Any]:
    return {item["id"]: item for item in items if isinstance(item, dict) and "id" in item} if isinstance(items, list) else {}


def _archive_entry(value: dict[str, Any]) -> list[Any]:
    tweet = value["tweet"]
    return [tweet_v1(tweet) if is_tweet_v1(tweet) else tweet]


def is_snscrape_tweet(value: dict[str, Any]) -> bool:
    return value.get("_type") == "snscrape.modules.twitter.Tweet"


def snscrape_tweet(value: dict[str, Any]) -> dict[str, Any]:
    """snscrape's tweet: ``rawContent`` (``content`` in older versions); a retweet as v1.1 gives it.

    A retweet's own text is X's, cut at about 140 characters with an ellipsis; the whole
    original is in ``retweetedTweet``.
    """
    text = _snscrape_text(value)
    retweeted = value.get("retweetedTweet")
    if isinstance(retweeted, dict):
        original, author = _snscrape_text(retweeted), _username(retweeted)
        if isinstance(original, str) and original.strip() and author:
            text = f"RT @{author}: {original}"
    record: dict[str, Any] = {"id": value.get("id"), "text": text, "platform": "twitter"}
    if "date" in value:
        record["created_at"] = value["date"]
    if author := _username(value):
        record["author"] = author
    return record


def _snscrape_text(value: dict[str, Any]) -> Any:
    return value["rawContent"] if isinstance(value.get("rawContent"), str) else value.get("content")


def _username(value: dict[str, Any]) -> str | None:
    user = value.get("user")
    name = user.get("username") if isinstance(user, dict) else None
    return name if isinstance(name, str) and name else None


def link_targets(value: Any) -> dict[str, str]:
    """Where each t.co link of a tweet leads, as X's entities record it (``url`` to v2's ``unwound_url`` or
    ``expanded_url``; snscrape's ``links``), through a retweet's original, a long post and an archive's wrapper.

    X wraps every link in a t.co link of the post's own, so the same petition shared by three accounts
    is three links as written: only where they lead shows it was taken up.
    """
    found: dict[str, str] = {}
    stack, seen = [value], 0
    while stack and seen < _TWEETS_LOOKED:
        tweet = stack.pop()
        if not isinstance(tweet, dict):
            continue
        seen += 1
        for holder in (tweet, tweet.get("extended_tweet"), tweet.get("note_tweet")):
            entities = holder.get("entities") if isinstance(holder, dict) else None
            for url in entities.get("urls") or [] if isinstance(entities, dict) else []:
                if isinstance(url, dict) and isinstance(short := url.get("url"), str):
                    target = url.get("unwound_url") or url.get("expanded_url")
                    if isinstance(target, str) and target:
                        found.setdefault(short, target)
        for link in tweet.get("links") or [] if isinstance(tweet.get("links"), list) else []:
            if isinstance(link, dict) and isinstance(link.get("tcourl"), str) and isinstance(link.get("url"), str) and link["url"]:
                found.setdefault(link["tcourl"], link["url"])
        stack.extend(tweet.get(key) for key in ("tweet", "legacy", "retweeted_status", "retweetedTweet", "quoted_status"))
    return found


# A tweet nests a few others (its retweet's original, a quote, a wrapper): more is no tweet.
_TWEETS_LOOKED = 8


SHAPES = [
    Shape("X archive tweets", lambda value: isinstance(value.get("tweet"), dict), _archive_entry),
    Shape("X API v2 page", is_twarc2_page, _page, whole=True, each="data"),
    Shape("X API v1.1 tweet", is_tweet_v1, _v1_tweet, whole=True, text_keys=frozenset({"text", "full_text"})),
    Shape("X API v2 tweet", is_tweet_v2, lambda value: [(tweet_v2(value), value)], whole=True, text_keys=frozenset({"text"})),
    Shape("snscrape tweet", is_snscrape_tweet, lambda value: [snscrape_tweet(value)], text_keys=frozenset({"rawContent", "content"})),
]
