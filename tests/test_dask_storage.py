"""Dask runs on shared storage: split files, URLs, the output folder and its manifest."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from smclass import atomic
from smclass.cli import app
from smclass.errors import InputError
from smclass.run import storage

from .conftest import zipped

pytest.importorskip("distributed")
runner = CliRunner()

TEXTS = ["flight delayed again, third time this month", "we need volunteers at the shelter tonight", "BREAKING: bridge closed", "lol same"]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """Two workers in this process (threads): quick to start, and they share memory:// with the test."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def posts(count: int, *, ids: bool, odd_lines: bool = False) -> bytes:
    lines = []
    for i in range(count):
        row: dict[str, Any] = {"text": f"{TEXTS[i % 4]} #{i}"}
        if ids:
            row = {"id": f"p{i}", **row}
        lines.append(json.dumps(row))
        if odd_lines and i % 97 == 5:
            lines.append("")  # blank lines count as lines, not records
        if odd_lines and i % 131 == 7:
            lines.append("{not json")  # a reject, which still takes a position
        if odd_lines and i % 151 == 9:
            # One line that holds three posts: three positions.
            lines.append(json.dumps({"data": [{"id": None, "text": f"{t} (inside)"} for t in TEXTS[:3]]}))
    return ("\n".join(lines) + "\n").encode()


def classify(*args: str) -> Any:
    return runner.invoke(app, ["classify", *args])


def parts(folder: Path, pattern: str = "part-?????.jsonl") -> list[Path]:
    return sorted(folder.glob(pattern))


