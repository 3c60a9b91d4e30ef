"""Signals grounded in the taxonomy: who speaks to whom, and for what.

Each signal is one module-level function of normalised text (see :mod:`smclass.normalize`)
returning a number; ``SIGNALS`` keeps their stable names, which saved models rely on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from smclass import normalize as nz

_WORD = re.compile(r"[a-z']+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _rate(text: str, vocabulary: frozenset[str]) -> float:
    words = _words(text)
    if not words:
        return 0.0
    return sum(w in vocabulary for w in words) / math.sqrt(len(words))


def _has(pattern: re.Pattern[str], text: str) -> float:
    return float(len(pattern.findall(text)))


_FIRST_SINGULAR = frozenset(["i", "me", "my", "mine", "myself", "i'm", "im", "i've", "ive", "i'd", "id", "i'll", "ill"])
_FIRST_PLURAL = frozenset(["we", "us", "our", "ours", "ourselves", "we're", "we've", "we'll", "let's", "lets"])
_SECOND = frozenset(["you", "your", "yours", "yourself", "you're", "youre", "u", "ur", "ya", "y'all", "yall"])
_CALL_TO_ACTION = re.compile(
    r"\b(?:donat\w*|volunteer\w*|sign (?:the|our|this|up)|petition|join us|join the|rsvp|"
    r"text \w+ to \d+|please (?:share|rt|retweet|help|give|sign|join|come)|retweet|spread the word|"
    r"fundrais\w*|gofundme|drop[- ]off|in need of|need(?:ed|s)? (?:volunteers|donations|help|water|food|blankets)|"
    r"mutual aid|come out|show up|march|rally|boycott|call your|contact your|pledge|take action|stand with)\b",
    re.IGNORECASE,
)
_SUPPORT = re.compile(
    r"\b(?:dm us|dm me|send us a dm|direct message|sorry (?:to hear|for the|about)|we apologi[sz]e|"
    r"customer (?:service|care|support)|refund\w*|order (?:number|#)|confirmation (?:number|code)|"
    r"account|subscription|delivery|flight\w*|booking|reservation|cancel+ed|delayed|luggage|baggage|"
    r"on hold|the app|your (?:order|account|flight|bill)|promo code|% off|free shipping|shop now|"
    r"available (?:now|today|in stores)|new (?:menu|flavor|flavour|collection)|we're hiring|apply now|"
    r"thanks for (?:reaching out|flying|shopping|choosing))\b",
    re.IGNORECASE,
)
_NEWS = re.compile(
    r"\b(?:breaking|update|reports?|reported|officials?|police said|said (?:on|in|that)|says|according to|"
    r"sources|announced|killed|dead|injured|confirmed|spokes(?:man|woman|person)|government|minister|"
    r"president|authorities|residents|evacuat\w*|magnitude|death toll|watch live|live updates|analysis|"
    r"opinion|editorial|headline|reuters|ap|cnn|bbc)\b",
    re.IGNORECASE,
)
_WORKPLACE = re.compile(
    r"\b(?:meeting|deal|contract|agreement|please review|attached|attachment|draft|team|project|deadline|"
    r"schedule|conference call|fyi|regards|thanks,|ext\.?|x\d|desk|counterparty|invoice|memo|q[1-4]|"
    r"sprint|standup|stand-up|deploy\w*|release|ticket|jira|onboarding|all-hands|hr|it dept|policy|"
    r"employees|colleagues|staff|office|floor|eb\d+|the group|let me know|will you|can you send|cc)\b",
    re.IGNORECASE,
)
_PRAYER = re.compile(r"\b(?:pray\w*|thoughts (?:are )?with|rip|heartbroken|so sad|sending love)\b", re.IGNORECASE)
_QUESTION = re.compile(r"\?")
_EXCLAIM = re.compile(r"!")


def first_person_singular(text: str) -> float:
    """Rate of I/me/my: one person speaking for themself (Personal, customer complaints)."""
    return _rate(text, _FIRST_SINGULAR)


def first_person_plural(text: str) -> float:
    """Rate of we/us/our: a group or organisation speaking (Enterprise, brands, movements)."""
    return _rate(text, _FIRST_PLURAL)


def second_person(text: str) -> float:
    """Rate of you/your: addressing someone (support replies, calls to act, colleagues)."""
    return _rate(text, _SECOND)


def call_to_action(text: str) -> float:
    """Donate, sign, join, volunteer, share: a collective purpose (Emergent)."""
    return _has(_CALL_TO_ACTION, text)


def brand_support(text: str) -> float:
    """Orders, flights, refunds, DM us, promo codes: business and customer talk (Customer)."""
    return _has(_SUPPORT, text)


def news_phrasing(text: str) -> float:
    """Officials say, according to, killed, breaking: reporting for an audience (Media)."""
    return _has(_NEWS, text)


def workplace(text: str) -> float:
    """Meeting, deal, attached, team, deadline: people working together inside one organisation (Enterprise)."""
    return _has(_WORKPLACE, text)


def sympathy(text: str) -> float:
    """Prayers and sympathy: Personal unless a call to act comes with them."""
    return _has(_PRAYER, text)


def hashtags(text: str) -> float:
    """Number of hashtags: campaigns and movements tag heavily."""
    return float(text.count(nz.HASHTAG))


def mentions(text: str) -> float:
    """Number of @handles in the body: talking to or about accounts."""
    return float(text.count(nz.MENTION))


def is_reply(text: str) -> float:
    """Starts with @handles: a reply to someone, typical of customer-brand exchanges."""
    return float(text.startswith(nz.REPLY))


def is_retweet(text: str) -> float:
    """An RT prefix: passing on someone else's post, typical of news and causes."""
    return float(text.startswith(nz.RETWEET))


