"""Whether a text is someone's words to label: it shows, and is no stand-in for a deleted post."""

from __future__ import annotations

import re
import unicodedata

from smclass.reading.records import SheetError

# A character that shows: not white space, a control or format character (zero-width
# space, joiners, BOM, soft hyphen, bidi marks), a variation selector or a tag character,
# nor another of those Unicode says to show as nothing (the Hangul fillers, Khmer's
# inherent vowels, Mongolian's variation selectors, the combining grapheme joiner,
# shorthand and musical format controls), nor the blank braille cell: the Hangul filler
# (U+3164) and the blank braille cell (U+2800) are how a blank post is typed where an
# empty one is refused.
_VISIBLE = re.compile(
    r"[^\s\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    r"\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def visible(text: str) -> bool:
    """Whether ``text`` holds a character that shows: a post of zero-width spaces is as empty as one of spaces."""
    return _VISIBLE.search(text) is not None


# What Reddit (and Pushshift's dumps of it) write where a post's or comment's text was
# deleted by its author or removed by a moderator: no one wrote them, so they get no label.
PLACEHOLDERS = frozenset({"[deleted]", "[removed]", "[deleted by user]", "[removed by reddit]"})


# What databases, R, pandas and spreadsheets write for a value that is missing: a post of
# nothing but one of these is no one's words, and would get a confident label. R's write.csv
# and readr's write_csv write NA; pandas' astype(str) gives <NA> for its own missing value.
MISSING_MARKERS = frozenset({"NULL", "null", "Null", "\\N", "NaN", "nan", "NA", "<NA>", "#N/A", "N/A", "n/a", "None", "undefined"})
_LONGEST_MARKER = max(map(len, MISSING_MARKERS | PLACEHOLDERS))


# A letter or a digit, in any script: nearly every post shows one in its first characters.
_WORD = re.compile(r"[^\W_]")


# A face typed in punctuation (:) ;-( :'( -_- ._.), which says as much as the emoji it stands for.
_EMOTICON = re.compile(r"[:;=][-'^]?[()\[\]/\\|*]|[-._]_[-._]")


# U+FFFD stands where a decoder met bytes it could not read (upstream of smclass, which refuses
# such bytes): it is a symbol to Unicode, but no one typed it, and a post of nothing else had
# been given a label (Personal 0.61 by the accurate model) from what was lost.
LOST = "\ufffd"


def worded(text: str) -> bool:
    """Whether ``text`` holds a letter, a digit, a symbol (an emoji, a currency sign) or a typed
    face: a post of punctuation alone (``#``, ``...``, ``?!``) or of U+FFFD replacement characters
    says nothing a label could be drawn from, and the models gave such posts confident labels all the same."""
    return (
        _WORD.search(text) is not None
        or any(unicodedata.category(c)[0] == "S" and c != LOST for c in text)
        or _EMOTICON.search(text) is not None
    )


def usable(text: str) -> bool:
    """Whether ``text`` is someone's words to label: it shows, holds more than punctuation, and is
    no deleted post's placeholder nor a missing value's marker."""
    if not visible(text) or isinstance(text, SheetError) or not worded(text):
        return False
    # Most texts are longer than any marker: let through without a copy of them stripped.
    if len(text) > _LONGEST_MARKER and not text[0].isspace() and not text[-1].isspace():
        return True
    bare = text.strip()
    return bare not in PLACEHOLDERS and bare not in MISSING_MARKERS
