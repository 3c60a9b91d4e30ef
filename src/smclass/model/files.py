"""Model files: plain arrays and a JSON card, which cannot run code when loaded.

Training (:mod:`smclass.model.training`) fits a scikit-learn pipeline and folds it into a
:class:`~smclass.model.scorer.Scorer`; a model file holds that scorer's arrays in an ``.npz``
archive read with ``allow_pickle=False``, so a crafted file can at worst be refused.
Loading and predicting need numpy only.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import sys
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from smclass import atomic
from smclass.errors import ModelError, OutputError, UsageError
from smclass.labels import LABELS
from smclass.model import archive, seen
from smclass.model.scorer import ARRAYS, Scorer
from smclass.reading.usable import usable

if TYPE_CHECKING:
    from smclass.model.accurate import EncodedScorer

FORMAT = "smclass-model/2"
DEFAULT_MODEL_NAME = "smclass-default.npz"
ACCURATE_MODEL_NAME = "smclass-accurate.npz"
BUNDLED = {"default": DEFAULT_MODEL_NAME, "accurate": ACCURATE_MODEL_NAME, "accurate-e5": "smclass-accurate-e5.npz"}
# The encoders each bundled accurate model needs, as `train --encoder` names them (smclass.features.encoder.ENCODERS).
BUNDLED_ENCODERS = {"accurate": "minilm", "accurate-e5": "minilm+e5"}
MODEL_ENV = "SMCLASS_MODEL"


# Not compared field by field: comparing its arrays raised numpy's "truth value of an array ... is ambiguous".
@dataclass(eq=False)
class Model:
    """A folded model and the card that says how it was made."""

    scorer: Scorer | EncodedScorer
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    seen: np.ndarray | None = None  # the keys of its training texts (smclass.model.seen); None in older files
    # The file's bytes as they were read, since the file at ``path`` may be written over (a train
    # --out to it) while a run goes on: --jobs workers check theirs against them, Dask's tasks get them.
    data: bytes | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        # A notebook shows a model by its repr: the dataclass's had printed some 7,000 characters of its arrays.
        return f"Model(path={None if self.path is None else str(self.path)!r}, labels={self.labels!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its file's bytes (multiprocessing, joblib): the scorer holds a lock and compiled tables, which pickle cannot carry.
        return (_unpickled, (dumps(self) if self.data is None else self.data, self.path, self.card))

    @property
    def labels(self) -> list[str]:
        return list(self.scorer.labels)

    def never_gives(self) -> str | None:
        """What a run with a model trained without posts of some labels says: the output alone cannot tell."""
        lacking = [label for label in LABELS if label not in self.scorer.labels]
        if not lacking:
            return None
        which = "that label" if len(lacking) == 1 else "those labels"
        return f"{self.path}: trained without posts labelled {', '.join(lacking)}: no post gets {which}"

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """One row of probabilities per text, columns in the order of :attr:`labels`; every text must be a string."""
        return self.scorer.predict_proba(_texts(texts, "predict_proba"))

    def predict_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_proba`, and whether the model can read each text: False where it knows none of
        its words or letter sequences (:mod:`smclass.model.unread`), whose likeliest label is a guess
        that :meth:`classify` does not give. Every text must be a string."""
        return self.scorer.predict_known(_texts(texts, "predict_known"))

    def classify(self, texts: Iterable[str | None], *, batch_size: int = 4096) -> list[Prediction]:
        """One :class:`Prediction` per text, in order; a missing or blank text, a deleted post's
        placeholder (``[deleted]``), or a text the model knows no word of (:mod:`smclass.model.unread`)
        gets ``label`` None, as in classify's output."""
        if isinstance(texts, (str, bytes)):
            # A string is iterable too: each of its characters would be labelled as a post.
            raise UsageError("classify takes a list of texts, not one text: model.classify([text])")
        if isinstance(texts, Mapping) or not isinstance(texts, Iterable) or getattr(texts, "ndim", None) == 0:
            # A 0-d numpy array (np.array("a post"), a frame's df.text.values[0] of some dtypes) says it is iterable, and is not.
            # A dict would be classified by its keys; None or a number is no list at all.
            raise UsageError(f"classify takes a list of texts, not {type(texts).__name__}: model.classify([text, ...])")
        if batch_size.__class__ is not int or batch_size < 1:
            # A range with a step under 1 is empty: every post would come back unlabelled.
            raise UsageError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
        # pandas writes a missing cell as NaN: a Series of posts with gaps is posts with no text there, as classify_frame reads it.
        items = [None if _missing_cell(text) else text for text in texts]
        wrong = next((i for i, text in enumerate(items) if text is not None and not isinstance(text, str)), None)
        if wrong is not None:
            raise UsageError(f"texts[{wrong}]: expected text or None, got {type(items[wrong]).__name__}")
        readable = [i for i, text in enumerate(items) if isinstance(text, str) and usable(text)]
        out = [Prediction(None, None, None)] * len(items)
        labels = self.labels
        for start in range(0, len(readable), batch_size):
            chunk = readable[start : start + batch_size]
            # The scorer's own, not predict_proba's: every text was checked above, and is not checked again.
            proba, known = self.scorer.predict_known([items[i] for i in chunk])  # type: ignore[misc]
            for i, row, read in zip(chunk, proba.tolist(), known.tolist(), strict=True):
                if not read:
                    continue
                best = max(range(len(labels)), key=row.__getitem__)
                out[i] = Prediction(labels[best], row[best], dict(zip(labels, row, strict=True)))
        return out

    def classify_frame(self, frame: Any, text: str = "text", *, proba: bool = False) -> Any:
        """A copy of a pandas DataFrame with ``label`` and ``confidence`` columns added (and one per label with ``proba``)."""
        import pandas as pd

        if not isinstance(frame, pd.DataFrame):
            raise UsageError(f"classify_frame takes a pandas DataFrame, not {type(frame).__name__}: pd.DataFrame(...) first")
        if not isinstance(text, Hashable):
            # A list of names (text=["body"]) would reach pandas' TypeError: unhashable type.
            raise UsageError(f"text names one column of the frame, not {type(text).__name__}: text='body'")
        if text not in frame.columns:
            raise UsageError(f"no column {text!r} in the frame (columns: {', '.join(map(str, frame.columns))})")
        named = list(frame.columns).count(text)
        if named > 1:
            raise UsageError(f"the frame has {named} columns named {text!r}: rename all but one")
        added = ["label", "confidence", *([f"p_{label}" for label in self.labels] if proba else [])]
        taken = [name for name in added if name in frame.columns]
        if taken:
            raise UsageError(
                f"the frame already has the column{'s' * (len(taken) > 1)} {', '.join(taken)}: rename them, as classify_frame adds them"
            )
        import pandas as pd

        # Missing cells (None, NaN) are posts with no text; any other value that is not text is refused.
        values = [None if not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v) else v for v in frame[text].tolist()]
        wrong = next((i for i, v in enumerate(values) if v is not None and not isinstance(v, str)), None)
        if wrong is not None:
            row = frame.index[wrong]
            raise UsageError(f"column {text!r}, row {row!r}: expected text, got {type(values[wrong]).__name__}")
        predictions = self.classify(values)
        out = frame.copy()
        out["label"] = [p.label for p in predictions]
        out["confidence"] = [p.confidence for p in predictions]
        if proba:
            for label in self.labels:
                out[f"p_{label}"] = [None if p.probabilities is None else p.probabilities[label] for p in predictions]
        return out


