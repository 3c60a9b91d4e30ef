"""Outputs never destroy inputs; files are written whole; a failed write is one line."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from smclass import atomic
from smclass.cli import app
from smclass.model import files as model_lib

runner = CliRunner()


def run(*args: str, input: str | bytes | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def posts(tmp_path: Path, fixtures: Path) -> Path:
    path = tmp_path / "posts.jsonl"
    path.write_bytes((fixtures / "posts.jsonl").read_bytes())
    return path


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    yield
    os.umask(old)


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory this process cannot create files in (root ignores modes: /sys then, where there is one)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "probe").touch()
    except OSError:
        yield folder
        folder.chmod(0o700)
        return
    (folder / "probe").unlink()
    folder.chmod(0o700)
    try:
        Path("/sys/smclass-probe").touch()
    except OSError:
        yield Path("/sys")
        return
    pytest.skip("no directory here refuses new files to this user")


def test_output_that_is_an_input_is_refused_and_the_input_kept(posts: Path, small_model_path: Path) -> None:
    before = posts.read_bytes()
    result = run("classify", str(posts), "-o", str(posts), "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr == f"Error: --output {posts} is the same file as the input {posts}: writing it would destroy the input\n"
    assert posts.read_bytes() == before


@pytest.mark.parametrize("link", ["symlink", "hardlink", "other spelling"])
def test_output_that_is_an_input_under_another_name_is_refused(posts: Path, small_model_path: Path, link: str) -> None:
    other = posts.parent / "other.jsonl"
    if link == "symlink":
        other.symlink_to(posts)
    elif link == "hardlink":
        os.link(posts, other)
    else:
        other = posts.parent / "." / ".." / posts.parent.name / posts.name
    before = posts.read_bytes()
    result = run("classify", str(other), "-o", str(posts), "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr == f"Error: --output {posts} is the same file as the input {other}: writing it would destroy the input\n"
    assert posts.read_bytes() == before


@pytest.mark.parametrize(
    ("spelled", "problem"),
    [
        ("{p}/", "names a folder, not a file: name the file to write"),
        ("{p}/.", "names a folder, not a file: name the file to write"),
        ("{p}/../posts.jsonl", "goes up from {p}, which is no folder: name the file without '..'"),
        ("{d}/nosuch/../posts.jsonl", "goes up from {d}/nosuch, which is no folder: name the file without '..'"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["classify", "{p}", "-o"],
        ["classify", "{p}", "--on-error", "skip", "--rejects"],
        ["train", "{p}", "--cv", "0", "--out"],
        ["evaluate", "{p}", "--errors"],
        ["report", "{p}", "-o"],
    ],
)
def test_an_output_spelled_so_that_no_file_opens_is_refused_where_it_had_replaced_the_input(
    posts: Path, small_model_path: Path, spelled: str, problem: str, command: list[str]
) -> None:
    before = posts.read_bytes()
    fill = {"p": str(posts), "d": str(posts.parent)}
    target = spelled.format(**fill)
    args = [part.format(**fill) for part in command] + [target]
    if command[0] != "train":
        args += ["--model", str(small_model_path)]
    result = run(*args)
    assert result.exit_code == 2, result.stdout
    option = command[-1].replace("-o", "--output") if command[-1] == "-o" else command[-1]
    said = f"Error: {option} {target} {problem.format(**fill)}"
    assert result.stderr.splitlines()[-1] == said
    assert posts.read_bytes() == before


@pytest.mark.parametrize(
    "command",
    [
        ["classify", "{p}", "--on-error", "skip", "--rejects"],
        ["evaluate", "{p}", "--errors"],
        ["report", "{p}", "-o"],
    ],
)
def test_an_output_named_as_a_folder_that_is_not_there_is_refused_not_written_as_a_file(
    posts: Path, small_model_path: Path, command: list[str]
) -> None:
    # Typer's Path type had dropped the '/': `report -o pages/` wrote a page named `pages`, exit 0.
    args = [part.format(p=str(posts)) for part in command] + [f"{posts.parent}/pages/", "--model", str(small_model_path)]
    result = run(*args)
    assert result.exit_code == 2, result.stderr
    option = "--output" if command[-1] == "-o" else command[-1]
    assert result.stderr.splitlines()[-1] == f"Error: {option} {posts.parent}/pages/ names a folder, not a file: name the file to write"
    assert not (posts.parent / "pages").exists()


def test_rejects_file_that_is_an_input_is_refused(posts: Path, small_model_path: Path) -> None:
    before = posts.read_bytes()
    result = run("classify", str(posts), "--on-error", "skip", "--rejects", str(posts), "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr == f"Error: --rejects {posts} is the same file as the input {posts}: writing it would destroy the input\n"
    assert posts.read_bytes() == before


def test_output_inside_an_input_directory_is_refused(posts: Path, small_model_path: Path) -> None:
    target = posts.parent / "labels.jsonl"
    result = run("classify", str(posts.parent), "-o", str(target), "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr == f"Error: --output {target} is inside the input directory {posts.parent}: write it elsewhere\n"
    assert not target.exists()


def test_an_output_in_a_folder_an_input_folder_links_to_is_refused(small_model_path: Path, tmp_path: Path) -> None:
    real, inputs = tmp_path / "real", tmp_path / "inputs"
    real.mkdir()
    inputs.mkdir()
    (real / "labels.jsonl").write_text('{"text": "an older post"}\n')
    (inputs / "linked").symlink_to(real, target_is_directory=True)  # the reader follows it, so it is an input too
    result = run("classify", str(inputs), "-o", str(real / "labels.jsonl"), "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --output {real / 'labels.jsonl'} is the same file as the input {inputs / 'linked' / 'labels.jsonl'}: "
        "writing it would destroy the input\n"
    )
    assert (real / "labels.jsonl").read_text() == '{"text": "an older post"}\n'


def test_output_and_rejects_that_are_one_file_are_refused(posts: Path, small_model_path: Path, tmp_path: Path) -> None:
    both = tmp_path / "out" / "both.jsonl"
    both.parent.mkdir()
    result = run(
        "classify", str(posts), "--on-error", "skip", "--rejects", str(both), "-o", str(both), "--model", str(small_model_path)
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == f"Error: --output {both} and --rejects {both} are the same file: name two files\n"
    assert not both.exists()


def test_devices_may_be_named_as_two_outputs(posts: Path, small_model_path: Path) -> None:
    result = run(
        "classify", str(posts), "--on-error", "skip", "--rejects", "/dev/null", "-o", "/dev/null", "--model", str(small_model_path)
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_train_out_that_is_its_data_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "labelled.jsonl"
    data.write_text('{"text": "our team ships on Friday", "label": "Enterprise"}\n')
    result = run("train", str(data), "--out", str(data), "--cv", "0")
    assert result.exit_code == 2
    assert result.stderr == f"Error: --out {data} is the same file as the input {data}: writing it would destroy the input\n"
    assert data.read_text().startswith('{"text"')
    held = tmp_path / "held.jsonl"
    held.write_text(data.read_text())
    dev = run("train", str(data), "--dev", str(held), "--out", str(held), "--cv", "0")
    assert dev.exit_code == 2
    assert dev.stderr == f"Error: --out {held} is the same file as the input {held}: writing it would destroy the input\n"
    inside = run("train", str(tmp_path), "--out", str(tmp_path / "m.npz"), "--cv", "0")
    assert inside.exit_code == 2
    assert inside.stderr == f"Error: --out {tmp_path / 'm.npz'} is inside the input directory {tmp_path}: write it elsewhere\n"


def test_train_out_dash_is_refused_not_written_as_a_file_named_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "labelled.jsonl"
    data.write_text('{"text": "our team ships on Friday", "label": "Enterprise"}\n')
    result = run("train", str(data), "--out", "-", "--cv", "0")
    assert result.exit_code == 2
    assert result.stderr == "Error: --out cannot be '-': name the model file (/dev/stdout writes it to stdout, ./- to a file named '-')\n"
    assert not (tmp_path / "-").exists()


def test_an_output_is_written_whole_and_a_failed_run_leaves_it_as_it_was(tmp_path: Path, small_model_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    # Batches grow from one post (1, 2, 4): the 7 posts before the bad line are done when it stops the run.
    posts.write_text("".join(f'{{"id": {i}, "text": "post number {i}"}}\n' for i in range(7)) + "{not json\n")
    target = tmp_path / "out" / "labels.jsonl"
    target.parent.mkdir()
    target.write_text("old results\n")
    result = run("classify", str(posts), "-o", str(target), "--model", str(small_model_path))
    assert result.exit_code == 1
    assert target.read_text() == "old results\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["labels.jsonl"]
    note, error = result.stderr.splitlines()[-2:]
    assert note == f"stopped early: {target} was not written (7 results were done; it is written only when the run completes)"
    assert error.startswith(f"Error: {posts}:8: ")


def test_an_interrupted_run_says_how_many_results_reached_stdout(
    posts: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from smclass.run import stream

    real = stream.classify_paths_in_batches

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        batches = real(*args, **kwargs)
        yield next(batches)
        yield next(batches)
        raise KeyboardInterrupt

    monkeypatch.setattr(stream, "classify_paths_in_batches", interrupted)
    result = run("classify", str(posts), "--model", str(small_model_path))
    assert result.exit_code == 130
    assert len(result.stdout.splitlines()) == 3  # batches grow from one post: 1 + 2
    assert "stopped early: 3 results written to stdout" in result.stderr
    target = tmp_path / "labels.jsonl"
    target.write_text("old\n")
    to_file = run("classify", str(posts), "-o", str(target), "--model", str(small_model_path))
    assert to_file.exit_code == 130
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.jsonl", "posts.jsonl"]


@pytest.mark.parametrize("extra", [[], ["--keep-fields"]])
def test_a_stop_inside_a_csv_batch_says_as_many_results_as_the_rows_written(
    posts: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str]
) -> None:
    from smclass.run import stream

    real = stream.classify_paths_in_batches

    class Breaking(list):  # type: ignore[type-arg]
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield self[0]
            raise KeyboardInterrupt

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        batches = real(*args, **kwargs)
        yield next(batches)
        yield Breaking(next(batches))

    monkeypatch.setattr(stream, "classify_paths_in_batches", interrupted)
    result = run("classify", str(posts), "--format", "csv", "--model", str(small_model_path), *extra)
    assert result.exit_code == 130
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert len(rows) == 2  # the first batch, and the first result of the second
    assert "stopped early: 2 results written to stdout" in result.stderr


def test_new_output_files_get_the_umask_mode_not_0600(posts: Path, small_model_path: Path, tmp_path: Path, umask_027: None) -> None:
    out = tmp_path / "labels.jsonl"
    assert run("classify", str(posts), "-o", str(out), "--model", str(small_model_path)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    model = model_lib.save(model_lib.load(small_model_path), tmp_path / "m.npz")
    assert stat.S_IMODE(model.stat().st_mode) == 0o640


def test_dask_part_files_get_the_umask_mode(posts: Path, small_model_path: Path, tmp_path: Path, umask_027: None) -> None:
    from smclass.run import dask_engine
    from smclass.run.stream import Options

    target = tmp_path / "part-00000.jsonl"
    result = dask_engine.classify_partition(small_model_path.read_bytes(), "m.npz", str(posts), str(posts), str(target), Options(), False)
    assert result.records == 6
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_replacing_an_output_keeps_its_mode_and_writes_through_a_link(posts: Path, small_model_path: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    real.chmod(0o600)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    assert run("classify", str(posts), "-o", str(link), "--model", str(small_model_path)).exit_code == 0
    assert link.is_symlink() and len(real.read_text().splitlines()) == 6
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_train_removes_stale_temporaries_of_its_own_target_only(tmp_path: Path, small_model_path: Path) -> None:
    dead = tmp_path / ".m.npz.999999999.abcdefgh.tmp"  # beyond any pid: its process is gone
    old_style = tmp_path / ".m.npz.k2j4h5g6.tmp"
    live = tmp_path / f".m.npz.{os.getppid()}.abcdefgh.tmp"
    other = tmp_path / ".other.npz.999999999.abcdefgh.tmp"
    for path in (dead, old_style, live, other):
        path.write_bytes(b"half a model")
    model_lib.save(model_lib.load(small_model_path), tmp_path / "m.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.npz", live.name, other.name])


def test_outputs_named_near_the_file_system_limit_are_written(posts: Path, small_model_path: Path, tmp_path: Path) -> None:
    # A name of 251 bytes can be written, but its temporary (".NAME.PID.XXXXXXXX.tmp") could not:
    # the run failed with "cannot write (File name too long)", exit 1.
    out, rejects = tmp_path / ("o" * 245 + ".jsonl"), tmp_path / ("é" * 123 + ".jsonl")
    posts.write_bytes(posts.read_bytes() + b"not json\n")
    result = run("classify", str(posts), "-o", str(out), "--on-error", "skip", "--rejects", str(rejects), "--model", str(small_model_path))
    assert result.exit_code == 0, result.stderr
    assert (len(out.read_text().splitlines()), rejects.read_bytes()) == (6, b"not json\n")
    model = tmp_path / ("m" * 251 + ".npz")
    dead = tmp_path / f"{atomic.temp_prefix(model)}999999999.abcdefgh.tmp"  # a killed run's, beyond any pid
    dead.write_bytes(b"half a model")
    model_lib.save(model_lib.load(small_model_path), model)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([posts.name, out.name, rejects.name, model.name])


def test_full_disk_is_one_error_line(posts: Path, small_model_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    for fmt in ("jsonl", "csv", "table"):
        result = run("classify", str(posts), "-o", "/dev/full", "--format", fmt, "-q", "--model", str(small_model_path))
        assert result.exit_code == 1
        assert result.stderr == "Error: /dev/full: cannot write (No space left on device)\n"
        # Not "stopped early: 1 result written to /dev/full": none was.
        told = run("classify", str(posts), "-o", "/dev/full", "--format", fmt, "--model", str(small_model_path)).stderr.splitlines()
        assert told[1:] == ["Error: /dev/full: cannot write (No space left on device)"], told
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize(
    "args",
    [
        ["labels", "--json"],
        ["labels"],
        ["info", "--json"],
        ["info"],
        ["sample"],
        ["evaluate", "{labelled}", "-q"],
        ["report", "{posts}", "--json", "-q"],
        ["report", "{posts}", "-o", "-", "-q"],
    ],
)
def test_text_json_and_pages_on_a_full_stdout_are_one_error_line(posts: Path, fixtures: Path, args: list[str]) -> None:
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    command = [sys.executable, "-m", "smclass", *[a.format(posts=posts, labelled=fixtures / "labelled.jsonl") for a in args]]
    with open("/dev/full", "wb") as full:
        done = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (1, b"Error: stdout: cannot write (No space left on device)\n")


def test_model_to_a_full_disk_is_an_output_error_and_the_device_stays(small_model_path: Path, tmp_path: Path) -> None:
    from smclass.errors import OutputError

    full = Path("/dev/full")
    if os.geteuid() == 0:
        # Root could replace /dev/full itself if the device rule broke: use a node of our own.
        full = tmp_path / "full"
        os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    elif not full.exists():
        pytest.skip("no /dev/full")
    with pytest.raises(OutputError, match=rf"^{full}: cannot write \(No space left on device\)$"):
        model_lib.save(model_lib.load(small_model_path), full)
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_read_only_output_directory_is_one_error_line(posts: Path, small_model_path: Path, read_only_dir: Path) -> None:
    from smclass.errors import OutputError

    target = read_only_dir / "labels.jsonl"
    result = run("classify", str(posts), "-o", str(target), "-q", "--model", str(small_model_path))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {target}: cannot write (Permission denied)\n"
    with pytest.raises(OutputError, match=r"m.npz: cannot write \(Permission denied\)$"):
        model_lib.save(model_lib.load(small_model_path), read_only_dir / "m.npz")


def test_a_rejects_or_errors_file_that_is_also_stdout_is_refused(posts: Path, small_model_path: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    both = tmp_path / "both.jsonl"
    commands = [
        ("--rejects", ["classify", str(posts), "--on-error", "skip", "--rejects", str(both)]),
        ("--errors", ["evaluate", str(tmp_path / "labelled.jsonl"), "--errors", str(both), "--json"]),
    ]
    (tmp_path / "labelled.jsonl").write_text('{"text": "Sign the petition", "label": "Emergent"}\n', encoding="utf-8")
    for option, args in commands:
        with both.open("wb") as out:  # `> both.jsonl`: the shell opens stdout on the file first
            command = [sys.executable, "-m", "smclass", *args, "--model", str(small_model_path)]
            done = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, timeout=120, check=False)
        assert (done.returncode, both.read_bytes()) == (2, b"")
        assert done.stderr == f"Error: {option} {both} is the same file as stdout: name two files\n".encode()


def test_stdout_or_stdin_that_is_the_output_or_the_input_is_refused(posts: Path, small_model_path: Path) -> None:
    import subprocess
    import sys

    before = posts.read_bytes()
    command = [sys.executable, "-m", "smclass", "classify", str(posts), "--model", str(small_model_path)]
    with posts.open("ab") as appended:  # `smclass classify posts.jsonl >> posts.jsonl` would read its own results
        done = subprocess.run(command, stdout=appended, stderr=subprocess.PIPE, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == f"Error: stdout is the same file as the input {posts}: writing it would destroy the input\n".encode()
    assert posts.read_bytes() == before
    command = [sys.executable, "-m", "smclass", "classify", "-", "-o", str(posts), "--model", str(small_model_path)]
    with posts.open("rb") as stdin:
        done = subprocess.run(command, stdin=stdin, capture_output=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == f"Error: --output {posts} is the same file as the input stdin: writing it would destroy the input\n".encode()
    assert posts.read_bytes() == before


def test_a_stderr_sent_into_an_input_is_refused_before_its_notes_are_read_back_as_posts(
    posts: Path, small_model_path: Path, tmp_path: Path
) -> None:
    # `smclass classify posts.jsonl --on-error skip 2>> posts.jsonl` wrote its notes into the input (on a
    # file of 20,000 lines it read each skip's note back as a bad line and skipped it again, the input
    # growing without end), and a log kept in the input folder had this run's notes labelled as posts.
    posts.write_bytes(posts.read_bytes() + b"not json\n")
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "posts.jsonl").write_bytes(posts.read_bytes())
    log = folder / "smclass.log"
    for given, target, extra in ((posts, posts, ["--on-error", "skip"]), (folder, log, [])):
        before = target.read_bytes() if target.exists() else b""
        command = [sys.executable, "-m", "smclass", "classify", str(given), *extra, "--model", str(small_model_path)]
        with target.open("ab") as appended:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=appended, timeout=120, check=False)
        refused = f"Error: stderr is the same file as the input {target}: its notes would be read back as posts; send stderr elsewhere\n"
        assert (done.returncode, done.stdout) == (2, b"")
        assert target.read_bytes() == before + refused.encode()


def test_a_stderr_shared_with_stdout_or_in_a_file_of_its_own_is_no_input(posts: Path, small_model_path: Path, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    command = [sys.executable, "-m", "smclass", "classify", str(posts), "--model", str(small_model_path)]
    with log.open("wb") as both:  # > run.log 2>&1
        done = subprocess.run(command, stdout=both, stderr=both, timeout=120, check=False)
    assert done.returncode == 0
    assert log.read_text().count('"label"') == len(posts.read_text().splitlines())


def test_dask_parts_that_would_replace_inputs_are_refused(posts: Path, small_model_path: Path) -> None:
    pytest.importorskip("distributed")
    part = posts.parent / "part-00000.jsonl"
    posts.rename(part)
    result = run("classify", str(part), "--engine", "dask", "-o", str(part.parent), "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr == f"Error: --output {part} is the same file as the input {part}: writing it would destroy the input\n"


def test_report_and_evaluate_errors_that_are_an_input_are_refused(posts: Path, small_model_path: Path) -> None:
    before = posts.read_bytes()
    report = run("report", str(posts), "-o", str(posts), "--model", str(small_model_path))
    assert report.exit_code == 2
    assert report.stderr == f"Error: --output {posts} is the same file as the input {posts}: writing it would destroy the input\n"
    errors = run("evaluate", str(posts), "--errors", str(posts), "--model", str(small_model_path))
    assert errors.exit_code == 2
    assert errors.stderr == f"Error: --errors {posts} is the same file as the input {posts}: writing it would destroy the input\n"
    assert posts.read_bytes() == before


def test_files_written_whole_write_into_a_device_and_never_replace_it(tmp_path: Path) -> None:
    from smclass.errors import OutputError
    from smclass.run.output import write_atomically

    if os.geteuid() != 0:
        pytest.skip("only root could replace a device node")
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    with pytest.raises(OutputError, match=r"full: cannot write \(No space left on device\)$"):
        write_atomically(full, b"a report")
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_output_reached_through_a_link_inside_an_input_directory_is_refused(posts: Path, small_model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "posts.jsonl").symlink_to(posts)
    result = run("classify", str(folder), "-o", str(posts), "--model", str(small_model_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --output {posts} is the same file as the input {folder / 'posts.jsonl'}: writing it would destroy the input\n"
    )


def test_no_output_is_written_over_the_model_file_a_command_reads(posts: Path, small_model_path: Path, tmp_path: Path) -> None:
    model = tmp_path / "mine.npz"
    model.write_bytes(small_model_path.read_bytes())
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text('{"text": "the council meets on Monday about the bridge", "label": "Media"}\n')
    refused = f"is the same file as the input {model}: writing it would destroy the input\n"
    attempts = {
        "--output": ["classify", str(posts), "-o", str(model), "-m", str(model)],
        "--errors": ["evaluate", str(labelled), "--errors", str(model), "-m", str(model)],
        "--output ": ["report", str(posts), "-o", str(model), "-m", str(model)],
    }
    for option, args in attempts.items():
        result = run(*args)
        assert (result.exit_code, result.stderr) == (2, f"Error: {option.strip()} {model} {refused}"), args
    assert model.read_bytes() == small_model_path.read_bytes()


@pytest.mark.parametrize(
    "command",
    [["suggest", "-n", "1"], ["audit", "-q"], ["evaluate", "--json"], ["report", "--json"]],
    ids=["suggest", "audit", "evaluate", "report"],
)
def test_analyst_commands_refuse_a_stdout_that_is_their_input(command: list[str], small_model_path: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text('{"text": "the council meets on Monday about the bridge", "label": "Media"}\n')
    before = labelled.read_bytes()
    args = [sys.executable, "-m", "smclass", command[0], str(labelled), *command[1:], "--model", str(small_model_path)]
    with labelled.open("ab") as appended:  # `smclass suggest pool.jsonl >> pool.jsonl`
        done = subprocess.run(args, stdout=appended, stderr=subprocess.PIPE, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == f"Error: stdout is the same file as the input {labelled}: writing it would destroy the input\n".encode()
    assert labelled.read_bytes() == before


def _run_waiting_with_results_in_its_temporary(tmp_path: Path, small_model_path: Path, **popen: Any) -> tuple[Any, Path]:
    import subprocess
    import sys
    import time

    out = tmp_path / "labels.jsonl"
    command = [sys.executable, "-m", "smclass", "classify", "-", "-o", str(out), "--jobs", "1", "--model", str(small_model_path)]
    run = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, **popen)
    assert run.stdin is not None
    # More than the head read to tell the format; stdin stays open, so the run waits for more
    # with its first results in the temporary.
    run.stdin.write(b"".join(b'{"id": %d, "text": "the bus was late again"}\n' % i for i in range(5000)))
    run.stdin.flush()
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".labels.jsonl.") and p.stat().st_size for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline, "no results were written"
        time.sleep(0.05)
    return run, out


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGHUP"])
def test_sigterm_or_sighup_stops_a_run_as_ctrl_c_does_leaving_no_partial_output(tmp_path: Path, small_model_path: Path, stop: str) -> None:
    import signal

    run, out = _run_waiting_with_results_in_its_temporary(tmp_path, small_model_path)
    # Before, SIGHUP (a closed terminal or ssh session) ended the run at its default, exit 129, the temporary left behind.
    run.send_signal(getattr(signal, stop))
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 128 + getattr(signal, stop)
    assert "stopped early: " + str(out) + " was not written (" in stderr.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_run_under_nohup_outlives_a_sighup(tmp_path: Path, small_model_path: Path) -> None:
    import signal

    def ignore_hangups() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    run, out = _run_waiting_with_results_in_its_temporary(tmp_path, small_model_path, preexec_fn=ignore_hangups)
    run.send_signal(signal.SIGHUP)
    _, stderr = run.communicate(b'{"id": "last", "text": "the bus came at last"}\n', timeout=60)
    assert run.returncode == 0, stderr.decode()
    assert len(out.read_text().splitlines()) == 5001


def test_a_forked_child_stopped_by_sigterm_just_ends_without_a_traceback() -> None:
    """cleanlab's pool forks workers that inherit our SIGTERM handler, then stops them with SIGTERM."""
    import signal
    import subprocess
    import sys

    script = """
import importlib, multiprocessing, os, signal, sys, time
stops = importlib.import_module("smclass.cli.stops")
stops.handle_sigterm()

def busy():
    while True:
        sum(range(1000))

child = multiprocessing.get_context("fork").Process(target=busy)
child.start()
time.sleep(0.5)
child.terminate()
child.join(30)
print(child.exitcode)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == (f"{-signal.SIGTERM}\n", "")


def test_info_refuses_a_stdout_that_is_the_model_file_it_reads(small_model_path: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    model = tmp_path / "m.npz"
    model.write_bytes(small_model_path.read_bytes())
    with model.open("ab") as appended:
        done = subprocess.run(
            [sys.executable, "-m", "smclass", "info", "-m", str(model), "--json"], stdout=appended, stderr=subprocess.PIPE, check=False
        )
    assert (done.returncode, done.stderr) == (
        2,
        f"Error: stdout is the same file as the input {model}: writing it would destroy the input\n".encode(),
    )
    assert model.read_bytes() == small_model_path.read_bytes()


def test_a_library_warning_is_one_line_and_none_with_quiet() -> None:
    import warnings

    import typer

    from smclass.cli import app as smclass_app

    @smclass_app.command("warn-once")
    def warn_once(quiet: bool = typer.Option(False, "--quiet", "-q")) -> None:
        warnings.warn("Liblinear failed to converge", UserWarning, stacklevel=1)

    try:
        loud = runner.invoke(smclass_app, ["warn-once"])
        quiet = runner.invoke(smclass_app, ["warn-once", "-q"])
    finally:
        smclass_app.registered_commands.pop()
    assert (loud.exit_code, loud.stderr) == (0, "warning: Liblinear failed to converge\n")
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert "PYTHONWARNINGS" not in os.environ or os.environ["PYTHONWARNINGS"] != "ignore"


def test_a_library_warning_given_again_is_said_once() -> None:
    import warnings

    from smclass.cli import app as smclass_app

    # audit's fold models each gave scikit-learn's convergence warning anew: twelve alike lines in one run.
    @smclass_app.command("warn-often")
    def warn_often() -> None:
        for text in ("Liblinear failed to converge", "Liblinear failed to converge", "another", "Liblinear failed to converge"):
            with warnings.catch_warnings():
                warnings.simplefilter("always")  # as scikit-learn's fits set it, which let each fold's warning through
                warnings.warn(text, UserWarning, stacklevel=1)

    try:
        done = runner.invoke(smclass_app, ["warn-often"])
    finally:
        smclass_app.registered_commands.pop()
    assert (done.exit_code, done.stderr) == (0, "warning: Liblinear failed to converge\nwarning: another\n")


def test_sigterm_before_the_first_result_still_says_the_run_stopped_early(tmp_path: Path, small_model_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "labels.jsonl"
    command = [sys.executable, "-m", "smclass", "classify", "-", "-o", str(out), "--model", str(small_model_path)]
    run = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    assert run.stdin is not None
    # No line is complete yet: the run waits for more, with no result yet.
    run.stdin.write(b'{"id": 1, "text": "the bus was late')
    run.stdin.flush()
    time.sleep(3)
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 128 + signal.SIGTERM
    assert (
        stderr.decode().splitlines()[-1]
        == f"stopped early: {out} was not written (0 results were done; it is written only when the run completes)"
    )
    assert not out.exists()


def _shell(command: str, cwd: Path) -> tuple[int, bytes]:
    import subprocess
    import sys

    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, capture_output=True, env={**os.environ, "SMCLASS": f"{sys.executable} -m smclass"}
    )
    return done.returncode, done.stdout


def test_output_to_dev_stdout_appended_by_the_shell_keeps_what_the_file_held(tmp_path: Path, small_model_path: Path) -> None:
    (tmp_path / "posts.jsonl").write_text('{"id": 1, "text": "the stand-up moves to ten"}\n{"id": 2, "text": "march with us"}\n')
    (tmp_path / "log").write_bytes(b"line one from before\n")
    code, _ = _shell(f"$SMCLASS classify posts.jsonl -o /dev/stdout -q --model {small_model_path} >> log", tmp_path)
    assert code == 0
    held = (tmp_path / "log").read_bytes().splitlines()
    assert held[0] == b"line one from before"
    assert [line.split(b",")[0] for line in held[1:]] == [b'{"id":1', b'{"id":2']


def test_output_to_dev_stdout_that_is_a_pipe_goes_down_the_pipe(tmp_path: Path, small_model_path: Path) -> None:
    (tmp_path / "posts.jsonl").write_text('{"id": 1, "text": "the stand-up moves to ten"}\n')
    code, out = _shell(f"$SMCLASS classify posts.jsonl -o /dev/stdout -q --model {small_model_path} | cat", tmp_path)
    assert (code, out.split(b",")[0]) == (0, b'{"id":1')


def test_an_option_naming_stdout_is_refused_when_stdout_is_a_pipe(small_model_path: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    posts = tmp_path / "labelled.jsonl"
    posts.write_text('{"text": "the river path floods again", "label": "Personal"}\n')
    command = [sys.executable, "-m", "smclass", "evaluate", str(posts), "-m", str(small_model_path), "--json", "-q"]
    command += ["--errors", "/dev/stdout"]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    # A reader of the JSON on the pipe would get the error records mixed into it.
    assert (done.returncode, done.stdout) == (2, b"")
    assert done.stderr == b"Error: --errors /dev/stdout is the same file as stdout: name two files\n"


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["{p}", "{p}"], "{p} is given twice"),
        (["{p}", "{link}"], "{p} and {link} are the same file"),
        (["{folder}", "{folder}/posts.jsonl"], "{folder}/posts.jsonl is also in the input folder {folder}"),
        (["{folder}", "{folder}/sub"], "{folder}/sub/more.jsonl is read from both input folders {folder} and {folder}/sub"),
    ],
)
@pytest.mark.parametrize("command", ["classify", "report"])
def test_an_input_given_twice_is_refused_before_its_posts_are_read_twice(
    posts: Path, small_model_path: Path, tmp_path: Path, given: list[str], said: str, command: str
) -> None:
    (tmp_path / "link.jsonl").symlink_to(posts)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.jsonl").write_text('{"id": 9, "text": "another post"}\n')
    places = {"p": str(posts), "link": str(tmp_path / "link.jsonl"), "folder": str(tmp_path)}
    extra = ["--model", str(small_model_path)] if command == "classify" else ["--json"]
    result = run(command, *[name.format(**places) for name in given], *extra)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {said.format(**places)}: its posts would be read twice\n"


def test_a_file_the_folder_reader_passes_over_may_be_given_beside_its_folder(small_model_path: Path, tmp_path: Path) -> None:
    notes = tmp_path / "README.md"
    notes.write_text("a note about the posts\n")
    (tmp_path / "posts.jsonl").write_text('{"id": 1, "text": "a post"}\n')
    result = run("classify", str(notes), str(tmp_path), "-q", "--model", str(small_model_path))
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


def test_stdin_redirected_from_a_file_also_named_is_refused(posts: Path, small_model_path: Path) -> None:
    command = [sys.executable, "-m", "smclass", "classify", str(posts), "-", "--model", str(small_model_path)]
    with posts.open("rb") as stdin:
        done = subprocess.run(command, stdin=stdin, capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"Error: {posts} and stdin are the same file: its posts would be read twice\n"


def test_a_failed_run_leaves_the_last_good_rejects_file_as_it_was(tmp_path: Path, small_model_path: Path) -> None:
    import gzip

    good = tmp_path / "in.jsonl"
    good.write_text('{"id":"a","text":"standup at 10"}\n{"id":"b","text": bad\n')
    rejects = tmp_path / "rejects.jsonl"
    assert run("classify", str(good), "--model", str(small_model_path), "--on-error", "skip", "--rejects", str(rejects)).exit_code == 0
    kept = rejects.read_bytes()
    assert kept == b'{"id":"b","text": bad\n'
    planned = run("classify", str(good), "--model", str(small_model_path), "--on-error", "skip", "--rejects", str(rejects), "-t", "nosuch")
    assert planned.exit_code == 2 and rejects.read_bytes() == kept
    damaged = bytearray(gzip.compress(b"".join(b'{"id":%d,"text":"post %d"}\n' % (i, i) for i in range(200)) + b'{"text": bad\n'))
    damaged[-8] ^= 0xFF  # the CRC: the stream is damaged, and all read from it in doubt
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(bytes(damaged))
    failed = run("classify", str(broken), "--model", str(small_model_path), "--on-error", "skip", "--rejects", str(rejects))
    assert failed.exit_code == 1
    assert f"{rejects} was not written (it is written only when the run completes)" in failed.stderr
    assert rejects.read_bytes() == kept


def test_a_run_stopped_early_says_what_a_rejects_fifo_already_took(tmp_path: Path) -> None:
    from smclass.run.paths import rejects_left

    fifo = tmp_path / "rejects.fifo"
    os.mkfifo(fifo)
    assert rejects_left(fifo, 2) == f"2 rejects written to {fifo}"
    plain = tmp_path / "rejects.jsonl"
    assert rejects_left(plain, 2) == f"{plain} was not written (it is written only when the run completes)"


def test_csv_with_kept_fields_writes_wide_integers_and_names_that_are_not_utf8(tmp_path: Path, small_model_path: Path) -> None:
    # Both stopped at the first such row: "internal error ... TypeError", the header alone written.
    line = b'{"id": 1, "text": "our team sprint ends friday", "user": {"id": 123456789012345678901234567890}}\n'
    odd = tmp_path / os.fsdecode(b"n\xffame.jsonl")
    odd.write_bytes(line)
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(line)
    result = run("classify", str(odd), str(plain), "--format", "csv", "--keep-fields", "--model", str(small_model_path), "-q")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["source"] for row in rows] == [str(tmp_path / "n\\xffame.jsonl"), str(plain)]
    assert [row["record.user"] for row in rows] == ['{"id":123456789012345678901234567890}'] * 2


def test_a_stop_inside_a_write_says_part_of_the_next_batch_may_have_gone_out() -> None:
    from smclass.run.paths import ResultsStream

    class FullPipe(io.BytesIO):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            super().write(data[: len(data) // 2])
            raise KeyboardInterrupt

    stream = ResultsStream(FullPipe(), "stdout", stdout=True)
    with pytest.raises(KeyboardInterrupt):
        stream.write(b'{"id":1}\n{"id":2}\n')
    assert stream.stopped(0) == "0 results written to stdout, and part of the next batch (its last line may be cut short)"
    calm = ResultsStream(io.BytesIO(), "stdout", stdout=True)
    calm.write(b'{"id":1}\n')
    assert calm.stopped(1) == "1 result written to stdout"


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["train", "{p}", "--cv", "0", "--out"], "--out"),
        (["evaluate", "{p}", "--errors"], "--errors"),
        (["report", "{p}", "-o"], "--output"),
    ],
)
def test_an_empty_output_name_is_said_to_be_empty(posts: Path, small_model_path: Path, command: list[str], option: str) -> None:
    # It had been "--output . names a folder" (or "--out names a folder"), a '.' the user never typed, as classify -o '' is not.
    args = [part.format(p=str(posts)) for part in command] + [""]
    if command[0] != "train":
        args += ["--model", str(small_model_path)]
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {option} is empty: name a file"


@pytest.mark.parametrize(
    "command",
    [
        ["classify", ""],
        ["evaluate", ""],
        ["report", "--json", ""],
        ["suggest", ""],
        ["audit", ""],
        ["train", "{p}", "--out", "m.npz", "--dev", ""],
    ],
)
def test_an_input_named_by_empty_text_is_refused_not_read_as_the_working_folder(
    posts: Path, small_model_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Path("") is Path("."): `smclass classify "$UNSET"` had labelled every file of the working folder, exit 0.
    import smclass
    from smclass.errors import UsageError

    monkeypatch.chdir(posts.parent)
    result = run(*[part.format(p=str(posts)) for part in command])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == "Error: an input named is empty text: name a file or a folder, or - for stdin"
    with pytest.raises(UsageError):
        list(smclass.read(""))


@pytest.mark.parametrize("unbuffered", [True, False])
def test_stdout_cut_short_by_a_full_disk_is_one_error_line(posts: Path, small_model_path: Path, tmp_path: Path, unbuffered: bool) -> None:
    # Under PYTHONUNBUFFERED=1 (many container images set it) stdout is a raw stream: a write on a
    # disk filling up takes what fits and says so, and the rest had been dropped: exit 0, the last line cut.
    # Buffered, the rest waits in the buffer, whose flush failed again as Python exited: exit 120, two lines of its own.
    resource = pytest.importorskip("resource")
    import signal

    command = [sys.executable, "-m", "smclass", "classify", str(posts), "-q", "--model", str(small_model_path)]
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    whole = subprocess.run(command, capture_output=True, env=env, timeout=120, check=True).stdout
    room = len(whole) - 10

    def small_disk() -> None:  # the file may grow to `room` bytes, as a disk with that much room left
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (room, room))

    out = tmp_path / "labels.jsonl"
    with open(out, "wb") as handle:
        done = subprocess.run(command, stdout=handle, stderr=subprocess.PIPE, env=env, preexec_fn=small_disk, timeout=120, check=False)
    assert (done.returncode, done.stderr) == (1, b"Error: stdout: cannot write (File too large)\n")
    assert out.read_bytes() == whole[:room]
