"""Choosing the text and the id of each record."""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from smclass.errors import InputError, UsageError
from smclass.reading.records import Record, SheetError, Spelled, json_kind
from smclass.reading.usable import LOST, MISSING_MARKERS, PLACEHOLDERS, usable, visible

# Most specific first: a tweet with both `full_text` and a truncated `text` wants `full_text`.
TEXT_FIELDS = (
    "full_text",
    "extended_tweet.full_text",
    "rawContent",
    "text",
    "content",
    # Discord's own data package (messages/c*/messages.csv, messages.json): ID, Timestamp, Contents, Attachments.
    "contents",
    "body",
    "message",
    "selftext",
    "post",
    "caption",
    "ShareCommentary",
    "description",
    "comment",
    "comment_text",
    "tweet",
    # TikTok's Research API.
    "video_description",
    # Meltwater's export: the post for social rows, the sentence that matched for news.
    "hit_sentence",
    "title",
    "headline",
)
# What may describe a post's link, video or article rather than be its words: CrowdTangle's
# `description` is the linked article's blurb. (Its API's `caption`, the link's domain, is
# Instagram's post text everywhere else, so it stays a post's own field.)
SECONDARY = frozenset({"title", "headline", "description"})
ID_FIELDS = (
    "id",
    "id_str",
    "post_id",
    "tweet_id",
    "status_id",
    "uri",
    "message_id",
    "uuid",
    "guid",
    # Algolia's (Hacker News search) and Facepager's: the platform's own id.
    "object_id",
    "ShareLink",
    "url",
    "permalink",
)

_MISSING = object()
MISSING = _MISSING  # what get_path and lookup give for a field the record does not hold


def get_path(data: Mapping[str, Any], path: str) -> Any:
    """Look up ``a.b.c`` in nested dicts; a key holding dots wins over the path."""
    if path in data:
        return data[path]
    current: Any = data
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def has_path(data: Mapping[str, Any], path: str) -> bool:
    return get_path(data, path) is not _MISSING


def fold(name: str) -> str:
    """A field name without regard to case, spaces, underscores or hyphens: ``Post ID`` is ``post_id``."""
    return name.casefold().replace(" ", "").replace("_", "").replace("-", "")


# Every name that tells a header or a record holds posts, folded.
KNOWN_FIELDS = frozenset(fold(name) for name in (*TEXT_FIELDS, *ID_FIELDS) if "." not in name)


def listed_names(records: list[Record]) -> str:
    """The field names of ``records`` for a one-line message: a name holding a newline or a control shows it escaped."""
    names = [name if name.isprintable() else name.encode("unicode_escape").decode() for name in field_names(records)]
    return ", ".join(names) or "none"


def resolve(name: str, records: list[Record], folded: dict[str, str] | None = None) -> str | None:
    """The field ``name`` stands for in ``records``: itself, else the key (or dotted path) that folds to it.

    ``folded`` is :func:`folded_names` of ``records``, for a caller that resolves many names in them.
    """
    if any(has_path(r.data, name) for r in records):
        return name
    key = (folded if folded is not None else folded_names(records)).get(fold(name))
    if key is not None:
        return key
    if "." in name:
        # Each step of a path is matched as a name is: POST.Body is post.body.
        return next((found for r in records if (found := _folded_path(r.data, name.split("."))) is not None), None)
    return None


def respelled(record: Record, name: str) -> str:
    """``name`` as this record spells it: itself when the record holds it as written, else its one
    key (or dotted path) that folds to it. The plan names fields as its first records spell
    them, and a later record, or a file of several exports, may write ``Text`` or ``LABEL``."""
    data = record.data
    if has_path(data, name):
        return name
    # Case alone, not underscores: a MongoDB export's `_id` beside records without `id` is not their id.
    folded = name.casefold()
    matches = [key for key in data if isinstance(key, str) and key.casefold() == folded]
    if len(matches) > 1:
        listed = " and ".join(f"'{key}'" for key in matches)
        raise InputError(f"'{name}' matches the fields {listed}: name one as it is written", source=record.source, line=record.line)
    if matches:
        return matches[0]
    if "." in name:
        return _folded_path(data, name.split(".")) or name
    return name


def lookup(record: Record, name: str) -> Any:
    """The value of ``name`` in this record, as the record spells it (see :func:`respelled`), or
    :data:`MISSING`: one look for the usual record, the respelling only when it lacks the name."""
    value = get_path(record.data, name)
    return value if value is not MISSING else get_path(record.data, respelled(record, name))


