"""Platform export shapes: find the posts inside what platforms and scrapers write.

One module per platform, each giving its :class:`~smclass.reading.platforms.base.Shape` list;
``SHAPES`` below registers them in the order they are tried. A shape flattens a record
into a plain one with at least ``id`` and ``text`` plus ``platform`` and whatever else
identifies the post. Anything no shape claims passes through as it is.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from smclass.reading.fields import TEXT_FIELDS
from smclass.reading.platforms import bluesky, discord, facebook, instagram, mastodon, reddit, telegram, tiktok, x, youtube
from smclass.reading.platforms.base import Shape
from smclass.reading.records import Record

# Tried in this order: the first shape whose detector says yes reads the record.
# Facebook's test (a timestamp and a title) is the loosest, so it comes last.
SHAPES: list[Shape] = [
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
# Shapes of CSV rows, decided on a file's first row (its header names the columns).
ROW_SHAPES: list[Shape] = [*youtube.ROW_SHAPES]

# Keys under which exports and APIs keep their list of posts, most specific first.
_LIST_KEYS = ("data", "orderedItems", "feed", "posts", "statuses", "items", "records", "results", "messages", "children")

# Top-level fields that hold a record's own text: a shape that would throw one away does
# not claim the record (a post with text, timestamp and title is no Facebook entry).
_OWN_TEXT = tuple(name for name in TEXT_FIELDS if "." not in name)

# Every key a shape test looks at. A record with a text and none of these is a plain
# post, which is most lines of most inputs, so it skips the shape tests.
_SHAPE_KEYS = frozenset({"tweet", "data", "id_str", "type", "account", "post", "kind", "timestamp"})

# A post, the name of the shape that read it (None: read as it is), and the record as it
# stood in the input.
Shaped = tuple[Any, "str | None", Any]


def is_plain_post(value: dict[str, Any]) -> bool:
    """A record with a text and none of the keys of an export shape: a post as it is."""
    return isinstance(value.get("text"), str) and _SHAPE_KEYS.isdisjoint(value)


def claims(shape: Shape, value: dict[str, Any]) -> bool:
    """Whether ``value`` really is one of ``shape``: its detector says so, and it has no text of its own the shape would drop."""
    if not shape.detect(value):
        return False
    return not any(name not in shape.text_keys and isinstance(value.get(name), str) and value[name].strip() for name in _OWN_TEXT)


def unwrap_line(value: Any) -> list[Shaped]:
    """The posts inside one JSON value that stands for one line or array element, with the shape's name."""
    if not isinstance(value, dict):
        return [(value, None, None)]
    if is_plain_post(value):
        return [(value, None, None)]
    for shape in SHAPES:
        if claims(shape, value):
            return [_with_original(post, shape, value) for post in shape.read(value)]
    container = _container_list(value)
    if container is not None:
        return [shaped for item in container for shaped in unwrap_line(item)]
    return [(value, None, None)]


def _with_original(post: Any, shape: Shape, value: dict[str, Any]) -> Shaped:
    # A shape that reads several posts from one value names each one's own record. A whole
    # document (a channel, an account) is no post's own record: without a pair, such a post
    # is carried as the shape flattened it.
    if isinstance(post, tuple):
        return post[0], shape.name, post[1]
    return post, shape.name, None if shape.whole else value


def _container_list(value: dict[str, Any]) -> list[Any] | None:
    """The list of posts in an API response saved whole on one line, if ``value`` is one."""
    if any(isinstance(value.get(name), str) for name in TEXT_FIELDS):
        return None
    for key in _LIST_KEYS:
        items = value.get(key)
        if isinstance(items, list) and items and all(isinstance(i, dict) for i in items):
            return items
    return None


def unwrap_document(document: Any, first_line: int = 1) -> Iterator[tuple[Any, int | None, str | None, Any]]:
    """The posts inside a whole JSON document, each with its line when known and its shape."""
    if isinstance(document, dict):
        if any(shape.whole and claims(shape, document) for shape in SHAPES):
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
        for post, shape, original in unwrap_line(item):
            yield post, line, shape, original


def _find_record_list(document: dict[str, Any]) -> list[Any] | None:
    for key in _LIST_KEYS:
        value = document.get(key)
        if isinstance(value, list):
            return value
    lists = [v for v in document.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
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
            record.data = shape.read(record.data)[0]
            record.shape = shape.name
        yield record
