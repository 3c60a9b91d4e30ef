"""WhatsApp's "Export chat" text file (``WhatsApp Chat with NAME.txt``, ``_chat.txt``).

Android writes ``12/31/23, 21:41 - Ana: message``, iOS ``[31/12/2023, 21:41:05] Ana: message``,
the date and time in the phone's locale (``31.12.23``, ``9:41 PM`` with a narrow no-break space
before ``PM``). A message's own newlines start lines without that prefix, so one message may
take several lines. Lines WhatsApp writes itself (encryption notice, joins, a media file left
out of the export) are no one's post: they keep their place with no text.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import IO, Any

from smclass.errors import InputError
from smclass.reading.lines import RECORD_LIMIT, Overlong, bounded, joined, size, too_long
from smclass.reading.platforms.whatsapp_dates import ChatDates
from smclass.reading.records import Record
from smclass.reading.spool import temporary_file, temporary_writes
from smclass.reading.utf8 import bad_utf8

NAME = "WhatsApp chat"

_DATE = r"(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2})"
# Minutes and seconds may be set off by a dot (Finnish); AM/PM in any case, with dots and spaces
# (Spanish "p. m."), after a space, a no-break space or the narrow one newer Android writes.
_TIME = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[ \u00a0\u202f]?[AaPp]\.?[ \u00a0\u202f]?[Mm]\.?)?"
# The marks iOS puts before a line WhatsApp wrote itself, and Android around phone numbers.
_MARKS = "\u200e\u200f\u202a\u202c"
# Between date and time a comma and a space, or Finnish "klo" ("at"): [12.3.2022 klo 14.08.18].
_BETWEEN = r"(?:,?[ \u00a0]|[ \u00a0]klo[ \u00a0])"
_PREFIX = re.compile(
    rf"^[{_MARKS}]*(?:\[(?P<idate>{_DATE}){_BETWEEN}{_TIME}\][ \u00a0]|(?P<adate>{_DATE}){_BETWEEN}{_TIME}[ \u00a0]-[ \u00a0])"
)
_BOM = "\ufeff"
# Enough of a line too long to hold to see whether it starts with a message's date and time.
_PROBE = 200
# How many of the first lines must start with the prefix: a message's continuation lines do not,
# so not all; more than half, so that plain posts that start with a date are never taken for a chat.
_MOST = 0.5
# A body that is one marker in angle brackets is WhatsApp's, not the sender's: "<Media omitted>"
# and its translations ("<Medien ausgeschlossen>"), "<attached: 00000012-PHOTO-....jpg>".
_MARKER = re.compile(r"^<[^<>\n]+>$")
_ATTACHED = re.compile(r"^\S+\.\w{2,5} \(file attached\)$")
_DELETED = frozenset({"This message was deleted", "You deleted this message"})
# A system line with a quoted name in it ('Ana changed the subject from "Trip" to "Trip: day 2"')
# holds ": " too, inside a quote: what comes before it has an odd number of quote marks. A
# contact saved as 'Robert "Bob" Smith' has them in pairs.
_QUOTES = '"“”„«»'
# What newer versions add to the end of an edited message: WhatsApp's words, not the sender's.
_EDITED = " <This message was edited>"


def prefix(line: str) -> re.Match[str] | None:
    """The date, time and separator at the start of a line of a chat export, if it has them."""
    return _PREFIX.match(line.lstrip(_BOM))


def is_chat(lines: list[str]) -> bool:
    """Whether the first (non-blank) lines of an input are a WhatsApp chat: its first line and most
    of them start with a message's date and time."""
    lines = [line for line in lines if line.strip()]
    if not lines or prefix(lines[0]) is None:
        return False
    found = [(line, match) for line in lines if (match := prefix(line)) is not None]
    # Someone must speak: a diary of dated lines ("12/31/23, 21:41 - went to the gym") is no chat.
    return len(found) > len(lines) * _MOST and any(_spoken(line, match) for line, match in found)


def _in_quote(sender: str) -> bool:
    return sum(sender.count(q) for q in _QUOTES) % 2 == 1


def _spoken(line: str, match: re.Match[str]) -> bool:
    sender, colon, _ = line.lstrip(_BOM)[match.end() :].partition(": ")
    return bool(colon) and not _in_quote(sender)


def _stamp(line: str, match: re.Match[str]) -> str:
    return line.lstrip(_BOM)[: match.end()].strip(_MARKS + " \u00a0-[]")


