"""Speed and memory of ``smclass classify`` beside fastText, on posts shaped like real ones.

Builds an input of N posts (the texts of ../shared/corpus/raw when it exists, cycled to N;
else the written corpus in data/), then measures, through the installed command:

- posts/s of ``smclass classify INPUT -o OUT`` (JSON lines in and out), with --jobs 1 and 2;
- fastText ``predict`` on the same posts in the same run, JSON lines in and out, and the ratio;
- peak RSS of the classify process (and of the largest worker with --jobs), and for one
  post of several million characters;
- start-up: ``smclass --help`` and classifying one post, end to end;
- training the default model from data/ (with its 5-fold cross-validation).

Run:  python benchmarks/throughput.py [--posts 200000] [--skip-train]
fastText comes from the optional extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "corpus" / "raw"

# Runs a command and prints the peak RSS (KiB) of the largest process in its tree.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)


def smclass_command() -> list[str]:
    exe = Path(sys.executable).with_name("smclass")
    return [str(exe)] if exe.exists() else [shutil.which("smclass") or "smclass"]


def source_texts() -> tuple[list[str], str]:
    if RAW.is_dir():
        texts = []
        for path in sorted(RAW.glob("*.jsonl")):
            with path.open(encoding="utf-8") as handle:
                texts.extend(json.loads(line)["text"] for line in handle if line.strip())
        return texts, f"{RAW} ({len(texts)} real posts)"
    texts = []
    for path in sorted((ROOT / "data" / "corpus").glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle if line.strip())
    return texts, f"data/corpus ({len(texts)} written posts; ../shared/corpus/raw not found)"


def write_input(path: Path, texts: list[str], n: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i, text in zip(range(n), itertools.cycle(texts), strict=False):
            handle.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS in MiB of one command."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    rss_kib, code = done.stdout.split()
    if code != "0":
        raise SystemExit(f"command failed ({code}): {' '.join(cmd)}")
    return seconds, int(rss_kib) // 1024


def fasttext_run(texts_path: Path, out_path: Path, train_texts: list[str], train_labels: list[str]) -> tuple[float, Any] | None:
    """fastText trained on data/, then predict over the same JSON lines; returns posts/s and the model."""
    try:
        import fasttext
        import orjson
    except ImportError:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        for text, label in zip(train_texts, train_labels, strict=True):
            handle.write(f"__label__{label} {' '.join(text.lower().split())}\n")
    model = fasttext.train_supervised(handle.name, epoch=25, wordNgrams=2, dim=50, verbose=0, thread=1)
    os.unlink(handle.name)
    start = time.perf_counter()
    count = 0
    with texts_path.open("rb") as source, out_path.open("wb") as sink:
        while True:
            lines = list(itertools.islice(source, 4096))
            if not lines:
                break
            records = [orjson.loads(line) for line in lines]
            labels, probs = model.predict([" ".join(r["text"].lower().split()) for r in records])
            for record, label, prob in zip(records, labels, probs, strict=True):
                sink.write(orjson.dumps({"id": record["id"], "label": label[0][9:], "confidence": float(prob[0])}) + b"\n")
            count += len(records)
    return count / (time.perf_counter() - start), model


def dev_scores(fasttext_model: Any) -> str | None:
    """Macro-F1 on ../shared/eval/dev.jsonl of the bundled model and of the fastText model, when the file exists."""
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    if not dev.is_file():
        return None
    from smclass.model import dataset
    from smclass.model import evaluation as evaluate
    from smclass.model import files as model_lib

    posts = dataset.read_labelled([str(dev)])
    ours = evaluate.evaluate(model_lib.load(), posts.texts, posts.labels)["macro_f1"]
    text = f"smclass {ours:.3f}"
    if fasttext_model is not None:
        labels, _ = fasttext_model.predict([" ".join(t.lower().split()) for t in posts.texts])
        theirs = evaluate.score(posts.labels, [label[0][9:] for label in labels])["macro_f1"]
        text += f", fastText {theirs:.3f}"
    return f"{text} ({len(posts.texts)} real posts)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--skip-train", action="store_true", help="leave out the training-time figure")
    args = parser.parse_args()
    smclass = smclass_command()
    texts, where = source_texts()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        posts = work / "posts.jsonl"
        write_input(posts, texts, args.posts)
        size_mb = posts.stat().st_size / 1e6
        print(f"input: {args.posts} posts, {size_mb:.0f} MB of JSON lines, texts from {where}", flush=True)

        rates = {}
        for jobs in (1, 2):
            seconds, rss = timed([*smclass, "classify", str(posts), "-o", str(work / f"out{jobs}.jsonl"), "-q", "--jobs", str(jobs)])
            rates[jobs] = args.posts / seconds
            figures = f"{rates[jobs]:,.0f} posts/s ({seconds:.1f} s), peak RSS {rss} MiB per process"
            rows.append((f"smclass classify --jobs {jobs}", figures))
            print(rows[-1][0], rows[-1][1], flush=True)
        lines_1 = (work / "out1.jsonl").read_bytes().count(b"\n")
        same = (work / "out1.jsonl").read_bytes() == (work / "out2.jsonl").read_bytes()
        rows.append(("output check", f"{lines_1} lines; --jobs 2 output identical to --jobs 1: {same}"))

        from smclass.model import dataset

        train = dataset.read_labelled([str(ROOT / "data" / "corpus")])
        fasttext = fasttext_run(posts, work / "ft.jsonl", train.texts, train.labels)
        if fasttext is None:
            rows.append(("fastText predict", "not installed (pip install -e '.[bench]')"))
        else:
            ft_rate = fasttext[0]
            rows.append(("fastText predict (1 thread)", f"{ft_rate:,.0f} posts/s"))
            rows.append(("ratio smclass --jobs 1 / fastText", f"{rates[1] / ft_rate:.2f}"))
            rows.append(("ratio smclass --jobs 2 / fastText", f"{rates[2] / ft_rate:.2f}"))
        print(*rows[-1], flush=True)
        quality = dev_scores(fasttext[1] if fasttext else None)
        if quality:
            rows.append(("dev macro-F1 (same training data)", quality))

        # One very long post (an email thread or a book pasted whole): memory must not follow it.
        huge = work / "huge.jsonl"
        long_text = " ".join(itertools.islice(itertools.cycle(texts), 40_000))
        huge.write_text(json.dumps({"id": 1, "text": long_text}, ensure_ascii=False) + "\n", encoding="utf-8")
        seconds, rss = timed([*smclass, "classify", str(huge), "-q"])
        rows.append((f"one post of {len(long_text) / 1e6:.1f}M characters", f"{seconds:.1f} s, peak RSS {rss} MiB"))
        print(*rows[-1], flush=True)

        helps = [timed([*smclass, "--help"])[0] for _ in range(5)]
        rows.append(("start-up: smclass --help", f"{statistics.median(helps):.2f} s (median of 5)"))
        one = work / "one.jsonl"
        one.write_text('{"id": 1, "text": "@NorthRail my train is late again"}\n', encoding="utf-8")
        singles = [timed([*smclass, "classify", str(one), "-q"])[0] for _ in range(3)]
        rows.append(("start-up: classify one post", f"{statistics.median(singles):.2f} s (median of 3)"))
        if not args.skip_train:
            seconds, rss = timed([*smclass, "train", str(ROOT / "data" / "corpus"), "--out", str(work / "m.npz"), "-q"])
            rows.append(("train the default model (5-fold CV + fit)", f"{seconds:.1f} s, peak RSS {rss} MiB"))

    print()
    print("| measure | result |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