def _folded_path(data: Any, parts: list[str]) -> str | None:
    steps = []
    for part in parts:
        if isinstance(data, Mapping):
            key = next((k for k in data if isinstance(k, str) and "." not in k and fold(k) == fold(part)), None)
            if key is None:
                return None
            steps.append(key)
            data = data[key]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            steps.append(part)
            data = data[int(part)]
        else:
            return None
    return ".".join(steps)


def _present(data: Mapping[str, Any], path: str) -> bool:
    value = get_path(data, path)
    return isinstance(value, str) and bool(value.strip())


def folded_names(records: Iterable[Record]) -> dict[str, str]:
    """Each top-level field name of ``records`` folded, with the first name that folds to it."""
    found: dict[str, str] = {}
    for key in field_names(records):
        found.setdefault(fold(key), key)
    return found


def field_names(records: Iterable[Record]) -> list[str]:
    """Top-level field names seen in ``records``, in first-seen order."""
    seen: dict[str, None] = {}
    for record in records:
        for key in record.data:
            seen.setdefault(str(key), None)
    return list(seen)


@dataclass(frozen=True)
class TextChoice:
    """The field that holds the text; Reddit-style posts join a title with a body."""

    field: str
    title_field: str | None = None
    # A detected choice may fall back, record by record, to another common text field:
    # exports mix shapes (Reddit dumps hold posts with selftext and comments with body).
    detected: bool = False
    # For the note: a title or preview field that held text in more of the first records, and how often each did.
    passed_over: tuple[str, int, int, int] | None = dataclasses.field(default=None, compare=False)
    # A post's own-words field read before a title or description ``field`` wherever it holds text.
    own_field: str | None = None

    def passed_note(self) -> str:
        if self.passed_over is None:
            return ""
        other, mine, theirs, looked = self.passed_over
        if not theirs:
            return f"; '{other}' is there too, holding no text in the first {looked} records"
        counted = f"'{self.field}' holds text in {mine} of the first {looked} records, '{other}' in {theirs}"
        return f"; {counted}: a record is read from '{other}' where it holds text"

    def describe(self) -> str:
        return f"{self.title_field} + {self.field}" if self.title_field else self.field


def present_names(records: list[Record], candidates: tuple[str, ...]) -> list[str]:
    """``candidates`` as the records spell them (``Text`` for ``text``), in order, those found."""
    found = []
    # Folded once for every candidate: a header of 200,000 columns took 23 s folded for each.
    folded = folded_names(records)
    for name in candidates:
        actual = resolve(name, records, folded)
        if actual is not None and actual not in found:
            found.append(actual)
    return found


def detect_text_field(records: list[Record]) -> TextChoice | None:
    """Pick the text field present in the most of ``records`` (ties: most specific)."""
    names = present_names(records, TEXT_FIELDS)
    counts: Counter[str] = Counter()
    for record in records:
        for name in names:
            if _present(record.data, name):
                counts[name] += 1
    if not counts:
        # A text field that holds no text at all is still the text field: the records
        # then get their "expected text" error instead of a puzzling "no text field".
        return TextChoice(names[0], detected=True) if names else None
    best = max(names, key=counts.__getitem__)
    title = resolve("title", records)
    if fold(best) == "title":
        # Link and image posts leave their body empty, so in a sample of mostly such posts
        # the title is present more often; the posts that have a body still need it.
        for partner in ("selftext", "body", "text"):
            found = resolve(partner, records)
            if found is not None:
                return TextChoice(found, best, detected=True)
    # A title or a description is what most records hold in a page's export of link shares (a
    # CrowdTangle Description is the linked article's blurb) or a mix of news and posts (a
    # Brandwatch Title): the plan, but a record with its own words in the commonest field for
    # them (Message, Full Text) is read from those, and the note says how many records hold each.
    own = [name for name in names if fold(name) not in SECONDARY]
    if own and fold(best) in SECONDARY:
        primary = max(own, key=counts.__getitem__)
        return TextChoice(best, detected=True, own_field=primary, passed_over=(primary, counts[best], counts[primary], len(records)))
    if fold(best) in ("selftext", "body") and title is not None and any(_present(r.data, title) for r in records):
        return TextChoice(best, title, detected=True)
    # A tweet's full_text is its whole text where text may be cut at 140 characters ("..."):
    # wherever a record holds it, it is read, even when more of the records hold only text.
    fuller = [name for name in names if fold(name) in FULLER and counts[name]]
    if fuller and best not in fuller:
        full = max(fuller, key=counts.__getitem__)
        return TextChoice(best, detected=True, own_field=full, passed_over=(full, counts[best], counts[full], len(records)))
    return TextChoice(best, detected=True)


