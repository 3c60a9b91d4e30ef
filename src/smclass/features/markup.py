"""Markup in a post's text: HTML entities and tags, and the angle brackets that mail and Markdown put around links."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

# A <br> or </p> ends a line, as the readers of HTML exports (Mastodon, YouTube) read it: read as a
# space, "Hi all,<br>the review moves..." had lost the lines that make an email, and 45 of 103
# corpus posts of several lines got another label. A line break written after one is the same break.
_LINE_TAGS = re.compile(r"(?:<br\s*/?>|</p>)[ \t]*\n?", re.IGNORECASE)
# A link or an address in angle brackets, as plain-text mail (RFC 3986 appendix C, "<URL:...>" and
# Outlook's "<<...>>" too), Markdown autolinks and "Ann <ann@example.org>" write them, is no tag:
# removed as one, "see <https://x.org/a> now" had read as "see now", and a post of one such link as
# nothing. A link reads as any link does; an address, with or without mailto:, as if written bare.
_AUTOLINK = re.compile(
    r"<<?\s*(?:URL:)?(?:((?:https?://|www\.)[^\s<>]+)|(?:mailto:)?([\w.+-]+@[\w-]+(?:\.[\w-]+)+)(?:\?[^\s<>]*)?)\s*>>?", re.IGNORECASE
)
# A tag opens as HTML's own reader opens one, with a letter, "/", "!" or "?" after the "<": any "<" had
# opened one, so "kids &lt; 12 fly free, adults &gt; 65 ..." (as X escapes it) had lost every word
# between the two signs, and "@x < took another sip ..." all it said up to a ">" 200 characters on.
_TAGS = re.compile(r"</?[A-Za-z!?][^>]{0,199}>")

# An entity as exporters write one, with its semicolon (&amp; &lt; &#39; &rsquo;), or a number, and an
# &amp; &lt; &gt; &quot; a cut-short post leaves without one. html.unescape alone also takes the forms
# without a semicolon that HTML 4 knew inside a word: "tea&not coffee" had read as "tea¬ coffee",
# "rock&reggae" as "rock®gae" and "&ampersand" as "&ersand".
_ENTITY = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;|(?:amp|lt|gt|quot)\b)")


def _entity(match: re.Match[str]) -> str:
    return html.unescape(match.group())


def unescape(text: str) -> str:
    """The text with its HTML entities as the characters they name (:data:`_ENTITY`)."""
    return _ENTITY.sub(_entity, text)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _unbracket(url: str) -> Callable[[re.Match[str]], str]:
    def unbracket(match: re.Match[str]) -> str:
        if match.group(1):
            return f" {url} "
        start, end, around = *match.span(), match.string
        # spaced only where a word would otherwise run into it, so that it reads as written bare
        before = " " if start and _is_word(around[start - 1]) else ""
        after = " " if end < len(around) and _is_word(around[end]) else ""
        return before + match.group(2) + after

    return unbracket


def _line_ends(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The vertical tab Excel and Word write for a line break in a cell or paragraph, and a form feed,
    # end a line too: the patterns of headers and sign-offs and the line count had missed them.
    if "\x0b" in text or "\x0c" in text:
        text = text.replace("\x0b", "\n").replace("\x0c", "\n")
    if "\\n" in text:  # a line break escaped twice by an export
        text = text.replace("\\n", "\n")
    return text


def as_plain(text: str, url: str) -> str:
    """The text as plain lines: its line ends as "\\n", links in angle brackets as the marker ``url``,
    addresses in them bare, line-ending tags as line breaks, other tags as spaces, then entities as
    their characters (run twice, for text escaped twice).

    Tags go before entities are read, as a browser shows them: an escaped "<" is a character, no tag,
    and "http://t.co/x&lt;Oh wow! She is an angel from heaven.&gt;" (as X escapes it) had lost all
    its words between the two. A link escaped in brackets is still a link."""
    text = _line_ends(text)
    if "<" in text:
        text = _TAGS.sub(" ", _LINE_TAGS.sub("\n", _AUTOLINK.sub(_unbracket(url), text)))
    if "&" in text:
        text = _line_ends(unescape(unescape(text)))  # "&#13;&#10;" is a line end too
        if "<" in text:
            text = _AUTOLINK.sub(_unbracket(url), text)
    return text