def _missing_cell(value: Any) -> bool:
    pandas = sys.modules.get("pandas")  # pd.NA exists only where pandas was imported, and nothing imports it for this
    return (isinstance(value, float) and math.isnan(value)) or (pandas is not None and value is pandas.NA)


def _texts(texts: Any, method: str) -> list[str]:
    """``texts`` as a list, every one of them a string, or the UsageError that says what came instead."""
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Iterable):
        raise UsageError(f"{method} takes a list of texts, not {type(texts).__name__}: model.{method}([text])")
    items: list[Any] = list(texts)
    wrong = next((i for i, text in enumerate(items) if not isinstance(text, str)), None)
    if wrong is not None:
        # None had stopped deep in the features with "'NoneType' object has no attribute 'isascii'".
        raise UsageError(f"texts[{wrong}]: expected text, got {type(items[wrong]).__name__} (classify gives a missing text no label)")
    return items


class Prediction(NamedTuple):
    """What :meth:`Model.classify` says of one text."""

    label: str | None
    confidence: float | None
    probabilities: dict[str, float] | None


def dumps(model: Model) -> bytes:
    meta = {"format": FORMAT, "card": model.card, "settings": model.scorer.settings()}
    buffer = io.BytesIO()
    arrays: dict[str, Any] = {"meta": np.asarray(json.dumps(meta)), **model.scorer.arrays()}
    if model.seen is not None:
        arrays[seen.ARRAY] = model.seen
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def save(model: Model, path: str | Path) -> Path:
    """Write the model to exactly ``path``: a temporary file beside it, then a rename.

    Temporaries a killed earlier save to the same path left behind are removed first.
    """
    target = check_target(path)
    payload = dumps(model)
    try:
        with atomic.replacing(target) as handle:
            handle.write(payload)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    return target


