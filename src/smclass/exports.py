"""Platform export shapes: find the posts inside what platforms and scrapers write.

Each known shape is flattened into a plain record with at least ``id`` and ``text``
(``text`` is None when the post has none, so it still gets its output line), plus
``platform`` and whatever else identifies the post. Anything unknown passes through as it is.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Callable, Iterator
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

from smclass.errors import InputError
from smclass.fields import TEXT_FIELDS
from smclass.normalize import fix_mojibake
from smclass.records import Record

StreamReader = Callable[[IO[bytes], str, "str | None"], Iterator[Record]]

_JS_PREFIX = re.compile(rb"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
_JS_PREFIX_TEXT = re.compile(r"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
# Keys under which exports and APIs keep their list of posts, most specific first.
_LIST_KEYS = ("data", "orderedItems", "feed", "posts", "statuses", "items", "records", "results", "messages", "children")
_BLOCK_TAGS = re.compile(r"<\s*(?:br|/p|/div|/li|/h\d)\s*/?\s*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
# Reddit comment trees can nest deeply; a cap keeps the walk bounded.
_MAX_DEPTH = 200


def is_twitter_archive(head: bytes) -> bool:
    return bool(_JS_PREFIX.match(head))


def strip_javascript_prefix(text: str) -> str:
    return _JS_PREFIX_TEXT.sub("", text, count=1)


def html_to_text(value: str) -> str:
    """Mastodon and ActivityPub carry HTML: keep the words and the line breaks."""
    text = _BLOCK_TAGS.sub("\n", value)
    text = _TAGS.sub("", text)
    return html.unescape(text).strip()


def _fix_strings(value: Any) -> Any:
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [_fix_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _fix_strings(v) for k, v in value.items()}
    return value


# --- X / Twitter ------------------------------------------------------------------


def _is_tweet_v1(value: dict[str, Any]) -> bool:
    return "id_str" in value and ("full_text" in value or "text" in value)


def _tweet_v1(value: dict[str, Any]) -> dict[str, Any]:
    """API v1.1 and archive tweets: the untruncated text wherever it is kept."""
    text = value.get("full_text")
    extended = value.get("extended_tweet")
    if isinstance(extended, dict) and isinstance(extended.get("full_text"), str):
        text = extended["full_text"]
    if text is None:
        text = value.get("text")
    retweeted = value.get("retweeted_status")
    if isinstance(retweeted, dict) and isinstance(text, str) and text.startswith("RT @"):
        original = _tweet_v1(retweeted)["text"] if _is_tweet_v1(retweeted) else None
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


def _tweet_v2(value: dict[str, Any]) -> dict[str, Any]:
    note = value.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) and isinstance(note.get("text"), str) else value.get("text")
    record = {"id": value.get("id"), "text": text, "platform": "twitter"}
    for key in ("created_at", "author_id", "conversation_id", "lang"):
        if key in value:
            record[key] = value[key]
    return record


def _is_twarc2_page(value: dict[str, Any]) -> bool:
    data = value.get("data")
    return isinstance(data, list) and ("meta" in value or "includes" in value or "__twarc" in value)


# --- Mastodon / ActivityPub, Bluesky, Reddit, Facebook ----------------------------------


def _activity(value: dict[str, Any]) -> dict[str, Any]:
    kind = value.get("type")
    obj = value.get("object")
    if kind == "Create" and isinstance(obj, dict):
        content = obj.get("content")
        return {
            "id": obj.get("id") or value.get("id"),
            "text": html_to_text(content) if isinstance(content, str) else None,
            "platform": "mastodon",
            "created_at": obj.get("published") or value.get("published"),
            "url": obj.get("url"),
        }
    # A boost (Announce) carries only the URL of someone else's post: no text to judge.
    return {"id": value.get("id"), "text": None, "platform": "mastodon", "activity": kind, "object": obj if isinstance(obj, str) else None}


def _mastodon_status(value: dict[str, Any]) -> dict[str, Any]:
    reblog = value.get("reblog")
    source = reblog if isinstance(reblog, dict) else value
    content = source.get("content")
    text = html_to_text(content) if isinstance(content, str) else None
    spoiler = source.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip() and text is not None:
        text = f"{spoiler.strip()}\n\n{text}"
    record = {"id": value.get("id"), "text": text, "platform": "mastodon", "url": value.get("url") or value.get("uri")}
    if isinstance(reblog, dict):
        record["reblog_of"] = reblog.get("id")
    if "created_at" in value:
        record["created_at"] = value["created_at"]
    return record


def _is_mastodon_status(value: dict[str, Any]) -> bool:
    return isinstance(value.get("content"), str) and "account" in value and ("uri" in value or "url" in value)


def _bluesky_item(value: dict[str, Any]) -> dict[str, Any]:
    post = value["post"]
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    out = {"id": post.get("uri"), "text": record.get("text"), "platform": "bluesky", "created_at": record.get("createdAt")}
    if author.get("handle"):
        out["author"] = author["handle"]
    if isinstance(value.get("reason"), dict):
        out["reason_type"] = value["reason"].get("$type")
    return out


def _is_bluesky_item(value: dict[str, Any]) -> bool:
    post = value.get("post")
    return isinstance(post, dict) and "uri" in post and isinstance(post.get("record"), dict)


def _reddit_thing(value: dict[str, Any], depth: int) -> list[dict[str, Any]]:
    kind = value.get("kind")
    data = value.get("data")
    if not isinstance(data, dict):
        return []
    if kind == "Listing":
        out: list[dict[str, Any]] = []
        for child in data.get("children") or []:
            if isinstance(child, dict):
                out.extend(_reddit_thing(child, depth + 1))
        return out
    if kind == "more":
        return []
    if kind == "t3":
        parts = [p for p in (data.get("title"), data.get("selftext")) if isinstance(p, str) and p.strip()]
        record = {"id": data.get("name") or data.get("id"), "text": "\n\n".join(parts) or None, "platform": "reddit", "kind": "post"}
    else:
        record = {"id": data.get("name") or data.get("id"), "text": data.get("body"), "platform": "reddit", "kind": "comment"}
    for key in ("subreddit", "author", "created_utc", "permalink"):
        if key in data:
            record[key] = data[key]
    out = [record]
    replies = data.get("replies")
    if isinstance(replies, dict) and depth < _MAX_DEPTH:
        out.extend(_reddit_thing(replies, depth + 1))
    return out


def _is_reddit_thing(value: dict[str, Any]) -> bool:
    return value.get("kind") in ("Listing", "t1", "t3", "more") and isinstance(value.get("data"), dict)


def _facebook_post(value: dict[str, Any]) -> dict[str, Any]:
    value = _fix_strings(value)
    texts = [d["post"] for d in value.get("data") or [] if isinstance(d, dict) and isinstance(d.get("post"), str)]
    record: dict[str, Any] = {"id": value.get("timestamp"), "text": "\n\n".join(texts) if texts else None, "platform": "facebook"}
    if isinstance(value.get("title"), str):
        record["title"] = value["title"]
    return record


def _is_facebook_post(value: dict[str, Any]) -> bool:
    return "timestamp" in value and (isinstance(value.get("data"), list) or "attachments" in value or "title" in value)


Shaped = tuple[Any, "str | None"]


# Every key a shape test below looks at. A record with a text and none of these is a plain
# post, which is most lines of most inputs, so it skips the shape tests.
_SHAPE_KEYS = frozenset({"tweet", "data", "id_str", "type", "account", "post", "kind", "timestamp"})


def is_plain_post(value: dict[str, Any]) -> bool:
    """A record with a text and none of the keys of an export shape: a post as it is."""
    return isinstance(value.get("text"), str) and _SHAPE_KEYS.isdisjoint(value)


def unwrap_line(value: Any) -> list[Shaped]:
    """The posts inside one JSON value that stands for one line or array element, with the shape's name."""
    if not isinstance(value, dict):
        return [(value, None)]
    if is_plain_post(value):
        return [(value, None)]
    if isinstance(value.get("tweet"), dict):  # tweets.js entries
        tweet = value["tweet"]
        return [(_tweet_v1(tweet) if _is_tweet_v1(tweet) else tweet, "X archive tweets")]
    if _is_twarc2_page(value):
        return [(_tweet_v2(t) if isinstance(t, dict) else t, "X API v2 page") for t in value["data"]]
    if _is_tweet_v1(value):
        return [(_tweet_v1(value), "X API v1.1 tweet")]
    if value.get("type") in ("Create", "Announce") and "object" in value:
        return [(_activity(value), "ActivityPub outbox")]
    if _is_mastodon_status(value):
        return [(_mastodon_status(value), "Mastodon status")]
    if _is_bluesky_item(value):
        return [(_bluesky_item(value), "Bluesky feed")]
    if _is_reddit_thing(value):
        return [(post, "Reddit listing") for post in _reddit_thing(value, 0)]
    if _is_facebook_post(value):
        return [(_facebook_post(value), "Facebook posts")]
    container = _container_list(value)
    if container is not None:
        return [shaped for item in container for shaped in unwrap_line(item)]
    return [(value, None)]


