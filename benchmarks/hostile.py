"""Time and peak memory of smclass on inputs built to make memory or time follow the input.

Each case writes its input to a temporary folder, runs the installed ``smclass`` command on
it (results to /dev/null) and prints the exit code, the seconds and the peak RSS of that run:

- ``evaluate`` on 1,000 labelled posts of about 245 KB each (batches bounded by size);
- ``classify --keep-fields`` on 2,000 short posts each carrying a 300 KB field;
- ``classify`` on a CSV whose header has 200,000 columns over 3,000 short rows;
- ``classify`` on a JSON object of 3 million posts keyed by id (refused past 64 MiB of members);
- ``classify --format table`` on a post whose id is 2 million characters.

    python benchmarks/hostile.py [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SENTENCE = "the council meeting ran late and the new bus route was approved after a long debate about parking"
WORDS = SENTENCE.split()


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def long_labelled(path: Path) -> list[str]:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as out:
        for i in range(1000):
            out.write(json.dumps({"id": i, "text": _words(rng, 45_000), "label": "Media"}) + "\n")
    return ["evaluate", str(path), "--json", "-q"]


def large_fields(path: Path) -> list[str]:
    attachment = "A" * 300_000
    with path.open("w", encoding="utf-8") as out:
        for i in range(2000):
            out.write(json.dumps({"id": i, "text": f"the ferry is late again, day {i}", "attachment": attachment}) + "\n")
    return ["classify", str(path), "--keep-fields", "-q"]


def wide_csv(path: Path) -> list[str]:
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(["text", *(f"c{i}" for i in range(200_000))]) + "\n")
        for i in range(3000):
            out.write(f"the ferry is late again today number {i},x\n")
    return ["classify", str(path), "-q"]


def keyed_object(path: Path) -> list[str]:
    with path.open("w", encoding="utf-8") as out:
        out.write("{")
        out.write(",".join(f'"k{i}": {{"text": "our street party is on sunday {i}"}}' for i in range(3_000_000)))
        out.write("}")
    return ["classify", str(path), "-q"]


def long_id_table(path: Path) -> list[str]:
    path.write_text(json.dumps({"id": "x" * 2_000_000, "text": "the ferry is late"}) + "\n", encoding="utf-8")
    return ["classify", str(path), "--format", "table", "-q"]


CASES: dict[str, tuple[str, Callable[[Path], list[str]]]] = {
    "long-posts-evaluate": ("posts.jsonl", long_labelled),
    "large-fields-keep": ("posts.jsonl", large_fields),
    "wide-csv": ("wide.csv", wide_csv),
    "keyed-object": ("keyed.json", keyed_object),
    "long-id-table": ("long.jsonl", long_id_table),
}

# Runs one command and prints its exit code and its peak RSS in KiB: RUSAGE_CHILDREN of a fresh
# process holds that one command's peak, not the largest of every case run before it.
_MEASURE = (
    "import resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run(command: list[str]) -> tuple[int, float, int]:
    start = time.perf_counter()
    measured = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True)
    code, peak = measured.stdout.split()
    return int(code), time.perf_counter() - start, int(peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(CASES))
    args = parser.parse_args()
    smclass = str(Path(sys.executable).with_name("smclass"))
    print(f"{'case':<22} {'input':>10} {'exit':>5} {'seconds':>8} {'peak RSS':>10}")
    for name, (file_name, build) in CASES.items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / file_name
            command = build(path)
            size = path.stat().st_size
            code, seconds, peak = run([smclass, *command])
            print(f"{name:<22} {size / 2**20:>7.0f} MB {code:>5} {seconds:>8.1f} {peak / 1024:>7.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