# A tweet's whole text, under either name: one file may hold v1.1 tweets of both shapes.
_FULL_TEXTS = ("full_text", "extended_tweet.full_text")
FULLER = frozenset(fold(name) for name in _FULL_TEXTS)


def no_such_field(name: str, records: list[Record], more: bool) -> UsageError:
    fields = listed_names(records)
    where = f"the first {len(records):,} records" if more else "the records"
    return UsageError(f"{records[0].source}: no field '{name}' in {where} (fields: {fields})")


def one_match(name: str, records: list[Record]) -> None:
    """A name the user gave that matches two fields only by case (``text`` and ``Text``) is refused, not matched to the first."""
    if any(has_path(r.data, name) for r in records):
        return
    folded = fold(name)
    matches = [key for key in field_names(records) if fold(key) == folded]
    if len(matches) > 1:
        listed = " and ".join(f"'{key}'" for key in matches)
        raise UsageError(f"{records[0].source}: '{name}' matches the fields {listed}: name one as it is written")


def check_text_field(name: str, records: list[Record], more: bool = False, late: bool = True) -> TextChoice:
    """A user-named text field must exist in at least one of the first records; with ``more``
    records to come after them, it may first appear later if ``late`` allows (see :func:`posts.planned`)."""
    if not records:
        return TextChoice(name)
    one_match(name, records)
    actual = resolve(name, records)
    if actual is None:
        if more and late:
            return TextChoice(name)
        raise no_such_field(name, records, more)
    return TextChoice(actual)


def fallback_field(data: Any) -> str | None:
    """The text field a record without the detected one is read from: the first common one it
    holds. Never a `description` (a user's bio among tweets, a link's blurb), nor a bare domain
    or link (a CrowdTangle post's `caption`): neither is anyone's post."""
    return next((name for name in TEXT_FIELDS if name != "description" and _present(data, name) and not _bare_link(data, name)), None)


_BARE_LINK = re.compile(r"(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?", re.IGNORECASE)


def _bare_link(data: Any, name: str) -> bool:
    return _BARE_LINK.fullmatch(str(get_path(data, name)).strip()) is not None


# A Reddit post keeps its words in selftext, a comment in body: a table of both (pandas writes every
# column on every row) holds the one empty or null where the other has the text.
_OTHER_BODY = {"selftext": "body", "body": "selftext"}


def _other_body(data: Any, choice: TextChoice, value: Any) -> TextChoice | None:
    """Under a selftext or body plan, the other of the two when the planned one is null or empty in this record."""
    other = _OTHER_BODY.get(choice.field)
    blank = value is None or (isinstance(value, str) and not isinstance(value, SheetError) and not value.strip())
    if other is None or not choice.detected or not blank or not _present(data, other):
        return None
    title = choice.title_field or ("title" if _present(data, "title") else None)
    return TextChoice(other, title)


def fell_back(record: Record, choice: TextChoice) -> str | None:
    """The field a record's text was read from instead of ``choice``'s, which it lacks or leaves empty; else None."""
    if not choice.detected or not isinstance(record.data, Mapping):
        return None
    if not has_path(record.data, choice.field):
        return fallback_field(record.data)
    other = _other_body(record.data, choice, get_path(record.data, choice.field))
    return other.field if other is not None else None


def own_text_field(record: Record, choice: TextChoice) -> str | None:
    """The field a record's own words are read from in the plan's place (``choice.own_field``, or for
    a tweet's whole text the other name it goes by), where it holds text; else None."""
    own = choice.own_field
    if own is None:
        return None
    if _present(record.data, own):
        return own
    if fold(own) in FULLER:
        return next((name for name in _FULL_TEXTS if name != own and _present(record.data, name)), None)
    return None


