"""An open-addressing hash table of 64-bit keys, looked up a whole array at a time."""

from __future__ import annotations

import numpy as np

_EMPTY = np.uint64(0)


class HashIndex:
    """Maps each known key to its position in ``keys``; unknown keys map to ``len(keys)``.

    The table has at least eight slots per key, so almost every lookup ends at its first
    slot; collisions are resolved by linear probing, vectorised over the whole query.
    """

    def __init__(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        if len(np.unique(keys)) != len(keys) or (keys == _EMPTY).any():
            raise ValueError("keys must be unique and non-zero")
        self.size = len(keys)
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 8))))
        self.shift = np.uint64(64 - bits)
        self.mask = (1 << bits) - 1
        self.slots = np.zeros(1 << bits, dtype=np.uint64)
        self.values = np.full(1 << bits, len(keys), dtype=np.int64)
        self.max_probe = 0
        pending = np.arange(len(keys))
        slot = (keys >> self.shift).astype(np.int64)
        probe = 0
        while len(pending):
            # Of the keys that want the same empty slot, the first one takes it.
            want = slot[pending]
            free = self.slots[want] == _EMPTY
            unique_slots, first = np.unique(want[free], return_index=True)
            winners = pending[free][first]
            self.slots[unique_slots] = keys[winners]
            self.values[unique_slots] = winners
            if len(winners):
                self.max_probe = max(self.max_probe, probe)
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slot[pending] = (slot[pending] + 1) & self.mask
            probe += 1

    def lookup(self, queries: np.ndarray) -> np.ndarray:
        """Position of each query in ``keys``, or ``len(keys)`` when it is not there."""
        slot = (queries >> self.shift).astype(np.int64)
        found = self.slots[slot]
        hit = found == queries
        result = np.where(hit, self.values[slot], self.size)
        todo = np.flatnonzero(~hit & (found != _EMPTY))
        for _ in range(self.max_probe):
            slot[todo] = (slot[todo] + 1) & self.mask
            found = self.slots[slot[todo]]
            hit = found == queries[todo]
            result[todo[hit]] = self.values[slot[todo[hit]]]
            todo = todo[~hit & (found != _EMPTY)]
            if not len(todo):
                break
        return result
