"""E-mail: an mbox mailbox (one record per message) or a single RFC 5322 message (a ``.eml`` file).

Each message's text is shaped as the training e-mails are written: ``Subject: ...``, a blank
line, then the body as its sender wrote it (the text/plain part, decoded; an HTML-only message's
HTML read as text). Attachments are no one's post and are not read. A message whose body cannot be
decoded (a charset Python does not know, bytes that are not of its charset, damaged base64) is
one rejected record, never text with replacement characters labelled as a post.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from contextvars import ContextVar
from email import errors as email_errors
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.policy import EmailPolicy
from typing import IO, Any, cast

from smclass.errors import InputError
from smclass.reading.lines import RECORD_LIMIT, Overlong, bounded
from smclass.reading.platforms.mastodon import html_to_text
from smclass.reading.records import Record
from smclass.reading.usable import LOST

NAME = "e-mail"

# An mbox's separator line: "From " and the envelope sender ("-" in Thunderbird's), then the date as
# asctime writes it ("Mon Mar 10 08:00:00 2024"; Google Takeout puts a zone before the year).
_BOM = b"\xef\xbb\xbf"
_DAYS = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTHS = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_FROM_LINE = re.compile(rb"^From \S+ +" + _DAYS + rb" +" + _MONTHS + rb" +\d{1,2} +\d{1,2}:\d{2}(?::\d{2})?(?: +\S+)? +\d{4}\b")
# A line of a message's header block: a field name, a colon; or a continuation line of the field before it.
_HEADER = re.compile(rb"^[!-9;-~]+:")
# One of these beside From says the header block is a message's, not a post that starts "From: me".
_BESIDE_FROM = frozenset({b"date", b"subject", b"message-id", b"to"})
# The base64 defects that mean a part's bytes were damaged: decoded, they would be a guess.
_DAMAGED = (email_errors.InvalidBase64PaddingDefect, email_errors.InvalidBase64CharactersDefect, email_errors.InvalidBase64LengthDefect)
# Where an HTML e-mail's layout (tables, lists, rules) shows a break between words that Mastodon's posts never hold.
_CELL_ENDS = re.compile(r"<\s*/\s*t[dh]\s*>", re.IGNORECASE)
_ROW_ENDS = re.compile(r"<\s*(?:/\s*(?:tr|table|ul|ol|blockquote)|hr\b[^>]*)\s*/?\s*>", re.IGNORECASE)
_LINE_TAILS = re.compile(r"[ \t]+\n")
# The parser's stand-ins for raw bytes that are not UTF-8 (surrogate escapes).
_UNDECODED = re.compile("[\udc80-\udcff]")
# How deep forwarded messages (a message/rfc822 part inside another) are looked into for a body.
_FORWARDS = 3
# An mboxrd writer puts ">" before a body line that starts "From " (and before one that starts
# ">From "): one is taken off, as its reader does.
_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)
# Python's email package parses a header in time and memory growing with its length squared (a Subject of 1 MB:
# 12 s and 260 MB; a Content-Type of 0.7 MB of parameters, which the parser itself reads: 80 s): one longer than
# this, which no mail tool writes, refuses its message before it is parsed. Headers never parsed (To, Received) may be longer.
HEADER_LIMIT = 16 << 10
# It parses a header again each time one is asked for, nine times a part, and makes an object of each part: what one
# message asks of it is bounded too (900 parts under a 15 KB Content-Type each had taken over 5 minutes; 2 million empty
# parts in 16 MB 225 s and 1.1 GB). A message of 10,000 parts each with a plain Content-Type parses 1 MB of headers in 3.5 s.
PARSED_LIMIT = 4 << 20
PARTS_LIMIT = 10_000
# The header characters parsed and the parts made so far for the message being read.
_SPENT: ContextVar[list[int]] = ContextVar("spent")


class _TooMuch(email_errors.MessageError):
    """Not a HeaderParseError, ValueError nor TypeError, which _author reads past: the message is refused."""


class _BoundedPolicy(EmailPolicy):
    """The default policy, but a header over :data:`HEADER_LIMIT` is refused whenever it would be parsed."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if len(value) > HEADER_LIMIT:
            raise _TooMuch(f"its {name} header is {len(value):,} characters, over the {HEADER_LIMIT:,} smclass reads of one")
        spent = _SPENT.get([0, 0])
        spent[0] += len(value)
        if spent[0] > PARSED_LIMIT:
            raise _TooMuch(f"its parts' headers are too many to read (over {PARSED_LIMIT:,} characters parsed)")
        return super().header_fetch_parse(name, value)