def check_target(path: str | Path) -> Path:
    """Refuse a model path in a missing directory, or one that is a directory, as any output that cannot be written (exit 1).

    Callers check before training too: minutes of it should not end in this.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{target}: cannot write (directory {directory} does not exist)")
    if target.is_dir():
        raise OutputError(f"{target}: cannot write ({os.strerror(errno.EISDIR)})")
    if target.is_file() and target.stat().st_size and not archive.holds_a_model(target):
        # An earlier model is written over on purpose, run after run; any other file was named by a slip
        # (an empty one holds nothing to lose: `--out /dev/stdout > m.npz` names the file the shell made).
        raise UsageError(f"{target} exists and is no smclass model: writing the model over it would destroy it; name another file")
    try:
        atomic.check_writable(target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc})") from None
    return target


def bundled_model_path(name: str) -> Path:
    """A model file that ships with the package (in a source checkout: under models/)."""
    bundled = resources.files("smclass").joinpath("_model", name)
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[3] / "models" / name


def shipped_files() -> dict[Path, str]:
    """The files smclass ships and reads, by real path, each with what it is: writing over one
    would change what every later run does (the corpus: what ``--base default`` trains on)."""
    from smclass.features import embeddings, encoder
    from smclass.model import bundled

    found = {bundled_model_path(file): f"the bundled '{name}' model" for name, file in BUNDLED.items()}
    found[embeddings.bundled_table_path()] = "the embedding table every model reads"
    for name in (encoder.ONNX_NAME, encoder.TOKENIZER_NAME, "minilm-l6-w8.json"):
        found[encoder.bundled_path(name)] = "the encoder the accurate models read"
    found[bundled.corpus_path()] = "the corpus that --base default trains on"
    found[bundled.sample_path()] = "the sample posts of the README's first command"
    return {Path(os.path.realpath(path)): what for path, what in found.items()}


def default_model_path() -> Path:
    """The model named by $SMCLASS_MODEL, else the one bundled with the package."""
    env = os.environ.get(MODEL_ENV)
    if env and env not in BUNDLED and str(Path(env)) in BUNDLED:
        # ./default: as a Path it is "default", which every later resolve() and message took for the bundled model.
        return Path.cwd() / env
    if env:
        return resolve(env)
    return bundled_model_path(DEFAULT_MODEL_NAME)


def resolve(path: str | Path) -> Path:
    """A model's path: the names of the bundled models ('default', 'accurate', 'accurate-e5') stand for them.

    Always, even beside a file of that name (a stray file must not change which model runs):
    a path with a folder in it names the file (``./accurate``, ``$PWD/accurate``). A Path loses
    the ``./`` of ``./accurate``: such a file is named as text.
    """
    name = str(path)
    if not name:
        # A usage error, as an empty --output or --text-field is: no file was looked at.
        raise UsageError("the model named is empty text: name a model file, or default, accurate or accurate-e5")
    if name in BUNDLED:
        return bundled_model_path(BUNDLED[name])
    return Path(path)


def load(path: str | Path | None = None, *, tables: bool = True) -> Model:
    """Load a model file, refusing anything that is not made only of trusted types.

    ``tables`` checks now that the installed embedding table is the model's: False only to
    read its card (``smclass info`` describes a model it could not run).
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise UsageError(f"load takes a model's path or a bundled model's name, not {type(path).__name__}")
    target = resolve(path) if path is not None else default_model_path()
    if str(path) in BUNDLED_ENCODERS and target != Path(str(path)):
        # Before reading the file: an accurate model is useless without its extra.
        from smclass.features import encoder

        encoder.require_for(encoder.ENCODERS[BUNDLED_ENCODERS[str(path)]])
    with _named_as_given(path, target):
        return loads(archive.read_model_bytes(target), target, tables=tables)


