"""What the sniffer cannot tell from a sample alone: a format a file's name promises, and first
lines that may be JSON or text. Each doubt is refused with the ways to say what the input is."""

from __future__ import annotations

import json
import re
from typing import Any

from smclass.errors import InputError, UsageError
from smclass.reading.json_values import STRICT, refuse_constant


class FormatDoubtError(UsageError):
    """A format that cannot be told from the sample (a header under a report's preamble, a first line
    that may be a header or a post): the line of the doubt, for the error's FILE:LINE."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


# What a file's name promises. Read one post per line, such a file would make posts of its
# markup, its brackets or its header: it is refused unless --input-format lines says so.
_NAMED_FORMATS = {
    ".json": "JSON",
    ".jsonl": "JSON",
    ".ndjson": "JSON",
    ".csv": "CSV",
    ".tsv": "TSV",
    ".tab": "TSV",
    ".eml": "e-mail",
    ".mbox": "e-mail",
}
_COMPRESSED = (".gz", ".zst", ".bz2", ".xz")
_AS_LINES = "--input-format lines to read every line as a post"


def named_format(name: str) -> tuple[str, str] | None:
    """The extension of ``name`` (past a compression suffix) and the kind of file it names, when it names one."""
    base = name.lower().rsplit("/", 1)[-1]
    base = next((base.removesuffix(suffix) for suffix in _COMPRESSED if base.endswith(suffix)), base)
    extension = "." + base.rsplit(".", 1)[-1] if "." in base else ""
    kind = _NAMED_FORMATS.get(extension)
    return (extension, kind) if kind is not None else None


def not_as_named(named: tuple[str, str], note: str | None, first: str) -> str:
    """Why a file whose name promises ``named`` is not read as lines: ``note`` says why it is no CSV header."""
    extension, kind = named
    if kind == "JSON":
        return f"named {extension}, but its first line is not JSON ({_shown(first)!r}): mend it, or say {_AS_LINES}"
    if kind == "e-mail":
        # Read as lines, each header line (From:, To:, Subject:) would be labelled as a post.
        header = "a message's header (From: beside Date:, Subject:, Message-ID: or To:) over a blank line"
        shape = f"an mbox's 'From SENDER DATE' line, nor {header}"
        return f"named {extension}, but its first lines are not {shape} ({_shown(first)!r}): mend it, or say {_AS_LINES}"
    return f"named {extension}, but {note}: say --input-format {kind.lower()} (with --text-field NAME) if it is one, or {_AS_LINES}"


def _shown(line: str) -> str:
    bare = line.strip()
    return bare[:60] + ("..." if len(bare) > 60 else "")


# A web page or an XML document: a platform's export saved as HTML (Telegram Desktop's messages.html,
# X's "Your archive.html", Meta's HTML download) or a feed. Read one post per line, every line of its
# markup (<!DOCTYPE html>, </div>) had been a post with a label.
# A post may start with "<html>" too: a page opened so is one only with its head or body below.
_MARKUP = re.compile(rb"<(?:!doctype\s+html|html[\s>]|\?xml\s+version)", re.IGNORECASE)
_HEAD_OR_BODY = re.compile(rb"<(?:head|body)[\s>]", re.IGNORECASE)


def no_markup(text: bytes, name: str, line: int) -> None:
    """Refuses an input whose first bytes (blanks and a byte-order mark stripped) open an HTML page or an XML document on ``line``.

    A page's opening tag is followed by the end of its line or by another tag (``<!DOCTYPE html>`` over
    ``<html>``, a doctype that goes on to a second line); a post may start with such a tag and go on in
    words (``<!DOCTYPE html> goes first, they said``), and is read as before."""
    found = _MARKUP.match(text)
    if found is None or (found.group()[1:5].lower() == b"html" and not _HEAD_OR_BODY.search(text)) or named_format(name) is not None:
        return  # a file named .json or .csv is refused below for not being what its name says
    end = text.find(b">", found.end() - 1)
    after = text[end + 1 :].partition(b"\n")[0].strip() if end >= 0 else b"words"
    if after and not after.startswith(b"<"):
        return
    what = "an XML document" if found.group().startswith(b"<?") else "an HTML page"
    raise InputError(
        f"{what}, not posts: read one post per line, its markup would be labelled as posts: export the posts as JSON "
        f"or CSV (a platform's export offers JSON beside HTML), or say {_AS_LINES}",
        source=name or None,
        line=line,
    )


# classify's own --format table: a header naming its columns over a rule of box-drawing lines. Its rows
# hold results, not posts (a kept record is cut to 60 characters): read one post per line, the
# header, the rule and every row had been labelled as posts, exit 0.
_TABLE_HEADER = re.compile(rb"id +(?:source +)?label +confidence(?: |$)")
_TABLE_RULE = "\u2500".encode()


def no_results_table(text: bytes, name: str, line: int) -> None:
    """Refuses an input whose first line (blanks stripped) is the header of ``classify --format table``, over its rule."""
    first, _, rest = text.partition(b"\n")
    rule = rest.partition(b"\n")[0].strip()
    if _TABLE_HEADER.match(first.rstrip()) is None or not rule or rule.replace(_TABLE_RULE, b""):
        return
    raise InputError(
        "the output of smclass classify --format table, not posts: its rows are results, with no post's text, and each would "
        "be labelled as a post: classify the posts themselves (results to read back are written with --keep-fields, as JSON "
        f"lines or CSV), or say {_AS_LINES}",
        source=name or None,
        line=line,
    )


def no_plain_text(text: bytes, cut: bool, name: str) -> None:
    """Refuses an input about to be read as a JSON document whose first value plainly is no JSON:
    lines of text may start with a bracket too (``[Update] the bridge is closed``, ``[1/3] Thread
    about ...``), and read as a document they would be one error about JSON, their posts never
    read. Damage to a real document is no reason to read it as lines either: which of the two
    it is cannot be told, so the user says."""
    failure = _plain_failure(text.decode("utf-8", "replace"), cut)
    if failure is None:
        return
    first = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    named = named_format(name)
    if named is not None and named[1] == "JSON":
        raise InputError(not_as_named(named, None, first), source=name or None, line=1)
    if _CHAT_LIKE.match(first):
        raise FormatDoubtError(
            f"its first line ({_shown(first)!r}) starts as an iPhone's WhatsApp chat does, [date, time] and a sender, but in a "
            f"form of date and time smclass does not read as a chat's: say {_AS_LINES}, its date and sender in its text",
            1,
        )
    raise FormatDoubtError(
        f"cannot tell whether this is a damaged JSON document or text with a post on each line: its first line "
        f"({_shown(first)!r}) starts like JSON but is none ({failure}): mend the JSON, or say {_AS_LINES}",
        1,
    )


# An iPhone's WhatsApp chat in a locale whose date or time the chat reader does not know (Greek "π.μ.", Korean
# "오전", Arabic digits): a bracket, a date and a time in it, a sender. Said to be "damaged JSON", it was no help.
_CHAT_LIKE = re.compile(
    r"^\u200e?\[(?=[^\]]*\d{1,4}\.? ?[./-]? ?\d{1,2}\.? ?[./-])(?=[^\]]*\d{1,2}[:.]\d{2})[^\]\n]{6,60}\] [^:\n]{1,80}: "
)


# Errors this close to the end of a sample cut short may only mean that the rest is still to come.
_CUT_MARGIN = 16


def _plain_failure(text: str, cut: bool) -> str | None:
    """Why the JSON value that starts ``text`` fails within its first line, before any object in
    it was read whole (a damaged document fails after some of its posts, or on a later line);
    None when it does not, or may only be cut short where the sample ends."""
    decoder = json.JSONDecoder(parse_constant=refuse_constant, strict=STRICT)
    line_end = text.find("\n") if "\n" in text else len(text)
    try:
        _, where = decoder.raw_decode(text)
        reason = "more follows it on its line"
    except json.JSONDecodeError as exc:
        if cut and (exc.msg.startswith("Unterminated string") or exc.pos >= len(text) - _CUT_MARGIN):
            return None
        where, reason = exc.pos, f"{exc.msg.lower()} at column {exc.colno}"
    except (ValueError, RecursionError):
        return None  # NaN, a number too long, nesting too deep: JSON all the same
    if where >= line_end or not text[where:line_end].strip():
        return None
    start = 0
    while (at := text.find("{", start, where)) >= 0:
        try:
            if decoder.raw_decode(text, at)[1] <= where:
                return None
        except (ValueError, RecursionError):
            pass
        start = at + 1
    return reason


def no_json_lines_among(lines: list[bytes], values: list[Any], head: bytes) -> None:
    """Refuses a sample voted plain lines of which a tenth or more, two at least, are JSON objects
    (``values``, the sample's ``lines`` as JSON): JSON lines under a preamble of comments
    (``# scraped page 1``) would be read as posts of their own markup, under positional ids, with
    exit 0; a text of posts among which some are JSON would be read as JSON lines, its other posts
    rejected. Which it is cannot be told from the sample, so the user says."""
    objects = [index for index, value in enumerate(values) if isinstance(value, dict)]
    if len(objects) < 2 or len(objects) * 10 < len(lines):
        return
    number = _line_number(head, lines[objects[0]])
    raise FormatDoubtError(
        f"this line is a JSON object, as {len(objects)} of the first {len(lines)} lines are, where most others are no JSON "
        "(a preamble of comments?): cannot tell JSON lines from text with a post on each line: say --input-format jsonl "
        f"(the lines that are not JSON then rejected) or {_AS_LINES}",
        number,
    )


def _line_number(head: bytes, line: bytes) -> int:
    """The number of the first line of ``head`` that starts with ``line``, as the sample holds it."""
    at = 0
    while (at := head.find(line, at)) > 0 and head[at - 1 : at] != b"\n":
        at += 1
    return head[: max(at, 0)].count(b"\n") + 1
