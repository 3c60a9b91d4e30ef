"""Ctrl-C during ``--jobs N``: the terminal signals the whole process group, workers too; only the
parent speaks ("stopped early ..."), never a worker's traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")


@pytest.fixture(scope="module")
def many_posts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signals") / "many.jsonl"
    words = ["deal", "shoes", "call", "me", "tomorrow", "storm", "hits", "the", "city", "our", "company", "announces", "thanks"]
    with path.open("w", encoding="utf-8") as handle:
        for i in range(300_000):
            handle.write(json.dumps({"id": i, "text": " ".join(words[(i + k) % len(words)] for k in range(8))}) + "\n")
    return path


def _workers(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in children]


@pytest.mark.parametrize("after", [0.05, 0.3])
@pytest.mark.parametrize(("stop", "code"), [("SIGINT", 130), ("SIGHUP", 129)])
def test_ctrl_c_or_a_hangup_to_the_group_stops_the_run_with_one_line(
    many_posts: Path, small_model_path: Path, after: float, stop: str, code: int
) -> None:
    # A closed terminal sends SIGHUP to the group: before, Python's resource tracker died of it and its
    # successor wrote five tracebacks (KeyError: '/mp-...') under the "stopped early" line.
    command = [sys.executable, "-m", "smclass", "classify", str(many_posts), "-m", str(small_model_path), "--jobs", "2"]
    # A session of its own: the signal goes to its group, as a terminal's Ctrl-C does.
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        # Wait for the pool: the spawned workers and the resource tracker.
        while len(_workers(run.pid)) < 3 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if run.poll() is not None or not Path(f"/proc/{run.pid}").exists():
            pytest.skip("no /proc to see the workers start, or the run ended first")
        time.sleep(after)
        os.killpg(run.pid, getattr(signal, stop))
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    lines = err.decode().splitlines()
    assert run.returncode == code, lines
    assert [line for line in lines if not line.startswith(("stopped early: ", f"{many_posts}: read as"))] == []
    assert any(line.startswith("stopped early: ") for line in lines)


def test_stopping_the_workers_ends_their_tasks_instead_of_waiting_for_them() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from smclass.run.parallel import stop_workers

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        running = pool.submit(time.sleep, 120)
        queued = pool.submit(time.sleep, 120)
        while not running.running():
            time.sleep(0.05)
        stop_workers(pool)
    # Left to finish, the first task would return None after two minutes.
    with pytest.raises(BrokenProcessPool):
        running.result()
    assert queued.cancelled() or isinstance(queued.exception(), BrokenProcessPool)


_HALF_A_RESULT = """
import multiprocessing, os, struct, sys, time
from concurrent.futures import ProcessPoolExecutor
from smclass.run.parallel import stop_workers

def half_a_result(fd, flag):
    # What a worker ended in the middle of sending its result leaves: a header that promises
    # a million bytes, then ten of them.
    os.write(fd, struct.pack("!i", 1_000_000) + b"x" * 10)
    open(flag, "w").close()
    time.sleep(120)

if __name__ == "__main__":
    flag = sys.argv[1]
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        # spawn hands a worker the pipe under the same descriptor number as here.
        pool.submit(half_a_result, pool._result_queue._writer.fileno(), flag)
        while not os.path.exists(flag):
            time.sleep(0.05)
        stop_workers(pool)
    print("left the pool")
"""


def test_leaving_the_pool_does_not_wait_for_the_rest_of_a_stopped_workers_half_sent_result(tmp_path: Path) -> None:
    script = tmp_path / "half.py"
    script.write_text(_HALF_A_RESULT)
    # Before the fix the pool's manager thread waited for the other 999,990 bytes, and leaving
    # the pool waited for that thread: a stopped --jobs run that never exited.
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "sent")], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, "left the pool\n"), done.stderr


def _running(pid: int) -> bool:
    """Whether ``pid`` is still a live process (a zombie no one has reaped yet is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_workers_end_when_the_run_is_killed(many_posts: Path, small_model_path: Path) -> None:
    # SIGKILL (the OOM killer, timeout -s KILL) gives the run no chance to stop its pool: the
    # workers had waited for work for ever, each holding a model.
    command = [sys.executable, "-m", "smclass", "classify", str(many_posts), "-m", str(small_model_path), "--jobs", "2", "-q"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 3 and run.poll() is None and time.monotonic() < deadline:
            workers = _workers(run.pid)
            time.sleep(0.01)
        if len(workers) < 3:
            pytest.skip("no /proc to see the workers start, or the run ended first")
        run.kill()
        run.wait()
        deadline = time.monotonic() + 20
        while any(map(_running, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if _running(pid)] == []
    finally:
        for pid in workers:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_worker_killed_under_the_run_is_said_so_not_as_an_internal_error(many_posts: Path, small_model_path: Path) -> None:
    # The kernel's OOM killer picks a big process, a worker holding its model: that was "internal error
    # in 'smclass classify': BrokenProcessPool: ... please report it", a bug report for a machine short of memory.
    command = [sys.executable, "-m", "smclass", "classify", str(many_posts), "-m", str(small_model_path), "--jobs", "2", "-q"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while not workers and run.poll() is None and time.monotonic() < deadline:
            workers = [pid for pid in _workers(run.pid) if b"spawn_main" in _cmdline(pid)]
            time.sleep(0.01)
        if not workers:
            pytest.skip("no /proc to see the workers start, or the run ended first")
        time.sleep(0.5)  # at work, as the OOM killer finds it
        os.kill(workers[0], signal.SIGKILL)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 1
    assert err.decode().splitlines()[-1].startswith("Error: a --jobs worker process ended abruptly"), err


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_worker_killed_while_the_pool_starts_another_is_said_so_too(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from smclass.errors import SmclassError
    from smclass.model import files as model_lib
    from smclass.run import parallel

    def broken_submit(self: ProcessPoolExecutor, *args: object, **kwargs: object) -> None:
        # What Python 3.11's submit met, a worker killed as the pool started the next one (1 run in 8 of
        # a kill at once): the pool marked broken, and its pipes, closed, failing to pickle for the new worker.
        self._broken = "A child process terminated abruptly, the process pool is not usable anymore"  # type: ignore[attr-defined]
        raise OSError("handle is closed")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", broken_submit)
    model = model_lib.load(str(small_model_path))
    batches = [[({"id": 1}, "storm hits the coast tonight")], [({"id": 2}, "my flight is delayed again")]]
    # It had been "internal error in 'smclass classify': OSError: handle is closed ... please report it".
    with pytest.raises(SmclassError, match=r"^a --jobs worker process ended abruptly"):
        list(parallel.predict_batches(model, batches, jobs=2, pool_after=1))