@contextlib.contextmanager
def _named_as_given(path: str | Path | None, target: Path) -> Iterator[None]:
    """Messages name the model as the user wrote it: a Path drops the ./ of ./default, which then
    reads as the bundled model's name ("default: model file not found")."""
    try:
        yield
    except ModelError as exc:
        given, shown = str(path), str(target)
        if path is None or given == shown or given in BUNDLED or not str(exc).startswith(shown + ":"):
            raise
        raise type(exc)(given + str(exc)[len(shown) :]) from None


def read_card(path: str | Path) -> dict[str, Any]:
    """A model file's card, its arrays checked but no model built: what a model needs, shown even
    where this install cannot run it (``smclass info`` without the extra the model names)."""
    target = resolve(path)
    with _named_as_given(path, target):
        card = _opened(archive.read_model_bytes(target), target)[1].get("card")
    return _cut_from(dict(card)) if isinstance(card, dict) else {}


def loads(data: bytes, target: Path, *, tables: bool = True) -> Model:
    """Rebuild a model from the bytes of a model file; ``target`` names it in messages."""
    arrays, meta = _opened(data, target)
    try:
        keys = seen.checked(arrays.pop(seen.ARRAY, None))
        if "encoder" in meta["settings"]:
            from smclass.model.accurate import EncodedScorer

            encoded = EncodedScorer.from_arrays(arrays, meta["settings"])
            parts = [encoded.scorer, encoded.fast]
            scorer: Scorer | EncodedScorer = encoded
        else:
            # An accurate model's arrays in a fast one: a file put together from two, which this reading would half use.
            stray = sorted(name for name in arrays if name != "meta" and name not in ARRAYS)
            if stray:
                raise ModelError(f"not a smclass model file (member {stray[0] + '.npy'!r} belongs to a model with an encoder)")
            scorer = Scorer.from_arrays(arrays, meta["settings"])
            parts = [scorer]
        for part in parts if tables else []:
            part.check_tables()
    except ModelError as exc:
        raise type(exc)(f"{target}: {exc}") from None
    card = dict(meta["card"]) if isinstance(meta.get("card"), dict) else {}
    return Model(scorer, _cut_from(card), target, keys, data)


def _unpickled(data: bytes, path: Path | None, card: dict[str, Any]) -> Model:
    model = loads(data, path or Path("model"))
    # A model trained in this session has no path; a card changed after loading is kept as it was.
    model.path, model.card = path, card
    return model


def _cut_from(card: dict[str, Any]) -> dict[str, Any]:
    """A card with ``cascade_cut_from``: a model made before it was kept got its cut from the
    cross-validation its card records, or, without one, is the default (--cv 0)."""
    if "cascade_cut" not in card or "cascade_cut_from" in card:
        return card
    cv = card.get("cross_validation")
    if isinstance(cv, dict) and isinstance(cv.get("cascade"), dict):
        return {**card, "cascade_cut_from": f"cross-validation ({cv.get('folds')} folds)"}
    return {**card, "cascade_cut_from": "the default: no cross-validation ran (--cv 0)"}


def _opened(data: bytes, target: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """A model file's arrays and its meta (card and settings), each checked, nothing built from them."""
    if not data.startswith(b"PK"):
        hint = " (pickle and joblib files are refused: loading them can run code)" if data[:1] == b"\x80" else ""
        raise ModelError(f"{target}: not a smclass model file{hint}")
    arrays = archive.read_arrays(data, target)
    meta_array = arrays.pop("meta", None)
    if meta_array is None or meta_array.ndim != 0 or meta_array.dtype.kind != "U":
        raise ModelError(f"{target}: not a smclass model file")
    try:
        meta = json.loads(str(meta_array))
    except ValueError:
        raise ModelError(f"{target}: not a smclass model file") from None
    except RecursionError:
        raise ModelError(f"{target}: damaged model file (its card is nested too deeply)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or not isinstance(meta.get("settings"), dict):
        made = meta.get("format") if isinstance(meta, dict) else None
        hint = f" (it is {made!r}, this smclass reads {FORMAT!r}: retrain it)" if isinstance(made, str) else ""
        raise ModelError(f"{target}: not a smclass model file{hint}")
    return arrays, meta
