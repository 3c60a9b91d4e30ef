"""Labelled posts for training and evaluation, read through the same readers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from smclass.errors import InputError, UsageError
from smclass.labels import LABELS, normalize_label
from smclass.reading import fields, inputs
from smclass.reading.plan import ReadOptions, plan_input
from smclass.reading.records import Record

SKIPPED_LABELS = frozenset({"exclude", "excluded"})


@dataclass
class LabelledPosts:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    # Per post: its id (None when it lacks the id its input has), its position and the input
    # it came from, for commands that name posts (audit, evaluate --errors).
    ids: list[Any] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    excluded: int = 0
    empty: int = 0
    missing: int = 0

    def identity(self, i: int) -> dict[str, Any]:
        """Post ``i``'s id for an output line, with its position beside a null id (as classify gives it)."""
        return {"id": self.ids[i]} if self.ids[i] is not None else {"id": None, "position": self.positions[i]}


def read_labelled(
    paths: Iterable[str],
    *,
    text_field: str | None = None,
    label_field: str = "label",
    input_format: str | None = None,
    id_field: str | None = None,
    notify: Callable[[str], None] | None = None,
    on_missing_label: str = "stop",
) -> LabelledPosts:
    """Read posts with a label each; a label outside the five stops with its file and line.

    A post with no label stops reading too, unless ``on_missing_label`` is "skip" (a
    labelling sheet in progress): then it is counted in ``missing``.
    """
    posts = LabelledPosts()
    options = ReadOptions(text_field=text_field, id_field=id_field, input_format=input_format)
    for path in paths:
        records = list(inputs.read_path(path, input_format))
        if not records:
            continue
        posts.sources.append(path)
        plan = plan_input(records[:100], options)
        if notify is not None:
            notify(plan.describe())
        field_name = _label_field(label_field, records)
        for record in records:
            if record.error is not None:
                raise record.error
            raw_label = fields.get_path(record.data, field_name)
            blank = raw_label is None or (isinstance(raw_label, str) and not raw_label.strip())
            if not fields.has_path(record.data, field_name) or blank:
                if on_missing_label == "skip":
                    posts.missing += 1
                    continue
                raise InputError("no label", source=record.source, line=record.line, field=field_name)
            if isinstance(raw_label, str) and raw_label.strip().lower() in SKIPPED_LABELS:
                posts.excluded += 1
                continue
            label = normalize_label(raw_label)
            if label is None:
                raise InputError(
                    f"unknown label {raw_label!r} (expected one of {', '.join(LABELS)})",
                    source=record.source,
                    line=record.line,
                    field=field_name,
                )
            text, _reason = fields.record_text(record, plan.text)
            if text is None:
                posts.empty += 1
                continue
            posts.texts.append(text)
            posts.labels.append(label)
            posts.ids.append(fields.record_id(record, plan.id_field))
            posts.positions.append(record.index)
            posts.origins.append(record.source)
    return posts


def _label_field(name: str, records: list[Record]) -> str:
    """``name`` as the records spell it (``Label`` for ``label``), as text and id fields are matched.

    A field no record holds is a wrong name, not a file of unlabelled posts: saying so, with
    the fields there are, beats "no label" at line 2.
    """
    readable = [r for r in records if r.error is None]
    if not readable:
        return name  # the first record's own error is the one to show
    actual = fields.resolve(name, readable)
    if actual is None:
        names = ", ".join(fields.field_names(readable)) or "none"
        raise UsageError(f"{readable[0].source}: no field '{name}' in the records (fields: {names}); name it with --label-field")
    return actual
