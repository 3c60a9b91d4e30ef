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
    rejects = tmp_path / "rejects.csv"
    args = ["classify", str(source), "--engine", "dask", "--jobs", "2", "-o", str(tmp_path / "parts"), "--on-error", "skip"]
    result = runner.invoke(app, [*args, "--rejects", str(rejects), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    assert rejects.read_bytes() == b'id,text\n2,"caf\xe9, ""quoted"""\n'