@pytest.mark.parametrize("ids", [False, True])
def test_a_split_json_lines_file_gives_parts_that_concatenate_to_the_single_process_output(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheduler: str, ids: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("posts.jsonl").write_bytes(posts(1500, ids=ids, odd_lines=True))
    model = ["--model", str(small_model_path), "--on-error", "skip"]
    single = classify("posts.jsonl", *model, "--rejects", "bad.jsonl")
    assert single.exit_code == 0, single.stderr
    result = classify("posts.jsonl", *model, "--engine", "dask", "--scheduler", scheduler, "--partition-size", "16kB", "-o", "out")
    assert result.exit_code == 0, result.stderr
    written = parts(Path("out"))
    assert len(written) > 4
    assert b"".join(p.read_bytes() for p in written) == single.stdout_bytes
    # A record's id, or its position beside a null id: the posts inside carry "id": null.
    ids_seen = [(row["id"], row.get("position")) for row in map(json.loads, single.stdout.splitlines())]
    assert len(ids_seen) == len(set(ids_seen))
    if not ids:
        assert ids_seen[-1] == (1500 + 12 + 3 * 10, None)  # positions run on over rejects and through the line of three posts
    rejects = parts(Path("out"), "part-*.rejects.jsonl")
    assert b"".join(p.read_bytes() for p in rejects) == Path("bad.jsonl").read_bytes()
    # Each skipped line is reported on the line where it is in the whole file.
    skipped = [line for line in single.stderr.splitlines() if line.startswith("skipped")]
    assert skipped[0].startswith("skipped posts.jsonl:10: invalid JSON")
    assert [line for line in result.stderr.splitlines() if line.startswith("skipped")] == skipped


def test_the_manifest_comes_last_and_says_what_each_part_holds(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_bytes(posts(400, ids=True))
    out = tmp_path / "out"
    result = classify(
        str(source),
        "--model",
        str(small_model_path),
        "--engine",
        "dask",
        "--scheduler",
        scheduler,
        "--partition-size",
        "8kB",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "_SUCCESS").read_text())
    assert [p["part"] for p in manifest["parts"]] == [p.name for p in parts(out)]
    assert [p["records"] for p in manifest["parts"]] == [len(p.read_text().splitlines()) for p in parts(out)]
    assert manifest["records"] == 400 and manifest["rejects"] == 0
    assert manifest["parts"][0]["bytes"][0] == 0 and manifest["parts"][-1]["bytes"][1] is None
    assert manifest["model"]["sha256"] == hashlib.sha256(small_model_path.read_bytes()).hexdigest()
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {oct(atomic.new_file_mode())}


def test_an_output_folder_that_holds_an_input_is_refused_before_overwrite_clears_it(
    small_model_path: Path, tmp_path: Path, scheduler: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(posts(3, ids=True))
    (data / "part-00007.jsonl").write_bytes(posts(2, ids=True))  # an input that bears a part's name
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    common = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "--overwrite"]
    into_input = classify(str(data), *common, "-o", str(data))
    assert into_input.exit_code == 2
    assert into_input.stderr.endswith(f"is inside the input directory {data}: write it elsewhere\n")
    named = classify(str(data / "part-00007.jsonl"), *common, "-o", str(data))
    assert (named.exit_code, named.stderr) == (
        2,
        f"Error: --output {data} holds the input {data / 'part-00007.jsonl'}: write the parts to another folder\n",
    )
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before


def test_a_rerun_into_a_used_folder_is_refused_unless_overwrite(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_bytes(posts(20, ids=True))
    out = tmp_path / "out"
    args = [str(source), "--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "-o", str(out)]
    assert classify(*args).exit_code == 0
    first = (out / "part-00000.jsonl").read_bytes()
    again = classify(*args)
    assert again.exit_code == 2
    assert again.stderr == (
        f"Error: {out} already holds the results of a run (_SUCCESS, ...): give --overwrite to replace them, or another folder\n"
    )
    (out / "part-00007.jsonl").write_text("from an older run\n")
    (out / ".part-00003.jsonl.99999999.abcdefgh.tmp").write_text("left by a killed run\n")
    replaced = classify(*args, "--overwrite")
    assert replaced.exit_code == 0, replaced.stderr
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS", "part-00000.jsonl"]
    assert (out / "part-00000.jsonl").read_bytes() == first


def test_relative_names_reach_the_workers_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text('{"text": "hi"}\n')
    found = storage.input_files(["in"])
    assert found == [storage.Input(str(tmp_path / "in" / "a.jsonl"), os.path.join("in", "a.jsonl"), 15)]
    assert storage.whole("out") == str(tmp_path / "out")
    assert storage.whole("s3://bucket/out") == "s3://bucket/out"
    assert storage.join("s3://bucket/out/", "part-00000.jsonl") == "s3://bucket/out/part-00000.jsonl"


def test_a_folder_with_nothing_to_read_is_noted_as_a_single_process_notes_it(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README.md").write_text("# what these exports are\n")
    (tmp_path / "posts.jsonl").write_text('{"text": "hi"}\n')
    heard: list[str] = []
    names = [str(tmp_path / "empty"), str(tmp_path / "notes"), str(tmp_path / "posts.jsonl")]
    found = storage.input_files(names, heard.append)
    assert [item.source for item in found] == [str(tmp_path / "posts.jsonl")]
    assert heard == [f"{tmp_path / 'empty'}: holds no files to read", f"{tmp_path / 'notes'}: holds no files to read"]


def test_memory_urls_in_and_out_give_the_single_process_output(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    import fsspec

    data = posts(300, ids=False)
    (tmp_path / "posts.jsonl").write_bytes(data)
    with fsspec.open("memory://smclass-test/in/posts.jsonl", "wb") as handle:
        handle.write(data)
    single = classify(str(tmp_path / "posts.jsonl"), "--model", str(small_model_path))
    result = classify(
        "memory://smclass-test/in/posts.jsonl",
        "--model",
        str(small_model_path),
        "--engine",
        "dask",
        "--scheduler",
        scheduler,
        "-o",
        "memory://smclass-test/out",
    )
    assert result.exit_code == 0, result.stderr
    fs = fsspec.filesystem("memory")
    names = sorted(fs.ls("/smclass-test/out", detail=False))
    assert [n.rsplit("/", 1)[-1] for n in names] == ["_SUCCESS", "part-00000.jsonl"]
    assert fs.cat("/smclass-test/out/part-00000.jsonl") == single.stdout_bytes
    # A remote folder stands for its files, which then name their source, as in a local folder.
    folder = classify(
        "memory://smclass-test/in/",
        "--model",
        str(small_model_path),
        "--engine",
        "dask",
        "--scheduler",
        scheduler,
        "-o",
        "memory://smclass-test/o2",
    )
    assert folder.exit_code == 0, folder.stderr
    first = json.loads(fs.cat("/smclass-test/o2/part-00000.jsonl").splitlines()[0])
    assert first["source"] == "memory://smclass-test/in/posts.jsonl"


@pytest.mark.parametrize(
    ("given", "out", "error"),
    [
        (
            "memory://guarded/in/part-00000.jsonl",
            "memory://guarded/in/",
            "holds the input memory://guarded/in/part-00000.jsonl: write the parts to another folder",
        ),
        ("memory://guarded/in", "memory://guarded/in/labelled", "is inside the input directory memory://guarded/in: write it elsewhere"),
    ],
)
def test_an_output_folder_in_a_store_that_holds_or_lies_in_an_input_is_refused(
    small_model_path: Path, scheduler: str, given: str, out: str, error: str
) -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/guarded/in/part-00000.jsonl", posts(3, ids=True))
    result = classify(given, "--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "-o", out, "--overwrite")
    assert (result.exit_code, result.stderr) == (2, f"Error: --output {out} {error}\n")
    assert fs.cat("/guarded/in/part-00000.jsonl") == posts(3, ids=True)


def test_a_part_cut_short_under_a_file_url_is_not_left_under_its_name(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    # Batches are written as they are classified: 600 posts are in the part before the bad line stops it.
    (tmp_path / "posts.jsonl").write_bytes(posts(600, ids=True) + b"{not json\n")
    run = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler]
    result = classify(str(tmp_path / "posts.jsonl"), *run, "-o", f"file://{tmp_path}/out")
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {tmp_path}/posts.jsonl:601: invalid JSON (unexpected character, expected a string key)\n",
    )
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    ("given", "error"),
    [
        (["memory://twice/a.jsonl", "memory://twice/a.jsonl"], "memory://twice/a.jsonl is given twice"),
        (["memory://twice", "memory://twice/a.jsonl"], "memory://twice/a.jsonl is also in the input folder memory://twice"),
        (["{tmp}/a.jsonl", "file://{tmp}/a.jsonl"], "{tmp}/a.jsonl and file://{tmp}/a.jsonl are the same file"),
    ],
)
def test_a_file_that_two_urls_name_is_refused_as_read_twice(small_model_path: Path, tmp_path: Path, given: list[str], error: str) -> None:
    import fsspec

    fsspec.filesystem("memory").pipe("/twice/a.jsonl", posts(3, ids=True))
    (tmp_path / "a.jsonl").write_bytes(posts(3, ids=True))
    inputs = [name.format(tmp=tmp_path) for name in given]
    result = classify(*inputs, "--model", str(small_model_path), "--engine", "dask", "-o", str(tmp_path / "out"))
    assert (result.exit_code, result.stderr) == (2, f"Error: {error.format(tmp=tmp_path)}: its posts would be read twice\n")


def test_an_output_url_that_fsspec_cannot_write_is_one_line(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    import functools
    import http.server
    import threading

    (tmp_path / "posts.jsonl").write_bytes(posts(3, ids=True))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass  # a server's log on stderr is no line of ours

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path))) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        out = f"http://127.0.0.1:{server.server_address[1]}/out"
        result = classify(
            str(tmp_path / "posts.jsonl"), "--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "-o", out
        )
        server.shutdown()
    expected = f"Error: {out}/part-00000.jsonl: cannot write (fsspec reads http:// URLs but cannot write them)\n"
    assert (result.exit_code, result.stderr) == (1, expected)


def test_a_chained_cache_url_is_written_to_its_store_not_to_a_local_folder(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheduler: str
) -> None:
    import fsspec

    monkeypatch.chdir(tmp_path)
    Path("posts.jsonl").write_bytes(posts(3, ids=True))
    run = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler]
    result = classify("posts.jsonl", *run, "-o", "simplecache::memory://cached/out")
    assert result.exit_code == 0, result.stderr
    assert sorted(fsspec.filesystem("memory").ls("/cached/out", detail=False)) == ["/cached/out/_SUCCESS", "/cached/out/part-00000.jsonl"]
    assert list(tmp_path.iterdir()) == [tmp_path / "posts.jsonl"]  # no folder named "simplecache::memory:"


def test_an_output_folder_that_is_a_file_in_a_store_is_refused_as_a_paths_is(
    small_model_path: Path, tmp_path: Path, scheduler: str, s3: str
) -> None:
    import fsspec

    fs = fsspec.filesystem("s3")
    fs.mkdir("shadow")
    fs.pipe("shadow/a.jsonl", posts(3, ids=True))
    (tmp_path / "posts.jsonl").write_bytes(posts(2, ids=True))
    run = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "-q"]
    result = classify(str(tmp_path / "posts.jsonl"), *run, "-o", "s3://shadow/a.jsonl")
    assert (result.exit_code, result.stderr) == (2, "Error: s3://shadow/a.jsonl: exists and is not a directory\n")
    # Parts under it had made the file read as a folder of them from then on.
    fs.invalidate_cache()
    assert fs.find("shadow") == ["shadow/a.jsonl"]