def _part(policy: Any = None) -> EmailMessage:
    spent = _SPENT.get([0, 0])
    spent[1] += 1
    if spent[1] > PARTS_LIMIT:
        raise _TooMuch(f"it has over {PARTS_LIMIT:,} parts, more than smclass reads of one message")
    return EmailMessage(policy)


_POLICY = cast("EmailPolicy[EmailMessage]", _BoundedPolicy(message_factory=_part))


def is_mbox(first: bytes) -> bool:
    """Whether an input's first line is an mbox's separator line (``From a@x Mon Mar 10 08:00:00 2024``)."""
    return _FROM_LINE.match(first) is not None


def is_message(lines: list[bytes], cut: bool) -> bool:
    """Whether an input's first lines are a message's header block: several ``Name: value`` fields, From and
    one of Date, Subject, Message-ID or To among them, up to a blank line (or to the sample's end, when it is cut)."""
    names: set[bytes] = set()
    for number, line in enumerate(lines):
        if not line.strip(b"\r\n"):
            break
        if number and line[:1] in (b" ", b"\t"):
            continue
        if _HEADER.match(line) is None:
            return False
        names.add(line.split(b":", 1)[0].lower())
    else:
        if not cut:
            return False  # a header block with no body under it, not even a blank line: lines that happen to hold colons
    return b"from" in names and bool(names & _BESIDE_FROM) and len(names) >= 2


def read_mbox(stream: IO[bytes], source: str) -> Iterator[Record]:
    """One record per message, its line that of its ``From`` separator line; memory held is one message's.

    A line that reads as a separator starts a message, wherever it is, as Python's mailbox reads an
    mbox: a writer escapes a body's "From " lines, and a rejects file of messages is an mbox again."""
    index = 0
    separator = b""  # the message's separator line; empty before the first
    # Its lines as they stood, in one buffer: a list of them costs a pointer a line, and joining it 80 bytes a line
    # more (a message of 8 million blank lines had taken 760 MB).
    body = bytearray()
    held = 0
    start = 0
    overlong = False
    for number, line in enumerate(bounded(stream), 1):
        if number == 1 and not isinstance(line, Overlong):
            line = line.removeprefix(_BOM)
        if not separator and not isinstance(line, Overlong) and not line.strip():
            continue  # blank lines before the first message, as the format's detection passes over them
        if not isinstance(line, Overlong) and is_mbox(line):
            if separator:
                index += 1
                yield _message_record(separator, body, source, start, index, overlong, held)
            separator, body, held, overlong, start = line, bytearray(), 0, False, number
        elif not separator:
            raise InputError("not an mbox: its first line is no 'From ' separator line", source=source, line=number)
        elif isinstance(line, Overlong) or held + len(line) > RECORD_LIMIT:
            # Past the limit the message is refused whole; its lines are passed over, not held.
            overlong, body = True, bytearray()
        elif not overlong:
            body += line
        held += line.size if isinstance(line, Overlong) else len(line)
    if separator:
        index += 1
        yield _message_record(separator, body, source, start, index, overlong, held)


def read_message(stream: IO[bytes], source: str) -> Iterator[Record]:
    """A single message (``.eml``): one record."""
    # The blank lines (and a byte-order mark) the format's detection passed over: under a blank line the
    # parser would read no header, and the header lines would be labelled as the body.
    data = stream.read(RECORD_LIMIT + 1)
    over = len(data) > RECORD_LIMIT
    lead = len(data) - len(data.removeprefix(_BOM).lstrip())
    line = data[:lead].count(b"\n") + 1
    data = data[lead:]
    if over:
        size = lead + len(data)
        while chunk := stream.read(1 << 20):
            size += len(chunk)
        error = InputError(_too_long(size), source=source, line=line)
        yield Record({}, source, line, 1, data.split(b"\n", 1)[0], error, shape=NAME)
        return
    yield _record(data, source, line, 1)


