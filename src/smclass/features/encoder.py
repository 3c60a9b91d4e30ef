"""Contextual sentence embeddings: the int8 ONNX MiniLM encoder, for the accurate model.

Two files, both made once by ``scripts/export_encoder.py``:

* ``minilm-l6-w8.onnx``: all-MiniLM-L6-v2 with 8-bit weights (weight-only: a post's vector
  does not depend on the other posts of its batch, so ``--jobs`` and Dask give the same labels). Inputs ``input_ids`` and
  ``attention_mask``; output either ``sentence_embedding`` (batch x dims, already mean-pooled)
  or token states (batch x sequence x dims), which are then mean-pooled here.
* ``minilm-l6-tokenizer.json``: its fast tokenizer.

onnxruntime and tokenizers are imported only when an :class:`Encoder` is made, and only the
``accurate`` extra installs them; without them the error names that extra.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from smclass.errors import MissingExtraError, ModelError
from smclass.features import e5
from smclass.features import threads as threads_lib
from smclass.features.normalize import as_shown

ONNX_NAME = "minilm-l6-w8.onnx"
ENCODER_NAME = "minilm-l6-w8"
TOKENIZER_NAME = "minilm-l6-tokenizer.json"
EXTRA_MESSAGE = "the accurate model needs the 'accurate' extra: pip install 'smclass[accurate]'"


def _require() -> tuple[Any, Any]:
    """onnxruntime and tokenizers, or a one-line ModelError naming the extra."""
    try:
        import onnxruntime
        import tokenizers
    except ImportError:
        raise MissingExtraError(EXTRA_MESSAGE) from None
    return onnxruntime, tokenizers


def bundled_path(name: str) -> Path:
    """An encoder file installed with the package, or the one in the source tree's models/."""
    bundled = resources.files("smclass").joinpath("_model", name)
    if bundled.is_file():
        return Path(str(bundled))
    return Path(__file__).resolve().parents[3] / "models" / name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# Where a word ends for MiniLM's tokenizer: whitespace (not \x1c-\x1f or \x85, which it drops as control
