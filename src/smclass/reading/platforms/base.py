"""What every platform module gives the registry: a detector and a reader for one shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smclass.errors import InputError

# Reddit comment trees and the like can nest deeply; a cap keeps every walk bounded.
MAX_DEPTH = 200


def nested(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]...``, or None where a step is missing or not an object."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@dataclass(frozen=True)
class Shape:
    """One export shape: ``detect`` says whether a JSON object is one, ``read`` flattens it into posts.

    A flattened post is a plain dict with at least ``id`` and ``text`` (``text`` is None when
    the post has none, so it still gets its output line). ``whole`` marks shapes that are
    a record even when they are a whole JSON document (an API page, a listing).
    ``text_keys`` names the top-level text fields (see ``fields.TEXT_FIELDS``) the shape reads
    or keeps: a record holding text in any other is read as itself, not as this shape.
    ``read`` may give ``(post, original)`` pairs, so ``--keep-fields`` carries each post's own
    record as it was read; otherwise a post's original is the value it came from, or, for a
    ``whole`` shape (a document holding many posts), the flattened post itself.
    ``each`` names the top-level list a ``whole`` shape reads one entry at a time, each post
    from its own entry and the document's other keys alone: a document whose list is long
    is then read in pieces, never held whole. Left None when posts depend on one another.
    """

    name: str
    detect: Callable[[dict[str, Any]], bool]
    read: Callable[[dict[str, Any]], list[Any]]
    whole: bool = False
    text_keys: frozenset[str] = frozenset()
    each: str | None = None
    # Its ids are the second a post was made: later posts of the same second in one input get
    # -2, -3 (see :class:`SameSecond`), given the input's numbering.
    numbered: bool = False


@dataclass(frozen=True)
class Unreadable:
    """An entry of an export's post list that is no post object, as a shape's ``read`` gives it.

    It becomes an error record (skipped with a note, or the run stops), never dropped unseen.
    """

    expected: str  # "a Discord message object"
    value: Any
    reason: str | None = None  # the whole message, where "expected X, got Y" does not say what is wrong


class SameSecond:
    """Ids made of the second a post was made, unique in one input: the first post of a second keeps it, later ones get ``-2``, ``-3``.

    Exports that name a post by its timestamp (Facebook, Threads) give two posts made in the
    same second the same one; numbering them in input order tells them apart and stays stable.
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def id(self, stamp: Any) -> Any:
        if stamp is None:
            return None  # no time, no id: the post gets its position, never "None-2"
        key = str(stamp)
        self._seen[key] = count = self._seen.get(key, 0) + 1
        return stamp if count == 1 else f"{stamp}-{count}"


class NotPostsError(InputError):
    """An input that is an export's table of something other than posts (a list of subscriptions).

    Read alone it is refused; a folder passes over it with a note, as it holds no record to lose.
    """
