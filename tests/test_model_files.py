from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path

import joblib
import pytest
import skops.io as sio
from typer.testing import CliRunner

from smclass import model as model_lib
from smclass.cli import app
from smclass.errors import ModelError, UsageError

runner = CliRunner()


class _CreatesAFile:
    """Unpickling this calls open(path, "w"): proof that loading ran code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.path, "w"))


def test_pickle_model_is_refused_without_running_it(tmp_path: Path, fixtures: Path) -> None:
    marker = tmp_path / "pwned"
    evil = tmp_path / "model.pkl"
    evil.write_bytes(pickle.dumps(_CreatesAFile(str(marker))))
    result = runner.invoke(app, ["classify", str(fixtures / "posts.jsonl"), "--model", str(evil)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {evil}: not a smclass model file (pickle and joblib files are refused: loading them can run code)\n"
    assert not marker.exists()


def test_joblib_model_is_refused(tmp_path: Path, small_model_path: Path) -> None:
    path = tmp_path / "model.joblib"
    joblib.dump(model_lib.load(small_model_path).pipeline, path)
    with pytest.raises(ModelError, match="pickle and joblib files are refused"):
        model_lib.load(path)


def test_skops_file_with_an_untrusted_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.skops"
    path.write_bytes(sio.dumps({"format": model_lib.FORMAT, "card": {}, "pipeline": os.system}))
    with pytest.raises(ModelError, match=r"refused: the file holds types smclass does not trust: .*system"):
        model_lib.load(path)


def test_damaged_model_file_is_reported(tmp_path: Path, small_model_path: Path) -> None:
    path = tmp_path / "cut.skops"
    path.write_bytes(small_model_path.read_bytes()[:5000])
    with pytest.raises(ModelError, match=r"damaged model file|not a smclass model file"):
        model_lib.load(path)


def test_other_skops_content_is_not_a_smclass_model(tmp_path: Path) -> None:
    path = tmp_path / "other.skops"
    path.write_bytes(sio.dumps({"hello": [1, 2, 3]}))
    with pytest.raises(ModelError, match="not a smclass model file"):
        model_lib.load(path)


def test_saved_model_holds_only_trusted_types(small_model_path: Path) -> None:
    assert set(sio.get_untrusted_types(file=small_model_path)) <= set(model_lib.TRUSTED_TYPES)
    assert zipfile.is_zipfile(small_model_path)


def test_saving_replaces_the_target_in_one_step(tmp_path: Path, small_model_path: Path) -> None:
    target = tmp_path / "m.skops"
    target.write_bytes(b"old")
    model_lib.save(model_lib.load(small_model_path), target)
    assert model_lib.load(target).labels == model_lib.load(small_model_path).labels
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.skops"]


def test_save_into_a_missing_directory_is_a_usage_error(tmp_path: Path, small_model_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        model_lib.save(model_lib.load(small_model_path), tmp_path / "nope" / "m.skops")


def test_model_from_another_scikit_learn_warns(tmp_path: Path, small_model_path: Path, fixtures: Path) -> None:
    model = model_lib.load(small_model_path)
    model.card["versions"]["scikit-learn"] = "0.0.1"
    path = model_lib.save(model, tmp_path / "old.skops")
    result = runner.invoke(app, ["classify", str(fixtures / "posts.jsonl"), "--model", str(path)])
    assert result.exit_code == 0
    assert "Warning: model was made with scikit-learn 0.0.1" in result.stderr


def test_bundled_model_loads_and_says_what_it_was_trained_on() -> None:
    model = model_lib.load()
    assert model.labels == sorted(["Media", "Customer", "Enterprise", "Personal", "Emergent"])
    assert model.card["training_posts"] >= 3000
