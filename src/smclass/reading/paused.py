"""A live input's plan, chosen from the records that came before it paused, held up against later ones.

Piped a line at a time (``tail -f``), an input is planned from what has come, so its first
results need not wait: one record may be all the plan saw. A later record may then hold a text
field none of those did. One that a plan which had seen it reads wherever a record holds it (a
tweet's ``full_text``, a post's own ``text`` beside a ``description``) is read so from then on:
the records before held no such field. Any other is said, once, since the plan cannot change
what it already labelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from smclass.errors import InputError
from smclass.reading import fields
from smclass.reading.live import Pause
from smclass.reading.plan import InputPlan
from smclass.reading.records import Record

_TEXT_NAMES = {fields.fold(name): rank for rank, name in enumerate(fields.TEXT_FIELDS)}
# Nested text fields (a v1.1 tweet's extended_tweet.full_text), by their first step.
_NESTED = {fields.fold(name.split(".")[0]): name.split(".", 1)[1] for name in fields.TEXT_FIELDS if "." in name}


def _texts(data: dict[str, Any]) -> Iterator[str]:
    """The paths of the text fields a record holds text in, as it spells them."""
    for key, value in data.items():
        if not isinstance(key, str):
            continue
        folded = fields.fold(key)
        if folded in _TEXT_NAMES and isinstance(value, str) and value.strip():
            yield key
        elif folded in _NESTED and isinstance(value, dict):
            path = f"{key}.{_NESTED[folded]}"
            inner = fields.get_path(data, path)
            if isinstance(inner, str) and inner.strip():
                yield path


def checked(rest: Iterator[Record], plan: InputPlan, first: list[Record], notify: Callable[[str], None]) -> Iterator[Record]:
    """``rest`` as it comes, ``plan.text`` taking a fuller field when one first shows up."""
    readable = [record for record in first if record.error is None]
    seen = {fields.fold(path) for record in readable for path in _texts(record.data)}
    looked = f"the {len(readable)} record{'s' if len(readable) != 1 else ''} the plan was chosen from, before the input paused,"
    for record in rest:
        if record.__class__ is not Pause and record.error is None and record.original is None:
            for path in _texts(record.data):
                if fields.fold(path) not in seen:
                    # Only once it holds text: a null full_text says nothing of the records to come.
                    seen.add(fields.fold(path))
                    _said(record, path, plan, looked, notify)
        yield record


def _said(record: Record, name: str, plan: InputPlan, looked: str, notify: Callable[[str], None]) -> None:
    text = plan.text
    if text.own_field is not None and {fields.fold(name), fields.fold(text.own_field)} <= fields.FULLER:
        return  # a tweet's whole text under its other name: read already (fields.own_text_field)
    # As a plan that had seen it: a record's own words over a blurb (a title or a description), a
    # fuller text over one that may be cut; the records before it held no such field.
    own = fields.fold(name) in fields.FULLER or (fields.fold(text.field) in fields.SECONDARY and fields.fold(name) not in fields.SECONDARY)
    if own and text.own_field is None and text.title_field is None:
        plan.text = replace(text, own_field=name)
        said = f"holds '{name}', which {looked} did not: from here on a record is read from '{name}' where it holds text"
        notify(str(InputError(said, source=record.source, line=record.line)))
    elif _TEXT_NAMES[fields.fold(name)] < _TEXT_NAMES.get(fields.fold(text.field), len(_TEXT_NAMES)):
        said = f"holds '{name}', which {looked} did not: the text is still read from '{text.field}' (say --text-field {name} to read it)"
        notify(str(InputError(said, source=record.source, line=record.line)))
