"""Labelled posts for training and evaluation, read through the same readers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from smclass.errors import InputError
from smclass.labels import LABELS, normalize_label
from smclass.reading import fields, inputs
from smclass.reading.plan import InputPlan, ReadOptions
from smclass.reading.posts import planned
from smclass.reading.records import Record

SKIPPED_LABELS = frozenset({"exclude", "excluded"})


@dataclass
class LabelledPosts:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    excluded: int = 0
    empty: int = 0


def read_labelled(
    paths: Iterable[str],
    *,
    text_field: str | None = None,
    label_field: str = "label",
    input_format: str | None = None,
    notify: Callable[[str], None] | None = None,
) -> LabelledPosts:
    """Read posts with a label each; a label outside the five stops with its file and line."""
    posts = LabelledPosts()
    options = ReadOptions(text_field=text_field, input_format=input_format)
    for path in paths:
        records = inputs.read_path(path, reading=options.reading())
        # Each file of a folder or zip gets its own plan, as in classify.
        seen = False
        for plan, group in planned(records, options, notify or _quiet):
            if not seen:
                posts.sources.append(path)
                seen = True
            for record in group:
                _add(posts, record, plan, label_field)
    return posts


def _quiet(message: str) -> None:
    return None


def _add(posts: LabelledPosts, record: Record, plan: InputPlan, label_field: str) -> None:
    if record.error is not None:
        raise record.error
    raw_label = fields.get_path(record.data, label_field)
    if not fields.has_path(record.data, label_field) or raw_label in (None, ""):
        raise InputError("no label", source=record.source, line=record.line, field=label_field)
    if isinstance(raw_label, str) and raw_label.strip().lower() in SKIPPED_LABELS:
        posts.excluded += 1
        return
    label = normalize_label(raw_label)
    if label is None:
        raise InputError(
            f"unknown label {raw_label!r} (expected one of {', '.join(LABELS)})",
            source=record.source,
            line=record.line,
            field=label_field,
        )
    text, _reason = fields.record_text(record, plan.text)
    if text is None:
        posts.empty += 1
        return
    posts.texts.append(text)
    posts.labels.append(label)
