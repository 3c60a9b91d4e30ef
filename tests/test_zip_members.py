"""Zip members that are no file of posts, zips joined with cat, names as unzip reads them: each once read wrongly with exit 0."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

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
