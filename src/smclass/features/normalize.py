"""Social-media text normalisation shared by training and prediction.

Platform furniture (links, handles, retweet prefixes, email headers) is replaced by
marker words, so the model learns that a post *has* a link or a reply-to handle rather
than memorising one link or one account.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from smclass.features.markup import as_plain
from smclass.reading.mojibake import fix_mojibake

URL = "xurlx"
MENTION = "xmentionx"
REPLY = "xreplyx"
RETWEET = "xrtx"
HASHTAG = "xhashx"
EMOJI = "xemojix"
NUMBER = "xnumx"
MONEY = "xmoneyx"
EMAIL_HEADER = "xheaderx"
SUBJECT = "xsubjectx"
SIGNOFF = "xinitialsx"
CHECKIN = "xcheckinx"
MARKERS = (URL, MENTION, REPLY, RETWEET, HASHTAG, EMOJI, NUMBER, MONEY, EMAIL_HEADER, SUBJECT, SIGNOFF, CHECKIN)
# What a match is replaced by where that is more than " marker ".
_RETWEET_PREFIX = f"{RETWEET} {MENTION} "
_REPLY_PREFIX = f"{REPLY} "
_CHECKIN_PREFIX = f"{CHECKIN} "
_SIGNOFF_LINE = f"\n{SIGNOFF}"

# "www." starts a link only where it starts a word: "Awww...thank you" had read as "A xurlx you", a link and no thanks.
_URL = re.compile(r"(?:https?://|\bwww\.)\S+|\bpic\.twitter\.com/\S+", re.IGNORECASE)
# Bare domains ("bit.ly/x"): a separate pass, run only when one of these endings is there.
_BARE_URL = re.compile(r"\b[a-z0-9-]+\.(?:com|org|net|ly|co)/\S*", re.IGNORECASE)
_BARE_URL_ENDINGS = (".com/", ".org/", ".net/", ".ly/", ".co/")
_RT = re.compile(r"^\s*(?:RT|MT)\s*@\w+\s*:?", re.IGNORECASE)
_LEADING_MENTIONS = re.compile(r"^(?:\s*\.?@\w+)+")
# Each pattern starts with a literal or a class, so the regex engine can skip ahead to it.
_MENTION = re.compile(r"@(?<![\w@]@)\w+")
_HASHTAG = re.compile(r"#(?<![\w#&]#)(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
# A "Cc: @handle" or "To: @handle" line (the handle marked or not yet) is a tweet's, not a mail's header: read as one, "Cc:
# @jndegz RT @CapitalFM_kenya: Military called in as deadly floods batter Australia http://t.co/..." had been the header marker alone.
_HEADER = re.compile(rf"^(?:from|to|cc|bcc|sent|date|x-[\w-]+):(?![ \t]*(?:@\w|(?-i:{MENTION})\b)).*$", re.IGNORECASE | re.MULTILINE)
# Only [ \t] inside a line: \s would also eat newlines and make long blank runs quadratic.
_SUBJECT = re.compile(r"^[ \t]*(?:subject|re|fw|fwd)[ \t]*:", re.IGNORECASE | re.MULTILINE)
_CARET_SIGNOFF = re.compile(r"(?<![\w^])\^[A-Z]{1,3}\b")
_INITIALS_SIGNOFF = re.compile(r"\n[ \t]*-?[ \t]*[A-Z]{1,3}[ \t]*\Z")
_MONEY_SYMBOL = re.compile(r"[$£€]\s?\d[\d,.]*[kKmM]?")
_MONEY_WORD = re.compile(r"\d[\d,.]*\s?(?i:usd|eur|dollars|euros)\b")
_NUMBER = re.compile(r"\d(?<!\w\d)[\d,.:/-]*\b")
# A letter is an emoticon's mouth only where no word goes on after it: "TL;DR" had read "TL xemojix R", "NOTE:Please" "NOTE xemojix lease".
# Typed faces are emoji too: ":'(", "xD", "-_-", "^_^", "T_T" had been no word the model knows, and a
# post of one alone got no label (smclass.model.unread) where ":-(" got one. No training post holds them.
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\U0001f900-\U0001f9ff\u2764\u263a]"
    r"|:[a-z_+-]{2,30}:|[:;=][-']?(?:[)(]|[DPp](?!\w))"
    r"|(?<![\w'])[xX]D+(?!\w)|(?<![\w^>-])[-^T;>.oO0]_[-^T;<.oO0](?![\w^<-])"
    r"|¯\\\\?_\(ツ\)_/¯|(?<![\w^])\^\^(?![\w^])|(?<!\w)\\o/(?!\w)"
)
# Instagram and Foursquare cross-posts: "Sunday brunch  @ Some Cafe", "I'm at Some Cafe".
_CHECKIN_AT = re.compile(r"(?<=\s)@[ \t]+(?=[A-Z][^@\n]{0,80}$)")
_CHECKIN_IM_AT = re.compile(r"^\s*I'?m at\b", re.IGNORECASE)
# Joiners and variation selectors left behind where exports stripped emoji; and the format
# characters that show as nothing inside or before a word (soft hyphen, word joiner, BOM,
# direction marks): left in, they cut "con\u00adfirm" into "con" and "firm", and a leading
# BOM hid an "RT @x:" or reply handle, so the post that shows the same got another label.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufe0e\ufe0f\ufeff]")
_DIGIT = re.compile(r"\d")
_M_AT = re.compile("m at", re.IGNORECASE)  # what "I'm at" needs, found without lowering a copy


def split_hashtag(tag: str) -> str:
    """``#PrayForBoston`` carries words the rest of the model knows: pray for boston."""
    if tag.isalpha() and (tag.islower() or tag.isupper()):
        return tag
    return _CAMEL.sub(" ", tag).replace("_", " ")


