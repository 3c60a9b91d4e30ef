"""Labelled posts for training and evaluation, read through the same readers."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from smclass.errors import InputError, UsageError
from smclass.labels import LABELS, normalize_label
from smclass.reading import fields, ids, inputs, repeats
from smclass.reading.plan import InputPlan, ReadOptions
from smclass.reading.posts import cut_short, planned_with_sample
from smclass.reading.records import Record


def _quiet(message: str) -> None:
    return None


class Fingerprint:
    """A model card's ``training_data_sha256``: labels and texts in training order, fed one post at a time."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def add(self, text: str, label: str) -> None:
        self._digest.update(label.encode())
        self._digest.update(b"\t")
        self._digest.update(text.encode("utf-8", "surrogatepass"))
        self._digest.update(b"\n")

    def add_all(self, texts: Iterable[str], labels: Iterable[str]) -> Fingerprint:
        for text, label in zip(texts, labels, strict=True):
            self.add(text, label)
        return self

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


SKIPPED_LABELS = frozenset({"exclude", "excluded"})


@dataclass(frozen=True, slots=True)
class LabelledPost:
    """One labelled post: what scoring needs and what names it in an output line, not the record."""

    text: str
    label: str
    # None when the post lacks the id its input has; its position then names it.
    id: Any
    position: int
    origin: str

    def identity(self) -> dict[str, Any]:
        """The post's id for an output line, with its position beside a null id (as classify gives it)."""
        return {"id": self.id} if self.id is not None else {"id": None, "position": self.position}


@dataclass
class PassedOver:
    """What reading labelled posts passed over, and the inputs that held records."""

    sources: list[str] = field(default_factory=list)
    excluded: int = 0
    empty: int = 0
    missing: int = 0
    labelled: int = 0  # records that held a label, whatever became of them
    respelled: int = 0  # labels written otherwise than the five are ('media', 'Personal SM'), read as the one they name
    # Inputs whose labels sit beside a confidence, as in classify's results: said in --json and
    # the model card too, where -q keeps the warning off stderr.
    predicted: list[str] = field(default_factory=list)


def no_posts(purpose: str, passed_over: PassedOver, sources: Sequence[str]) -> InputError:
    """No labelled post was left to ``purpose`` ("train on"): and why, where reading passed every one over."""
    why = [f"{n} {what}" for n, what in ((passed_over.excluded, "labelled exclude"), (passed_over.empty, "with no text")) if n]
    why += [f"{passed_over.missing} with no label"] if passed_over.missing else []
    said = f"no labelled posts to {purpose}" + (f" (passed over: {', '.join(why)})" if why else "")
    return InputError(said, source=inputs_named(sources))


def inputs_named(sources: Sequence[str]) -> str:
    """The inputs as messages name them: stdin ('-', or none given) as <stdin>."""
    return ", ".join("<stdin>" if name == "-" else name for name in sources) or "<stdin>"


@dataclass
class LabelledPosts(PassedOver):
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    # Per post: its id (None when it lacks the id its input has), its position and the input
    # it came from, for commands that name posts (audit).
    ids: list[Any] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)

    def identity(self, i: int) -> dict[str, Any]:
        """Post ``i``'s id for an output line, with its position beside a null id (as classify gives it)."""
        return {"id": self.ids[i]} if self.ids[i] is not None else {"id": None, "position": self.positions[i]}


def read_labelled(
    paths: Iterable[str],
    *,
    label_field: str = "label",
    notify: Callable[[str], None] | None = None,
    on_missing_label: str = "stop",
    options: ReadOptions | None = None,
) -> LabelledPosts:
    """All the posts of :func:`iter_labelled` at once, for work that needs every text (training, audit)."""
    posts = LabelledPosts()
    for post in iter_labelled(
        paths, label_field=label_field, notify=notify, on_missing_label=on_missing_label, passed_over=posts, options=options
    ):
        posts.texts.append(post.text)
        posts.labels.append(post.label)
        posts.ids.append(post.id)
        posts.positions.append(post.position)
        posts.origins.append(post.origin)
    return posts