def _container_list(value: dict[str, Any]) -> list[Any] | None:
    """The list of posts in an API response saved whole on one line, if ``value`` is one."""
    if any(isinstance(value.get(name), str) for name in TEXT_FIELDS):
        return None
    for key in _LIST_KEYS:
        items = value.get(key)
        if isinstance(items, list) and items and all(isinstance(i, dict) for i in items):
            return items
    return None


def unwrap_document(document: Any, first_line: int = 1) -> Iterator[tuple[Any, int | None, str | None]]:
    """The posts inside a whole JSON document, each with its line when known and its shape."""
    if isinstance(document, dict):
        if _is_twarc2_page(document) or _is_reddit_thing(document) or _is_tweet_v1(document):
            items: list[Any] = [document]
            line: int | None = None
        else:
            found = _find_record_list(document)
            items, line = ([document], first_line) if found is None else (found, None)
    elif isinstance(document, list):
        items, line = document, None
    else:
        items, line = [document], first_line
    for item in items:
        for post, shape in unwrap_line(item):
            yield post, line, shape


def _find_record_list(document: dict[str, Any]) -> list[Any] | None:
    for key in _LIST_KEYS:
        value = document.get(key)
        if isinstance(value, list):
            return value
    lists = [v for v in document.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
    if len(lists) == 1:
        return lists[0]
    return None


# --- Files, directories, zip archives, Slack exports -------------------------------


def is_zip(path: Path) -> bool:
    return zipfile.is_zipfile(path)


_SLACK_META = frozenset({"channels.json", "users.json", "groups.json", "dms.json", "mpims.json", "integration_logs.json", "canvases.json"})
_SLACK_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


def _slack_users(load: Callable[[str], Any], names: set[str]) -> dict[str, str]:
    if "users.json" not in names:
        return {}
    users = load("users.json")
    if not isinstance(users, list):
        return {}
    return {u["id"]: u.get("name") or u["id"] for u in users if isinstance(u, dict) and "id" in u}


def _slack_records(members: list[str], read_bytes: Callable[[str], bytes], locate: Callable[[str], str]) -> Iterator[Record]:
    """A Slack workspace export: one record per message, id from the channel and ``ts``.

    ``read_bytes`` reads a member by its name in the export; ``locate`` names it in messages.
    """
    import json

    def load(name: str) -> Any:
        try:
            return json.loads(read_bytes(name).decode("utf-8-sig"))
        except (ValueError, RecursionError) as exc:
            raise InputError(f"invalid JSON ({exc})", source=locate(name)) from None

    names = set(members)
    users = _slack_users(load, names)
    days = sorted((m for m in members if "/" in m and _SLACK_DAY.match(m.rsplit("/", 1)[1])), key=_slack_order)
    index = 0
    for member in days:
        channel = member.rsplit("/", 2)[-2]
        messages = load(member)
        if not isinstance(messages, list):
            raise InputError("expected a JSON array of Slack messages", source=locate(member))
        for message in messages:
            if not isinstance(message, dict):
                continue
            index += 1
            record = {
                "id": f"{channel}/{message.get('ts')}",
                "text": message.get("text"),
                "platform": "slack",
                "channel": channel,
                "user": users.get(str(message.get("user")), message.get("user")),
                "ts": message.get("ts"),
            }
            if message.get("subtype"):
                record["subtype"] = message["subtype"]
            yield Record(record, locate(member), None, index, None, shape="Slack export")


def _slack_order(member: str) -> tuple[str, str]:
    channel, _, day = member.rpartition("/")
    return channel, day


def _is_slack_export(names: set[str]) -> bool:
    return ("channels.json" in names or "users.json" in names) and any(_SLACK_DAY.match(n.rsplit("/", 1)[-1]) for n in names)


def read_zip(path: Path, input_format: str | None, read_stream: StreamReader) -> Iterator[Record]:
    with zipfile.ZipFile(path) as archive:
        infos = sorted((i for i in archive.infolist() if not i.is_dir() and not _skip_name(i.filename)), key=attrgetter("filename"))
        # Exports are often zipped with their folder as the first path part.
        prefix = _common_prefix([i.filename for i in infos])
        members = {i.filename[len(prefix) :]: i for i in infos}
        if _is_slack_export(set(members)):
            yield from _slack_records(sorted(members), lambda name: archive.read(members[name]), lambda name: f"{path}!{prefix}{name}")
            return
        for name, info in members.items():
            with archive.open(info) as member:
                yield from read_stream(member, f"{path}!{prefix}{name}", input_format)


def _common_prefix(names: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def read_directory(path: Path, input_format: str | None, read_stream: StreamReader) -> Iterator[Record]:
    files = sorted(p for p in path.rglob("*") if p.is_file() and not _skip_name(p.name))
    members = [p.relative_to(path).as_posix() for p in files]
    if _is_slack_export(set(members)):
        yield from _slack_records(members, lambda name: (path / name).read_bytes(), lambda name: str(path / name))
        return
    for child in files:
        with child.open("rb") as handle:
            yield from read_stream(handle, str(child), input_format)


def _skip_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") or base.lower().endswith((".md", ".txt.sig")) or base in _SLACK_META - {"channels.json", "users.json"}