def _hashtag(match: re.Match[str]) -> str:
    return f" {HASHTAG} {split_hashtag(match.group(1))} "


def _tidy_spaces(text: str) -> str:
    """One space between words, no spaces around line breaks, no blank lines."""
    if "\n" not in text:
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def normalize(text: str) -> str:
    """Return the text with platform furniture replaced by marker words, spaces tidied."""
    return _tidy_spaces(mark(text))


# Unicode's space separators (Zs) other than the space itself, each read as a space.
_SPACES = dict.fromkeys(map(ord, "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"), " ")

# Fullwidth Latin letters and digits, and the fullwidth @ and # that X reads as a handle's and a
# hashtag's, each as its ASCII self (as NFKC has them): "ＰＲＡＹ ＦＯＲ" was no word the model
# knows, and 262 of 480 corpus posts written so got another label. CJK text's own fullwidth
# punctuation (，！？) stays: training posts hold it, and the model learnt it as written.
_NARROW = {wide: wide - 0xFEE0 for wide in (0xFF03, 0xFF20, *range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
# Curly apostrophes, as phones type them ("don’t"), as the straight one the training posts hold
# (4,447 of them, and no curly one): "don’t" made character n-grams the model never saw, and 2 of
# 175 corpus posts so written got another label. Curly double quotes are left: training posts hold them.
_APOSTROPHES = dict.fromkeys((0x2018, 0x2019), "'")
# Unicode's line and paragraph separators, as some apps and JavaScript exports end lines: the
# patterns that find headers, subject lines and sign-offs, and the line-count signal, know only
# "\n", and 45 of 103 corpus posts of several lines got another label so written.
_LINES = dict.fromkeys((0x2028, 0x2029), "\n")
# Letters styled by "fancy text" generators (𝗯𝗼𝗹𝗱, 𝘪𝘵𝘢𝘭𝘪𝘤, 𝓼𝓬𝓻𝓲𝓹𝓽, 𝕕𝕠𝕦𝕓𝕝𝕖 from Unicode's mathematical
# letters, with the letterlike ℎ, ℬ, ℭ, ℂ filling their gaps), as LinkedIn and X posts write
# headings, each as the letter NFKC has it: a post in bold sans had been words the model never
# saw, and 258 of 480 corpus posts so written got another label. No training post holds one.
# Circled letters (Ⓗⓔⓛⓛⓞ) too: a post of them alone held no word the model knows, and got no label.
_STYLED = {
    code: folded
    for code in (*range(0x1D400, 0x1D800), *range(0x2100, 0x2150), *range(0x24B6, 0x24EA))
    if len(folded := unicodedata.normalize("NFKC", chr(code))) == 1
    and folded != chr(code)
    and (code >= 0x1D400 or folded.isascii())
    and code not in (0x2139, 0x24C2)  # ℹ and Ⓜ, the information and metro emoji, are no letters i and M
}
# Skin tones, which show as part of the emoji before them ("👍🏽" is one thumb): each had been an emoji
# marker of its own, and 16 of 262 corpus posts got another label with their hands toned. 12 training
# posts hold one: their feature text loses that second marker (the model is not retrained for it).
_TONES = dict.fromkeys(range(0x1F3FB, 0x1F400))
_AS_READ = {**_SPACES, **_NARROW, **_APOSTROPHES, **_LINES, **_STYLED, **_TONES}
# Most posts hold none of them: one search of the text costs a seventh of translating it. The
# class holds every key of _AS_READ (a test checks it), and a few more that translate leaves.
_TO_READ = re.compile(
    "[\u00a0\u1680\u2000-\u200a\u2018\u2019\u2028\u2029\u202f\u205f\u2100-\u214f\u24b6-\u24e9\u3000\uff03\uff10-\uff5a"
    "\U0001d400-\U0001d7ff\U0001f3fb-\U0001f3ff]"
)


def feature_text(text: str) -> str:
    """What the features read, at training and at prediction alike: the text :func:`as_shown`,
    blank space after the words stripped, furniture marked."""
    # A check-in ("@ Some Cafe") must end its text, and mark() strips the end only after looking
    # for one: "... @ Some Cafe  \n\t " was no check-in. Stripped only now, as a no-break space
    # ending mojibake ("Ã\u00a0" for "à") is part of a letter. The start is kept: the blank lines
    # that open an email body count as its lines, and 20 of 1,146 such Enron emails lost their
    # Enterprise label without them.
    return mark(as_shown(text).rstrip())


def as_shown(text: str) -> str:
    """The text as it shows, whatever bytes wrote it: mojibake repaired, accents composed (NFC),
    Unicode spaces and line separators, fullwidth and styled letters and curly apostrophes as ASCII,
    skin tones dropped. The features read it, and so do the accurate models' encoders (which had
    read fullwidth letters as unknown tokens)."""
    text = fix_mojibake(text)
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFC", text):
        # A letter and its accent as two code points (NFD, as macOS and some scrapers write) cut
        # the word at the accent ("e\u0301te\u0301" was read as "te"): the post that shows the same
        # got other features, and 1 of the 18 accented posts of dev another label.
        text = unicodedata.normalize("NFC", text)
    # A no-break, thin or ideographic space shows as a space and splits words as one, but the
    # patterns that want a space or a tab ("@ Some Cafe", a "Subject:" line) missed it: a
    # check-in written with no-break spaces got another label (an &nbsp; is read so in mark).
    # Fullwidth and styled letters and digits, curly apostrophes and line separators are read as ASCII on the same pass.
    return text.translate(_AS_READ) if _TO_READ.search(text) else text


# Bits of what :func:`triggers` finds; ``_normalize.c`` uses the same numbers.
(
    HAS_AMP,
    HAS_CR,
    HAS_BACKSLASH_N,
    HAS_NON_ASCII,
    HAS_LT,
    HAS_SLASH,
    HAS_WWW,
    HAS_AT_BLANK,
    HAS_AT,
    HAS_HASH,
    HAS_COLON,
    HAS_CARET,
    HAS_DIGIT,
    HAS_MONEY,
    HAS_EMOTICON,
    HAS_EMOJI_CHAR,
    HAS_LINE_LABEL,
    HAS_BARE_URL,
    HAS_M_AT,
    HAS_CURRENCY_WORD,
) = (1 << i for i in range(20))
_CHEAP_NEEDLES = (
    (HAS_AMP, "&"),
    (HAS_CR, "\r"),
    (HAS_CR, "\x0b"),
    (HAS_CR, "\x0c"),
    (HAS_BACKSLASH_N, "\\n"),
    (HAS_LT, "<"),
    (HAS_SLASH, "/"),
    (HAS_AT_BLANK, "@ "),
    (HAS_AT_BLANK, "@\t"),
    (HAS_AT, "@"),
    (HAS_HASH, "#"),
    (HAS_COLON | HAS_LINE_LABEL, ":"),
    (HAS_CARET, "^"),
    (HAS_MONEY, "$"),
    (HAS_MONEY, "£"),
    (HAS_MONEY, "€"),
)


def python_triggers(text: str) -> int:
    """Which characters that :func:`mark` looks for are in the text, as bits.

    A bit may be set where its pattern then finds nothing (that costs a scan, never a
    difference); it is never missing where the pattern would find something.
    """
    found = 0 if text.isascii() else HAS_NON_ASCII
    for bit, needle in _CHEAP_NEEDLES:
        if needle in text:
            found |= bit
    # Cheap supersets: the patterns themselves run only when these are set, and a bit whose
    # pattern needs another bit (a link a slash, an amount a digit) is set without looking.
    if "w" in text or "W" in text:
        found |= HAS_WWW
    if found & HAS_SLASH:
        found |= HAS_BARE_URL
    if _M_AT.search(text):
        found |= HAS_M_AT
    if _DIGIT.search(text):
        found |= HAS_DIGIT | HAS_CURRENCY_WORD
    if ":" in text or ";" in text or "=" in text or "_" in text or "xD" in text or "XD" in text or "^^" in text or "\\o" in text:
        found |= HAS_EMOTICON
    if found & HAS_NON_ASCII:
        found |= HAS_EMOJI_CHAR
    return found


def python_hashtags(text: str) -> str:
    """Each #tag becomes the hashtag marker and the tag's words (:func:`split_hashtag`)."""
    return _HASHTAG.sub(_hashtag, text)


def python_mentions(text: str) -> str:
    """An ``RT @x:`` prefix, else leading reply handles, become markers; then every other @handle."""
    first = text.lstrip()[:1]
    if first in ("R", "r", "M", "m"):
        text = _RT.sub(_RETWEET_PREFIX, text)
    elif first in ("@", "."):
        text = _LEADING_MENTIONS.sub(_REPLY_PREFIX, text)
    return _MENTION.sub(f" {MENTION} ", text)


def python_labels(text: str) -> str:
    """Email header lines and subject labels become their markers."""
    return _SUBJECT.sub(f" {SUBJECT} ", _HEADER.sub(f" {EMAIL_HEADER} ", text))


def python_checkin(text: str) -> str:
    """A leading "I'm at" (Foursquare) becomes the check-in marker."""
    if "at" in text[:40].lower():
        return _CHECKIN_IM_AT.sub(_CHECKIN_PREFIX, text)
    return text


def python_initials(text: str) -> str:
    """Initials alone on the last line (an email sign-off) become the sign-off marker."""
    if "\n" in text[-12:]:
        return _INITIALS_SIGNOFF.sub(_SIGNOFF_LINE, text)
    return text


def python_emoji(text: str) -> str:
    """Each emoji, :short_code: and emoticon becomes the emoji marker."""
    return _EMOJI.sub(f" {EMOJI} ", text)


def python_bare_urls(text: str) -> str:
    lower = text.lower()
    if any(ending in lower for ending in _BARE_URL_ENDINGS):
        return _BARE_URL.sub(f" {URL} ", text)
    return text


def python_urls(text: str) -> str:
    lower = text.lower()
    if "://" in text or "www." in lower or "pic.twitter" in lower:
        return _URL.sub(f" {URL} ", text)
    return text


def python_numbers(text: str) -> str:
    return _NUMBER.sub(f" {NUMBER} ", text)


# In C: one pass finds every trigger character, and most patterns are replaced without the
# regular expression engine. Tests check that C and Python give the same text.
try:
    from smclass.features import _normalize as _compiled  # type: ignore[attr-defined]
except ImportError:  # built without a C compiler
    _compiled = None


# The C passes work on four bytes per character where Python's strings of Latin text take
# one: a post longer than this is marked in Python, which keeps memory low (a post of 21
# million characters peaked at 386 MB marked in C, 245 MB in Python).
C_MAX_CHARS = 1_000_000


def _c(text: str) -> Any:
    """The compiled module when it was built and the text is not too long for it, else None."""
    return _compiled if len(text) <= C_MAX_CHARS else None


def _in_c(text: str, python: Callable[[str], str], name: str, *words: str) -> str:
    """The pass ``name`` of the compiled module with these marker words, else its Python version."""
    compiled = _c(text)
    if compiled is None:
        return python(text)
    result: str = getattr(compiled, name)(text, *words)
    return result


def hashtags(text: str) -> str:
    """Each #tag becomes the hashtag marker and the tag's words."""
    return _in_c(text, python_hashtags, "hashtags", HASHTAG)


def mentions(text: str) -> str:
    """:func:`python_mentions`, in C when it was built."""
    return _in_c(text, python_mentions, "mentions", _RETWEET_PREFIX, _REPLY_PREFIX, MENTION)


def labels(text: str) -> str:
    """:func:`python_labels`, in C when it was built."""
    return _in_c(text, python_labels, "labels", EMAIL_HEADER, SUBJECT, MENTION)


def checkin(text: str) -> str:
    """:func:`python_checkin`, in C when it was built."""
    return _in_c(text, python_checkin, "checkin", _CHECKIN_PREFIX)


def initials(text: str) -> str:
    """:func:`python_initials`, in C when it was built."""
    return _in_c(text, python_initials, "initials", _SIGNOFF_LINE)


def emoji(text: str) -> str:
    """:func:`python_emoji`, in C when it was built."""
    return _in_c(text, python_emoji, "emoji", EMOJI)


def bare_urls(text: str) -> str:
    """Each bare link (``bit.ly/x``, ``_BARE_URL``) becomes the link marker."""
    return _in_c(text, python_bare_urls, "bare_urls", URL)


def urls(text: str) -> str:
    """Each link (``_URL``) becomes the link marker."""
    return _in_c(text, python_urls, "urls", URL)


def numbers(text: str) -> str:
    """Each number (``_NUMBER``) becomes the number marker."""
    return _in_c(text, python_numbers, "numbers", NUMBER)


def triggers(text: str) -> int:
    """:func:`python_triggers`, in one pass in C when it was built."""
    if _compiled is None:
        return python_triggers(text)
    found: int = _compiled.triggers(text)
    return found


# What the compiled mark() replaces furniture with, in the order it takes them.
_MARK_WORDS = (URL, _RETWEET_PREFIX, _REPLY_PREFIX, MENTION, HASHTAG, EMAIL_HEADER, SUBJECT, _CHECKIN_PREFIX, _SIGNOFF_LINE, NUMBER, EMOJI)


def mark(text: str) -> str:
    """Replace platform furniture by marker words, leaving spaces as they fall.

    The features need no tidy spaces (see :mod:`smclass.features.tokens`), so they skip that step.
    Each pattern runs only when a character it needs is in the text (:func:`triggers`
    finds them all in one pass): most posts have no tags, headers or sign-offs, and
    skipping those scans is most of the speed. Replacements only ever add letters, spaces
    and line breaks, each marker with a space or a line start before it, so what was
    found before them still holds after (unescaping and removing invisible characters are
    followed by a new look).
    """
    found = triggers(text)
    compiled = _c(text)
    if compiled is not None:
        # Most posts need only the passes written in C: one call does them all.
        marked: str | None = compiled.mark(text, found, False, *_MARK_WORDS)
        if marked is not None:
            return marked
    if found & (HAS_AMP | HAS_CR | HAS_BACKSLASH_N | HAS_LT):
        text = as_plain(text, URL)
        if found & HAS_AMP and _TO_READ.search(text):  # an &nbsp; or &rsquo; is read as as_shown reads the character
            text = text.translate(_AS_READ)
        found = triggers(text)  # unescaping can bring in any character, and "I'm<br>at" is now "I'm\nat"
    if found & HAS_NON_ASCII:
        text, removed = _INVISIBLE.subn("", text)
        if removed:  # what stood apart may now be side by side ("@\u200b " is "@ ")
            found = triggers(text)
    if compiled is not None:
        # Prepared now: C can do the rest unless a pattern it lacks is needed.
        marked = compiled.mark(text, found, True, *_MARK_WORDS)
        if marked is not None:
            return marked
    if found & (HAS_SLASH | HAS_WWW):
        text = urls(text)
    if found & HAS_BARE_URL:
        text = bare_urls(text)
    if found & HAS_AT_BLANK:
        text = _CHECKIN_AT.sub(_CHECKIN_PREFIX, text)
    if found & HAS_M_AT:
        text = checkin(text)
    if found & HAS_AT:
        text = mentions(text)
    if found & HAS_HASH:
        text = hashtags(text)
    if found & HAS_LINE_LABEL:
        text = labels(text)
    if found & HAS_CARET:
        text = _CARET_SIGNOFF.sub(f" {SIGNOFF} ", text)
    text = initials(text.rstrip())
    if found & HAS_DIGIT:
        if found & HAS_MONEY:
            text = _MONEY_SYMBOL.sub(f" {MONEY} ", text)
        if found & HAS_CURRENCY_WORD and any(word in text.lower() for word in ("usd", "eur", "dollar")):
            text = _MONEY_WORD.sub(f" {MONEY} ", text)
        text = numbers(text)
    if found & (HAS_EMOJI_CHAR | HAS_EMOTICON):
        text = emoji(text)
    return text
