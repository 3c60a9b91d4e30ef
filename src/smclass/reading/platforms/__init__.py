"""Platform export shapes: find the posts inside what platforms and scrapers write.

One module per platform, each giving its :class:`~smclass.reading.platforms.base.Shape` list;
``SHAPES`` below registers them in the order they are tried. A shape flattens a record
into a plain one with at least ``id`` and ``text`` plus ``platform`` and whatever else
identifies the post. Anything no shape claims passes through as it is.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from smclass.errors import InputError
from smclass.reading import column_tables
from smclass.reading.fields import TEXT_FIELDS, fold
from smclass.reading.platforms import (
    bluesky,
    discord,
    facebook,
    instagram,
    linkedin,
    mastodon,
    reddit,
    telegram,
    tiktok,
    x,
    youtube,
    zeeschuimer,
)
from smclass.reading.platforms.base import SameSecond, Shape, Unreadable
from smclass.reading.records import Record

# Tried in this order: the first shape whose detector says yes reads the record.
# Facebook's test (a timestamp and a title) is the loosest, so it comes last. Zeeschuimer's
# wrapper comes first: the platform object under its "data" is no API page.
SHAPES: list[Shape] = [
    *zeeschuimer.SHAPES,
    *x.SHAPES,
    *mastodon.SHAPES,
    *bluesky.SHAPES,
    *reddit.SHAPES,
    *telegram.SHAPES,
    *discord.SHAPES,
    *youtube.SHAPES,
    *instagram.SHAPES,
    *tiktok.SHAPES,
    *facebook.SHAPES,
]
# Shapes whose ids count the posts of one second across the whole input (Facebook's): such an
# input cannot be cut into ranges read apart.
NUMBERED = frozenset(shape.name for shape in SHAPES if shape.numbered)
# Shapes of CSV rows, decided on a file's first row (its header names the columns).
ROW_SHAPES: list[Shape] = [*youtube.ROW_SHAPES, *linkedin.ROW_SHAPES]

# Keys under which exports and APIs keep their list of posts, most specific first.
_LIST_KEYS = ("data", "orderedItems", "feed", "posts", "statuses", "items", "records", "results", "messages", "children")

# Top-level fields that hold a record's own text: a shape that would throw one away does
# not claim the record (a post with text, timestamp and title is no Facebook entry).
_OWN_TEXT = tuple(name for name in TEXT_FIELDS if "." not in name)
# What makes the objects of a list posts. Titles and descriptions also name the errors,
# users and channels that sit in lists beside the posts, so they do not count.
_POST_TEXT = tuple(name for name in _OWN_TEXT if name not in ("title", "headline", "description"))
# Lists beside the posts of an API response that are never posts, whatever their entries say.
_NOT_POSTS = frozenset({"errors", "warnings"})
_PAYLOAD_KEYS = frozenset({"data", "result", "results", "items", "payload", "response", "body"})
_STATUS_KEYS = frozenset({"status", "code", "success", "ok", "error", "errors", "statusCode", "status_code"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Every key a shape test looks at. A record with a text and none of these is a plain
# post, which is most lines of most inputs, so it skips the shape tests.
_SHAPE_KEYS = frozenset(
    {"tweet", "data", "id_str", "type", "account", "post", "kind", "timestamp"}
    | {"edit_history_tweet_ids", "note_tweet", "__twarc", "referenced_tweets"}
)

# A post, the name of the shape that read it (None: read as it is), and the record as it
# stood in the input.
Shaped = tuple[Any, "str | None", Any]


def is_plain_post(value: dict[str, Any]) -> bool:
    """A record with a text and none of the keys of an export shape: a post as it is."""
    return isinstance(value.get("text"), str) and value.keys().isdisjoint(_SHAPE_KEYS)


def claims(shape: Shape, value: dict[str, Any]) -> bool:
    """Whether ``value`` really is one of ``shape``: its detector says so, and it has no text of its own the shape would drop."""
    if not shape.detect(value):
        return False
    return not any(name not in shape.text_keys and isinstance(value.get(name), str) and value[name].strip() for name in _OWN_TEXT)


def unwrap_line(value: Any, same_second: SameSecond | None = None) -> list[Shaped]:
    """The posts inside one JSON value that stands for one line or array element, with the shape's name.

    ``same_second`` numbers the ids of posts named by their second (see
    :class:`~smclass.reading.platforms.base.SameSecond`): one for all the values of an input.
    """
    if isinstance(value, list) and _a_page(value):
        # A page of posts saved as one line (each API response appended with >>, jq -c '.data'):
        # its posts, each a record of that line; a null among them is rejected as itself.
        same_second = same_second or SameSecond()
        return [shaped for item in value for shaped in unwrap_line(item, same_second)]
    if not isinstance(value, dict):
        return [(value, None, None)]
    if is_plain_post(value):
        return [(value, None, None)]
    for shape in SHAPES:
        if claims(shape, value):
            shaped = [_with_original(post, shape, value) for post in shape.read(value)]
            return _numbered(shaped, same_second) if shape.numbered and same_second is not None else shaped
    container = _container_list(value)
    if container is not None:
        same_second = same_second or SameSecond()
        return [shaped for item in container for shaped in unwrap_line(item, same_second)]
    return [(value, None, None)]


def _a_page(value: list[Any]) -> bool:
    return any(isinstance(item, dict) for item in value) and all(isinstance(item, dict) or item is None for item in value)


def _numbered(shaped: list[Shaped], same_second: SameSecond) -> list[Shaped]:
    return [({**post, "id": same_second.id(post.get("id"))}, *rest) if isinstance(post, dict) else (post, *rest) for post, *rest in shaped]


def _with_original(post: Any, shape: Shape, value: dict[str, Any]) -> Shaped:
    # A shape that reads several posts from one value names each one's own record. A whole
    # document (a channel, an account) is no post's own record: without a pair, such a post
    # is carried as the shape flattened it.
    if isinstance(post, tuple):
        return _with_own_fields(post[0], post[1]), shape.name, post[1]
    own = None if shape.whole else value
    return _with_own_fields(post, own), shape.name, own


_TEXT_NAMES = frozenset(fold(name.split(".")[0]) for name in TEXT_FIELDS)


def _with_own_fields(post: Any, own: Any) -> Any:
    """The flattened post with the plain values of its own record beside it: a label, a team or a
    note that someone added to a tweet or a Bluesky post must reach train, evaluate and report.
    Text fields stay out (the shape chose the text), as do nested values (the shape read those)."""
    if not isinstance(post, dict) or not isinstance(own, dict):
        return post
    taken = {fold(key) for key in post if isinstance(key, str)} | _TEXT_NAMES
    extra = {
        key: item
        for key, item in own.items()
        if isinstance(key, str) and (item is None or isinstance(item, (str, int, float, bool))) and fold(key) not in taken
    }
    return {**post, **extra} if extra else post


def _container_list(value: dict[str, Any]) -> list[Any] | None:
    """The list of posts in an API response saved whole on one line, if ``value`` is one."""
    if any(isinstance(value.get(name), str) for name in _POST_TEXT):
        reply = _api_reply(value)
        return None if reply is None else [Unreadable("", value, reply)]
    # A title, headline or description names a page of posts as well as a record: a page only
    # when its list holds posts (`{"title": "My export", "posts": [...]}`).
    titled = any(isinstance(value.get(name), str) for name in TEXT_FIELDS)
    held = _lists_of_posts(value)
    if len(held) > 1:
        return [Unreadable("", value, several_lists(held))]
    for key in _LIST_KEYS:
        items = value.get(key)
        if not isinstance(items, list) or not items:
            continue
        # Posts, with a null or a number among them rejected on its own as in a document, and
        # whatever the envelope says (`Title`, `Message`): a page.
        if any(map(_looks_like_post, items)):
            return items
        # Objects that are no posts are the record's own (a basket's items) beside a title or
        # words of the record's own (`Text`), as is any list holding things that are not objects.
        if not titled and all(isinstance(i, dict) for i in items) and not _words_of_its_own(value):
            return items
    return None


@dataclass(frozen=True)
class LongList:
    """A list of a whole document too long to hold: its first entries, and every entry read again in order.

    The document given to :func:`unwrap_document` holds ``head`` in the list's place, which is
    all the shape tests look at (:data:`LOOKED_AT`); whatever reads the posts reads ``entries``.
    """

    head: list[Any]
    objects: bool  # every entry is a JSON object
    entries: Callable[[], Iterator[Any]]


# The most entries of a list any shape test looks at: a long list's head holds as many.
LOOKED_AT = 10
# Posts read from a long list at a time, by a shape that reads its entries one by one.
_PIECE = 1000


def unwrap_document(
    document: Any, first_line: int = 1, source: str | None = None, long: dict[str, LongList] | None = None
) -> Iterator[tuple[Any, int | None, str | None, Any]]:
    """The posts inside a whole JSON document, each with its line when known and its shape.

    ``long`` names the lists of an object document that were too long to hold (see :class:`LongList`).
    """
    long = long or {}
    if not isinstance(document, dict):
        items, line = (document, None) if isinstance(document, list) else ([document], first_line)
        yield from _posts(items, line)
        return
    claimed = [shape for shape in SHAPES if claims(shape, document)]
    if any(shape.whole for shape in claimed):
        yield from _whole(document, long)
        return
    # A platform's entry a document holds whole (an X archive's {"tweet": {...}}) is read as that, whatever its members.
    table = None if claimed else column_tables.refusal(document, long)
    if table is not None:
        raise InputError(table, source=source, line=first_line)
    held = _lists_of_posts(document)
    if _has_post_text(document) and not any(key in _LIST_KEYS and _holds_posts(document, key, long) for key in held):
        # A post with its replies or media in a list is one post, as it is on a line of its
        # own; only an object with no words of its own, or an export's envelope, holds posts.
        reply = _api_reply(document)
        if reply is not None:
            raise InputError(reply, source=source, line=first_line)
        yield from _posts([_held_whole(document, long)], first_line)
        return
    if len(held) > 1:
        raise InputError(several_lists(held), source=source, line=first_line)
    beside = _posts_beside(document, held)
    if beside is not None:
        raise InputError(beside, source=source, line=first_line)
    # The one list that holds posts, over an empty list under a known key ({"data": [], "comments": [...]}).
    key = held[0] if held else _record_list_key(document, long)
    if key is None:
        yield from _posts([_held_whole(document, long)], first_line)
    else:
        yield from _posts(long[key].entries() if key in long else document[key], None)


def _holds_posts(document: dict[str, Any], key: str, long: dict[str, LongList]) -> bool:
    return any(map(_looks_like_post, long[key].head if key in long else document[key][:LOOKED_AT]))


def _posts_beside(document: dict[str, Any], held: list[str]) -> str | None:
    """Why a document's list of posts cannot be read alone: words of its own (one post with
    replies, or a page with a message?) or a post object beside it (a pinned post), either of
    which reading the list alone would drop unseen."""
    if not held:
        return None
    key = held[0]
    path = f"{_jq_key(key)}[]"
    own = next((name for name in _POST_TEXT if isinstance(document.get(name), str) and document[name].strip()), None)
    # An API response says how the call went in its message (`{"status": "ok", "message": "2 posts found", "data": [...]}`,
    # or Laravel's and Express's `{"message": ..., "data": [...]}`).
    if own is not None and not (own == "message" and (key == "data" or not _STATUS_KEYS.isdisjoint(document))):
        drop = f"del({_jq_key(key)})"
        return (
            f"the object has a text of its own ({own!r}) and a list of posts ({key!r}): one post with its replies, "
            f"or a page of posts? pick with jq: jq -c {shlex.quote(path)} FILE | smclass classify - (the list), "
            f"or jq -c {shlex.quote(f'{drop}, {path}')} (the post, then the list)"
        )
    post = next((name for name, value in document.items() if name != key and _looks_like_post(value)), None)
    if post is None:
        return None
    first = _jq_key(post)
    return (
        f"the object holds a post ({post!r}) beside its list of posts ({key!r}): pick them out with jq, "
        f"e.g. jq -c {shlex.quote(f'{first}, {path}')} FILE | smclass classify -"
    )


def _api_reply(document: dict[str, Any]) -> str | None:
    """Why an API response with no list of posts at its top is no post: its only words are how the
    call went (``message`` beside ``status``), which had been labelled while its posts, one level
    down or none, went unread."""
    if "message" not in document or _STATUS_KEYS.isdisjoint(document):
        return None  # most records: two set looks, before any words are looked for
    words = [name for name in _POST_TEXT if isinstance(document.get(name), str) and document[name].strip()]
    # A post of its own has an id; a response holds what it answers with under a key for it.
    if words != ["message"] or "id" in document or _PAYLOAD_KEYS.isdisjoint(document):
        return None
    said = f"an API response (its 'message' {document['message'][:60]!r} beside {sorted(_STATUS_KEYS & set(document))[0]!r}), not a post"
    for outer, value in document.items():
        if isinstance(value, dict):
            inner = next((k for k, v in value.items() if isinstance(v, list) and any(map(_looks_like_post, v[:LOOKED_AT]))), None)
            if inner is not None and _IDENTIFIER.fullmatch(outer) and _IDENTIFIER.fullmatch(inner):
                example = f"jq -c '{_jq_key(outer)}{_jq_key(inner)}[]' FILE | smclass classify -"
                return f"{said}: its posts are one level down, pick them out with jq, e.g. {example}"
    return f"{said}, and it holds no list of posts"


def _posts(items: Iterable[Any], line: int | None) -> Iterator[tuple[Any, int | None, str | None, Any]]:
    same_second = SameSecond()
    for item in items:
        for post, shape, original in unwrap_line(item, same_second):
            yield post, line, shape, original


def _whole(document: dict[str, Any], long: dict[str, LongList]) -> Iterator[tuple[Any, int | None, str | None, Any]]:
    """A document a whole shape claims, its long list read a piece at a time when the shape reads it entry by entry."""
    shape = None if is_plain_post(document) else next((s for s in SHAPES if claims(s, document)), None)
    if shape is None or shape.each is None or set(long) != {shape.each}:
        yield from _posts([_held_whole(document, long)], None)
        return
    entries = long[shape.each].entries()
    while piece := list(itertools.islice(entries, _PIECE)):
        for post in shape.read({**document, shape.each: piece}):
            shaped = _with_original(post, shape, document)
            yield shaped[0], None, shaped[1], shaped[2]


def _held_whole(document: dict[str, Any], long: dict[str, LongList]) -> dict[str, Any]:
    """The document with its long lists read in full: it is one record, or a shape reads it whole."""
    if not long:
        return document
    return {key: list(long[key].entries()) if key in long else value for key, value in document.items()}


def _has_post_text(value: dict[str, Any]) -> bool:
    return any(isinstance(value.get(name), str) for name in _POST_TEXT)


def _lists_of_posts(value: dict[str, Any]) -> list[str]:
    """The keys of ``value`` whose lists hold posts: the list a known key names, and any list of objects with a post's text.

    More than one is refused, never one picked and the others dropped: which the user
    wants (one, or all) is theirs to say.
    """
    keyed = next((key for key in _LIST_KEYS if isinstance(value.get(key), list)), None)
    return [
        key
        for key, items in value.items()
        if isinstance(items, list)
        and items
        and (key == keyed or (key not in _NOT_POSTS and (any(map(_looks_like_post, items[:LOOKED_AT])) or _sentences(items[:LOOKED_AT]))))
    ]


def _sentences(items: list[Any]) -> bool:
    """A list of bare texts of several words each: posts, as a top-level list of texts is, not tags or links."""
    return all(isinstance(item, str) for item in items) and sum(len(item.split()) >= 3 for item in items) * 2 >= len(items)


def _words_of_its_own(value: dict[str, Any]) -> bool:
    """Whether a record holds a post's text field in any case (``Text``, not a ``Title``) with something in it."""
    return any(isinstance(item, str) and item.strip() and fold(key) in _POST_NAMES for key, item in value.items() if isinstance(key, str))


