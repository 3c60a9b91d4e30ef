"""What a report lets go of to keep its memory bounded: the rarest words, hashtags and links.

A collection of made-up words had grown memory with every post (427 MB at 1.5 million
distinct words). Past :data:`TERMS_HELD` distinct ones, those used least go, until half are left.
"""

from __future__ import annotations

from collections import Counter

from smclass.analyst.emergent import ItemUses, Use

# Distinct words (or hashtags, or hashtags and links) counted before the rarest are let go.
TERMS_HELD = 200_000


def terms(counts: dict[str, Counter[str]]) -> tuple[int, int]:
    """Let go of the terms (words or hashtags, counted per label) used least, past :data:`TERMS_HELD`:
    how many went, and under how many uses (0, 0 when none did).

    A typical term is one used at least 3 times, and most of what goes was used once. A term
    goes by its uses over all labels, from every label at once: let go from one label alone
    (used once there), its uses elsewhere would seem to be all it had, and a term used as much
    in the other labels would be shown as typical of one.
    """
    if sum(len(c) for c in counts.values()) <= TERMS_HELD:
        return 0, 0
    gone_in_all = 0
    below = 1
    while sum(len(c) for c in counts.values()) > TERMS_HELD // 2:
        below += 1
        for c in counts.values():
            # A term let go from one label has fewer uses still in the next: it goes from them all.
            gone = [(term, uses) for term, n in c.items() if n < below and (uses := _uses(counts, term)) < below]
            for term, uses in gone:
                gone_in_all += uses == c[term]  # counted once, from the last label that held it
                del c[term]
    return gone_in_all, below


def items(held: dict[str, ItemUses | Use]) -> tuple[int, int]:
    """Let go of the hashtags and links taken up by fewest accounts, past :data:`TERMS_HELD`: how
    many went, and under how many accounts (0, 0 when none did). A hashtag or link is a trace
    only when several accounts take it up."""
    if len(held) <= TERMS_HELD:
        return 0, 0
    gone = 0
    fewest = 1
    while len(held) > TERMS_HELD // 2:
        fewest += 1
        rare = [item for item, uses in held.items() if _accounts(uses) < fewest]
        gone += len(rare)
        for item in rare:
            del held[item]
    return gone, fewest


def _uses(counts: dict[str, Counter[str]], term: str) -> int:
    return sum(c.get(term, 0) for c in counts.values())


def _accounts(uses: ItemUses | Use) -> int:
    return 1 if isinstance(uses, tuple) else len(uses.accounts)
