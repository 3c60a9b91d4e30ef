"""A standard stream the shell closed (``<&-``, ``>&-``, ``2>&-``): one error line or none, never a traceback."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import corpus_rows, stratified_slice

SMCLASS = f"{shlex.quote(sys.executable)} -m smclass"


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` run by bash, so ``<&-`` and friends close the descriptor itself, not a pipe."""
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def posts(tmp_path: Path, fixtures: Path) -> Path:
    path = tmp_path / "posts.jsonl"
    path.write_bytes((fixtures / "posts.jsonl").read_bytes())
    return path


def _count(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def test_a_closed_stderr_neither_stops_nor_shortens_a_run(posts: Path, small_model_path: Path) -> None:
    out = posts.parent / "out.jsonl"
    done = shell(f"{SMCLASS} classify posts.jsonl -m {small_model_path} -o out.jsonl 2>&-", posts.parent)
    assert done.returncode == 0
    assert _count(out) == _count(posts)


def test_a_closed_stderr_still_writes_every_result_to_stdout(posts: Path, small_model_path: Path) -> None:
    done = shell(f"{SMCLASS} classify posts.jsonl -m {small_model_path} 2>&-", posts.parent)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == _count(posts)


def test_a_closed_stderr_still_lets_train_write_its_model(tmp_path: Path) -> None:
    rows = stratified_slice(corpus_rows(), 10)
    (tmp_path / "labelled.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    done = shell(f"{SMCLASS} train labelled.jsonl --out m.npz --cv 0 2>&-", tmp_path)
    assert done.returncode == 0
    assert (tmp_path / "m.npz").is_file()


@pytest.mark.parametrize("command", ["classify -", "audit", "train --out m.npz -"])
def test_a_closed_stdin_is_one_error_line(command: str, tmp_path: Path) -> None:
    done = shell(f"{SMCLASS} {command} <&-", tmp_path)
    assert (done.returncode, done.stderr) == (1, "Error: <stdin>: standard input is closed\n")
    assert not (tmp_path / "m.npz").exists()


def test_a_closed_stdin_does_not_matter_when_a_file_is_read(posts: Path, small_model_path: Path) -> None:
    done = shell(f"{SMCLASS} classify posts.jsonl -m {small_model_path} -q <&-", posts.parent)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == _count(posts)


@pytest.mark.parametrize("command", ["classify posts.jsonl -q", "classify posts.jsonl -q --format table", "sample"])
def test_a_closed_stdout_is_one_error_line_when_results_go_there(command: str, posts: Path, small_model_path: Path) -> None:
    model = f" -m {small_model_path}" if command.startswith("classify") else ""
    done = shell(f"{SMCLASS} {command}{model} >&-", posts.parent)
    assert (done.returncode, done.stderr) == (1, "Error: stdout is closed: nowhere to write the results\n")


def test_a_closed_stdout_does_not_matter_with_an_output_file(posts: Path, small_model_path: Path) -> None:
    done = shell(f"{SMCLASS} classify posts.jsonl -m {small_model_path} -q -o out.jsonl >&-", posts.parent)
    assert (done.returncode, done.stderr) == (0, "")
    assert _count(posts.parent / "out.jsonl") == _count(posts)


def test_a_file_opened_with_stderr_closed_does_not_take_its_descriptor(posts: Path, small_model_path: Path) -> None:
    # Were fd 2 left free, the -o temporary would take it and a library's or a worker's
    # stderr would write into the results.
    script = (
        "import os, sys; from smclass.cli import closed_streams; closed_streams.guard(); "
        "f = open('probe', 'w'); print(f.fileno(), file=sys.__stdout__ or open(3, 'w'))"
    )
    done = shell(f"{shlex.quote(sys.executable)} -c {shlex.quote(script)} 2>&-", posts.parent)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 2


@pytest.mark.parametrize(("output", "closing"), [("/dev/stdout", ">&-"), ("/dev/fd/1", ">&-"), ("/dev/stderr", "2>&-")])
def test_results_sent_to_a_closed_stream_by_name_are_an_error_not_lost(
    output: str, closing: str, posts: Path, small_model_path: Path
) -> None:
    done = shell(f"{SMCLASS} classify posts.jsonl -m {small_model_path} -q -o {output} {closing}", posts.parent)
    assert done.returncode == 1
    if closing == ">&-":
        assert done.stderr == f"Error: {output}: cannot write (Bad file descriptor)\n"


@pytest.mark.parametrize("args", ["--help", "--version", "classify --help"])
def test_help_and_version_to_a_full_disk_are_the_error_every_command_gives(args: str, tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    done = shell(f"{SMCLASS} {args} > /dev/full", tmp_path)
    assert (done.returncode, done.stderr) == (1, "Error: stdout: cannot write (No space left on device)\n")


@pytest.mark.parametrize(
    ("rejects", "said"),
    [
        ("--rejects r.jsonl", "stdout was closed: r.jsonl was not written (it is written only when the run completes)"),
        ("", "stdout was closed; 1 unreadable record skipped before"),
    ],
)
def test_a_reader_that_goes_away_still_hears_what_the_run_dropped(small_model_path: Path, tmp_path: Path, rejects: str, said: str) -> None:
    lines = ["not json at all"] + [json.dumps({"id": i, "text": f"we met the team about order {i}"}) for i in range(30000)]
    (tmp_path / "b.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "r.jsonl").write_text("an earlier run's rejects\n")
    run = f"{SMCLASS} classify b.jsonl -m {small_model_path} -q --jobs 1 --on-error skip {rejects}"
    done = shell(f"{run} | head -2 > /dev/null; exit ${{PIPESTATUS[0]}}", tmp_path)
    assert done.returncode == 0
    assert done.stderr.splitlines() == [said]
    assert (tmp_path / "r.jsonl").read_text() == "an earlier run's rejects\n"


def test_results_named_as_dev_stdout_end_as_quietly_as_stdout_when_the_reader_goes(small_model_path: Path, tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"we met the team about order {i}"}) for i in range(30000)]
    (tmp_path / "p.jsonl").write_text("\n".join(lines) + "\n")
    run = f"{SMCLASS} classify p.jsonl -m {small_model_path} -q --jobs 1 -o /dev/stdout"
    done = shell(f"{run} | head -2 > /dev/null; exit ${{PIPESTATUS[0]}}", tmp_path)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_pipe_named_twice_as_dash_and_dev_stdin_is_refused(small_model_path: Path, tmp_path: Path) -> None:
    # The second name had been read as an empty input, with a note, where "- -" was refused.
    done = shell(f'echo \'{{"text": "hi there"}}\' | {SMCLASS} classify - /dev/stdin -m {small_model_path} -q', tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "Error: stdin and /dev/stdin are the same pipe: a pipe is read once\n"
