"""The analyst's loop measured on real posts: suggest, audit, train --base default, --threshold.

On ../shared/eval/dev.jsonl (skips cleanly when absent), split in two halves by a hash of
the id (A: the analyst's own pool, B: held out):

1. ``suggest`` 100 posts from A with the bundled model, label them from the reference
   labels, ``train --base default`` on them, and score B; against the bundled model and
   against 100 posts of A chosen at random (mean of 3 seeds).
2. Flip 10% of A's labels at random and report the precision of ``audit``'s top k
   (k = the number flipped) at finding them.
3. Accuracy kept against coverage on B for ``classify --threshold 0.6``.
4. How long ``smclass train LABELLED --base default`` takes, timed as a command.

    python benchmarks/analyst.py [--eval PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from smclass.analyst import audit, suggest
from smclass.model import bundled, dataset, evaluation, training
from smclass.model import files as model_lib

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def halves(path: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    a = [r for r in rows if hashlib.sha256(str(r["id"]).encode()).digest()[0] % 2 == 0]
    b = [r for r in rows if hashlib.sha256(str(r["id"]).encode()).digest()[0] % 2 == 1]
    return a, b


def train_on_top(rows: list[dict[str, str]], base: dataset.LabelledPosts, seed: int = 0) -> model_lib.Model:
    weight = training.base_weight(len(base.texts), len(rows))
    texts = base.texts + [r["text"] for r in rows]
    labels = base.labels + [r["label"] for r in rows]
    return training.train(texts, labels, folds=0, seed=seed, weights=[1.0] * len(base.texts) + [weight] * len(rows))


def macro_f1(model: model_lib.Model, rows: list[dict[str, str]]) -> float:
    return float(evaluation.evaluate(model, [r["text"] for r in rows], [r["label"] for r in rows])["macro_f1"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args()
    if not args.eval.is_file():
        print(f"skipped: {args.eval} not found")
        return 0
    pool, held = halves(args.eval)
    print(f"dev split by id: pool A {len(pool)} posts, held-out B {len(held)} posts")
    bundled_model = model_lib.load()
    base = dataset.read_labelled([str(bundled.corpus_path())])
    before = macro_f1(bundled_model, held)
    print(f"bundled model on B: macro-F1 {before:.3f}")

    start = time.perf_counter()
    picked = suggest.suggest(bundled_model, [dict(r) for r in pool], args.n)
    suggested = macro_f1(train_on_top([{"text": p["text"], "label": p["label"]} for p in picked], base), held)
    print(f"{args.n} suggested posts labelled, trained on top of the default corpus: macro-F1 on B {suggested:.3f} "
          f"({suggested - before:+.3f}; {time.perf_counter() - start:.0f} s)")  # fmt: skip
    randoms = []
    for seed in range(3):
        chosen = random.Random(seed).sample(pool, min(args.n, len(pool)))
        randoms.append(macro_f1(train_on_top(chosen, base), held))
    mean = sum(randoms) / len(randoms)
    print(
        f"{args.n} random posts instead (3 seeds): macro-F1 on B {mean:.3f} ({mean - before:+.3f}); "
        f"runs {', '.join(f'{r:.3f}' for r in randoms)}"
    )

    rng = random.Random(0)
    labels = [r["label"] for r in pool]
    flipped = set(rng.sample(range(len(pool)), len(pool) // 10))
    noisy = [rng.choice([x for x in sorted(set(labels)) if x != label]) if i in flipped else label for i, label in enumerate(labels)]
    suspects = audit.audit([r["text"] for r in pool], noisy, folds=5, seed=0, base=(base.texts, base.labels))
    k = len(flipped)
    top = [s["position"] for s in suspects[:k]]
    hits = sum(1 for i in top if i in flipped)
    print(f"audit with {k} of {len(pool)} labels flipped: precision at {k} {hits / k:.2f} ({hits} found; {len(suspects)} suspects in all)")

    report = evaluation.evaluate(bundled_model, [r["text"] for r in held], [r["label"] for r in held])
    row = next(c for c in report["coverage"] if c["threshold"] == 0.6)
    print(f"--threshold 0.6 on B: {row['coverage']:.1%} of posts keep a label, accuracy {row['accuracy']:.3f} "
          f"(all posts: {report['accuracy']:.3f})")  # fmt: skip

    with tempfile.TemporaryDirectory() as work:
        labelled = Path(work) / "mine.jsonl"
        labelled.write_text("".join(json.dumps({"text": p["text"], "label": p["label"]}) + "\n" for p in picked), encoding="utf-8")
        start = time.perf_counter()
        command = [
            str(Path(sys.executable).with_name("smclass")),
            "train",
            str(labelled),
            "--base",
            "default",
            "--out",
            f"{work}/m.npz",
            "-q",
        ]
        subprocess.run(command, check=True)
        print(f"smclass train {args.n} posts --base default (5-fold CV + fit): {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
