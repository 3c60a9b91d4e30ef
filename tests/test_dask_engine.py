from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app

pytest.importorskip("distributed")
runner = CliRunner()


def test_dask_parts_equal_the_single_process_output(fixtures: Path, small_model_path: Path, tmp_path: Path) -> None:
    inputs = [str(fixtures / "posts.jsonl"), str(fixtures / "posts.csv"), str(fixtures / "exports" / "twarc2.jsonl")]
    single = runner.invoke(app, ["classify", *inputs, "--proba", "--model", str(small_model_path)])
    assert single.exit_code == 0, single.stderr
    out_dir = tmp_path / "parts"
    result = runner.invoke(
        app, ["classify", *inputs, "--proba", "--engine", "dask", "--jobs", "2", "-o", str(out_dir), "--model", str(small_model_path)]
    )
    assert result.exit_code == 0, result.stderr
    parts = sorted(out_dir.glob("part-*.jsonl"))
    assert [p.name for p in parts] == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    assert "".join(p.read_text() for p in parts) == single.stdout
    assert [len(p.read_text().splitlines()) for p in parts] == [6, 6, 3]
    first = json.loads(parts[0].read_text().splitlines()[0])
    assert first["source"] == inputs[0]


def test_success_manifest_names_a_non_utf8_input_as_the_results_do(small_model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(bytes(folder) + b"/caf\xe9.jsonl", "wb") as handle:
        handle.write(b'{"text": "met the team for lunch"}\n')
    out_dir = tmp_path / "parts"
    result = runner.invoke(app, ["classify", str(folder), "--engine", "dask", "-o", str(out_dir), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    source = json.loads((out_dir / "part-00000.jsonl").read_text().splitlines()[0])["source"]
    manifest = (out_dir / "_SUCCESS").read_bytes().decode("utf-8")
    assert source.endswith("caf\\xe9.jsonl")
    assert json.loads(manifest)["parts"][0]["source"] == source


def test_a_failed_dask_task_is_one_error_line_naming_the_input_as_given(small_model_path: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "a.jsonl").write_text('{"text": "my garden today"}\n{bad\n', encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "smclass",
        "classify",
        "a.jsonl",
        "--engine",
        "dask",
        "-o",
        "out",
        "-q",
        "--model",
        str(small_model_path),
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    # No worker traceback or log line before it, and the path as typed, not the worker's absolute one.
    assert (done.returncode, done.stderr) == (1, "Error: a.jsonl:2: invalid JSON (unexpected character, expected a string key)\n")


def test_dask_engine_needs_an_output_directory(fixtures: Path, small_model_path: Path) -> None:
    result = runner.invoke(app, ["classify", str(fixtures / "posts.jsonl"), "--engine", "dask", "--model", str(small_model_path)])
    assert result.exit_code == 2
    assert result.stderr == "Error: --engine dask writes part files: name a directory with --output DIR\n"


def test_scheduler_goes_with_the_dask_engine(fixtures: Path, small_model_path: Path) -> None:
    result = runner.invoke(
        app, ["classify", str(fixtures / "posts.jsonl"), "--scheduler", "tcp://x:8786", "--model", str(small_model_path)]
    )
    assert result.exit_code == 2
    assert result.stderr == "Error: --scheduler goes with --engine dask\n"


def test_dask_rejects_keep_the_raw_bytes_and_the_csv_header(small_model_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "posts.csv"
    source.write_bytes(b'id,text\n1,fine\n2,"caf\xe9, ""quoted"""\n3,ok then\n')
    parts = tmp_path / "parts"
    args = ["classify", str(source), "--engine", "dask", "--jobs", "2", "-o", str(parts), "--on-error", "skip"]
    result = runner.invoke(app, [*args, "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    assert (parts / "part-00000.rejects.csv").read_bytes() == b'id,text\n2,"caf\xe9, ""quoted"""\n'
    manifest = json.loads((parts / "_SUCCESS").read_text())
    assert manifest["parts"][0]["rejects"] == 1 and manifest["parts"][0]["rejects_file"] == "part-00000.rejects.csv"


def test_a_worker_killed_mid_run_still_gives_the_exact_output(small_model_path: Path, tmp_path: Path) -> None:
    import os
    import signal
    import threading
    import time

    from distributed import Client, LocalCluster

    source = tmp_path / "posts.jsonl"
    texts = ["flight delayed again", "we need volunteers at the shelter", "BREAKING: bridge closed", "lol same"]
    source.write_text("".join(json.dumps({"text": f"{texts[i % 4]} {i}"}) + "\n" for i in range(40_000)))
    single = runner.invoke(app, ["classify", str(source), "--jobs", "1", "--model", str(small_model_path)])
    out = tmp_path / "out"
    killed: list[int] = []
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        done = threading.Event()

        def kill_one_when_a_part_appears() -> None:
            while not done.is_set():
                written = len(list(out.glob("part-*.jsonl"))) if out.exists() else 0
                if written:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(written)
                    return
                time.sleep(0.005)

        killer = threading.Thread(target=kill_one_when_a_part_appears)
        killer.start()
        try:
            dask = ["--engine", "dask", "--scheduler", cluster.scheduler_address, "--partition-size", "100kB"]
            result = runner.invoke(app, ["classify", str(source), "--model", str(small_model_path), *dask, "-o", str(out)])
        finally:
            done.set()
            killer.join()
    assert result.exit_code == 0, result.stderr
    parts = sorted(out.glob("part-*.jsonl"))
    assert killed and killed[0] < len(parts)  # the kill came while most parts were still to be written
    assert b"".join(p.read_bytes() for p in parts) == single.stdout_bytes
    assert json.loads((out / "_SUCCESS").read_text())["records"] == 40_000


def test_an_interrupt_cancels_the_rest_and_leaves_no_writer_behind(small_model_path: Path, tmp_path: Path) -> None:
    import time

    from smclass.model import files as model_lib
    from smclass.run import dask_engine
    from smclass.run.stream import Options

    source = tmp_path / "posts.jsonl"
    source.write_text("".join(json.dumps({"text": f"post {i} about the flood"}) + "\n" for i in range(40_000)))
    out = tmp_path / "out"

    def stop(part: dask_engine.PartResult, total: int) -> None:
        # As a worker leaves it while it writes a part: the stopped run must not leave it behind.
        (out / ".part-00019.jsonl.4321.k2j4h5g6.tmp").write_text('{"id": 1}\n')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dask_engine.run(
            model_lib.load(small_model_path), [str(source)], Options(), str(out), workers=2, partition_size=50_000, on_part=stop
        )
    written = sorted(p.name for p in out.iterdir())
    time.sleep(1.0)
    assert sorted(p.name for p in out.iterdir()) == written  # nothing wrote after the call returned
    assert "_SUCCESS" not in written
    assert not [name for name in written if name.endswith(".tmp")]
    assert 1 <= len(written) < 20


@pytest.mark.parametrize("spelling", ["output", "input"])
def test_a_file_url_is_the_path_it_names_when_inputs_are_guarded(small_model_path: Path, tmp_path: Path, spelling: str) -> None:
    folder = tmp_path / "dd"
    folder.mkdir()
    part = folder / "part-00000.jsonl"
    part.write_text('{"id": 1, "text": "hello there"}\n')
    (folder / "_SUCCESS").write_text("{}\n")
    given = [f"file://{part}", str(folder)] if spelling == "input" else [str(part), f"file://{folder}"]
    result = runner.invoke(app, ["classify", given[0], "--engine", "dask", "-o", given[1], "--overwrite", "--model", str(small_model_path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: --output {part} is the same file as the input {part}: writing it would destroy the input\n"
    assert part.read_text() == '{"id": 1, "text": "hello there"}\n'


@pytest.mark.parametrize("url", ["file://d%20d", "file://{tmp}/d%20d/"])
def test_a_relative_or_percent_spelt_file_url_is_guarded_as_the_folder_fsspec_writes(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    # fsspec reads file://d%20d as the folder 'd%20d' in the working directory, not '/' or 'd d'.
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "d%20d"
    folder.mkdir()
    part = folder / "part-00000.jsonl"
    part.write_text('{"id": 1, "text": "hello there"}\n')
    args = ["classify", "d%20d/part-00000.jsonl", "--engine", "dask", "-o", url.format(tmp=tmp_path), "--overwrite"]
    result = runner.invoke(app, [*args, "--model", str(small_model_path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: --output {part} is the same file as the input {part}: writing it would destroy the input\n"
    assert part.read_text() == '{"id": 1, "text": "hello there"}\n'


@pytest.mark.parametrize(
    ("size", "error"),
    [
        ("", "--partition-size: expected a size such as 64MB, got ''"),
        ("B", "--partition-size: expected a size such as 64MB, got 'B'"),
        ("1B", "--partition-size: at least 1KB (got '1B'): a task for every few posts costs more than it does"),
    ],
)
def test_a_partition_size_of_a_few_bytes_is_refused(fixtures: Path, small_model_path: Path, tmp_path: Path, size: str, error: str) -> None:
    args = ["classify", str(fixtures / "posts.jsonl"), "--engine", "dask", "-o", str(tmp_path / "out"), "--partition-size", size]
    result = runner.invoke(app, [*args, "--model", str(small_model_path)])
    assert (result.exit_code, result.stderr) == (2, f"Error: {error}\n")


def test_a_local_cluster_says_nothing_of_a_port_another_cluster_holds(fixtures: Path, small_model_path: Path, tmp_path: Path) -> None:
    import contextlib
    import socket
    import subprocess
    import sys

    command = [sys.executable, "-m", "smclass", "classify", str(fixtures / "posts.jsonl"), "--engine", "dask", "-o", str(tmp_path / "out")]
    with socket.socket() as held:
        with contextlib.suppress(OSError):  # something else may hold it already, which does as well
            held.bind(("", 8787))  # Dask's dashboard port, as a running cluster holds it
            held.listen()
        done = subprocess.run([*command, "--model", str(small_model_path)], capture_output=True, text=True, timeout=300, check=False)
    # Not -q, which hides a library's warnings: Dask's had been three lines, "Perhaps you already have a cluster running?".
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == f"{tmp_path / 'out' / 'part-00000.jsonl'}: 6 records from {fixtures / 'posts.jsonl'}"
    assert "warning" not in done.stderr


def test_memory_output_for_a_local_cluster_is_refused(fixtures: Path, small_model_path: Path) -> None:
    args = ["classify", str(fixtures / "posts.jsonl"), "--engine", "dask", "-o", "memory://out/", "--model", str(small_model_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --output memory://out/: the Dask workers are other processes, whose memory is lost; write to a folder or a store\n"
    )


@pytest.mark.parametrize("output", ["memory://out/", "simplecache::memory://out/"])
def test_memory_output_for_a_scheduler_in_another_process_is_refused(fixtures: Path, small_model_path: Path, output: str) -> None:
    # Refused before the scheduler is reached: its workers, in other processes, would write to memory the command never sees.
    args = ["classify", str(fixtures / "posts.jsonl"), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "-o", output]
    result = runner.invoke(app, [*args, "--model", str(small_model_path)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"Error: --output {output}: the Dask workers are other processes, whose memory is lost; write to a folder or a store\n"
    )


def test_a_scheduler_address_that_does_not_speak_dask_is_one_error_line(fixtures: Path, small_model_path: Path, tmp_path: Path) -> None:
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def banner() -> None:
        connection, _ = server.accept()
        connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    threading.Thread(target=banner, daemon=True).start()
    scheduler = f"tcp://127.0.0.1:{port}"
    args = ["classify", str(fixtures / "posts.jsonl"), "--engine", "dask", "-o", str(tmp_path / "out"), "--scheduler", scheduler]
    result = runner.invoke(app, [*args, "--model", str(small_model_path)])
    server.close()
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: --scheduler {scheduler}: not a Dask scheduler that smclass can talk to (")
    assert len(result.stderr.splitlines()) == 1


def test_a_remote_store_without_credentials_is_one_error_line(
    fixtures: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("s3fs")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    result = runner.invoke(
        app, ["classify", "s3://no-such-bucket-smclass/p.jsonl", "--engine", "dask", "-o", "x", "--model", str(small_model_path)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: s3://no-such-bucket-smclass/p.jsonl: cannot open (")
    assert "internal error" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_file_url_output_folder_is_made_as_a_path_is(fixtures: Path, small_model_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "parts"
    args = ["classify", str(fixtures / "posts.jsonl"), "--engine", "dask", "-o", f"file://{out}/", "-q", "--model", str(small_model_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS", "part-00000.jsonl"]


def test_a_ctrl_c_to_the_whole_group_is_one_line_not_the_workers_tracebacks(small_model_path: Path, tmp_path: Path) -> None:
    # A terminal sends Ctrl-C to every process of the group: Dask's worker processes printed their own tracebacks.
    import os
    import signal
    import subprocess
    import sys
    import time

    source = tmp_path / "posts.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": f"post {i} about the flood and the road"}) + "\n" for i in range(300_000)))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "smclass", "classify", str(source), "--engine", "dask", "--jobs", "2"]
    command += ["--partition-size", "1MB", "-o", str(out), "-q", "--model", str(small_model_path)]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "part-00000.jsonl").exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert run.poll() is None, "the run ended before it could be interrupted"
        os.killpg(run.pid, signal.SIGINT)
        _, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 130
    lines = stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: interrupted: "), lines


@pytest.mark.parametrize("jobs", [1, 3])
def test_the_local_cluster_has_as_many_workers_as_jobs_asks(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    import distributed

    from smclass.model import files as model_lib
    from smclass.run import dask_engine
    from smclass.run.stream import Options

    asked: list[dict[str, object]] = []

    class StartedError(Exception):
        pass

    def cluster(*args: object, **kwargs: object) -> None:
        asked.append({"args": args, **kwargs})
        raise StartedError

    monkeypatch.setattr(distributed, "LocalCluster", cluster)
    source = tmp_path / "posts.jsonl"
    source.write_text('{"text": "the ferry is late"}\n')
    with pytest.raises(StartedError):
        dask_engine.run(model_lib.load(small_model_path), [str(source)], Options(), str(tmp_path / "out"), workers=jobs)
    assert asked[0]["n_workers"] == jobs and asked[0]["args"] == ()


def test_a_folder_holding_a_run_is_refused_before_a_local_cluster_starts(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import distributed

    from smclass.errors import UsageError
    from smclass.model import files as model_lib
    from smclass.run import dask_engine
    from smclass.run.stream import Options

    started: list[object] = []
    monkeypatch.setattr(distributed, "LocalCluster", lambda *args, **kwargs: started.append(kwargs))
    source = tmp_path / "posts.jsonl"
    source.write_text('{"text": "the ferry is late"}\n')
    out = tmp_path / "out"
    out.mkdir()
    (out / "_SUCCESS").write_text("{}\n")
    with pytest.raises(UsageError) as caught:
        dask_engine.run(model_lib.load(small_model_path), [str(source)], Options(), str(out), workers=2)
    said = f"{out} already holds the results of a run (_SUCCESS, ...): give --overwrite to replace them, or another folder"
    assert str(caught.value) == said
    assert started == []
    assert (out / "_SUCCESS").read_text() == "{}\n"


def test_a_dask_output_named_like_a_file_is_warned_to_become_a_folder(fixtures: Path, small_model_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "labels.jsonl"
    out.mkdir()
    (out / "_SUCCESS").write_text("{}\n")
    args = ["classify", str(fixtures / "posts.jsonl"), "--engine", "dask", "-o", str(out), "-m", str(small_model_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"warning: --engine dask writes a folder of part files: {out} will be a folder, not one file",
        f"Error: {out} already holds the results of a run (_SUCCESS, ...): give --overwrite to replace them, or another folder",
    ]


@pytest.mark.parametrize(("jobs", "warned"), [("auto", False), ("1", False), ("3", True)])
def test_a_local_cluster_on_one_core_is_warned_of_only_for_the_workers_jobs_asks(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str, warned: bool
) -> None:
    import distributed

    from smclass.cli import workers
    from smclass.run import parallel

    asked: list[object] = []

    def cluster(*args: object, **kwargs: object) -> None:
        asked.append(kwargs["n_workers"])
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "cores", lambda: 1)
    monkeypatch.setattr(workers, "cores", lambda: 1)  # --jobs auto: one worker
    monkeypatch.setattr(distributed, "LocalCluster", cluster)
    source = tmp_path / "posts.jsonl"
    source.write_text('{"text": "the ferry is late"}\n')
    args = ["classify", str(source), "--engine", "dask", "-o", str(tmp_path / "out"), "--jobs", jobs, "--model", str(small_model_path)]
    result = runner.invoke(app, args)
    warning = f"warning: --jobs {jobs} is more than the 1 usable core: the workers past them only take turns, and each loads the model"
    # The local cluster has two workers at least, whatever --jobs says: --jobs auto had been warned of as '--jobs 2'.
    assert asked == [3 if warned else 2]
    assert [line for line in result.stderr.splitlines() if line.startswith("warning: --jobs")] == ([warning] if warned else [])
