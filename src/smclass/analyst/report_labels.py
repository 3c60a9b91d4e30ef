"""What a report reads from each record: the labels it carries (given by hand, or classify's), and the post a result keeps.

A report counts one kind of label. Posts labelled by hand, classify's results (a label beside
a ``confidence``) and posts with no label, to be classified here, are told apart post by post,
and a collection that mixes them stops at the first post of another kind: counted together,
predictions would pass for hand labels (or the other way round) in every figure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from smclass.analyst.spelling import ACCOUNT_FIELDS, TIMES_READ
from smclass.analyst.times import is_extended_date
from smclass.errors import InputError
from smclass.model.dataset import confidence_value, given_label
from smclass.reading import fields, platforms
from smclass.reading.fields import get_path
from smclass.reading.records import Record

_ALL_OR_NONE = "label every post, or none to have them all classified"
_APART = "report them apart, so that hand labels and predictions are never counted together"
# What a post is, and what stops a collection of the other kinds at it.
_MIXED = {
    "classify": ("a classify result (label {label} beside a confidence), while the posts before it carry labels given by hand: " + _APART),
    "hand": "label {label} given by hand (no classify result with its post kept), while the posts before it are classify's results: "
    + _APART,
    "labelled": "label {label}, while the posts before it carry none: " + _ALL_OR_NONE,
    "unlabelled": "no label, while the posts before it carry theirs: " + _ALL_OR_NONE,
}


def kind(record: Record, own: dict[str, Any] | None, label_field: str = "label") -> str:
    """``classify`` for classify's result, ``hand`` for a label given by hand, ``unlabelled`` for a post to classify."""
    if own is None:
        return "unlabelled"
    return "classify" if _predicted(record.data, label_field) else "hand"


def _predicted(data: dict[str, Any], label_field: str) -> bool:
    # A label of one's own beside classify's (--label-field gold) is a hand label: classify's
    # confidence is its own label's, and had been drawn as the confidence of the other.
    return is_result(data) and label_field == "label"


def check_kind(record: Record, this: str, before: str, label_field: str) -> None:
    """Refuse ``record`` (of kind ``this``) among posts of kind ``before``."""
    if this == before:
        return
    if "unlabelled" in (this, before):
        this = "unlabelled" if this == "unlabelled" else "labelled"
    shown = repr(get_path(record.data, label_field))
    raise InputError(_MIXED[this].format(label=shown), source=record.source, line=record.line)


def _result_shaped(data: dict[str, Any]) -> bool:
    # classify always writes both; a sheet labelled by hand may have a confidence column of its own.
    return "label" in data and "confidence" in data


def is_result(data: dict[str, Any]) -> bool:
    """A line classify wrote with the post it labels (--keep-fields), the only results report reads:
    a "record" object, or "record.*" columns in CSV, beside the label and confidence."""
    return _result_shaped(data) and (isinstance(data.get("record"), dict) or any(str(key).startswith("record.") for key in data))


def _kept(data: dict[str, Any]) -> dict[str, Any] | None:
    """The input record a classify result carries (--keep-fields): a "record" object, or its "record.*" columns in CSV."""
    if not is_result(data):
        return None  # a Bluesky post view's "record" is the post itself
    inner = data.get("record")
    if isinstance(inner, dict):
        return _as_read(inner)
    flat = {key[7:]: value for key, value in data.items() if isinstance(key, str) and key.startswith("record.")}
    # A platform entry's objects are JSON text in CSV (a Bluesky post under "post"): read back, and
    # only when a platform shape claims them, since JSON text alone may be a post's own words.
    entry = {key: _cell(value, "[") for key, value in flat.items()}
    shaped = _as_read(entry)
    if shaped is not entry:
        return shaped
    # A whole number is digits in CSV too, where a shape may ask for a number (a Facebook post's
    # "timestamp"): tried so only when no shape claimed the entry as written.
    numbered = {key: int(value) if isinstance(value, str) and _WHOLE.fullmatch(value) else value for key, value in entry.items()}
    if numbered != entry and (shaped := _as_read(numbered)) is not numbered:
        return shaped
    # Only where an account or a time is looked for: a post whose words look like JSON stays words.
    return {key: _read_back(key, value) for key, value in flat.items()} or None


_TEXT_NAMES = frozenset(fields.fold(name.split(".")[0]) for name in fields.TEXT_FIELDS)
_WHOLE = re.compile(r"-?[1-9][0-9]{0,17}|0")


