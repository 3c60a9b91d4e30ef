"""The pipeline, its training, and model files that cannot run code when loaded."""

from __future__ import annotations

import hashlib
import os
import platform
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from smclass import __version__
from smclass.errors import ModelError, UsageError
from smclass.features import CompactTfidfVectorizer, StaticEmbeddings, TaxonomySignals, TextNormalizer
from smclass.labels import LABELS

FORMAT = "smclass-model/1"
DEFAULT_MODEL_NAME = "smclass-default.skops"
MODEL_ENV = "SMCLASS_MODEL"

# The exact types a smclass model is made of. Anything else in a model file is refused,
# so a crafted file cannot make loading call arbitrary code.
TRUSTED_TYPES = (
    "builtins.slice",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "numpy.random.mtrand.RandomState",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "smclass.features.CompactTfidfVectorizer",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC",
    "smclass.features.StaticEmbeddings",
    "smclass.features.TaxonomySignals",
    "smclass.features.TextNormalizer",
)


def build_pipeline(seed: int = 0) -> Pipeline:
    """Word and character n-grams of normalised text plus taxonomy signals, into a calibrated linear SVM."""
    features = FeatureUnion(
        [
            ("words", CompactTfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=60000, dtype=np.float32)),
            (
                "chars",
                CompactTfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=120000, dtype=np.float32
                ),
            ),
            ("signals", TaxonomySignals(weight=0.5)),
            ("meaning", StaticEmbeddings(weight=0.5)),
        ]
    )
    classifier = CalibratedClassifierCV(LinearSVC(C=0.3, class_weight="balanced", random_state=seed), method="sigmoid", cv=3)
    return Pipeline([("normalize", TextNormalizer()), ("features", features), ("classify", classifier)])


@dataclass
class Model:
    """A fitted pipeline and the card that says how it was made."""

    pipeline: Pipeline
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.pipeline.classes_]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba(texts))


def data_fingerprint(texts: list[str], labels: list[str]) -> str:
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(label.encode())
        digest.update(b"\t")
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()


def cross_validate(texts: list[str], labels: list[str], folds: int, seed: int) -> dict[str, Any]:
    """k-fold cross-validated macro-F1 and per-class F1 on the training data."""
    counts = {label: labels.count(label) for label in set(labels)}
    if folds < 2:
        raise UsageError("--cv needs at least 2 folds (or 0 to skip cross-validation)")
    if min(counts.values()) < folds:
        raise UsageError(f"--cv {folds} needs at least {folds} posts of every label (fewest: {min(counts.values())})")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = cross_val_predict(build_pipeline(seed), texts, labels, cv=splitter)
    present = [label for label in LABELS if label in counts]
    per_class = f1_score(labels, predicted, labels=present, average=None, zero_division=0)
    return {
        "folds": folds,
        "macro_f1": round(float(np.mean(per_class)), 4),
        "per_class_f1": {label: round(float(score), 4) for label, score in zip(present, per_class, strict=True)},
    }


def train(texts: list[str], labels: list[str], *, folds: int = 5, seed: int = 0, sources: list[str] | None = None) -> Model:
    """Fit the pipeline on all of the data, after cross-validating it when ``folds`` > 0."""
    if len(set(labels)) < 2:
        raise UsageError("training needs posts of at least two labels")
    cv = cross_validate(texts, labels, folds, seed) if folds else None
    pipeline = build_pipeline(seed).fit(texts, labels)
    card = {
        "format": FORMAT,
        "labels": [label for label in LABELS if label in set(labels)],
        "training_posts": len(texts),
        "posts_per_label": {label: labels.count(label) for label in LABELS if label in set(labels)},
        "training_data_sha256": data_fingerprint(texts, labels),
        "training_sources": sources or [],
        "cross_validation": cv,
        "seed": seed,
        "features": "normalised text; word 1-2-grams and char 2-5-grams TF-IDF; taxonomy signals; static MiniLM embeddings",
        "classifier": "LinearSVC with sigmoid calibration (CalibratedClassifierCV, 3 folds)",
        "versions": _versions(),
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    return Model(pipeline, card)


def _versions() -> dict[str, str]:
    import scipy

    return {
        "smclass": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
    }


def save(model: Model, path: str | Path) -> Path:
    """Write the model to exactly ``path``: a temporary file beside it, then a rename."""
    import skops.io as sio

    target = Path(path)
    payload = sio.dumps({"format": FORMAT, "card": model.card, "pipeline": model.pipeline}, compression=zipfile.ZIP_DEFLATED)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"{target}: directory {directory} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def default_model_path() -> Path:
    """The model named by $SMCLASS_MODEL, else the one bundled with the package."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    bundled = resources.files("smclass").joinpath("_model", DEFAULT_MODEL_NAME)
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[2] / "models" / DEFAULT_MODEL_NAME


def load(path: str | Path | None = None) -> Model:
    """Load a model file, refusing anything that is not made only of trusted types."""
    target = Path(path) if path is not None else default_model_path()
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{target}: model file not found") from None
    except IsADirectoryError:
        raise ModelError(f"{target}: is a directory, not a model file") from None
    except OSError as exc:
        raise ModelError(f"{target}: cannot read model file ({exc.strerror})") from None
    return loads(data, target)


def loads(data: bytes, target: Path) -> Model:
    """Rebuild a model from the bytes of a model file; ``target`` names it in messages."""
    import skops.io as sio

    if not data.startswith(b"PK"):
        hint = " (pickle and joblib files are refused: loading them can run code)" if data[:1] == b"\x80" else ""
        raise ModelError(f"{target}: not a smclass model file{hint}")
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ModelError(f"{target}: damaged model file ({exc})") from None
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        raise ModelError(f"{target}: refused: the file holds types smclass does not trust: {', '.join(unknown)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            content = sio.loads(data, trusted=list(untrusted))
    except Exception as exc:  # noqa: BLE001 - any failure to rebuild means a bad file
        raise ModelError(f"{target}: damaged model file ({type(exc).__name__}: {exc})") from None
    if not isinstance(content, dict) or content.get("format") != FORMAT or not isinstance(content.get("pipeline"), Pipeline):
        raise ModelError(f"{target}: not a smclass model file")
    return Model(content["pipeline"], dict(content.get("card") or {}), target)


def version_warning(model: Model) -> str | None:
    """A warning when the model was made with another scikit-learn than the one running."""
    made_with = (model.card.get("versions") or {}).get("scikit-learn")
    if made_with and made_with != sklearn.__version__:
        return (
            f"model was made with scikit-learn {made_with}, running {sklearn.__version__}; "
            "predictions may differ: retrain with 'smclass train' if they look wrong"
        )
    return None
