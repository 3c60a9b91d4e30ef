"""A temporary file that cannot be written (a full TMPDIR): one error line and exit 1, never an
internal error nor a silently short output.

``ulimit -f`` stands in for a full disk: past it a write fails (Python ignores SIGXFSZ), and
the pipes smclass reads and writes are not bound by it.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from smclass.errors import TemporaryFileError

# Blocks of 1,024 bytes: far below what the inputs below make smclass spill.
LIMIT_KB = 256
BIG = 17 << 20  # past lines.RECORD_LIMIT


def _run(tmp_path: Path, args: list[str], stdin: str = "", setup: str = "pass") -> subprocess.CompletedProcess[bytes]:
    script = f"import sys; {setup}; from smclass.cli import main; sys.argv = ['smclass', *{args!r}]; main()"
    command = f"ulimit -f {LIMIT_KB}; {stdin} {shlex.quote(sys.executable)} -c {shlex.quote(script)}"
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "HOME": str(tmp_path)}
    return subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, timeout=300)


def _expect_one_error(done: subprocess.CompletedProcess[bytes], tmp_path: Path) -> None:
    assert done.returncode == 1, done.stderr
    assert (
        done.stderr.decode() == f"Error: cannot write a temporary file in {tmp_path} (File too large): set TMPDIR to a folder with room\n"
    )


def test_csv_rows_waiting_for_their_columns(tmp_path: Path, small_model_path: Path) -> None:
    rows = "".join(
        json.dumps({"id": i, "text": f"post number {i} about our new product", f"extra{i % 50}": "x" * 200}) + "\n" for i in range(4000)
    )
    (tmp_path / "posts.jsonl").write_text(rows, encoding="utf-8")
    setup = "from smclass.run import output; output.SPOOL_MEMORY = 1000"
    done = _run(tmp_path, ["classify", "posts.jsonl", "-m", str(small_model_path), "--format", "csv", "--keep-fields", "-q"], setup=setup)
    _expect_one_error(done, tmp_path)
    assert done.stdout == b""  # no header and part of the rows: nothing


def test_a_piped_parquet_copied_to_disk(tmp_path: Path, small_model_path: Path) -> None:
    pyarrow = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    texts = [f"post {i} with words {i * 7919} that do not compress" for i in range(40_000)]
    pq.write_table(pyarrow.table({"id": list(range(len(texts))), "text": texts}), tmp_path / "p.parquet", compression="none")
    assert (tmp_path / "p.parquet").stat().st_size > LIMIT_KB << 10
    done = _run(tmp_path, ["classify", "-", "-m", str(small_model_path), "-q"], stdin="cat p.parquet |")
    _expect_one_error(done, tmp_path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("long.jsonl", '{"id": 1, "text": "hi"}\n{"id": 2, "text": "' + "x" * BIG + '"}\n'),
        ("long.json", '[{"id": 1, "text": "hi"}, {"id": 2, "text": "' + "x" * BIG + '"}, {"id": 3, "text": "ok"}]'),
    ],
)
def test_an_overlong_record_spilled_to_disk(tmp_path: Path, small_model_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    done = _run(tmp_path, ["classify", name, "-m", str(small_model_path), "--on-error", "skip", "-q"])
    _expect_one_error(done, tmp_path)


def test_the_advice_fits_the_failure() -> None:
    assert str(TemporaryFileError("/t", OSError(28, "No space left on device"))).endswith(
        "(No space left on device): set TMPDIR to a folder with room"
    )
    assert str(TemporaryFileError("/t", OSError(13, "Permission denied"))).endswith("set TMPDIR to a folder smclass may write to")
