"""Speed and memory of ``smclass classify`` beside fastText, on posts shaped like real ones.

Builds an input of N posts (the texts of ../shared/corpus/raw when it exists, cycled to N;
else the written corpus in data/), then measures, through the installed command:

- posts/s of ``smclass classify INPUT -o OUT`` (JSON lines in and out): the default (``--jobs
  auto``), --jobs 1 and --jobs 2, and the output of each checked against --jobs 1;
- fastText ``predict`` on the same posts in the same run, JSON lines in and out, and the ratios;
  --repeat N runs --jobs 1 and fastText N times in a row and prints each ratio;
- the IO floor: reading the same JSON lines and writing one small JSON line per post in Python
  (orjson), with no classifying: what any Python tool pays before it does any work;
- peak RSS of the classify process (and of the largest worker with --jobs), and for one
  post of several million characters;
- start-up: ``smclass --help`` and classifying one post, end to end;
- training the default model from data/ (with its 5-fold cross-validation);
- Dask: a LocalCluster of 1 and then 2 worker processes (one thread each) runs ``classify
  --engine dask`` over one big JSON-lines file, split into byte ranges; posts/s for each, the
  scaling ratio, and a check that the parts concatenate to the single-process output. The
  cluster is started before the clock starts (a real cluster is already running).

Run:  python benchmarks/throughput.py [--posts 200000] [--repeat 3] [--skip-train] [--skip-dask]
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


def io_floor(posts: Path, out: Path) -> float:
    """Posts/s of reading the JSON lines and writing one small line per post, in Python, no model."""
    import orjson

    start = time.perf_counter()
    count = 0
    with posts.open("rb") as source, out.open("wb") as sink:
        for line in source:
            record = orjson.loads(line)
            sink.write(orjson.dumps({"id": record["id"], "source": "posts.jsonl", "label": "Media", "confidence": 0.5}) + b"\n")
            count += 1
    return count / (time.perf_counter() - start)


def dask_rows(smclass: list[str], posts: Path, work: Path, count: int, single: bytes) -> list[tuple[str, str]]:
    """``--engine dask`` on a LocalCluster of 1 and 2 worker processes over one big JSON-lines file."""
    try:
        from distributed import LocalCluster
    except ImportError:
        return [("Dask", "not installed (pip install -e '.[dask]')")]
    rows: list[tuple[str, str]] = []
    rates: dict[int, float] = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            folder = work / f"dask{workers}"
            command = [*smclass, "classify", str(posts), "--engine", "dask", "--scheduler", cluster.scheduler_address]
            seconds, _ = timed([*command, "-o", str(folder), "-q"])
        rates[workers] = count / seconds
        parts = sorted(p for p in folder.glob("part-*.jsonl") if ".rejects" not in p.name)
        same = b"".join(p.read_bytes() for p in parts) == single
        figures = f"{rates[workers]:,.0f} posts/s ({seconds:.1f} s), {len(parts)} parts, equal to one process: {same}"
        rows.append((f"Dask LocalCluster, {workers} worker{'s' if workers > 1 else ''}", figures))
        print(*rows[-1], flush=True)
    rows.append(("Dask scaling, 2 workers / 1", f"{rates[2] / rates[1]:.2f}"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of --jobs 1 against fastText, one after another")
    parser.add_argument("--skip-train", action="store_true", help="leave out the training-time figure")
    parser.add_argument("--skip-dask", action="store_true", help="leave out the Dask section")
    args = parser.parse_args()
    smclass = smclass_command()
    texts, where = source_texts()
    rows: list[tuple[str, str]] = []

    def row(name: str, value: str) -> None:
        rows.append((name, value))
        print(name, value, flush=True)

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        posts = work / "posts.jsonl"
        write_input(posts, texts, args.posts)
        size_mb = posts.stat().st_size / 1e6
        print(f"input: {args.posts} posts, {size_mb:.0f} MB of JSON lines, texts from {where}", flush=True)

        def classify(name: str, *options: str) -> float:
            seconds, rss = timed([*smclass, "classify", str(posts), "-o", str(work / name), "-q", *options])
            figures = f"{args.posts / seconds:,.0f} posts/s ({seconds:.1f} s), peak RSS {rss} MiB per process"
            row(f"smclass classify {' '.join(options) or '(default: --jobs auto)'}", figures)
            return args.posts / seconds

        default = classify("default.jsonl")
        one = classify("out1.jsonl", "--jobs", "1")
        two = classify("out2.jsonl", "--jobs", "2")
        single = (work / "out1.jsonl").read_bytes()
        same = [(work / name).read_bytes() == single for name in ("default.jsonl", "out2.jsonl")]
        lines = single.count(b"\n")
        row("output check", f"{lines} lines; default and --jobs 2 identical to --jobs 1: {same[0]}, {same[1]}")

        floor = io_floor(posts, work / "floor.jsonl")
        row("IO floor (orjson read + write, no model)", f"{floor:,.0f} posts/s")

        from smclass.model import dataset

        train = dataset.read_labelled([str(ROOT / "data" / "corpus")])
        fasttext = fasttext_run(posts, work / "ft.jsonl", train.texts, train.labels)
        if fasttext is None:
            row("fastText predict", "not installed (pip install -e '.[bench]')")
        else:
            ft_rate = fasttext[0]
            row("fastText predict (1 thread)", f"{ft_rate:,.0f} posts/s")
            row("ratio smclass default / fastText", f"{default / ft_rate:.2f}")
            row("ratio smclass --jobs 2 / fastText", f"{two / ft_rate:.2f}")
            ratios = [one / ft_rate]
            for _ in range(args.repeat - 1):
                seconds, _ = timed([*smclass, "classify", str(posts), "-o", str(work / "again.jsonl"), "-q", "--jobs", "1"])
                again = fasttext_run(posts, work / "ft.jsonl", train.texts, train.labels)
                assert again is not None
                ratios.append(args.posts / seconds / again[0])
            row(f"ratio smclass --jobs 1 / fastText, {len(ratios)} runs in a row", ", ".join(f"{r:.2f}" for r in ratios))
        row("ratio smclass --jobs 1 / IO floor", f"{one / floor:.2f}")
        quality = dev_scores(fasttext[1] if fasttext else None)
        if quality:
            row("dev macro-F1 (same training data)", quality)

        # One very long post (an email thread or a book pasted whole): memory must not follow it.
        huge = work / "huge.jsonl"
        long_text = " ".join(itertools.islice(itertools.cycle(texts), 40_000))
        huge.write_text(json.dumps({"id": 1, "text": long_text}, ensure_ascii=False) + "\n", encoding="utf-8")
        seconds, rss = timed([*smclass, "classify", str(huge), "-q"])
        row(f"one post of {len(long_text) / 1e6:.1f}M characters", f"{seconds:.1f} s, peak RSS {rss} MiB")

        helps = [timed([*smclass, "--help"])[0] for _ in range(5)]
        row("start-up: smclass --help", f"{statistics.median(helps):.2f} s (median of 5)")
        single_post = work / "one.jsonl"
        single_post.write_text('{"id": 1, "text": "@NorthRail my train is late again"}\n', encoding="utf-8")
        singles = [timed([*smclass, "classify", str(single_post), "-q"])[0] for _ in range(3)]
        row("start-up: classify one post", f"{statistics.median(singles):.2f} s (median of 3)")
        if not args.skip_train:
            seconds, rss = timed([*smclass, "train", str(ROOT / "data" / "corpus"), "--out", str(work / "m.npz"), "-q"])
            row("train the default model (5-fold CV + fit)", f"{seconds:.1f} s, peak RSS {rss} MiB")
        if not args.skip_dask:
            for name, value in dask_rows(smclass, posts, work, args.posts, single):
                rows.append((name, value))

    print()
    print("| measure | result |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
