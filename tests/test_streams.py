"""stdout and stderr: only a closed results stream ends a run; whatever happens, one line on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()
SMCLASS = [sys.executable, "-m", "smclass"]


def many_posts(path: Path, n: int = 20000) -> Path:
    """``n`` lines, every third one not JSON: 2/3 results, 1/3 rejects with --on-error skip."""
    lines = [json.dumps({"id": i, "text": f"post {i} about my day"}) if i % 3 != 1 else "{not json" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_closed_stderr_does_not_stop_or_shorten_the_run(tmp_path: Path, small_model_path: Path) -> None:
    posts = many_posts(tmp_path / "big.jsonl")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    command = [*SMCLASS, "classify", str(posts), "-o", str(out), "--on-error", "skip", "--rejects", str(rejects)]
    command += ["--model", str(small_model_path)]
    # The shape of `smclass ... 2>&1 | head -1`: the reader of stderr leaves after the first note.
    done = subprocess.run(
        ["bash", "-c", "set -o pipefail; " + " ".join(command) + " 2>&1 | head -1"], capture_output=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout
    assert len(done.stdout.splitlines()) == 1
    assert len(out.read_text().splitlines()) == 13333
    assert len(rejects.read_text().splitlines()) == 6667


def test_a_stderr_closed_before_the_first_note_loses_nothing(tmp_path: Path, small_model_path: Path) -> None:
    posts = many_posts(tmp_path / "big.jsonl", 3000)
    command = [*SMCLASS, "classify", str(posts), "--on-error", "skip", "--model", str(small_model_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        process.stderr.close()
        stdout, _ = process.communicate(timeout=300)
    assert process.returncode == 0
    assert len(stdout.splitlines()) == 2000


def test_notes_to_a_closed_stderr_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    app_module = importlib.import_module("smclass.cli.app")
    calls = []

    def broken(message: str, err: bool = False) -> None:
        calls.append(message)
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(app_module.typer, "echo", broken)
    monkeypatch.setattr(app_module, "_stderr_gone", False)
    monkeypatch.setattr(os, "dup2", lambda *args: None)  # leave this test process's stderr alone
    app_module._note("first")
    app_module._note("second")
    app_module._error("third")
    assert calls == ["first"]


def test_an_unexpected_exception_is_one_line_asking_for_a_report(
    fixtures: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smclass.run import stream

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something nobody foresaw\nover two lines")

    monkeypatch.setattr(stream, "classify_paths_in_batches", broken)
    monkeypatch.delenv("SMCLASS_DEBUG", raising=False)
    result = runner.invoke(app, ["classify", str(fixtures / "posts.jsonl"), "--model", str(small_model_path), "-q"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: internal error in 'smclass classify': RuntimeError: something nobody foresaw over two lines "
        "— please report it (set SMCLASS_DEBUG=1 for the traceback)\n"
    )
    monkeypatch.setenv("SMCLASS_DEBUG", "1")
    debug = runner.invoke(app, ["classify", str(fixtures / "posts.jsonl"), "--model", str(small_model_path), "-q"])
    assert debug.exit_code == 1
    assert debug.stderr.startswith("Traceback (most recent call last):")
    assert debug.stderr.splitlines()[-1].startswith("Error: internal error in 'smclass classify': RuntimeError")


def test_file_names_that_are_not_utf8_are_written_as_escapes(tmp_path: Path, fixtures: Path, small_model_path: Path) -> None:
    odd = os.fsencode(tmp_path) + b"/caf\xe9.jsonl"
    with open(odd, "wb") as handle:
        handle.write((fixtures / "posts.jsonl").read_bytes())
    plain = str(fixtures / "posts.jsonl").encode()
    escaped = f"{tmp_path}/caf\\xe9.jsonl"
    for fmt in ("jsonl", "csv", "table"):
        done = subprocess.run(
            [*SMCLASS, "classify", odd, plain, "--format", fmt, "--model", str(small_model_path)],
            capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        assert f"{escaped}: read as jsonl".encode() in done.stderr
        if fmt == "jsonl":
            assert json.loads(done.stdout.splitlines()[0])["source"] == escaped
    missing = subprocess.run([*SMCLASS, "classify", odd + b".gone"], capture_output=True, timeout=120, check=False)
    assert missing.returncode == 1
    assert missing.stderr == f"Error: {escaped}.gone: no such file\n".encode()
    out = os.fsencode(tmp_path) + b"/out\xff.jsonl"
    command = [*SMCLASS, "classify", odd, "-o", out, "-q", "--model", str(small_model_path)]
    written = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert written.returncode == 0 and written.stderr == b""
    assert len(Path(os.fsdecode(out)).read_text().splitlines()) == 6
