"""Whether a text is someone's words to label: it shows, and is no stand-in for a deleted post."""

from __future__ import annotations

import re

from smclass.reading.records import SheetError

# A character that shows: not white space, a control or format character (zero-width
# space, joiners, BOM, soft hyphen, bidi marks), a variation selector or a tag character.
_VISIBLE = re.compile(
    r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\U000e0000-\U000e007f]"
)


def visible(text: str) -> bool:
    """Whether ``text`` holds a character that shows: a post of zero-width spaces is as empty as one of spaces."""
    return _VISIBLE.search(text) is not None


# What Reddit (and Pushshift's dumps of it) write where a post's or comment's text was
# deleted by its author or removed by a moderator: no one wrote them, so they get no label.
PLACEHOLDERS = frozenset({"[deleted]", "[removed]", "[deleted by user]", "[removed by reddit]"})


def usable(text: str) -> bool:
    """Whether ``text`` is someone's words to label: it shows, and is no deleted post's placeholder."""
    if not visible(text) or isinstance(text, SheetError):
        return False
    # Placeholders end in "]": most texts are let through without a copy of them stripped.
    end = text[-1]
    return (end != "]" and not end.isspace()) or text.strip() not in PLACEHOLDERS
