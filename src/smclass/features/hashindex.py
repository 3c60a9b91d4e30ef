"""A hash table of 64-bit keys, looked up a whole array at a time."""

from __future__ import annotations

import numpy as np

_EMPTY = np.uint64(0)
_SECOND_SHIFT = np.uint64(7)


class HashIndex:
    """Maps each known key to its position in ``keys``; unknown keys map to ``len(keys)``.

    The table has at least eight slots per key. A key goes to the slot named by its top
    bits, else to a second slot named by lower bits, else to a small sorted overflow
    list. A lookup is then one gather for almost every query and no probing loop, whose
    per-step overhead dominated; the keys are already well-mixed hashes.
    """

    def __init__(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        if len(np.unique(keys)) != len(keys) or (keys == _EMPTY).any():
            raise ValueError("keys must be unique and non-zero")
        self.size = len(keys)
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 8))))
        self.shift = np.uint64(64 - bits)
        self.mask = np.uint64((1 << bits) - 1)
        self.slots = np.zeros(1 << bits, dtype=np.uint64)
        self.values = np.full(1 << bits, len(keys), dtype=np.int32)
        pending = np.arange(len(keys))
        for slot in (self._first(keys), self._second(keys)):
            wanted = slot[pending]
            free = self.slots[wanted] == _EMPTY
            taken, first = np.unique(wanted[free], return_index=True)
            placed = pending[free][first]
            self.slots[taken] = keys[placed]
            self.values[taken] = placed
            pending = np.setdiff1d(pending, placed, assume_unique=True)
        order = np.argsort(keys[pending])
        self.overflow_keys = keys[pending][order]
        self.overflow_values = pending[order].astype(np.int32)

    def _first(self, keys: np.ndarray) -> np.ndarray:
        return (keys >> self.shift).astype(np.int64)

    def _second(self, keys: np.ndarray) -> np.ndarray:
        return ((keys >> _SECOND_SHIFT) & self.mask).astype(np.int64)

    def lookup(self, queries: np.ndarray) -> np.ndarray:
        """Position of each query in ``keys``, or ``len(keys)`` when it is not there."""
        slot = self._first(queries)
        found = np.take(self.slots, slot)
        hit = found == queries
        result = np.take(self.values, slot)
        np.putmask(result, ~hit, np.int32(self.size))
        # A key sits in its second slot or the overflow only when its first slot was taken.
        rest = np.flatnonzero(~hit & (found != _EMPTY))
        if len(rest):
            wanted = queries[rest]
            slot = self._second(wanted)
            found = np.take(self.slots, slot)
            hit = found == wanted
            result[rest[hit]] = np.take(self.values, slot[hit])
            if len(self.overflow_keys):
                more = np.flatnonzero(~hit & (found != _EMPTY))
                wanted = wanted[more]
                where = np.minimum(np.searchsorted(self.overflow_keys, wanted), len(self.overflow_keys) - 1)
                there = self.overflow_keys[where] == wanted
                result[rest[more][there]] = self.overflow_values[where[there]]
        return result