def test_members_of_one_name_in_two_zips_are_two_inputs(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    for name, count in (("a.zip", 3), ("b.zip", 2)):
        (tmp_path / name).write_bytes(zipped({"posts.jsonl": posts(count, ids=True)}))
    urls = [f"zip://posts.jsonl::file://{tmp_path}/{name}" for name in ("a.zip", "b.zip")]
    result = classify(*urls, "--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert [len(part.read_text().splitlines()) for part in parts(tmp_path / "out")] == [3, 2]


def test_dask_options_are_refused_without_the_dask_engine(small_model_path: Path, tmp_path: Path) -> None:
    for option in (["--overwrite"], ["--partition-size", "1MB"]):
        result = classify("-", *option, "--model", str(small_model_path))
        assert result.exit_code == 2
        assert result.stderr == f"Error: {option[0]} goes with --engine dask\n"
    rejects = classify("-", "--engine", "dask", "--on-error", "skip", "--rejects", str(tmp_path / "r"), "-o", str(tmp_path / "o"))
    assert rejects.exit_code == 2
    assert "part-NNNNN.rejects.jsonl" in rejects.stderr


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real S3 server (moto's) on loopback, for this test only; s3fs is pointed at it."""
    pytest.importorskip("s3fs")
    server_module = pytest.importorskip("moto.server")
    import fsspec

    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(fsspec.config.conf, "s3", {"endpoint_url": f"http://{host}:{port}"})
    fsspec.filesystem("s3").clear_instance_cache()
    try:
        yield f"http://{host}:{port}"
    finally:
        fsspec.filesystem("s3").clear_instance_cache()
        server.stop()


def test_an_s3_round_trip_on_loopback_gives_the_single_process_output(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheduler: str, s3: str
) -> None:
    import fsspec

    monkeypatch.chdir(tmp_path)
    data = posts(900, ids=False)
    Path("posts.jsonl").write_bytes(data)
    fs = fsspec.filesystem("s3")
    fs.mkdir("smclass")
    fs.pipe("smclass/in/posts.jsonl", data)
    single = classify("posts.jsonl", "--model", str(small_model_path))
    args = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "--partition-size", "20kB"]
    result = classify("s3://smclass/in/posts.jsonl", *args, "-o", "s3://smclass/out")
    assert result.exit_code == 0, result.stderr
    fs.invalidate_cache()
    names = sorted(name.rsplit("/", 1)[-1] for name in fs.ls("smclass/out", detail=False))
    assert names[0] == "_SUCCESS" and len(names) > 2
    assert b"".join(fs.cat(f"smclass/out/{name}") for name in names[1:]) == single.stdout_bytes
    assert list(tmp_path.iterdir()) == [tmp_path / "posts.jsonl"]  # no local folder named s3:
    again = classify("s3://smclass/in/posts.jsonl", *args, "-o", "s3://smclass/out")
    assert again.exit_code == 2
    assert "s3://smclass/out already holds the results of a run (_SUCCESS, ...)" in again.stderr


def test_the_folder_markers_of_an_s3_folder_are_not_read_as_files(small_model_path: Path, tmp_path: Path, scheduler: str, s3: str) -> None:
    import fsspec

    fs = fsspec.filesystem("s3")
    fs.mkdir("marked")
    # The S3 console's "Create folder" makes an empty object whose key ends in "/".
    for key, data in (("in/", b""), ("in/a.jsonl", posts(3, ids=True)), ("in/sub/", b""), ("in/sub/b.jsonl", posts(2, ids=True))):
        fs.pipe(f"marked/{key}", data)
    args = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "-o", str(tmp_path / "out")]
    result = classify("s3://marked/in/", *args)
    assert result.exit_code == 0, result.stderr
    sources = [json.loads(line)["source"] for line in concatenated(tmp_path / "out").splitlines()]
    assert sources == ["s3://marked/in/a.jsonl"] * 3 + ["s3://marked/in/sub/b.jsonl"] * 2


def test_an_s3_key_with_keys_under_it_is_the_file_without_a_final_slash_and_the_folder_with_one(
    small_model_path: Path, tmp_path: Path, scheduler: str, s3: str
) -> None:
    import fsspec

    fs = fsspec.filesystem("s3")
    fs.mkdir("dual")
    fs.pipe("dual/x.jsonl", posts(3, ids=True))
    fs.pipe("dual/x.jsonl/y.jsonl", posts(2, ids=True))
    args = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "-q"]
    (tmp_path / "x.jsonl").write_bytes(posts(3, ids=True))
    single = classify(str(tmp_path / "x.jsonl"), "--model", str(small_model_path))
    for url, out in (("s3://dual/x.jsonl", "file"), ("s3://dual/x.jsonl/", "folder")):
        result = classify(url, *args, "-o", str(tmp_path / out))
        assert (result.exit_code, result.stderr) == (0, "")
    assert concatenated(tmp_path / "file") == single.stdout_bytes  # the file alone, without a source, as a lone file
    assert [json.loads(line)["source"] for line in concatenated(tmp_path / "folder").splitlines()] == ["s3://dual/x.jsonl/y.jsonl"] * 2


