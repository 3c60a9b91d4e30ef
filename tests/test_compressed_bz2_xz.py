"""bzip2 and xz streams read as gzip is: by their first bytes, streamed, a cut as gzip's cut; a tar archive named as one."""

from __future__ import annotations

import bz2
import io
import lzma
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.reading.inputs import Reading, read_stream

runner = CliRunner()

LINES = b"".join(b'{"id": "p%d", "text": "the harbour ferry ran late, trip %d"}\n' % (i, i) for i in range(6000))
# bzip2 in blocks of 100 KB: a cut stream still gives its first blocks.
COMPRESS: dict[str, Callable[[bytes], bytes]] = {"bzip2": lambda data: bz2.compress(data, 1), "xz": lzma.compress}


@pytest.mark.parametrize("kind", COMPRESS)
def test_bzip2_and_xz_are_read_whatever_the_name(kind: str) -> None:
    records = list(read_stream(io.BytesIO(COMPRESS[kind](LINES)), "posts.bin", reading=Reading()))
    assert [r.data["id"] for r in records] == [f"p{i}" for i in range(6000)]


@pytest.mark.parametrize("kind", COMPRESS)
def test_a_cut_bzip2_or_xz_stream_keeps_what_came_before_and_says_it_was_cut(kind: str, small_model_path: Path, tmp_path: Path) -> None:
    data = COMPRESS[kind](LINES)
    path = tmp_path / "posts.jsonl.cut"
    path.write_bytes(data[: len(data) * 2 // 3])
    result = runner.invoke(app, ["classify", str(path), "--model", str(small_model_path)])
    assert result.exit_code == 1
    done = [line for line in result.stdout.splitlines() if line]
    assert done and all(f'"p{i}"' in line for i, line in enumerate(done))
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"Error: {path}:{len(done) + 1}: cut short: damaged {kind} data (")
    assert last.endswith("); reading of this input stopped there")


def test_text_that_starts_like_bzip2_is_text() -> None:
    records = list(read_stream(io.BytesIO(b"BZh9 is a strange way to start a post\nso is this\n"), "x.txt", reading=Reading()))
    assert [r.data["text"] for r in records] == ["BZh9 is a strange way to start a post", "so is this"]


def test_a_tar_archive_is_named_as_one(small_model_path: Path, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_bytes(LINES)
    archive = tmp_path / "posts.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(posts, arcname="posts.jsonl")
    result = runner.invoke(app, ["classify", str(archive), "--model", str(small_model_path)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {archive}: a tar archive, which is not opened: unpack it first (tar xf FILE) and give its folder\n"


def test_an_old_excel_workbook_is_named_as_one(small_model_path: Path, tmp_path: Path) -> None:
    # The first sector of an OLE2 file: its signature, then a header of mostly zeros.
    old = tmp_path / "posts.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    result = runner.invoke(app, ["classify", str(old), "--model", str(small_model_path)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {old}: an OLE2 file (an Excel 97-2003 .xls workbook?), which is not read: save it as .xlsx or .csv\n"
