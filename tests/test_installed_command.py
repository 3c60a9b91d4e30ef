from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def smclass_command() -> list[str]:
    exe = Path(sys.executable).with_name("smclass")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("smclass")
    if found is None:
        pytest.fail("the smclass command is not installed: run pip install -e '.[dev]'")
    return [found]


def test_installed_command_classifies_json_lines_from_stdin(fixtures: Path, small_model_path: Path) -> None:
    data = (fixtures / "posts.jsonl").read_bytes()
    done = subprocess.run(
        [*smclass_command(), "classify", "-", "--model", str(small_model_path)], input=data, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["id"] for r in out] == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert b"Traceback" not in done.stderr


def test_installed_command_classifies_the_sample_with_the_bundled_model() -> None:
    root = Path(__file__).resolve().parents[1]
    sample = root / "data" / "sample_posts.jsonl"
    done = subprocess.run([*smclass_command(), "classify", str(sample)], capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    ids = [json.loads(line)["id"] for line in sample.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [r["id"] for r in out] == ids
    assert all(r["label"] is not None for r in out)


def test_installed_command_stops_quietly_when_the_reader_goes_away(tmp_path: Path, small_model_path: Path) -> None:
    posts = tmp_path / "many.jsonl"
    posts.write_text("".join(json.dumps({"id": i, "text": f"post {i} about my day"}) + "\n" for i in range(20000)))
    command = " ".join([*smclass_command(), "classify", str(posts), "-q", "--model", str(small_model_path)])
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {command} | head -1"], capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    assert len(done.stdout.splitlines()) == 1


def test_sample_command_pipes_the_bundled_posts_into_classify() -> None:
    command = " ".join([*smclass_command(), "sample", "|", *smclass_command(), "classify", "-q"])
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(out) == 50 and all(r["label"] is not None for r in out)


def test_wheel_carries_the_models_the_sample_and_the_corpus_compressed(tmp_path: Path) -> None:
    import zipfile

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(root)],
        capture_output=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    (wheel,) = tmp_path.glob("smclass-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"smclass/_data/sample_posts.jsonl.gz", "smclass/_data/corpus.jsonl.gz", "smclass/_model/smclass-default.npz"} <= names
    # Every file smclass guards as its own and reads from models/ (minilm-l6-w8.json had been left out).
    from smclass.model.files import shipped_files

    models = {f"smclass/_model/{path.name}" for path in shipped_files() if path.parent == root / "models"}
    assert len(models) == 7 and models <= names
    assert any(name.endswith("/licenses/LICENSE") for name in names) and any(name.endswith("/licenses/NOTICE") for name in names)
    import gzip

    corpus = gzip.decompress(zipfile.ZipFile(wheel).read("smclass/_data/corpus.jsonl.gz")).decode().splitlines()
    written = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in (root / "data" / "corpus").glob("*.jsonl"))
    assert len(corpus) == written
    assert all(json.loads(line)["label"] for line in corpus)


@pytest.mark.parametrize(
    "args", [["evaluate", "{labelled}", "-q", "--model", "{model}"], ["info", "--model", "{model}"], ["labels"], ["sample"]]
)
def test_every_command_ends_quietly_when_its_reader_is_gone(fixtures: Path, small_model_path: Path, args: list[str]) -> None:
    filled = [a.format(labelled=fixtures / "labelled.jsonl", model=small_model_path) for a in args]
    # `true` reads nothing and exits at once: every write meets a closed pipe.
    command = " ".join([*smclass_command(), *filled])
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {command} | true"], capture_output=True, timeout=300, check=False)
    assert (done.returncode, done.stderr) == (0, b"")


def test_the_first_command_the_help_starts_with_runs_outside_a_checkout(tmp_path: Path) -> None:
    # A pip install has no data/ beside it: the help's first command is what a new user types, wherever they are.
    shown = subprocess.run([*smclass_command(), "--help"], capture_output=True, timeout=120, check=False).stdout.decode()
    first = shown.split("Start with:\n", 1)[1].splitlines()[0].strip()
    bin_dir = str(Path(smclass_command()[0]).parent)
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; PATH={bin_dir}:$PATH; {first} -q"], cwd=tmp_path, capture_output=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{first}: {done.stderr.decode()}"
    assert len(done.stdout.decode().splitlines()) == 50