# characters), punctuation, which it splits off (ASCII and the common CJK marks), and CJK ideographs, each
# a token of its own. Not before "]": a post's own "[SEP]" or "[MASK]" is one token, which a cut there would
# split. The text looked at for a post's first tokens starts at this many characters a token, and grows
# until it holds them.
_WORD_END = re.compile(
    "[ \t\n\r\u00a0\u3000!-/:-@\\[\\\\^-`{-~\u3001\u3002\uff01\uff0c\uff1a\uff1b\uff1f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
HEAD_CHARS_PER_TOKEN = 16


class Encoder:
    """Raw texts in, float32 L2-normalised sentence embeddings out.

    ``max_seq_len`` counts tokens including [CLS] and [SEP]; longer posts are cut. Texts are
    sorted by length and cut into batches of ``batch_size``, so each batch pads to about its
    own longest post; the rows come back in the caller's order. ``threads`` is
    onnxruntime's intra-op thread count (default: this process's share, see ``threads``). ``output`` picks a graph output (default: the
    first); ``normalize=False`` returns it as it is (for a fine-tuned model's logits).

    The weights are quantised per block of 32 and the activations left in float, so a post's
    vector depends on the other posts of its batch only by float noise (the padding changes the
    shapes the products run on): 64 dev posts, one at a time against one batch, moved by at most
    6e-8 (cosine 0.9999999). Dynamic int8 quantisation, which scaled activations per batch, had
    moved them by far more (cosine min 0.974).
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        *,
        max_seq_len: int = 128,
        batch_size: int = 32,
        threads: int | None = None,
        output: str | None = None,
        normalize: bool = True,
    ) -> None:
        if not 2 <= max_seq_len <= MOST_TOKENS:
            raise ModelError(f"max_seq_len must be 2 (the [CLS] and [SEP] tokens) to {MOST_TOKENS} (the positions MiniLM has)")
        threads = threads_lib.per_process() if threads is None else threads
        if batch_size < 1 or threads < 1:
            raise ModelError("batch_size and threads must be at least 1")
        ort, tokenizers = _require()
        self.model_path = Path(model_path) if model_path else bundled_path(ONNX_NAME)
        self.tokenizer_path = Path(tokenizer_path) if tokenizer_path else bundled_path(TOKENIZER_NAME)
        for path, given in ((self.model_path, model_path), (self.tokenizer_path, tokenizer_path)):
            if not path.is_file():
                # The bundled files come with smclass itself: the extra brings onnxruntime and tokenizers, and
                # `pip install 'smclass[accurate]'` over an install does not bring a lost file back.
                how = "" if given else ": it comes with smclass: pip install --force-reinstall --no-deps smclass"
                raise ModelError(f"{path}: encoder file not found{how}")
        self.max_seq_len = max_seq_len
        self.batch_size = batch_size
        self.threads = threads
        try:
            self.tokenizer = tokenizers.Tokenizer.from_file(str(self.tokenizer_path))
        except Exception as exc:  # noqa: BLE001 - the library raises plain Exceptions for bad files
            raise ModelError(f"{self.tokenizer_path}: not a tokenizer file ({exc})") from None
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_seq_len)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(str(self.model_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own untyped errors
            raise ModelError(f"{self.model_path}: cannot load the encoder ({str(exc).splitlines()[0]})") from None
        inputs = {i.name for i in self.session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= inputs:
            raise ModelError(f"{self.model_path}: the encoder needs inputs input_ids and attention_mask, it has {sorted(inputs)}")
        self._token_types = "token_type_ids" in inputs
        outputs = {o.name: o for o in self.session.get_outputs()}
        if output is not None and output not in outputs:
            raise ModelError(f"{self.model_path}: no output {output!r} (it has {sorted(outputs)})")
        output_info = outputs[output] if output is not None else self.session.get_outputs()[0]
        self._output = output_info.name
        self.normalize = normalize
        self._pooled = len(output_info.shape) == 2
        self.dims = int(output_info.shape[-1])

    def head(self, text: str) -> str:
        """The start of ``text`` that gives the same first ``max_seq_len`` tokens as all of it.

        The tokenizer encodes a whole text before truncation cuts it (and keeps what it cut off):
        an 8.5 MB post took 18 s and 1.2 GB to give 128 tokens. So a long post is cut where a word
        ends (before a space, a punctuation mark or a CJK ideograph, where the tokenizer splits too),
        once the words before the cut hold enough tokens; the encoder reads just what it read before.
        """
        limit = HEAD_CHARS_PER_TOKEN * self.max_seq_len
        while len(text) > limit:
            found = _WORD_END.search(text[limit - 1 :: -1])
            cut = limit - 1 - found.start() if found else 0
            if cut > 0 and len(self.tokenizer.encode(text[:cut]).ids) >= self.max_seq_len:
                return text[:cut]
            limit *= 4
        return text

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per text, L2-normalised unless asked not to (an empty text gives the [CLS] [SEP] embedding)."""
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        if not len(texts):
            return out
        # The text as it shows (as_shown), as the features read it: a post in fullwidth letters had been
        # unknown tokens to the encoder, and 42 of 120 corpus posts so written got another label.
        encodings = self.tokenizer.encode_batch([self.head(as_shown(t)) if isinstance(t, str) else "" for t in texts])
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for k, row in enumerate(rows.tolist()):
                found = encodings[row].ids
                ids[k, : len(found)] = found
                mask[k, : len(found)] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if self._token_types:
                feed["token_type_ids"] = np.zeros_like(ids)
            result = self.session.run([self._output], feed)[0]
            if not self._pooled:
                weights = mask[:, :, None].astype(np.float32)
                result = (result * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[rows] = result
        if self.normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


def require() -> None:
    """Raise the one-line error naming the extra when the encoder's libraries are missing."""
    _require()


def centred(vectors: np.ndarray, mean: np.ndarray, weight: float, parts: int = 1) -> np.ndarray:
    """The encoder block as the classifier sees it: centred on the training mean, renormalised, weighted.

    A block of ``parts`` encoders side by side is renormalised part by part, so each
    encoder weighs the same whatever the spread of its vectors.
    """
    moved = (vectors.astype(np.float64) - mean).reshape(len(vectors), parts, -1)
    result = moved / np.maximum(np.linalg.norm(moved, axis=2, keepdims=True), 1e-12) * weight
    return np.asarray(result.reshape(len(vectors), -1))


# What ``smclass train --encoder`` accepts, and the name a model records for it.
ENCODERS = {"minilm": ENCODER_NAME, "minilm+e5": f"{ENCODER_NAME}+{e5.NAME}"}


def parts(name: str) -> int:
    """How many encoders a recorded encoder name stands for."""
    return len(name.split("+"))


def require_for(name: str) -> None:
    """The libraries an encoder needs, or the one-line error naming the extra that installs them."""
    if parts(name) > 1:
        # 'accurate-e5' brings onnxruntime and tokenizers too: naming 'accurate' here sent a plain install
        # through two installs, the second only to be told of the extra it needed from the start.
        try:
            _require()
        except MissingExtraError:
            raise MissingExtraError(e5.EXTRA_MESSAGE) from None
        e5.require()
    else:
        _require()


class Stacked:
    """Several encoders' vectors side by side, in the order named."""

    def __init__(self, encoders: list[Any]) -> None:
        self.encoders = encoders

    def encode(self, texts: Sequence[str | None]) -> np.ndarray:
        return np.hstack([encoder.encode(texts) for encoder in self.encoders])


# The positions MiniLM (and e5-small) were trained with: a longer input fails inside ONNX Runtime.
MOST_TOKENS = 512
# The numbers in a sentence vector of MiniLM (and of e5-small): a model's encoder block is this wide for each.
DIMS = 384


def multilingual(name: str) -> bool:
    """Whether an encoder of this name reads posts in any language: e5 was trained on some hundred of them
    (a post about a day at the beach got Personal from accurate-e5 in each of eleven scripts, where
    MiniLM, trained on English, gave four different labels)."""
    return parts(name) > 1


def known(name: str) -> bool:
    """Whether :func:`make` makes an encoder of this name."""
    return name in (ENCODER_NAME, ENCODERS["minilm+e5"], f"{ENCODER_NAME}+{e5.WHOLE_NAME}")


def make(name: str, max_seq_len: int = 128) -> Encoder | Stacked:
    """The encoder a model records by ``name`` (see :data:`ENCODERS`)."""
    if name == ENCODER_NAME:
        return Encoder(max_seq_len=max_seq_len)
    if name == ENCODERS["minilm+e5"]:
        return Stacked([Encoder(max_seq_len=max_seq_len), e5.E5Encoder(max_tokens=max_seq_len)])
    if name == f"{ENCODER_NAME}+{e5.WHOLE_NAME}":
        return Stacked([Encoder(max_seq_len=max_seq_len), e5.E5Encoder()])
    raise ModelError(f"this model needs an encoder this version does not know ({name!r}): upgrade smclass")
