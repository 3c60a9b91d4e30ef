"""The trend on unlabelled real posts: agreement of each bundled model with weak hints.

``../shared/corpus/raw`` holds real posts without reference labels; its files carry a
per-file guess (``hint``) and some rows a guess from the dataset's own labels
(``row_hint``). Agreement with these weak labels is not accuracy. It is a second view,
beside dev, of whether a change helps on real posts in general. A fixed-seed sample of
each file with a hint other than ``mixed`` is scored by each model, and the agreement is
printed per file and over all of them. Run:

    python benchmarks/trend.py [--per-file N] [--models default accurate accurate-e5]

Skips cleanly (exit 0) when ../shared/corpus/raw is absent, and leaves out a model whose
extra is not installed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

RAW = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "raw"


def sample(per_file: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """(file, text, hint) for up to ``per_file`` posts of each file, hint ``mixed`` left out."""
    rng = random.Random(seed)
    out = []
    for path in sorted(RAW.glob("*.jsonl")):
        rows = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                hint = row.get("row_hint") or row.get("hint")
                if isinstance(row.get("text"), str) and row["text"].strip() and hint and hint != "mixed":
                    rows.append((path.stem, row["text"], hint))
        out += rng.sample(rows, min(per_file, len(rows)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-file", type=int, default=300)
    parser.add_argument("--models", nargs="+", default=["default", "accurate", "accurate-e5"])
    args = parser.parse_args()
    if not RAW.is_dir():
        print(f"skipped: {RAW} does not exist")
        return 0
    from smclass.errors import SmclassError
    from smclass.model import files

    posts = sample(args.per_file)
    names = sorted({name for name, _, _ in posts})
    print(f"{len(posts):,} posts with a hint from {len(names)} files of {RAW}")
    print(f"{'model':<14} {'all':>6}  " + "  ".join(f"{n[:14]:>14}" for n in names))
    for name in args.models:
        try:
            model = files.load(name)
        except SmclassError as exc:
            print(f"{name:<14} left out: {exc}")
            continue
        start = time.perf_counter()
        proba = model.predict_proba([text for _, text, _ in posts])
        seconds = time.perf_counter() - start
        predicted = [model.labels[i] for i in proba.argmax(axis=1)]
        agree = [p == hint for p, (_, _, hint) in zip(predicted, posts, strict=True)]
        per = {n: [a for a, (f, _, _) in zip(agree, posts, strict=True) if f == n] for n in names}
        print(
            f"{name:<14} {sum(agree) / len(agree):6.3f}  "
            + "  ".join(f"{sum(v) / len(v):14.3f}" for v in per.values())
            + f"   ({seconds:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
