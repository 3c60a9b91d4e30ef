"""Batches bounded by their size as well as their count.

A batch of 4,096 posts is a few megabytes of tweets, but gigabytes of 250 KB posts: a bound
on the count alone lets memory follow the input. Each batch ends at ``most`` items or once
its items reach ``chars`` characters, whichever comes first (a single item larger than that
is a batch of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

# 4 to 16 MB of text as Python holds it: thousands of tweets, a few dozen long documents.
CHARS = 4_000_000


def batches(items: Iterable[T], *, most: int, size: Callable[[T], int], chars: int | None = None) -> Iterator[list[T]]:
    """``items`` in order, in lists of at most ``most`` items and about ``chars`` (default :data:`CHARS`) characters."""
    chars = chars or CHARS
    batch: list[T] = []
    held = 0
    for item in items:
        batch.append(item)
        held += size(item)
        if len(batch) >= most or held >= chars:
            yield batch
            batch = []
            held = 0
    if batch:
        yield batch
