"""Choosing the text and the id of each record."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from smclass.errors import InputError, UsageError
from smclass.reading.records import Record, json_kind

# Most specific first: a tweet with both `full_text` and a truncated `text` wants `full_text`.
TEXT_FIELDS = (
    "full_text",
    "extended_tweet.full_text",
    "rawContent",
    "text",
    "content",
    "body",
    "message",
    "selftext",
    "post",
    "caption",
    "ShareCommentary",
    "description",
    "comment",
    "tweet",
    "title",
    "headline",
)
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
    "ShareLink",
    "url",
    "permalink",
    "name",
)

_MISSING = object()


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


def _present(data: Mapping[str, Any], path: str) -> bool:
    value = get_path(data, path)
    return isinstance(value, str) and bool(value.strip())


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

    def describe(self) -> str:
        return f"{self.title_field} + {self.field}" if self.title_field else self.field


def detect_text_field(records: list[Record]) -> TextChoice | None:
    """Pick the text field present in the most of ``records`` (ties: most specific)."""
    counts: Counter[str] = Counter()
    for record in records:
        for name in TEXT_FIELDS:
            if _present(record.data, name):
                counts[name] += 1
    if not counts:
        # A text field that holds no text at all is still the text field: the records
        # then get their "expected text" error instead of a puzzling "no text field".
        existing = [name for name in TEXT_FIELDS if any(has_path(r.data, name) for r in records)]
        return TextChoice(existing[0], detected=True) if existing else None
    best = max(TEXT_FIELDS, key=counts.__getitem__)
    if best in ("selftext", "body") and any(_present(r.data, "title") for r in records):
        return TextChoice(best, "title", detected=True)
    if best == "title" and any(has_path(r.data, "selftext") for r in records):
        return TextChoice("selftext", "title", detected=True)
    return TextChoice(best, detected=True)


def check_text_field(name: str, records: list[Record]) -> TextChoice:
    """A user-named text field must exist in at least one of the first records."""
    if records and not any(has_path(r.data, name) for r in records):
        fields = ", ".join(field_names(records)) or "none"
        raise UsageError(f"{records[0].source}: no field '{name}' in the records (fields: {fields})")
    return TextChoice(name)


def detect_id_field(records: list[Record]) -> str | None:
    for name in ID_FIELDS:
        if any(has_path(r.data, name) and get_path(r.data, name) not in (None, "") for r in records):
            return name
    return None


def record_text(record: Record, choice: TextChoice) -> tuple[str | None, str | None]:
    """Return ``(text, None)`` or ``(None, reason)`` for a record with no usable text.

    Raises :class:`InputError` when the field holds something that is not text.
    """
    if choice.title_field is None:
        # The usual case, first: a plain field holding text.
        plain = record.data.get(choice.field, _MISSING)
        if isinstance(plain, str) and plain.strip():
            return plain, None
    value = get_path(record.data, choice.field)
    title = get_path(record.data, choice.title_field) if choice.title_field else _MISSING
    if value is _MISSING and title is _MISSING:
        fallback = next((name for name in TEXT_FIELDS if _present(record.data, name)), None) if choice.detected else None
        if fallback is None:
            return None, f"no '{choice.field}' field"
        return record_text(record, TextChoice(fallback))
    for name, item in ((choice.field, value), (choice.title_field, title)):
        if item is not _MISSING and item is not None and not isinstance(item, str):
            raise InputError(f"expected text, got {json_kind(item)}", source=record.source, line=record.line, field=name)
    parts = [p for p in (title, value) if isinstance(p, str) and p.strip()]
    if not parts:
        if value is None:
            return None, f"'{choice.field}' is null"
        return None, f"'{choice.field}' is empty"
    return "\n\n".join(parts), None


def record_id(record: Record, id_field: str | None) -> Any:
    if id_field is not None:
        value = get_path(record.data, id_field)
        if value is not _MISSING and value not in (None, ""):
            return value
    return record.index
