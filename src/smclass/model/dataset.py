"""Labelled posts for training and evaluation, read through the same readers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from smclass.errors import InputError
from smclass.labels import LABELS, normalize_label
from smclass.reading import fields, inputs
from smclass.reading.plan import ReadOptions, plan_input

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
        records = list(inputs.read_path(path, input_format))
        if not records:
            continue
        posts.sources.append(path)
        plan = plan_input(records[:100], options)
        if notify is not None:
            notify(plan.describe())
        for record in records:
            if record.error is not None:
                raise record.error
            raw_label = fields.get_path(record.data, label_field)
            if not fields.has_path(record.data, label_field) or raw_label in (None, ""):
                raise InputError("no label", source=record.source, line=record.line, field=label_field)
            if isinstance(raw_label, str) and raw_label.strip().lower() in SKIPPED_LABELS:
                posts.excluded += 1
                continue
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
                continue
            posts.texts.append(text)
            posts.labels.append(label)
    return posts