def links(text: str) -> float:
    """Number of links: headlines and news share links."""
    return float(text.count(nz.URL))


def email_form(text: str) -> float:
    """Subject lines, headers, initials sign-offs: email and memo form (Enterprise)."""
    return float(text.count(nz.SUBJECT) + text.count(nz.EMAIL_HEADER) + text.count(nz.SIGNOFF))


def questions(text: str) -> float:
    """Question marks: asking a brand, a colleague or the audience."""
    return float(min(len(_QUESTION.findall(text)), 5))


def exclamations(text: str) -> float:
    """Exclamation marks: emotion and promotion."""
    return float(min(len(_EXCLAIM.findall(text)), 5))


def emoji(text: str) -> float:
    """Emoji and emoticons: personal and promotional tone."""
    return float(min(text.count(nz.EMOJI), 5))


def log_length(text: str) -> float:
    """Log of the length in characters: headlines are short, emails long."""
    return math.log1p(len(text))


def line_count(text: str) -> float:
    """Number of lines: letters and emails have many, tweets one."""
    return math.log1p(text.count("\n"))


def title_case(text: str) -> float:
    """Share of capitalised words: headline style."""
    words = [w for w in text.split() if w[:1].isalpha() and not w.startswith("x")]
    if len(words) < 3:
        return 0.0
    return sum(w[0].isupper() for w in words) / len(words)


def shouting(text: str) -> float:
    """Share of all-caps words: anger at a brand, urgency in a crisis."""
    words = [w for w in text.split() if len(w) > 2 and w.isalpha()]
    if not words:
        return 0.0
    return sum(w.isupper() for w in words) / len(words)


def money(text: str) -> float:
    """Amounts of money: prices, fees, donations, deals."""
    return float(min(text.count(nz.MONEY), 5))


SIGNALS: dict[str, Callable[[str], float]] = {
    f.__name__: f
    for f in (
        first_person_singular,
        first_person_plural,
        second_person,
        call_to_action,
        brand_support,
        news_phrasing,
        workplace,
        sympathy,
        hashtags,
        mentions,
        is_reply,
        is_retweet,
        links,
        email_form,
        questions,
        exclamations,
        emoji,
        log_length,
        line_count,
        title_case,
        shouting,
        money,
    )
}