def iter_labelled(
    paths: Iterable[str],
    *,
    label_field: str = "label",
    notify: Callable[[str], None] | None = None,
    on_missing_label: str = "stop",
    passed_over: PassedOver | None = None,
    options: ReadOptions | None = None,
) -> Iterator[LabelledPost]:
    """Posts with a label each, one at a time; a label outside the five stops with its file and line.

    A post with no label stops reading too, unless ``on_missing_label`` is "skip" (a
    labelling sheet in progress): then it is counted in ``passed_over.missing``, as posts
    labelled exclude and posts with no text are counted. Only the first records of each
    input are held at once (to plan its fields), so memory does not follow the input.
    ``options`` says how to read: the text and id fields, the format, a delimiter, a SQLite
    table or query (by default, all detected).
    """
    counts = passed_over if passed_over is not None else PassedOver()
    options = options or ReadOptions()
    for path in paths:
        held = False
        # Each file of a folder or zip is planned on its own, as classify plans it: one file's
        # text field is not another's.
        for plan, first, rest in planned_with_sample(inputs.read_path(path, reading=options.reading(notify)), options, notify or _quiet):
            if not held:
                counts.sources.append(path)
                held = True
            # The label field is chosen from the records the plan was, as the text and id fields are.
            whole = not cut_short(first) and first[-1].error is None
            # A sheet being labelled (skip) may hold its first labels after the records planned on.
            late = on_missing_label == "skip" and not whole
            field_name = _label_field(label_field, first, whole=whole, late=late)
            if field_name == plan.text.field:
                # Trained on its own labels' names, a model scores 1.00 and knows nothing of posts.
                said = f"the text field and the label field are both '{field_name}': name the posts' text with --text-field"
                raise UsageError(f"{plan.source}: {said}")
            predicted = _predicted(first, field_name)
            if predicted:
                counts.predicted.append(plan.source)
            if notify is not None and predicted:
                notify(
                    f"warning: {plan.source}: each record carries a 'confidence' beside '{field_name}', as classify's results do: "
                    "if these labels are a model's predictions, not a person's, they are no reference to score or train against"
                )
            labelled = counts.labelled
            # Where the first records do not all look so, a later one may (hand labels and classify's results
            # joined in one file, in either order): it is said at its line, once.
            watch = None if predicted or fields.fold(field_name) != "label" else counts
            yield from _posts(itertools.chain(first, rest), plan, field_name, on_missing_label, counts, notify or _quiet, watch)
            if late and counts.labelled == labelled:
                names = fields.listed_names([r for r in first if r.error is None])
                raise UsageError(f"{plan.source}: no field '{label_field}' in any record (fields: {names}); name it with --label-field")


def _predicted(first: list[Record], field_name: str) -> bool:
    """Whether the records look like smclass's own results: a confidence from 0 to 1 (or null) beside the label in every one."""
    readable = [r.data for r in first if r.error is None and isinstance(r.data, dict)]
    if not readable or fields.fold(field_name) != "label":
        return False
    return all("confidence" in r and is_confidence(r["confidence"]) for r in readable)


def _rated(value: Any) -> bool:
    """A confidence from 0 to 1 that is a number, as classify gives a label it made: null or a blank cell rates none."""
    return is_confidence(value) and confidence_value(value) is not None