def test_an_s3_folder_spelt_with_a_doubled_slash_is_refused_not_said_to_hold_nothing(
    small_model_path: Path, tmp_path: Path, s3: str
) -> None:
    import fsspec

    fs = fsspec.filesystem("s3")
    fs.mkdir("doubled")
    fs.pipe("doubled/in/a.jsonl", posts(3, ids=True))
    result = classify("s3://doubled//in", "--model", str(small_model_path), "--engine", "dask", "-o", str(tmp_path / "out"))
    said = "the store lists what it holds under another name (doubled/in/a.jsonl): give the folder as it is named there"
    assert (result.exit_code, result.stderr) == (1, f"Error: s3://doubled//in: {said}\n")


def test_a_part_abandoned_in_s3_leaves_no_traceback_as_it_is_collected(monkeypatch: pytest.MonkeyPatch, s3: str) -> None:
    import gc
    import sys

    import fsspec

    fsspec.filesystem("s3").mkdir("abandoned")
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(InputError), storage.writing("s3://abandoned/part-00000.jsonl") as handle:
        handle.write(b'{"id": "p0"}\n')
        raise InputError("invalid JSON", source="posts.jsonl", line=2)
    del handle
    gc.collect()
    assert [hook.exc_value for hook in unraisable] == []
    assert not fsspec.filesystem("s3").exists("abandoned/part-00000.jsonl")


@pytest.mark.parametrize("url", ["file://posts.jsonl", "zip://posts.jsonl::file://posts.zip"])
def test_a_relative_file_url_is_the_clients_file_on_a_worker_in_another_directory(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    from distributed import LocalCluster

    for side, count in (("client", 3), ("worker", 1)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "posts.jsonl").write_bytes(posts(count, ids=True))
        (tmp_path / side / "posts.zip").write_bytes(zipped({"posts.jsonl": posts(count, ids=True)}))
    monkeypatch.chdir(tmp_path / "worker")  # the worker processes start here, as a remote worker starts in its own
    quiet = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"}}
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, **quiet) as cluster:
        monkeypatch.chdir(tmp_path / "client")
        run = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", cluster.scheduler_address, "-q"]
        result = classify(url, *run, "-o", "file://out")
    assert (result.exit_code, result.stderr) == (0, "")
    assert (tmp_path / "client" / "out" / "part-00000.jsonl").read_bytes() == classify(
        "posts.jsonl", "--model", str(small_model_path)
    ).stdout_bytes
    assert sorted(path.name for path in (tmp_path / "worker").iterdir()) == ["posts.jsonl", "posts.zip"]