def _too_long(size: int) -> str:
    return f"the message is {size:,} bytes, over the {RECORD_LIMIT >> 20} MiB one record may take"


def _message_record(separator: bytes, body: bytearray, source: str, start: int, index: int, overlong: bool, held: int) -> Record:
    if overlong:
        # Its separator line alone goes to the rejects file: the message itself was not held.
        error = InputError(_too_long(held), source=source, line=start)
        return Record({}, source, start, index, separator, error, shape=NAME)
    # The separator line is the mailbox's, not the message's; ">From " lines lose the ">" the writer put there.
    message = _ESCAPED.sub(rb"\1", bytes(body))
    record = _record(message, source, start, index)
    record.raw = separator + body
    return record


def _record(data: bytes, source: str, line: int, index: int) -> Record:
    spent = _SPENT.set([0, 0])
    try:
        message = BytesParser(policy=_POLICY).parsebytes(data)
        record = _read(message, index)
    except (LookupError, UnicodeError, ValueError, TypeError, binascii.Error, email_errors.MessageError, RecursionError) as exc:
        error = InputError(f"a damaged e-mail message: {_said(exc)}", source=source, line=line)
        return Record({}, source, line, index, data, error, shape=NAME)
    finally:
        _SPENT.reset(spent)
    return Record(record, source, line, index, data, shape=NAME)


def _said(exc: Exception) -> str:
    if type(exc) is LookupError:  # what codecs.lookup raises; IndexError and KeyError are lookups too
        return f"its charset is one Python does not know ({exc})"
    if isinstance(exc, RecursionError):
        # The email package walks a message's parts recursively: thousands of nested multiparts exhaust Python's stack.
        return "its parts are nested too deep to read (multiparts inside multiparts, thousands deep)"
    if isinstance(exc, UnicodeDecodeError):
        return f"its body is not of the charset it names, {exc.encoding} (byte 0x{exc.object[exc.start]:02x})"
    return str(exc) or type(exc).__name__


def _header(message: EmailMessage, name: str) -> str | None:
    value = message.get(name)
    if value is None:
        return None
    text = str(value).strip()
    if LOST in text and all(LOST not in str(raw) for key, raw in message.raw_items() if key.lower() == name.lower()):
        # An encoded word in a charset Python does not know (=?x-unknown?q?...?=) is decoded to U+FFFD: words lost unseen.
        raise ValueError(f"its {name} header could not be decoded (an encoded word in a charset Python does not know?)")
    return text or None


def _check_headers(message: EmailMessage) -> None:
    """Refuse a header read into the record that holds raw bytes that are not UTF-8 (a Latin-1 Subject
    not encoded as RFC 2047 says): the parser would give U+FFFD in their place, words lost unseen.
    From is not among them: only its address is read, and a Latin-1 name beside it loses nothing (see _author)."""
    for name, value in message.raw_items():
        if name.lower() not in ("subject", "date", "message-id"):
            continue
        raw = str(value).encode("utf-8", "surrogateescape")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"its {name} header holds a byte that is not UTF-8 (0x{raw[exc.start]:02x}) nor encoded as RFC 2047 says"
            ) from None


def _read(message: EmailMessage, index: int) -> dict[str, Any]:
    _check_headers(message)
    subject = _header(message, "Subject")
    body = _body(message)
    text = None
    if body is not None and body.strip():
        text = f"Subject: {subject}\n\n{body}" if subject else body
    # As written: Python's parser of Message-ID fails on some (an IndexError on "<>"), which is no damage to the words.
    ident = (_as_written(message, "Message-ID") or "").strip("<> ")
    record: dict[str, Any] = {
        "id": ident or index,
        "text": text,
        "platform": "email",
        "author": _author(message),
        "created_at": _as_written(message, "Date"),
    }
    if text is None:
        # Not under "body" nor "subject", which the field planner would read as the text in its place.
        record["no_text_body"] = "the message has no text part" + _attached(message)
    return record