def record_text(record: Record, choice: TextChoice) -> tuple[str | None, str | None]:
    """Return ``(text, None)`` or ``(None, reason)`` for a record with no usable text.

    A record without the detected field is read from the first common text field it holds;
    a Reddit post or comment whose selftext or body is null or empty, from the other one.
    Raises :class:`InputError` when the field holds something that is not text.
    """
    own = own_text_field(record, choice)
    if own is not None:
        return record_text(record, TextChoice(own))
    if choice.title_field is None:
        # The usual case, first: a plain field holding text.
        plain = record.data.get(choice.field, _MISSING)
        if isinstance(plain, str) and not isinstance(plain, Spelled) and usable(plain):
            return plain, None
    value = get_path(record.data, choice.field)
    title = get_path(record.data, choice.title_field) if choice.title_field else _MISSING
    if value is _MISSING or (choice.title_field and title is _MISSING):
        field = respelled(record, choice.field)
        title_field = respelled(record, choice.title_field) if choice.title_field else None
        if (field, title_field) != (choice.field, choice.title_field):
            return record_text(record, TextChoice(field, title_field, choice.detected))
    if value is _MISSING and title is _MISSING:
        fallback = fallback_field(record.data) if choice.detected else None
        if fallback is None:
            return None, f"no '{choice.field}' field"
        # A Reddit post read under a comments plan keeps its title beside its selftext.
        paired = "title" if fallback in _OTHER_BODY and _present(record.data, "title") else None
        return record_text(record, TextChoice(fallback, paired))
    if value is _MISSING and choice.detected and choice.title_field is not None:
        # Dumps mix posts and comments, and the plan follows the majority: a post read under
        # a comments plan (title + body) keeps its selftext beside its title, not the title alone.
        own = next((name for name in TEXT_FIELDS if name != choice.title_field and _present(record.data, name)), None)
        if own is not None:
            return record_text(record, TextChoice(own, choice.title_field))
    other = _other_body(record.data, choice, value)
    if other is not None:
        return record_text(record, other)
    for name, item in ((choice.field, value), (choice.title_field, title)):
        if isinstance(item, Spelled):
            raise InputError(f"expected text, got {json_kind(item)}", source=record.source, line=record.line, field=name)
        if item is not _MISSING and item is not None and not isinstance(item, str):
            hint = _text_field_hint(name, text_inside(item))
            raise InputError(f"expected text, got {json_kind(item)}{hint}", source=record.source, line=record.line, field=name)
    parts = [p for p in (title, value) if isinstance(p, str) and usable(p)]
    if not parts:
        if isinstance(value, SheetError):
            return None, f"'{choice.field}' holds the spreadsheet error {value}"
        if value is None:
            # A reader that knows why a record has no text (an e-mail of attachments only) says it beside the record.
            why = record.data.get("no_text_body")
            return None, f"'{choice.field}' is null" + (f": {why}" if isinstance(why, str) else "")
        if isinstance(value, str) and value.strip() in PLACEHOLDERS:
            return None, f"'{choice.field}' is the placeholder {value.strip()}: its text was deleted or removed"
        if isinstance(value, str) and value.strip() in MISSING_MARKERS:
            return None, f"'{choice.field}' is {value.strip()}, which marks a missing value"
        if isinstance(value, str) and LOST in value:
            return None, f"'{choice.field}' holds only U+FFFD replacement characters: its characters were lost before smclass read it"
        if isinstance(value, str) and visible(value):
            return None, f"'{choice.field}' holds punctuation only, no words"
        if isinstance(value, str) and value.strip():
            return None, f"'{choice.field}' holds no visible characters"
        short = record.cells is not None and record.original is None and choice.field in record.data
        if short and list(record.data).index(choice.field) >= record.cells:  # type: ignore[operator]
            return None, f"'{choice.field}' is missing: the row has {record.cells} of its header's {len(record.data)} cells"
        return None, f"'{choice.field}' is empty"
    return "\n\n".join(parts), None


def _text_field_hint(name: str | None, inner: str | None) -> str:
    """Where the text may be, as an option to type; none for a key that cannot be typed on one line."""
    if name is None or inner is None:
        return ""
    path = f"{name}.{inner}"
    if not path.isprintable():
        return ""
    return f"; the text may be at --text-field {shlex.quote(path)}"


def text_inside(value: Any, depth: int = 0) -> str | None:
    """The dotted path to the text inside an object or array: a known text field first, else the first text."""
    if depth > 4:
        return None
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else []
    known = {fold(name): rank for rank, name in enumerate(TEXT_FIELDS)}
    texts = [(known.get(fold(str(key)), len(known)), str(key)) for key, item in items if isinstance(item, str) and item.strip()]
    if texts:
        return min(texts)[1]
    for key, item in items:
        inner = text_inside(item, depth + 1)
        if inner is not None:
            return f"{key}.{inner}"
    return None
