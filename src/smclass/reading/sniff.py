"""Looking at the first bytes of an input to tell its format, without losing them."""

from __future__ import annotations

import csv
import io
import json
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import orjson

from smclass.errors import InputError
from smclass.reading import doubts, fields, live
from smclass.reading.decoders import is_bzip2
from smclass.reading.delimited import RAISED_LIMIT, excel_sep
from smclass.reading.doubts import FormatDoubtError, named_format
from smclass.reading.headers import name_like
from smclass.reading.json_values import STRICT, loads_line, refuse_constant
from smclass.reading.platforms import email, whatsapp, youtube
from smclass.reading.platforms.base import NotPostsError
from smclass.reading.platforms.x import is_twitter_archive
from smclass.reading.spreadsheet_guard import is_number

HEAD_BYTES = 1 << 16


class _Rewound(io.RawIOBase):
    """Serve bytes already read for sniffing, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = live.read_some(self._rest, len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


class Partial(bytes):
    """A head cut short because its input, still being written, has sent nothing more for now: more may follow."""


def goes_on(head: bytes) -> bool:
    """Whether the input may go on past ``head``, so that the head is not the whole of it."""
    return len(head) >= HEAD_BYTES or isinstance(head, Partial)


def read_head(stream: IO[bytes]) -> bytes:
    """The first :data:`HEAD_BYTES` of the input, or all of it; of a live input, what has come
    once a line is complete and nothing more comes for a while (a :class:`Partial`)."""
    fd = live.live_fd(stream)
    chunks = []
    size = 0
    while size < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - size) if fd is None else live.read_some(stream, HEAD_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if fd is not None and _a_whole_line(chunks) and not live.ready(fd, _HEAD_WAIT):
            return Partial(b"".join(chunks))
    return b"".join(chunks)


def _a_whole_line(chunks: list[bytes]) -> bool:
    """Whether a line has ended that says something of the format: a ``{`` or ``[`` alone (the
    opening of a document written over lines) says nothing, and could be read as a line of JSON;
    nor does a byte-order mark alone, a head of which is blank, read as an empty input."""
    head = b"".join(chunks)
    ended = head[: head.rfind(b"\n") + 1]
    return any(len(line.strip(b"\xef\xbb\xbf \t\r\n\x0b\x0c")) > 1 for line in ended.split(b"\n"))


# How long a live input may send nothing before its format is told from what it has sent.
_HEAD_WAIT = 0.25


def peek_stream(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """Return the first bytes of ``stream`` and a stream that still starts at byte 0."""
    head = read_head(stream)
    return head, io.BufferedReader(_Rewound(head, stream), buffer_size=HEAD_BYTES)


# Enough lines to see past one damaged or odd first line, few enough to parse at once.
SAMPLE_LINES = 50
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Detected:
    """What the first bytes say: the format, the delimiter of a delimited input, and why when it is a guess."""

    fmt: str
    delimiter: str = ","
    note: str | None = None
    # Quotes inside quoted fields are escaped with a backslash, not doubled (LinkedIn's Comments.csv).
    escaped: bool = False

    @classmethod
    def delimited(cls, delimiter: str) -> Detected:
        """A delimited input: TSV when its delimiter is a tab, else CSV."""
        return cls("tsv" if delimiter == "\t" else "csv", delimiter)


def _sample(head: bytes, cut: bool) -> list[bytes]:
    """The first complete lines of ``head`` (the last is cut when the input goes on past it)."""
    lines = head.split(b"\n")
    if cut:
        lines = lines[:-1] or lines
    return [line.rstrip(b"\r") for line in lines[:SAMPLE_LINES]]


CR_ALONE = (
    'its lines end in CR alone (old Mac line ends, as Excel\'s "CSV (Macintosh)" writes), so it would read as one '
    "line: convert them first, e.g. tr '\\r' '\\n' < IN > OUT"
)


def cr_alone(head: bytes) -> str:
    """The refusal of a file whose lines end in CR alone; one that holds bytes that are not UTF-8 is
    told its encoding too. Converted and read again, such bytes were said to want an encoding "e.g.
    cp1252", which reads the Mac Roman that Excel's "CSV (Macintosh)" writes as other letters (é as Ž)."""
    try:
        head[:-3].decode("utf-8")  # the sample may end inside a character
    except UnicodeDecodeError:
        return f"{CR_ALONE}, then read it with --encoding mac_roman if it is Excel's (its text is not UTF-8)"
    return CR_ALONE


def cr_line_ends(head: bytes) -> bool:
    """Whether the lines of ``head`` end in CR alone: a CR with more after it in the first line,
    and no LF but perhaps one that ends the file (an editor adds it).

    Every reader here ends lines at LF, so such a file is one line: one post, one JSON line
    that fails, or a CSV header that swallows the rows. A file that has LFs is read by them,
    and a CR alone within one of its lines is that line's own matter.
    """
    first, _, rest = head.partition(b"\n")
    return b"\n" not in rest and b"\r" in first.strip()


def _json_value(line: bytes) -> Any:
    line = line.removeprefix(b"\xef\xbb\xbf")  # the JSON-lines reader drops it on any line
    try:
        return loads_line(line)
    except orjson.JSONDecodeError:
        pass
    # A line with a byte that is not UTF-8, or with a lone surrogate escape ("\ud800"), is still
    # shaped like JSON or not: it must not vote the file out of JSON lines, whose reader rejects
    # that line alone. json reads both (the byte replaced), where orjson refuses them.
    try:
        return json.loads(line.decode("utf-8", "replace"), parse_constant=refuse_constant, strict=STRICT)
    except (ValueError, RecursionError):
        return None


def sniff(head: bytes, name: str = "", named_fields: tuple[str, ...] = ()) -> Detected:
    """Tell the format of a (decompressed) input from a sample of its first lines.

    A sample, not the first line alone: one damaged first line must not turn JSON lines
    into a JSON document, nor a file of posts one per line into a CSV whose header is a post.
    """
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if is_twitter_archive(text):
        return Detected("json")
    doubts.no_markup(text, name, head[: len(head) - len(text)].count(b"\n") + 1)
    doubts.no_results_table(text, name, head[: len(head) - len(text)].count(b"\n") + 1)
    lines = [line for line in _sample(text, goes_on(head)) if line.strip()]
    if not lines:
        return Detected("lines")
    first = text[:1]
    if cr_line_ends(text) and not _json_document(head, text):
        raise InputError(cr_alone(text), source=name or None)
    # An mbox or one e-mail message: its header lines would each be labelled as a post.
    if email.is_mbox(text.split(b"\n", 1)[0]):
        return Detected("mbox")
    if email.is_message(text.split(b"\n"), goes_on(head)):
        return Detected("email")
    if whatsapp.is_chat([line.decode("utf-8", "replace") for line in lines]):
        # Before JSON: an iOS chat's lines start with "[".
        if cr_line_ends(text):
            raise InputError(cr_alone(text), source=name or None)
        return Detected("whatsapp")
    if first in (b"{", b"[") and not text.partition(b"\n")[2].strip():
        # One line alone: a whole document (it may hold a list of posts), unless it is cut
        # short (a post longer than the sample, or damage), which JSON lines reads or rejects.
        whole = not goes_on(head) and _json_value(text) is not None
        if not whole and first == b"[":
            doubts.no_plain_text(text, goes_on(head), name)
        return Detected("json" if whole or first == b"[" else "jsonl")
    values = [_json_value(line) for line in lines]
    good = sum(isinstance(v, (dict, list, str)) for v in values)
    header = lines[0].strip().strip(b'"').decode("utf-8", "replace")
    if len(lines) > 1 and all(isinstance(v, str) for v in values[1:]) and fields.fold(header) in _known(named_fields):
        return Detected("csv")  # a one-column CSV of quoted posts under a header that names the text: "text" or text
    if good and (good > len(lines) - good or (good == len(lines) - good and any(isinstance(v, dict) for v in values))):
        return Detected("jsonl")
    if first in (b"{", b"["):
        doubts.no_plain_text(text, goes_on(head), name)
        return Detected("json")
    sep = excel_sep(text.split(b"\n", 1)[0])
    if sep is not None:
        return Detected.delimited(sep)
    # The sample's last row may be cut inside a quoted field: its width says nothing.
    cut = goes_on(head) or len(lines) >= SAMPLE_LINES
    decoded = [line.decode("utf-8", "replace") for line in lines]
    detected = _delimited_or_lines(decoded, name, named_fields, cut)
    below = _header_below(decoded, _known(named_fields)) if detected.fmt == "lines" else None
    if below is not None:
        index, cells = below
        number = head[: head.find(lines[index])].count(b"\n") + 1
        where = shlex.quote(name) if name and name != "<stdin>" else "FILE"
        raise FormatDoubtError(
            f"this line reads as a CSV header ({_shown(cells)}) under {number - 1} lines of something else "
            f"(a report's preamble?): read from it with 'tail -n +{number} {where} | smclass classify -', "
            "or say --input-format lines to read every line as a post",
            number,
        )
    if detected.fmt == "lines":
        doubts.no_json_lines_among(lines, values, head)
    named = named_format(name)
    if detected.fmt == "lines" and named is not None:
        raise InputError(doubts.not_as_named(named, detected.note, decoded[0]), source=name or None, line=1)
    return detected


# How far down a sample a header under a report's preamble (Brandwatch, Talkwalker) is looked for.
_PREAMBLE_LINES = 20


def _header_below(lines: list[str], known: frozenset[str]) -> tuple[int, list[str]] | None:
    """The index and cells of a later line that reads as a CSV header naming a known field, over rows as wide as it is."""
    for k in range(1, min(len(lines) - 1, _PREAMBLE_LINES)):
        delimiter = sniff_delimiter(lines[k:])
        rows = _rows(lines[k:], delimiter) if delimiter is not None else []
        header = rows[0] if rows else []
        # An export's header: several short names, one of them a text or id field smclass knows.
        if len(rows) < 2 or len(header) < 3 or not all(name_like(c) for c in header) or not any(fields.fold(c) in known for c in header):
            continue
        # The sample's last row may be cut short.
        if sum(len(row) == len(header) for row in rows[1:]) >= max(1, len(rows) - 2):
            return k, header
    return None


def _shown(header: list[str]) -> str:
    """A header's cells for a message, cut to about a line."""
    shown = ", ".join(c.strip() for c in header)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _json_document(head: bytes, text: bytes) -> bool:
    """Whether a head of one line is what :func:`sniff` reads as a JSON document, in which a CR is only white space."""
    return text[:1] == b"[" or (text[:1] == b"{" and not goes_on(head) and _json_value(text) is not None)


def _known(named_fields: tuple[str, ...]) -> frozenset[str]:
    return fields.KNOWN_FIELDS | youtube.ROW_FIELDS | {fields.fold(name) for name in named_fields}


def _rows(lines: list[str], delimiter: str) -> list[list[str]]:
    """The rows of the lines that parse, none when the first does not (there is no header to judge by).

    A row the csv module refuses (a CR alone outside quotes) says nothing of the delimiter:
    the reader rejects that row alone, so the sniffer judges by the others.
    """
    with RAISED_LIMIT:
        return _parsed(csv.reader(lines, delimiter=delimiter))


def _parsed(reader: Iterator[list[str]]) -> list[list[str]]:
    rows: list[list[str]] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error:
            if not rows:
                return []
            continue
        if row:
            rows.append(row)


def sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits the header and the rows under it into the same number of fields."""
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        if delimiter not in lines[0]:
            continue
        rows = _rows(lines, delimiter)
        if not rows:
            continue
        width = len(rows[0])
        agree = sum(len(row) == width for row in rows) / len(rows)
        if best is None or (agree, width) > best[:2]:
            best = (agree, width, delimiter)
    return best[2] if best else None


def _delimited_or_lines(lines: list[str], name: str, named_fields: tuple[str, ...], cut: bool = False) -> Detected:
    known = _known(named_fields)
    delimiter = "\t" if name.lower().endswith((".tsv", ".tsv.gz", ".tab")) and "\t" in lines[0] else sniff_delimiter(lines)
    if delimiter is None:
        if fields.fold(lines[0].strip().strip('"')) in known:
            return Detected("csv")  # a one-column CSV: its header names the text field
        if any(d in lines[0] for d in DELIMITERS):
            # Only a first line the csv module refuses leaves its delimiters unjudged: -f csv refuses it too.
            return Detected("lines", note="its first line holds a carriage return (CR) alone outside quotes, so it is no CSV header")
        return Detected("lines", note="its first line holds no delimiter, so it is no CSV header")
    rows = _rows(lines, delimiter)
    header = rows[0] if rows else [lines[0]]
    table = youtube.takeout_table(header, name)
    if table is not None:
        raise NotPostsError(f"this is {table}", source=name or None, line=1)
    if any(fields.fold(cell) in known for cell in header):
        if _reads_like_a_post(header, rows[1:-1] if cut else rows[1:], alone=len(lines) == 1 and not cut, known=known):
            choose = "say --input-format csv or --input-format lines"
            raise FormatDoubtError(f"cannot tell whether the first line ({_shown(header)}) is a CSV header or a post: {choose}", 1)
        return Detected.delimited(delimiter)
    # pandas' to_csv and R's write.csv give their row names a column with no name: a blank first name over row numbers.
    numbered = len(rows) > 1 and not header[0].strip() and all(row and is_number(row[0].strip()) for row in rows[1:])
    names_like = all((cell.strip() or (numbered and at == 0)) and name_like(cell) for at, cell in enumerate(header))
    if len(rows) > 1 and names_like and all(len(row) == len(header) for row in rows) and _header_apart(rows):
        shown = ", ".join(c.strip() or '""' for c in header)
        raise FormatDoubtError(
            f"cannot tell whether the first line ({shown}) is a CSV header that names no "
            "text field or a post: say --input-format csv with --text-field NAME, or --input-format lines",
            1,
        )
    return Detected("lines", note="its first line names no text or id field, so it is no CSV header")


def _reads_like_a_post(header: list[str], body: list[list[str]], alone: bool = False, known: frozenset[str] = frozenset()) -> bool:
    """Whether a first line that starts with a field name (``Text, call me when you land``) may be a post cut at its commas.

    Its other "names" are sentences, and the lines under it do not have its number of fields
    (or there are none): a real header over long column names has rows as wide as it is. Short
    "names" too when no line under it is as wide and it holds words a name would not
    (``Message, call me back``) or lines are wider than it: a sheet that leaves its last cells
    off every row (``text,label`` over posts still to label) is still a CSV.
    """
    if alone:
        # The input's only line: a header with no rows (an empty export) names every column
        # tightly (``id,text``, ``Post ID``); ``Message, call me back``, ``Message,call me back``
        # or ``Body,`` is one post or the other.
        return not all(cell and not cell[0].isspace() and name_like(cell) and _tight_name(cell, known) for cell in header)
    as_wide = any(len(row) == len(header) for row in body)
    wider = any(len(row) > len(header) for row in body)
    if body and not as_wide and (wider or any(len(cell.split()) > 1 for cell in header)):
        return True
    if all(name_like(cell) for cell in header):
        return False
    return not body or any(len(row) != len(header) for row in body)


# Columns an export of posts names beside its text and id, folded: a lone first line of such
# names is a header with no rows, where "Message,ok" or "Text,Happy New Year!" is a post.
_COLUMNS = frozenset(
    fields.fold(name)
    for name in (
        *("label", "labels", "class", "category", "sentiment", "topic", "type", "kind", "platform", "network", "source"),
        *("author", "user", "username", "user_name", "screen_name", "handle", "name", "from", "sender", "channel", "account"),
        *("date", "time", "timestamp", "created_at", "created_time", "created", "datetime", "published", "updated", "edited"),
        *("post_created", "account_name", "page_name", "display_name", "post_url", "reactions", "engagement", "followers"),
        *("url", "link", "permalink", "likes", "like_count", "shares", "retweets", "retweet_count", "replies", "reply_count"),
        *("comments", "views", "score", "lang", "language", "location", "country", "hashtags", "mentions", "media", "attachments"),
        *("subreddit", "parent_id", "thread_id", "conversation_id", "in_reply_to", "confidence", "reason", "position"),
    )
)


def _tight_name(cell: str, known: frozenset[str]) -> bool:
    """A column name as a header of posts writes it: a name smclass knows, or a column exports of
    posts name (``author``, ``Created At``); a word such as ``ok``, ``iPhone`` or ``good_morning``
    may as well be a post's."""
    folded = fields.fold(cell)
    return folded in known or folded in _COLUMNS


def _header_apart(rows: list[list[str]]) -> bool:
    """Whether some column's values below the first row are alike (all numbers, or all one length) and the first row's is not.

    Posts that happen to hold a comma share nothing column by column; a header does stand apart.
    """
    for column, name in enumerate(rows[0]):
        values = [row[column].strip() for row in rows[1:]]
        if all(is_number(v) for v in values) and not is_number(name.strip()):
            return True
        if len({len(v) for v in values}) == 1 and len(name.strip()) != len(values[0]):
            return True
    return False


def detect_format(head: bytes, name: str = "") -> str:
    """The format of a (decompressed) input from its first bytes."""
    return sniff(head, name).fmt


# The first bytes of inputs that are read only once decoded: zstd, xz, UTF-16 with its byte-order
# mark (and bzip2). They are binary to whatever looks at raw bytes (the Dask engine's cutting into ranges).
_DECODED_FIRST = (b"\x28\xb5\x2f\xfd", b"\xfd7zXZ\x00", b"\xff\xfe", b"\xfe\xff")


def looks_binary(head: bytes) -> bool:
    return b"\x00" in head[:8192] or head.startswith(_DECODED_FIRST) or is_bzip2(head)