def test_the_scheduler_may_be_named_by_a_scheduler_file(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    (tmp_path / "scheduler.json").write_text(json.dumps({"address": scheduler}))
    (tmp_path / "posts.jsonl").write_bytes(posts(10, ids=True))
    args = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", str(tmp_path / "scheduler.json")]
    result = classify(str(tmp_path / "posts.jsonl"), *args, "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert len((tmp_path / "out" / "part-00000.jsonl").read_text().splitlines()) == 10


def test_ctrl_c_on_dask_exits_130_with_one_line(small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.run import dask_engine

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(dask_engine, "run", interrupted)
    (tmp_path / "posts.jsonl").write_bytes(posts(10, ids=True))
    result = classify(str(tmp_path / "posts.jsonl"), "--model", str(small_model_path), "--engine", "dask", "-o", "out")
    assert result.exit_code == 130
    assert result.stderr == "Error: interrupted: no part was written, the rest cancelled; out has no _SUCCESS\n"


def test_relative_inputs_are_named_in_results_as_given(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheduler: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    Path("in/a.jsonl").write_bytes(posts(30, ids=False))
    Path("b.jsonl").write_bytes(posts(20, ids=True))
    single = classify("in", "b.jsonl", "--model", str(small_model_path))
    result = classify("in", "b.jsonl", "--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "-o", "out")
    assert result.exit_code == 0, result.stderr
    assert b"".join(p.read_bytes() for p in parts(Path("out"))) == single.stdout_bytes
    assert {json.loads(line)["source"] for line in single.stdout.splitlines()} == {os.path.join("in", "a.jsonl"), "b.jsonl"}


def test_the_dask_progress_bar_follows_parts_and_posts(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheduler: str
) -> None:
    import functools

    from rich.console import Console

    from smclass.cli import classify as classify_command
    from smclass.cli.progress import _progress

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=150)
    monkeypatch.setattr(classify_command, "_progress_wanted", lambda quiet: not quiet)
    monkeypatch.setattr(classify_command, "_progress", functools.partial(_progress, console=console))
    (tmp_path / "posts.jsonl").write_bytes(posts(600, ids=True))
    args = ["--model", str(small_model_path), "--engine", "dask", "--scheduler", scheduler, "--partition-size", "10kB"]
    result = classify(str(tmp_path / "posts.jsonl"), *args, "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    shown = screen.getvalue()
    parts_done = len(parts(tmp_path / "out"))
    assert f"classifying on Dask: {parts_done}/{parts_done} parts" in shown
    assert "600 posts" in shown


def test_an_interrupt_on_a_cluster_that_keeps_running_leaves_no_writer_behind(
    small_model_path: Path, tmp_path: Path, scheduler: str
) -> None:
    import time

    from smclass.model import files as model_lib
    from smclass.run import dask_engine
    from smclass.run.stream import Options

    source = tmp_path / "posts.jsonl"
    source.write_bytes(posts(30_000, ids=False))
    out = tmp_path / "out"

    def stop(part: dask_engine.PartResult, total: int) -> None:
        raise KeyboardInterrupt

    model = model_lib.load(small_model_path)
    with pytest.raises(KeyboardInterrupt):
        dask_engine.run(model, [str(source)], Options(), str(out), scheduler=scheduler, partition_size=100_000, on_part=stop)
    written = sorted(p.name for p in parts(out))
    time.sleep(2.0)  # the worker threads finish what they were running: they must not write it
    assert sorted(p.name for p in parts(out)) == written
    assert not (out / "_SUCCESS").exists()


def test_a_part_waiting_to_commit_when_the_run_is_cancelled_is_never_written(
    small_model_path: Path, tmp_path: Path, scheduler: str
) -> None:
    """The client sets the cancel event under the commit lock: a worker that finished its part
    while the client held the lock must see the event and drop the part."""
    import time

    from distributed import Client, Event, Lock

    from smclass.run import dask_engine
    from smclass.run.stream import Options

    source = tmp_path / "posts.jsonl"
    source.write_bytes(posts(50, ids=True))
    out = tmp_path / "out"
    out.mkdir()
    name = "smclass-cancel-commit-test"
    with Client(scheduler, set_as_default=False) as client:
        lock = Lock(name, scheduler_rpc=client.scheduler, loop=client.loop)
        assert lock.acquire(timeout=30)
        future = client.submit(
            dask_engine.classify_partition,
            small_model_path.read_bytes(),
            str(small_model_path),
            str(source),
            str(source),
            str(out / "part-00000.jsonl"),
            Options(),
            False,
            cancel=name,
            pure=False,
        )
        deadline = time.monotonic() + 30
        while not list(out.glob(".part-00000.jsonl.*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # the part is written beside its target; the worker now waits for the lock
        assert not future.done()
        Event(name, client=client).set()
        lock.release()
        with pytest.raises(dask_engine.RunCancelledError, match="interrupted"):
            future.result(timeout=30)
    assert sorted(p.name for p in out.iterdir()) == []


def test_a_scheduler_that_cannot_be_reached_or_named_is_one_line(small_model_path: Path, tmp_path: Path) -> None:
    import dask

    (tmp_path / "posts.jsonl").write_bytes(posts(5, ids=True))
    args = [str(tmp_path / "posts.jsonl"), "--model", str(small_model_path), "--engine", "dask", "-o", str(tmp_path / "out")]
    named = classify(*args, "--scheduler", "no-such-file.json")
    assert named.exit_code == 2
    assert named.stderr.startswith("Error: --scheduler no-such-file.json: neither a scheduler address nor a scheduler file (")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        unreachable = classify(*args, "--scheduler", "tcp://127.0.0.1:1")
    assert unreachable.exit_code == 1
    assert unreachable.stderr.startswith("Error: --scheduler tcp://127.0.0.1:1: cannot reach the scheduler (")
    assert unreachable.stderr.count("\n") == 1


WORDS = ["flight", "delayed", "volunteers", "shelter", "bridge", "closed", "café", "naïve", "Zürich", "東京", "lol", "same"]


def delimited_posts(sep: str, *, ids: bool) -> bytes:
    """A header with a quoted newline, then rows whose quoted fields hold newlines, delimiters and doubled quotes.

    Row 77 has too many fields (a reject) and row 100 is blank (a line, not a record).
    """
    head = ["id"] if ids else []
    lines = [sep.join([*head, "text", '"where\nfrom"']) + "\n"]
    for i in range(600):
        text = " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(2 + i % 9))
        if i % 5 == 1:
            text = '"' + text.replace(" ", "\n", 2) + f' said ""hi""{sep} twice"'
        elif i % 7 == 2:
            text = f'"{text}{sep} and more"'
        row = sep.join([*([f"p{i}"] if ids else []), text, f"n{i}"])
        if i == 77:
            row = sep.join(["a", "b", "c", "d", "e"])
        lines.append("\n" if i == 100 else row + "\n")
    return "\ufeff".encode() + "".join(lines).encode()


@pytest.mark.parametrize(("name", "sep", "ids"), [("posts.csv", ",", False), ("posts.tsv", "\t", True)])
def test_a_split_delimited_file_gives_parts_and_rejects_that_concatenate_to_the_single_process_ones(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheduler: str, name: str, sep: str, ids: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    data = delimited_posts(sep, ids=ids)
    Path(name).write_bytes(data)
    size = 2048
    # Some cuts fall inside a quoted field, where a newline ends no row.
    assert any(data[: k * size].count(b'"') % 2 for k in range(1, len(data) // size))
    model = ["--model", str(small_model_path), "--on-error", "skip"]
    single = classify(name, *model, "--rejects", "bad" + name[-4:])
    assert single.exit_code == 0, single.stderr
    result = classify(name, *model, "--engine", "dask", "--scheduler", scheduler, "--partition-size", str(size), "-o", "out")
    assert result.exit_code == 0, result.stderr
    written = parts(Path("out"))
    assert sum(p.stat().st_size > 0 for p in written) > 10 and "read whole" not in result.stderr
    assert b"".join(p.read_bytes() for p in written) == single.stdout_bytes
    results = [json.loads(line) for line in single.stdout.splitlines()]
    assert len(results) == 598  # 600 rows less the blank one and the reject
    if not ids:
        assert results[-1]["id"] == 599  # the reject keeps its position; the blank row has none
    # Each rejects file is a CSV of its own under the file's header; the rows follow the single process's.
    header = data[3 : data.index(b'from"\n') + len(b'from"\n')]
    rejects = parts(Path("out"), f"part-*.rejects.{name[-3:]}")
    assert rejects and all(p.read_bytes().startswith(header) for p in rejects)
    assert header + b"".join(p.read_bytes()[len(header) :] for p in rejects) == Path("bad" + name[-4:]).read_bytes()
    skipped = [line for line in single.stderr.splitlines() if line.startswith("skipped")]
    bad_line = data[: data.index(sep.join("abcde").encode())].count(b"\n") + 1
    assert skipped == [f"skipped {name}:{bad_line}: row has 5 fields but the header has {3 if ids else 2}"]
    assert [line for line in result.stderr.splitlines() if line.startswith("skipped")] == skipped
    manifest = json.loads((Path("out") / "_SUCCESS").read_text())
    starts = [p["bytes"][0] for p in manifest["parts"]]
    assert starts == sorted(starts) and starts[0] == 0 and manifest["parts"][-1]["bytes"][1] is None


def test_a_quote_inside_an_unquoted_field_reads_the_file_whole_in_its_first_part(
    small_model_path: Path, tmp_path: Path, scheduler: str
) -> None:
    rows = ["text,note\n"]
    for i in range(400):
        text = " ".join(WORDS[(i + j) % len(WORDS)] for j in range(6))
        if i == 3:
            text = "the new goalkeeper is 6'2\" and quick"  # read as it stands: the quote is a character
        elif i % 5 == 0:
            text = '"' + text.replace(" ", "\n") + '"'
        rows.append(f"{text},n{i}\n")
    source = tmp_path / "posts.csv"
    source.write_text("".join(rows), encoding="utf-8")
    model = ["--model", str(small_model_path)]
    single = classify(str(source), *model)
    assert single.exit_code == 0, single.stderr
    out = tmp_path / "out"
    result = classify(str(source), *model, "--engine", "dask", "--scheduler", scheduler, "--partition-size", "2kB", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    written = parts(out)
    assert len(written) > 4
    assert b"".join(p.read_bytes() for p in written) == single.stdout_bytes
    assert [len(p.read_bytes()) > 0 for p in written] == [True] + [False] * (len(written) - 1)
    assert "read whole, in one part" in result.stderr


def test_a_gzipped_csv_stays_one_task(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    import gzip

    source = tmp_path / "posts.csv.gz"
    source.write_bytes(gzip.compress(delimited_posts(",", ids=True)))
    out = tmp_path / "out"
    dask = ["--engine", "dask", "--scheduler", scheduler, "--partition-size", "1kB", "-o", str(out)]
    result = classify(str(source), "--model", str(small_model_path), "--on-error", "skip", *dask)
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in parts(out)] == ["part-00000.jsonl"]


def test_a_cut_takeout_csv_reads_every_range_as_its_first_row_chose(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    rows = ["Comment ID,Video ID,Comment Text,Comment Create Timestamp\n"]
    for i in range(300):
        words = " ".join(WORDS[(i * 5 + j) % len(WORDS)] for j in range(3 + i % 6))
        segments = json.dumps([{"text": f"{words}\nsecond line {i}"}], ensure_ascii=False).replace('"', '""')
        rows.append(f'c{i},v{i % 7},"{segments}",2024-03-{1 + i % 28:02d}T10:00:00Z\n')
    source = tmp_path / "comments.csv"
    source.write_text("".join(rows), encoding="utf-8")
    model = ["--model", str(small_model_path), "--keep-fields"]
    single = classify(str(source), *model)
    assert single.exit_code == 0, single.stderr
    out = tmp_path / "out"
    result = classify(str(source), *model, "--engine", "dask", "--scheduler", scheduler, "--partition-size", "2kB", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    written = parts(out)
    assert sum(p.stat().st_size > 0 for p in written) > 4
    assert b"".join(p.read_bytes() for p in written) == single.stdout_bytes
    # The whole-file reading took the rows as Takeout comments (their text the joined segments),
    # and --keep-fields carries each row as Takeout wrote it.
    assert "read as YouTube Takeout comments (csv)" in single.stderr
    assert [json.loads(line)["record"]["Comment ID"] for line in single.stdout.splitlines()] == [f"c{i}" for i in range(300)]


def copy_to_memory(members: dict[str, bytes], url: str) -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    for name, data in members.items():
        fs.pipe(url[len("memory://") :] + "/" + name, data)


def concatenated(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in parts(folder))


MIXED = {
    "posts.jsonl": b'{"text": "the bus to the airport was cancelled"}\n{"text": "free apples at the community garden"}\n',
    "README.md": b"# Posts collected for the neighbourhood survey\n",
    ".hidden.jsonl": b'{"text": "an editor left this behind"}\n',
    "table.csv": b"id,text\nc1,Quarterly revenue grew four percent\nc2,Anyone up for football on Sunday?\n",
    "bundle.zip": zipped({"zipped.jsonl": b'{"id": "z1", "text": "power cut on Elm Street since noon"}\n'}),
    # "sub/..." comes before "sub-a..." part by part, after it in a plain string sort.
    "sub-a.jsonl": b'{"text": "lol this weather"}\n',
    "sub/b.jsonl": b'{"text": "volunteers wanted for the food bank"}\n',
}


def test_a_folder_gives_the_same_lines_locally_and_on_dask_from_disk_and_from_memory(
    small_model_path: Path, tmp_path: Path, scheduler: str
) -> None:
    import fsspec

    folder = tmp_path / "in"
    for name, data in MIXED.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    url = "memory://smclass-folders/mixed"
    copy_to_memory(MIXED, url)
    try:
        model = ["--model", str(small_model_path)]
        single = classify(str(folder), *model, "-o", str(tmp_path / "single.jsonl"))
        assert single.exit_code == 0, single.stderr
        expected = (tmp_path / "single.jsonl").read_bytes()
        sources = [json.loads(line)["source"] for line in expected.splitlines()]
        under = [str(folder / name) for name in ("bundle.zip!zipped.jsonl", "posts.jsonl", "sub/b.jsonl", "sub-a.jsonl", "table.csv")]
        assert list(dict.fromkeys(sources)) == under
        assert len(sources) == 7
        dask = ["--engine", "dask", "--scheduler", scheduler]
        local = classify(str(folder), *model, *dask, "-o", str(tmp_path / "local"))
        assert local.exit_code == 0, local.stderr
        assert concatenated(tmp_path / "local") == expected
        remote = classify(url, *model, *dask, "-o", str(tmp_path / "remote"))
        assert remote.exit_code == 0, remote.stderr
        assert concatenated(tmp_path / "remote").replace(url.encode(), str(folder).encode()) == expected
    finally:
        fsspec.filesystem("memory").rm("/smclass-folders", recursive=True)


@pytest.mark.parametrize("export", ["slack", "instagram_export"])
def test_an_export_folder_is_one_part_read_whole_on_dask_from_disk_and_from_memory(
    small_model_path: Path, tmp_path: Path, fixtures: Path, scheduler: str, export: str
) -> None:
    import fsspec

    folder = fixtures / "exports" / export
    model = ["--model", str(small_model_path)]
    single = classify(str(folder), *model, "-o", str(tmp_path / "single.jsonl"))
    assert single.exit_code == 0, single.stderr
    expected = (tmp_path / "single.jsonl").read_bytes()
    assert len(expected.splitlines()) >= 3
    dask = ["--engine", "dask", "--scheduler", scheduler]
    local = classify(str(folder), *model, *dask, "-o", str(tmp_path / "local"))
    assert local.exit_code == 0, local.stderr
    assert [p.name for p in parts(tmp_path / "local")] == ["part-00000.jsonl"]
    assert concatenated(tmp_path / "local") == expected
    assert json.loads((tmp_path / "local" / "_SUCCESS").read_text())["parts"][0]["source"] == str(folder)
    url = f"memory://smclass-exports/{export}"
    copy_to_memory({p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}, url)
    try:
        remote = classify(url + "/", *model, *dask, "-o", str(tmp_path / "remote"))
        assert remote.exit_code == 0, remote.stderr
        assert concatenated(tmp_path / "remote").replace(url.encode(), str(folder).encode()) == expected
    finally:
        fsspec.filesystem("memory").rm("/smclass-exports", recursive=True)


def _facebook_line(stamp: int, words: str) -> str:
    return json.dumps({"timestamp": stamp, "data": [{"post": words}], "title": "Ana updated her status."}) + "\n"


def test_facebook_entries_of_one_second_keep_their_numbered_ids_when_the_file_is_big(
    small_model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheduler: str
) -> None:
    # Cut into ranges, each range counted the entries of a second from 1 again: ids repeated.
    monkeypatch.chdir(tmp_path)
    Path("posts.jsonl").write_text("".join(_facebook_line(1600000000 + i // 3, f"tea and a walk, day {i}") for i in range(600)))
    model = ["--model", str(small_model_path)]
    single = classify("posts.jsonl", *model)
    result = classify("posts.jsonl", *model, "--engine", "dask", "--scheduler", scheduler, "--partition-size", "16kB", "-o", "out")
    assert result.exit_code == 0, result.stderr
    assert b"".join(p.read_bytes() for p in parts(Path("out"))) == single.stdout_bytes
    ids = [json.loads(line)["id"] for line in single.stdout.splitlines()]
    assert len(set(ids)) == 600


def test_a_facebook_entry_past_the_planned_start_of_a_cut_file_is_refused_not_renumbered(tmp_path: Path) -> None:
    from smclass.errors import InputError
    from smclass.run import ranges

    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": f"post {i}"}) + "\n" for i in range(300)) + _facebook_line(1600000000, "tea"))
    count = ranges.count(str(path), ranges.Span(0, 10))
    refused = r"mixed.jsonl:301: a record of Facebook posts, whose id numbers .*; classify it with --engine local$"
    with pytest.raises(InputError, match=refused):
        list(ranges.records(str(path), str(path), ranges.Span(10, None), [count]))


def test_a_member_named_by_a_chained_zip_url_is_read_to_its_end(tmp_path: Path) -> None:
    import gc

    data = posts(50, ids=True)
    archive = tmp_path / "posts.zip"
    archive.write_bytes(zipped({"2023/posts.jsonl": data}))
    with storage.open_input(f"zip://2023/posts.jsonl::file://{archive}") as handle:
        gc.collect()  # the zip's file system, once collected, had closed the archive under the member
        assert handle.read() == data


@pytest.mark.parametrize(
    ("archive", "reason"),
    [("none.zip", "[Errno 2] No such file or directory: '{tmp}/none.zip'"), ("posts.jsonl", "BadZipFile: File is not a zip file")],
)
def test_a_chained_zip_url_to_no_zip_is_one_line(small_model_path: Path, tmp_path: Path, archive: str, reason: str) -> None:
    (tmp_path / "posts.jsonl").write_bytes(posts(3, ids=True))
    url = f"zip://posts.jsonl::file://{tmp_path}/{archive}"
    result = classify(url, "--model", str(small_model_path), "--engine", "dask", "-o", str(tmp_path / "out"))
    assert (result.exit_code, result.stderr) == (1, f"Error: {url}: cannot open ({reason.format(tmp=tmp_path)})\n")


def test_a_lone_zip_url_reads_as_the_zip_given_as_a_path_does(small_model_path: Path, tmp_path: Path, scheduler: str) -> None:
    archive = tmp_path / "posts.zip"
    archive.write_bytes(zipped({"2023/posts.jsonl": posts(3, ids=True), "2024/posts.jsonl": posts(2, ids=True)}))
    run = ["--engine", "dask", "--scheduler", scheduler, "--model", str(small_model_path), "-q"]
    by_path = classify(str(archive), *run, "-o", str(tmp_path / "by_path"))
    assert by_path.exit_code == 0, by_path.stderr
    by_url = classify(f"file://{archive}", *run, "-o", str(tmp_path / "by_url"))
    assert by_url.exit_code == 0, by_url.stderr
    expected = concatenated(tmp_path / "by_path")
    assert expected.count(b'"source":') == 5
    assert concatenated(tmp_path / "by_url") == expected.replace(str(archive).encode(), f"file://{archive}".encode())
    member = classify(f"zip://2024/posts.jsonl::file://{archive}", *run, "-o", str(tmp_path / "member"))
    assert member.exit_code == 0, member.stderr
    assert [json.loads(line)["id"] for line in concatenated(tmp_path / "member").splitlines()] == ["p0", "p1"]
