"""Damage that a stream's check finds only at its end is named, not the garbled line it made on the way."""

from __future__ import annotations

import gzip
import json
import random
import zipfile
import zlib
from pathlib import Path

from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()
# Words drawn at random compress little: a flipped bit garbles a byte or two instead of breaking the stream.
WORDS = [
    *("the", "bus", "was", "late", "again", "my", "parcel", "never", "arrived", "team", "offsite"),
    *("next", "week", "baked", "bread", "with", "kids", "pottery", "class", "garden", "coffee", "friends"),
]


def classify(model: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)])


def inflated_before_the_check(data: bytes) -> bytes:
    """What a gzip stream inflates to, asserting that only its check at the end fails."""
    unpacked = zlib.decompressobj(31)
    out = []
    try:
        for at in range(0, len(data), 64):
            out.append(unpacked.decompress(data[at : at + 64]))
    except zlib.error as exc:
        assert "incorrect data check" in str(exc)
        return b"".join(out)
    raise AssertionError("the stream passed its check")


def test_a_gzip_whose_flipped_byte_garbles_a_line_is_named_damaged_not_the_line(small_model_path: Path, tmp_path: Path) -> None:
    pick = random.Random(7)
    body = "".join(json.dumps({"id": i, "text": " ".join(pick.choice(WORDS) for _ in range(12))}) + "\n" for i in range(400))
    data = bytearray(gzip.compress(body.encode(), mtime=0))
    data[361] ^= 0x01  # inflates without a zlib error: line 9 comes out garbled, and the CRC fails at the end
    lines = inflated_before_the_check(bytes(data)).split(b"\n")
    assert lines[:8] == body.encode().split(b"\n")[:8] and lines[8].startswith(b'{"id": e, "text": "class offsite')
    path = tmp_path / "posts.jsonl.gz"
    path.write_bytes(bytes(data))
    result = classify(small_model_path, str(path), "-q")
    assert result.exit_code == 1
    # It had been "Error: posts.jsonl.gz:9: invalid JSON (...)", a line that is fine in the file as written.
    said = result.stderr.splitlines()[-1]
    assert said.startswith(f"Error: {path}: damaged gzip data (CRC check failed ")
    assert said.endswith("): the records read from it before this may be wrong too")


def test_a_zip_member_whose_damage_refuses_its_document_is_named_damaged(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.zip"
    document = json.dumps({"posts": [{"id": i, "text": f"post {i} about the late bus"} for i in range(1, 6)]}, indent=1)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.json", document)
    path.write_bytes(path.read_bytes().replace(b'"id": 3,', b'"id": 3;', 1))  # stored: a changed byte, and the CRC fails
    result = classify(small_model_path, str(path), "--on-error", "skip")
    assert (result.exit_code, result.stdout) == (1, "")
    # It had been "Error: posts.zip!a.json:12: invalid JSON (expecting ',' delimiter at column 11)".
    damage = "damaged zip member (Bad CRC-32 for file 'a.json'): the records read from it before this may be wrong too"
    assert result.stderr.splitlines()[-1] == f"Error: {path}!a.json: {damage}"


def test_a_bad_line_of_a_sound_gzip_is_still_named_by_its_line(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"id": 1, "text": "the bus was late"}\n{"id": 2, "text": tru}\n{"id": 3, "text": "fine"}\n'))
    result = classify(small_model_path, str(path), "-q")
    assert (result.exit_code, result.stderr) == (1, f"Error: {path}:2: invalid JSON (invalid literal, expected 'true')\n")