def _message(match: re.Match[str], first: str, more: list[str], dates: ChatDates) -> dict[str, Any]:
    rest = first.lstrip(_BOM)[match.end() :]
    stamp = _stamp(first, match)
    sender, colon, body = rest.partition(": ")
    record: dict[str, Any] = {"text": None, "platform": "whatsapp", "sender": None, "timestamp": stamp}
    # The stamp as written stays; its moment beside it, once the whole chat has said which number is the day.
    if (moment := dates.iso(stamp)) is not None:
        record["time"] = moment
    if not colon or _in_quote(sender):
        record["kind"] = "system"
        # Its lines too: a new group description goes on under the line that announces it.
        record["event"] = "\n".join([rest.strip(_MARKS), *more]).rstrip("\n")
        return record
    record["sender"] = sender.strip(_MARKS)
    text = "\n".join([body, *more]).rstrip("\n")
    if body.startswith("\u200e"):
        # iOS marks what WhatsApp wrote in the sender's place (media left out, the encryption
        # notice under the group's name) with a left-to-right mark; a typed message has none.
        record["kind"] = "system"
        record["event"] = text.strip(_MARKS)
    elif not more and (_MARKER.match(body) or _ATTACHED.match(body)):
        record["kind"] = "media"
        record["event"] = body
    elif body in _DELETED and not more:
        record["kind"] = "deleted"
        record["event"] = body
    else:
        if text.endswith(_EDITED):
            text = text.removesuffix(_EDITED)
            record["edited"] = True
        record["text"] = text
    return record


_COPY = 1 << 20
# The most of a message's lines held in memory: a message of short lines with no new date under them (hundreds of
# megabytes of a log pasted in, a file that only starts as a chat) had been held whole, 3.4 GB for one of 500 MB.
MESSAGE_LIMIT = RECORD_LIMIT
# What holding a line costs besides its bytes: its object, its place in the list, and the buffer b"".join takes for it
# (a message of 15 million blank lines, 15 MB, had taken 1.4 GB).
_LINE_COST = 128


def read_chat(stream: IO[bytes], source: str, as_it_comes: bool = False) -> Iterator[Record]:
    """One record per message, its id the message's position; its line the first of its lines.

    The chat is read twice, from a temporary copy: the first time for the order of its dates (see whatsapp_dates);
    a live one (``as_it_comes``) once, each message as it comes, with no time read from its stamp."""
    if as_it_comes:
        yield from _messages(stream, source, ChatDates())
        return
    spooled = temporary_file()
    try:
        with temporary_writes(spooled):
            shutil.copyfileobj(stream, spooled, _COPY)
            spooled.seek(0)
        dates = ChatDates()
        for line in bounded(spooled):
            decoded = bytes(line[:_PROBE]).decode("utf-8", "replace")
            if (match := prefix(decoded)) is not None:
                dates.add(_stamp(decoded, match))
        spooled.seek(0)
        yield from _messages(spooled, source, dates)
    finally:
        spooled.close()


def _messages(stream: IO[bytes], source: str, dates: ChatDates) -> Iterator[Record]:
    index = 0
    taken: list[bytes] = []
    start = 0
    bad: tuple[int, str] | None = None
    held = 0  # what the message's lines take in memory
    length = 0  # its bytes
    count = 0  # its lines
    passed = False  # whether it is too long to hold, its lines passed over

    def done() -> Record:
        nonlocal index
        index += 1
        if passed:
            # Its first line alone goes to the rejects file: the message itself was not held.
            said = f"the message is {length:,} bytes, over the {MESSAGE_LIMIT >> 20} MiB one record may take"
            if length <= MESSAGE_LIMIT:
                said = f"the message is {count:,} lines ({length:,} bytes), more than one record may hold"
            error = InputError(said, source=source, line=start)
            return Record({}, source, start, index, joined(taken[:1]), error, shape=NAME)
        raw = joined(taken)
        if bad is not None:
            return Record({}, source, bad[0], index, raw, InputError(bad[1], source=source, line=bad[0]), shape=NAME)
        text = raw.decode("utf-8").rstrip("\r\n")
        first, *more = [line.rstrip("\r") for line in text.split("\n")]
        match = prefix(first)
        if match is None:
            # Only lines before the first message (blank ones) can lack the prefix here.
            error = InputError("a line before the first message of the chat, which has no date, time and sender", source=source, line=start)
            return Record({}, source, start, index, raw, error, shape=NAME)
        data = {"id": index, **_message(match, first, more, dates)}
        return Record(data, source, start, index, raw, shape=NAME)

    for number, line in enumerate(bounded(stream), 1):
        reason = None
        if isinstance(line, Overlong):
            # Its first bytes still say whether it starts a message or goes on with one; either
            # way the message it is part of cannot be held, and is refused whole.
            decoded = bytes(line[:_PROBE]).decode("utf-8", "replace")
            reason = too_long(line.size)
        else:
            try:
                decoded = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                # A bad byte spoils its message, not the count: its prefix still says where a message starts.
                decoded = line.decode("utf-8", "replace")
                reason = bad_utf8(line, exc.start)
        if not taken and reason is None and not decoded.strip():
            continue  # blank lines before the first message
        if taken and prefix(decoded) is not None:
            yield done()
            taken, bad, held, length, count, passed = [], None, 0, 0, 0, False
        if not taken:
            start = number
        length += size(line)
        count += 1
        if taken and (passed or held + len(line) + _LINE_COST > MESSAGE_LIMIT):
            passed = True
            continue
        taken.append(line)
        held += len(line) + _LINE_COST
        if reason is not None and bad is None:
            bad = (number, reason)
    if taken:
        yield done()
