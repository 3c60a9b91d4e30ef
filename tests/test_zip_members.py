"""Zip members that are no file of posts, zips joined with cat, names as unzip reads them: each once read wrongly with exit 0."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()
POST = b'{"id": "p1", "text": "baked bread with my kids this morning"}\n'


def classify(model: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)])


def ids(output: str) -> list[str]:
    return [json.loads(line)["id"] for line in output.splitlines() if line.strip()]


def test_a_link_in_a_zip_is_passed_over_with_a_note_never_read_as_a_post_of_its_path(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "links.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("diary.jsonl", POST)
        link = zipfile.ZipInfo("latest.txt")
        link.create_system = 3  # Unix: the mode's high bits say a symbolic link, as zip -y stores one
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "diary.jsonl")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["p1"]  # the link's "post" diary.jsonl had been labelled too
    assert f"skipped {path}!latest.txt: a link to diary.jsonl, which a zip holds as that path, not as a file\n" in result.stderr


def one_zip(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_two_zips_joined_with_cat_are_refused_not_read_as_the_last_one_alone(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "joined.zip"
    second = b'{"id": "s1", "text": "my parcel never arrived, please help"}\n'
    path.write_bytes(one_zip("first.jsonl", POST) + one_zip("second.jsonl", second))
    result = classify(small_model_path, str(path))
    # zipfile reads the last archive's list of members: p1 had been dropped unsaid, exit 0.
    assert (result.exit_code, result.stdout) == (1, "")
    said = "holds another zip archive before this one (joined with cat?), whose members would not be read"
    assert result.stderr == f"Error: {path}: {said}: make one archive of both (zip -FF {path} --out whole.zip)\n"


def test_a_zip_joined_after_another_is_refused_when_it_holds_nothing_itself(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "joined.zip"
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    path.write_bytes(one_zip("first.jsonl", POST) + empty.getvalue())
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1  # it had been "holds no files to read", exit 0
    assert result.stderr.startswith(f"Error: {path}: holds another zip archive before this one (joined with cat?)")


def test_a_self_extracting_zip_is_read_past_its_program(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "sfx.zip"
    path.write_bytes(b"MZ\x90\x00" + bytes(4000) + one_zip("first.jsonl", POST))
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["p1"]


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        # The encryption flag; Deflate64 (method 9, which Windows writes), which zipfile cannot inflate.
        (6, 1, "is encrypted: smclass opens no password-protected zip; unzip it with its password first"),
        (8, 9, "cannot open this zip member (That compression method is not supported)"),
    ],
)
def test_a_zip_member_that_cannot_be_opened_is_a_note_under_skip_and_no_line_of_the_rejects_file(
    small_model_path: Path, tmp_path: Path, field: int, value: int, said: str
) -> None:
    path = tmp_path / "locked.zip"
    data = bytearray(one_zip("a.jsonl", POST))
    # In the member's local header and in the central directory (whose fields sit 2 bytes further on).
    data[field] |= value
    data[data.find(b"PK\x01\x02") + field + 2] |= value
    other = one_zip("b.jsonl", b'{"id": "b1", "text": "open post about my garden"}\n')
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path, "a") as archive, zipfile.ZipFile(io.BytesIO(other)) as more:
        archive.writestr("b.jsonl", more.read("b.jsonl"))
    rejects = tmp_path / "rejects.jsonl"
    skipped = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert skipped.exit_code == 0, skipped.stderr
    assert ids(skipped.stdout) == ["b1"]
    assert f"skipped {path}!a.jsonl: {said}\n" in skipped.stderr
    assert rejects.read_bytes() == b""  # it had held "{}", a line that is none of the input's
    stopped = classify(small_model_path, str(path))
    assert (stopped.exit_code, stopped.stdout, stopped.stderr) == (1, "", f"Error: {path}!a.jsonl: {said}\n")


def test_a_member_name_in_utf8_without_the_utf8_flag_is_read_as_utf8_as_unzip_reads_it(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "names.zip"
    # Info-ZIP on Linux writes the name's bytes as they are, flag bit 11 unset (zipfile sets it for a name not ASCII).
    path.write_bytes(one_zip("cafXY.jsonl", POST).replace(b"cafXY", "café".encode()))
    with zipfile.ZipFile(path) as archive:
        assert archive.infolist()[0].flag_bits & 0x800 == 0
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"] == f"{path}!café.jsonl"  # it had been caf├⌐.jsonl
