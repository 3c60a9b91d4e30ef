"""No command writes over what smclass ships, and train's output is a file --model can name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.model import files as model_lib

from .conftest import corpus_rows, stratified_slice

runner = CliRunner()


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in stratified_slice(corpus_rows(), 4)), encoding="utf-8")
    return path


@pytest.fixture
def shipped_default(tmp_path: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A stand-in for the installed model, so that a failure here writes over a copy, not the real one.
    copy = tmp_path / "package" / "smclass-default.npz"
    copy.parent.mkdir()
    shutil.copyfile(small_model_path, copy)
    real = model_lib.bundled_model_path
    monkeypatch.setattr(model_lib, "bundled_model_path", lambda name: copy if name == model_lib.BUNDLED["default"] else real(name))
    return copy


def test_train_refuses_to_write_over_the_bundled_model(labelled: Path, shipped_default: Path) -> None:
    # It had written a 20-post model there, exit 0, and every later classify used it unsaid.
    before = shipped_default.read_bytes()
    result = runner.invoke(app, ["train", str(labelled), "--out", str(shipped_default), "--cv", "0"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --out {shipped_default} is the bundled 'default' model, which comes with smclass: "
        "writing it would change every later run; write it elsewhere\n"
    )
    assert shipped_default.read_bytes() == before


def test_classify_refuses_to_write_its_results_into_the_corpus(labelled: Path, small_model_path: Path) -> None:
    from smclass.model import bundled

    corpus = bundled.corpus_path()
    inside = corpus / "x.jsonl" if corpus.is_dir() else corpus
    result = runner.invoke(app, ["classify", str(labelled), "--model", str(small_model_path), "-o", str(inside)])
    assert result.exit_code == 2
    where = "in " if inside != corpus else ""
    assert result.stderr.endswith(
        f"Error: --output {inside} is {where}the corpus that --base default trains on, which comes with smclass: "
        "writing it would change every later run; write it elsewhere\n"
    )
    assert not (corpus / "x.jsonl").exists()


@pytest.mark.parametrize("name", ["default", "accurate"])
def test_train_refuses_a_bundled_models_name_as_output(labelled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # It wrote ./default, which --model default never loads: the bundled one runs instead.
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", str(labelled), "--out", name, "--cv", "0"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: --out {name}: in --model this name stands for the bundled model, not a file: name the file ./{name} or another name\n"
    )
    assert not (tmp_path / name).exists()
    named = runner.invoke(app, ["train", str(labelled), "--out", f"./{name}", "--cv", "0", "-q"])
    assert named.exit_code == 0, named.stderr
    assert (tmp_path / name).is_file()


def test_info_names_the_file_a_bundled_name_reads(tmp_path: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(small_model_path, tmp_path / "default")
    card = json.loads(runner.invoke(app, ["info", "--model", "default", "--json"]).stdout)
    assert card["path"] == str(model_lib.bundled_model_path(model_lib.BUNDLED["default"]))


def test_info_shows_the_card_of_the_file_smclass_model_names_with_its_folder(
    tmp_path: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SMCLASS_MODEL=./default: classify ran that file, while info showed the bundled default model's card, exit 0.
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(small_model_path, tmp_path / "default")
    monkeypatch.setenv("SMCLASS_MODEL", "./default")
    card = json.loads(runner.invoke(app, ["info", "--json"]).stdout)
    assert card["path"] == "./default"
    assert card["training_data_sha256"] == model_lib.load(small_model_path, tables=False).card["training_data_sha256"]


def test_a_model_smclass_model_names_with_its_folder_is_named_so_in_evaluates_scores(
    labelled: Path, tmp_path: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SMCLASS_MODEL=./default: the scores said "path": "default", the bundled model's name, for the file ./default.
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(small_model_path, tmp_path / "default")
    monkeypatch.setenv("SMCLASS_MODEL", "./default")
    done = runner.invoke(app, ["evaluate", str(labelled), "--json", "-q"])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["model"]["path"] == str(tmp_path / "default")


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_text_field_that_is_the_label_field_is_refused(labelled: Path, small_model_path: Path, command: str) -> None:
    # Trained on the labels' own names, cross-validation said 1.0000 for every class.
    args = ["--out", str(labelled.parent / "m.npz"), "--cv", "0"] if command == "train" else ["--model", str(small_model_path)]
    result = runner.invoke(app, [command, str(labelled), "--text-field", "label", *args])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: {labelled}: the text field and the label field are both 'label': name the posts' text with --text-field"
    )