def confidence_value(value: Any) -> float | None:
    """A confidence as classify writes it: a number from 0 to 1, or None where it abstained (null,
    or a blank cell: CSV holds the number as text). Raises ValueError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = float(value) if isinstance(value, str) else value
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= 1:
        raise ValueError(f"not a confidence: {value!r}")
    return float(number)


def is_confidence(value: Any) -> bool:
    """Whether ``value`` is a confidence as classify writes it (see :func:`confidence_value`)."""
    try:
        confidence_value(value)
    except ValueError:
        return False
    return True


def _posts(
    records: Iterator[Record],
    plan: InputPlan,
    field_name: str,
    on_missing: str,
    counts: PassedOver,
    notify: Callable[[str], None],
    watch_predicted: PassedOver | None = None,
) -> Iterator[LabelledPost]:
    watch = repeats.Watch((plan.text.field, plan.text.title_field, plan.id_field, field_name))
    fall_back = plan.text.detected and plan.text.title_field is None  # said once, as classify says it
    for record in records:
        if record.error is not None:
            raise record.error
        twice = watch.twice(record)
        if twice is not None:
            # Training on one of two labels or texts, or naming the post by one of two ids, is a guess.
            raise InputError(repeats.twice_reason(twice), source=record.source, line=record.line)
        raw_label = fields.lookup(record, field_name)
        held = raw_label is not fields.MISSING
        blank = raw_label is None or (isinstance(raw_label, str) and not raw_label.strip())
        if held:
            counts.labelled += 1
        if not held or blank:
            if on_missing == "skip":
                counts.missing += 1
                continue
            raise InputError("no label", source=record.source, line=record.line, field=field_name)
        label = given_label(raw_label, record, field_name)
        if watch_predicted is not None and isinstance(record.data, dict) and _rated(record.data.get("confidence")):
            watch_predicted.predicted.append(plan.source)
            notify(
                f"warning: {record.source}:{record.line}: this record carries a 'confidence' beside '{field_name}', as classify's "
                "results do, where other records of its input do not (hand labels and results joined?): if its label is a model's "
                "prediction, not a person's, it is no reference to score or train against"
            )
            watch_predicted = None
        if label is None:
            counts.excluded += 1
            continue
        if raw_label != label:
            counts.respelled += 1
            if counts.respelled == 1:
                # A label read otherwise than it is written is said, once, so the one who labelled can check that it was meant.
                said = f"label {raw_label!r} read as {label} (labels are read whatever their case or spacing, and with ' SM' or"
                notify(f"{record.source}:{record.line}: {said} ' social media' after the name; said of the first only)")
        text, _reason = fields.record_text(record, plan.text)
        used = repeats.used_twice(record, plan.text) if text is not None else None
        if used is not None:
            raise InputError(repeats.twice_reason(used), source=record.source, line=record.line)
        if text is None:
            counts.empty += 1
            continue
        if fall_back and (used := fields.fell_back(record, plan.text)) is not None:
            # A record without the planned field is trained on another one it holds ('body' where the plan read 'text').
            field = plan.text.describe()
            said = f"holds no text in '{field}': its text is read from '{used}'"
            said += f" (each record without text in '{field}' is read from another text field it holds)"
            notify(str(InputError(said, source=record.source, line=record.line)))
            fall_back = False
        yield LabelledPost(text, label, ids.record_id(record, plan.id_field), record.index, record.source)


def given_label(raw: Any, record: Record, field_name: str) -> str | None:
    """The label a record carries, as one of the five; None for a post labelled exclude.

    Any other value is an :class:`InputError` at the record's line.
    """
    if isinstance(raw, str) and raw.strip().lower() in SKIPPED_LABELS:
        return None
    label = normalize_label(raw)
    if label is None:
        raise InputError(
            f"unknown label {raw!r} (expected one of {', '.join(LABELS)})", source=record.source, line=record.line, field=field_name
        )
    return label


def _label_field(name: str, records: list[Record], *, whole: bool, late: bool = False) -> str:
    """``name`` as the first records spell it (``Label`` for ``label``), as text and id fields are matched.

    A field none of them holds is a wrong name, not a file of unlabelled posts: saying so, with
    the fields there are, beats "no label" at line 2. Only the first records are looked at
    (``whole`` when they are all there is), so that reading need not hold the rest.
    """
    readable = [r for r in records if r.error is None]
    if not readable:
        return name  # the first record's own error is the one to show
    fields.one_match(name, readable)
    actual = fields.resolve(name, readable)
    if actual is None:
        if late:
            return name  # watched: one record of the rest must hold it (see iter_labelled)
        names = fields.listed_names(readable)
        where = "the records" if whole else f"the first {len(records)} records"
        raise UsageError(f"{readable[0].source}: no field '{name}' in {where} (fields: {names}); name it with --label-field")
    return actual