_POST_NAMES = frozenset(fold(name) for name in _POST_TEXT)


def _looks_like_post(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    return any(isinstance(item.get(name), str) and item[name].strip() for name in _POST_TEXT) or any(claims(s, item) for s in SHAPES)


def _jq_key(key: str) -> str:
    """jq's path to a member: ``.posts``, or ``.["my posts"]`` for a key that is no identifier."""
    return f".{key}" if _IDENTIFIER.fullmatch(key) else f".[{json.dumps(key)}]"


def several_lists(keys: list[str]) -> str:
    """The refusal of an object holding several lists of posts, with the jq line that takes them out."""
    paths = ", ".join(f"{_jq_key(key)}[]" for key in keys)
    names = ", ".join(repr(key) for key in keys)
    example = f"jq -c {shlex.quote(paths)} FILE | smclass classify -"
    return f"the object holds {len(keys)} lists of posts ({names}): pick them out with jq, e.g. {example}"


def _record_list_key(document: dict[str, Any], long: dict[str, LongList]) -> str | None:
    for key in _LIST_KEYS:
        if isinstance(document.get(key), list):
            return key
    lists = [
        key
        for key, value in document.items()
        if isinstance(value, list) and value and (long[key].objects if key in long else all(isinstance(i, dict) for i in value))
    ]
    if len(lists) == 1:
        return lists[0]
    return None


def unwrap_rows(records: Iterator[Record]) -> Iterator[Record]:
    """CSV records as they are, or flattened by the row shape that their first row has."""
    first = next(records, None)
    if first is None:
        return
    shape = next((s for s in ROW_SHAPES if first.error is None and s.detect(first.data)), None)
    yield from rows_as(itertools.chain([first], records), shape.name if shape is not None else None)


def rows_as(records: Iterator[Record], shape_name: str | None) -> Iterator[Record]:
    """CSV records flattened by the row shape named (the one a file's first row chose), or as they are."""
    shape = next((s for s in ROW_SHAPES if s.name == shape_name), None)
    if shape is None:
        yield from records
        return
    for record in records:
        if record.error is None:
            # --keep-fields carries the row as the export wrote it, not the flattened post.
            record.original = record.data
            record.data = shape.read(record.data)[0]
            record.shape = shape.name
        yield record