def _as_written(message: EmailMessage, name: str) -> str | None:
    """A header's value as its line wrote it: the parsed one is rewritten (a Date's weekday put right)."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            text = " ".join(str(value).split())
            return text or None
    return None


def _author(message: EmailMessage) -> str | None:
    try:
        addresses = getattr(message.get("From"), "addresses", ())
    except (email_errors.HeaderParseError, IndexError, ValueError, TypeError):
        addresses = ()  # a From Python's address parser fails on: the header as written is the author
    author = str(addresses[0].addr_spec) if addresses and addresses[0].addr_spec else _as_written(message, "From")
    if author is not None and (LOST in author or _UNDECODED.search(author)):
        raise ValueError("its From address holds a byte that is not UTF-8 nor encoded as RFC 2047 says")
    return author


def _body(message: EmailMessage, depth: int = 0) -> str | None:
    """The text/plain body, else the HTML one read as text, else a forwarded message's (a message/rfc822 part)."""
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        text = None
        if part is not None:
            texts = [_decoded(piece, kind == "html") for piece in _pieces(message, part)]
            text = "\n".join(t for t in texts if t) if any(texts) else texts[0]
        # An empty plain part beside the HTML one (a newsletter's multipart/alternative) is no body: the HTML is.
        if text is not None and text.strip():
            return text
    for part in message.walk():
        if depth < _FORWARDS and part.get_content_type() == "message/rfc822":
            inner = part.get_content()
            return _body(inner, depth + 1) if isinstance(inner, EmailMessage) else None
    return None


def _pieces(message: EmailMessage, body: MIMEPart) -> list[MIMEPart]:
    """The body part, and the other inline parts of its type beside it in a multipart/mixed: Apple Mail writes
    text, an inline photo, then more text, and the text after the photo is the body's too, no attachment."""
    for container in message.walk():
        if container.get_content_type() == "multipart/mixed":
            parts = list(container.iter_parts())
            if any(part is body for part in parts):
                return [part for part in parts if part.get_content_type() == body.get_content_type() and not part.is_attachment()]
    return [body]


def _decoded(part: MIMEPart, html: bool) -> str | None:
    if not part.get_param("charset") and part.get_content_maintype() == "text":
        # No charset named (or charset="") is US-ASCII by the RFC, but mail tools write UTF-8 bodies without one:
        # read as UTF-8 when every byte is, else refused as any body not of its charset.
        payload = part.get_payload(decode=True)
        try:
            content: object = payload.decode("utf-8") if isinstance(payload, bytes) else None
        except UnicodeDecodeError as exc:
            raise ValueError(f"its body names no charset and is not UTF-8 (byte 0x{exc.object[exc.start]:02x})") from None
    else:
        content = part.get_content(errors="strict")
    # Base64 is decoded before its defects are known: a damaged one had given a guess of a body.
    damaged = [d for d in part.defects if isinstance(d, _DAMAGED)]
    if damaged:
        raise ValueError(f"its body's base64 is damaged ({damaged[0].__class__.__name__})")
    if not isinstance(content, str):
        return None
    content = content.replace("\r\n", "\n")
    return _html_text(content) if html else content.strip("\n").rstrip()


def _html_text(content: str) -> str:
    """An HTML body's words: html_to_text (Mastodon's) drops tags as nothing, which would join a table's cells,
    "<td>Revenue</td><td>up 4%</td>", into "Revenueup 4%": cells end in a space, rows and tables in a line break."""
    content = _ROW_ENDS.sub("\n", content)
    return _LINE_TAILS.sub("\n", html_to_text(_CELL_ENDS.sub(" ", content)))


def _attached(message: EmailMessage) -> str:
    names = [part.get_filename() or part.get_content_type() for part in message.iter_attachments()]
    return f" (attachments only: {', '.join(names)})" if names else ""