def _as_read(kept: dict[str, Any]) -> dict[str, Any]:
    """A kept platform entry (a tweet under "tweet", a Bluesky post under "post") as classify read
    it: report had looked for its text, time and account where the shape finds none, and stopped
    at "field 'post': expected text, got an object". Its other fields stay, for --by and accounts;
    its text fields do not, since the shape chose the text."""
    if platforms.is_plain_post(kept):
        return kept
    shaped = platforms.unwrap_line(kept)
    if len(shaped) != 1 or shaped[0][1] is None or not isinstance(shaped[0][0], dict):
        return kept
    own = {key: value for key, value in kept.items() if not (isinstance(key, str) and fields.fold(key) in _TEXT_NAMES)}
    return {**own, **shaped[0][0]}


# The fields ACCOUNT_FIELDS looks inside of, folded (User as user): classify's CSV writes such an object as its JSON text.
_ACCOUNT_OBJECTS = frozenset(fields.fold(name.split(".")[0]) for name in ACCOUNT_FIELDS if "." in name)


# The time fields, folded: a mongoexport's {"$date": ...} is written by classify's CSV as its JSON text.
_TIME_NAMES = frozenset(fields.fold(name) for name in TIMES_READ if "." not in name)


def _read_back(key: str, value: Any) -> Any:
    if fields.fold(key) in _ACCOUNT_OBJECTS:
        return _cell(value)
    # Else its post had "a time in a form smclass cannot read", the form a JSON line of it is read in.
    date = _cell(value) if fields.fold(key) in _TIME_NAMES else value
    return date if is_extended_date(date) else value


def _cell(value: Any, lists: str = "") -> Any:
    """An object (or, with ``lists`` "[", a list) as classify's CSV wrote it (its JSON text), read back as the object."""
    if isinstance(value, str) and value[:1] in "{" + lists and value[-1:] == {"{": "}", "[": "]"}.get(value[:1]):
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            return value
        return parsed if isinstance(parsed, (dict, list) if lists else dict) else value
    return value


def merged(records: Iterable[Record]) -> Iterator[Record]:
    """Each result with the fields of the post it carries beside its own: time, account, text and --by are then found alike."""
    for record in records:
        kept = None if record.error is not None else _kept(record.data)
        if kept is None and record.error is None and _result_shaped(record.data) and all(_result_only(key) for key in record.data):
            # Else it was refused for want of a text field, as if it were a post of one's own.
            raise InputError(
                "a classify result without the post it labels: run classify with --keep-fields, so that report reads its "
                "text, time and account",
                source=record.source,
                line=record.line,
            )
        yield record if kept is None else replace(record, data={**kept, **record.data})


# What classify writes of a post without --keep-fields: nothing of the post itself.
_RESULT_ONLY = frozenset({"id", "position", "source", "label", "confidence", "reason", "probabilities", "top", "explain"})


def _result_only(key: Any) -> bool:
    return key in _RESULT_ONLY or (isinstance(key, str) and key.startswith("p_"))  # CSV's --proba columns


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def own_label(record: Record, label_field: str) -> dict[str, Any] | None:
    """The label, reason and confidence a post carries; None when it carries no label.

    classify's results always do, even when they abstain (a null label with its reason).
    """
    data = record.data
    raw = fields.lookup(record, label_field)
    raw = None if raw is fields.MISSING else raw
    reason = data.get("reason")
    predicted = _predicted(data, label_field)
    if _blank(raw) and not predicted:
        return None
    label = None
    if _blank(raw):
        reason = reason if not _blank(reason) else "no label"
    else:
        # As train reads labels: a post labelled exclude is left out on purpose, so here it counts as no label.
        label = given_label(raw, record, label_field)
        reason = reason if label is not None else "excluded"
    confidence = data.get("confidence") if predicted or not is_result(data) else None
    return {"label": label, "reason": None if label else str(reason), "confidence": _confidence(record, confidence)}


def _confidence(record: Record, value: Any) -> float | None:
    """A confidence in [0, 1], or None; a CSV cell holds it as text. Outside [0, 1] it would be counted in a bin it is not in."""
    try:
        return confidence_value(value)
    except ValueError:
        expected = f"expected a number from 0 to 1, got {_shown(value)}"
        raise InputError(expected, source=record.source, line=record.line, field="confidence") from None


def _shown(value: Any) -> str:
    """A value as the input spelled it (JSON), for messages."""
    return json.dumps(value, ensure_ascii=False, default=str)
