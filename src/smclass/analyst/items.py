"""What a report compares across posts: hashtags, links and accounts, each in one form however it was written.

A trace is many accounts taking up the same item, so two spellings of one item (``#café``
typed with a combining accent, ``#ＭｅＴｏｏ`` in fullwidth letters, ``@Alice`` and ``alice``)
must count as one, and two different items must never merge because a pattern stopped early.
"""

from __future__ import annotations

import re
import unicodedata

# Where a hashtag may start: not inside a word, an HTML entity (&#39;) or a link.
_TAG_START = re.compile(r"(?<![\w&])#")
# A link is written with its scheme or as www.; either in any case, since posts shout too.
# Where a link ends besides a space: CJK full-width punctuation and brackets, guillemets and curly
# quotes, and the zero-width spaces Python does not count as space. No link holds one unencoded,
# and one glued to it (`https://ex.org/p。`) made another link of the same page.
# Arabic-script and Devanagari punctuation (، ؛ ؟ । ॥) and the ellipsis end one too.
_ENDS = "。，、；：！？．｡､」』】）》〉〕｝「『【（《〈〔｛«»‹›“”„\u200b\u2060\ufeff،؛؟।॥…"
_LINK = re.compile(rf"(?:https?://|(?<![\w@])(?<!\w\.)www\.)[^\s<>\"`{{}}|\\^{_ENDS}]+", re.IGNORECASE)
_TRAILING = ".,;:!?'’\"*"
_CLOSING = {")": "(", "]": "[", "}": "{"}


# Inside a word though no letter: the zero-width non-joiner and joiner of Persian, Sinhala or
# Malayalam (#حقوق‌بشر), the Hebrew maqaf and geresh (#צה״ל), the katakana middle dot,
# the Tibetan tsheg, the middle dot of Catalan. Stopping at one cut two tags down to one
# stem; the set is the one twitter-text extracts tags with. Never a tag's last character.
_JOINERS = "\u200c\u200d\ua67e\u05be\u05f3\u05f4\u301c\u30a0\u30fb\u3003\u0f0b\u00b7"


# What makes a # the emoji #️⃣: its variation selector and the combining keycap.
_KEYCAP = ("\ufe0f", "\u20e3")


def _tag_char(ch: str) -> bool:
    # Letters, digits and the underscore, and the combining marks that scripts such as
    # Devanagari, Tamil, Thai, Hebrew and decomposed Latin put inside words (re's \w leaves them out).
    return ch.isalnum() or ch == "_" or ch in _JOINERS or unicodedata.category(ch)[0] == "M"


def hashtags(text: str, cut: list[str] | None = None) -> set[str]:
    """The hashtags of a post, outside its links, in NFKC form and case-folded: ``#Café`` and
    ``#cafe\u0301`` are one tag. A tag of digits alone (``#1``, ``#2024``) is a number, not a tag.

    A tag glued to an ellipsis (``#yych…``) is no tag: it is most often cut short, as X cuts a
    retweet's text and cross-posting tools a caption, and each retweet of one post cuts it alike,
    so it made a trace of a tag no one used. Such tags go to ``cut``, when given."""
    # NFKC makes the ellipsis three dots, which a tag may well be followed by: it is marked first.
    text = unicodedata.normalize("NFKC", _LINK.sub(" ", text).replace("\u2026", "\x00"))
    found = set()
    for start in _TAG_START.finditer(text):
        if text[start.end() : start.end() + 1] in _KEYCAP:
            continue  # the keycap emoji #️⃣, a bullet in lists, is no tag (as twitter-text has it)
        end = start.end()
        while end < len(text) and _tag_char(text[end]):
            end += 1
        tag = text[start.end() : end].rstrip(_JOINERS)
        if (len(tag) >= 2 or _word_alone(tag)) and not tag.isdigit():
            if text[end : end + 1] != "\x00":
                found.add(tag.casefold())
            elif cut is not None:
                cut.append(tag)
    return found


def _word_alone(tag: str) -> bool:
    # One ideograph, kana or Hangul syllable (East Asian wide) is a word: #猫 or #雨 is a tag as
    # #cats is, where one Latin letter (Plan #B) is none. Cut at two characters, three accounts' #猫 made no trace.
    return len(tag) == 1 and tag.isalpha() and unicodedata.east_asian_width(tag) == "W"


def links(text: str) -> set[str]:
    """The links of a post as written, without the punctuation or symbols around them, their
    scheme and host in lower case: ``Www.Example.org/p``, as a phone capitalises it, is ``www.example.org/p``."""
    return {_host_lowered(link) for match in _LINK.finditer(text) if (link := _trimmed(match.group()))}


def links_leading(text: str, targets: dict[str, str]) -> tuple[set[str], int]:
    """The links of a post, a short link as where it leads when ``targets`` (X's entities) says,
    and how many of X's t.co links stay as written: X gives each post a t.co link of its own."""
    found, short = set(), 0
    for link in links(text):
        target = targets.get(link) or targets.get(link.replace("http://", "https://", 1))
        lead = next(iter(links(target)), None) if target else None
        found.add(lead or link)
        short += lead is None and _T_CO.match(link) is not None
    return found, short


def short_links_note(count: int) -> str:
    return (
        f"{count} of X's t.co links are counted as written, since their records do not say where they lead (X's entities): "
        "X gives each post a t.co link of its own, so a link many accounts shared through them is seldom a trace"
    )


_T_CO = re.compile(r"(?:https?://)?t\.co/", re.IGNORECASE)


_SCHEME_HOST = re.compile(r"((?:https?://)?)([^/?#]*)", re.IGNORECASE)


def _host_lowered(link: str) -> str:
    # A scheme and a host name no case (RFC 3986, 6.2.2.1); a path, a query and a fragment may have one.
    match = _SCHEME_HOST.match(link)
    if match is None:  # never: both its groups may be empty
        return link
    user, at, host = match.group(2).rpartition("@")
    return f"{match.group(1).lower()}{user}{at}{host.lower()}{link[match.end() :]}"


def without_links(text: str) -> str:
    return _LINK.sub(" ", text)


def _trimmed(link: str) -> str:
    # An emoji or other symbol glued to a link ends it: no link in a post carries one.
    for i, ch in enumerate(link):
        if unicodedata.category(ch) == "So":
            link = link[:i]
            break
    while link:
        last = link[-1]
        if last in _TRAILING:
            link = link[:-1]
        elif last in _CLOSING and link.count(_CLOSING[last]) < link.count(last):
            link = link[:-1]  # a bracket around the link, not one of its own as in Wikipedia's "(disambiguation)"
        else:
            break
    return link if len(link) > len("www.") else ""


def account_key(value: str) -> str | None:
    """An account as one form: ``@Alice``, ``alice`` and `` alice `` are the same handle."""
    key = unicodedata.normalize("NFKC", value).strip().lstrip("@").strip().casefold()
    return key or None
