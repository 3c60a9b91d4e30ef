from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from smclass.cli import app
from smclass.errors import ModelError, OutputError, UsageError
from smclass.model import files as model_lib

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
    joblib.dump(model_lib.load(small_model_path).scorer, path)
    with pytest.raises(ModelError, match="pickle and joblib files are refused"):
        model_lib.load(path)


def test_archive_holding_a_python_object_is_refused_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "odd.npz"
    np.savez(path, meta=np.asarray("{}"), labels=np.asarray([_CreatesAFile(str(marker))], dtype=object))
    with pytest.raises(ModelError, match="refused: the file holds Python objects"):
        model_lib.load(path)
    assert not marker.exists()


def test_damaged_model_file_is_reported(tmp_path: Path, small_model_path: Path) -> None:
    path = tmp_path / "cut.npz"
    path.write_bytes(small_model_path.read_bytes()[:5000])
    with pytest.raises(ModelError, match=r"damaged model file|not a smclass model file"):
        model_lib.load(path)


def test_other_archives_are_not_smclass_models(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, hello=np.arange(3))
    with pytest.raises(ModelError, match="not a smclass model file"):
        model_lib.load(path)


def test_model_with_a_missing_array_is_refused(tmp_path: Path, small_model_path: Path) -> None:
    with np.load(small_model_path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files if name != "chars_table"}
    path = tmp_path / "partial.npz"
    np.savez(path, **arrays)
    with pytest.raises(ModelError, match=r"partial.npz: model array 'chars_table' is missing or damaged"):
        model_lib.load(path)


def test_model_from_another_feature_version_asks_for_retraining(tmp_path: Path, small_model_path: Path) -> None:
    with np.load(small_model_path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(str(arrays["meta"]))
    meta["settings"]["features_version"] = "smclass-tokens/0"
    arrays["meta"] = np.asarray(json.dumps(meta))
    path = tmp_path / "old.npz"
    np.savez(path, **arrays)
    with pytest.raises(ModelError, match=r"model features are 'smclass-tokens/0', this smclass reads .*: retrain it"):
        model_lib.load(path)


def _altered(small_model_path: Path, path: Path, change: object) -> Path:
    with np.load(small_model_path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(str(arrays["meta"]))
    change(arrays, meta)  # type: ignore[operator]
    arrays["meta"] = np.asarray(json.dumps(meta))
    np.savez(path, **arrays)
    return path


def test_a_model_whose_labels_are_not_the_five_is_refused_at_load(tmp_path: Path, small_model_path: Path) -> None:
    def rename(arrays: dict[str, np.ndarray], meta: dict[str, object]) -> None:
        arrays["labels"] = np.asarray(["Foo", *[str(x) for x in arrays["labels"][1:]]])

    path = _altered(small_model_path, tmp_path / "foo.npz", rename)
    with pytest.raises(ModelError, match=r"foo.npz: model labels are not among the five \(Foo, "):
        model_lib.load(path)


def test_a_meaning_table_that_does_not_fit_is_refused_at_load_naming_the_file(tmp_path: Path, small_model_path: Path) -> None:
    def cut(arrays: dict[str, np.ndarray], meta: dict[str, object]) -> None:
        arrays["meaning_coef"] = arrays["meaning_coef"][:-1]

    path = _altered(small_model_path, tmp_path / "cut.npz", cut)
    with pytest.raises(ModelError, match=r"^.*cut.npz: model arrays do not fit together \(meaning\)$"):
        model_lib.load(path)


def test_a_model_made_with_another_embedding_table_is_described_by_info_but_not_run(tmp_path: Path, small_model_path: Path) -> None:
    def other_table(arrays: dict[str, np.ndarray], meta: dict[str, dict[str, object]]) -> None:
        meta["settings"]["meaning_table_sha256"] = "0" * 64

    path = _altered(small_model_path, tmp_path / "other.npz", other_table)
    described = runner.invoke(app, ["info", "--model", str(path), "--json"])
    assert described.exit_code == 0, described.stderr
    assert json.loads(described.stdout)["path"] == str(path)
    with pytest.raises(ModelError, match=r"other.npz: the model was trained with another embedding table than the installed one"):
        model_lib.load(path)


def test_info_shows_the_escape_codes_of_a_shared_models_card_escaped(tmp_path: Path, small_model_path: Path) -> None:
    # A model file from someone else: its card's words went to the terminal as they were, and
    # one holding ESC ] 0; retitled the window, ESC [ 2 J cleared it.
    def retitle(arrays: dict[str, np.ndarray], meta: dict[str, dict[str, object]]) -> None:
        meta["card"]["classifier"] = "x\x1b]0;pwned\x07\x1b[2J"
        meta["card"]["cross_validation"] = {"folds\x9b": 2}

    path = _altered(small_model_path, tmp_path / "shared.npz", retitle)
    described = runner.invoke(app, ["info", "--model", str(path)])
    assert described.exit_code == 0, described.stderr
    assert "classifier: x\\x1b]0;pwned\\x07\\x1b[2J\n" in described.stdout
    assert "  folds\\x9b: 2\n" in described.stdout
    assert "\x1b" not in described.stdout and "\x9b" not in described.stdout
    assert json.loads(runner.invoke(app, ["info", "--model", str(path), "--json"]).stdout)["classifier"] == "x\x1b]0;pwned\x07\x1b[2J"


def test_info_names_a_model_file_whose_name_is_no_utf8_with_escapes(tmp_path: Path, small_model_path: Path) -> None:
    # Its path was an internal error (UnicodeEncodeError: surrogates not allowed), exit 1.
    import os
    import shutil

    path = tmp_path / os.fsdecode(b"m\xff.npz")
    shutil.copyfile(small_model_path, path)
    described = runner.invoke(app, ["info", "--model", str(path)])
    assert described.exit_code == 0, described.stderr
    assert described.stdout.startswith(f"path: {tmp_path}/m\\xff.npz\n")


@pytest.mark.parametrize("value", [5, -1, True, "0.5"])
def test_threshold_model_refuses_a_damaged_suggested_cut(tmp_path: Path, small_model_path: Path, value: object) -> None:
    def set_cut(arrays: dict[str, np.ndarray], meta: dict[str, dict[str, object]]) -> None:
        meta["card"]["suggested_threshold"] = value

    path = _altered(small_model_path, tmp_path / "cut.npz", set_cut)
    result = runner.invoke(app, ["classify", "--model", str(path), "--threshold", "model"], input='{"text": "hello there"}\n')
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"Error: {path}: the model card's suggested_threshold is damaged ({value!r}): give a number\n"


def test_an_archive_without_its_card_is_refused_before_any_member_is_inflated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.model import archive

    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, labels=np.zeros(50_000_000, dtype=np.int8))  # 50 MB of zeros in some 50 KB

    def inflated(*args: object) -> None:
        raise AssertionError("a member was inflated")

    monkeypatch.setattr(archive, "_read_array", inflated)
    with pytest.raises(ModelError, match=r"bomb.npz: not a smclass model file$"):
        model_lib.load(path)


def test_saved_model_holds_only_plain_arrays(small_model_path: Path) -> None:
    assert zipfile.is_zipfile(small_model_path)
    with np.load(small_model_path, allow_pickle=False) as archive:
        kinds = {archive[name].dtype.kind for name in archive.files}
    assert kinds <= {"u", "f", "U"}


def test_saving_replaces_the_target_in_one_step(tmp_path: Path, small_model_path: Path) -> None:
    target = tmp_path / "m.npz"
    model_lib.save(model_lib.load(small_model_path), target)
    model_lib.save(model_lib.load(small_model_path), target)  # over the earlier model
    assert model_lib.load(target).labels == model_lib.load(small_model_path).labels
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_saving_over_a_file_that_is_no_model_is_refused_and_leaves_it(tmp_path: Path, small_model_path: Path) -> None:
    target = tmp_path / "posts.csv"
    target.write_text("id,text\n1,hello\n")
    with pytest.raises(UsageError, match=r"posts\.csv exists and is no smclass model: writing the model over it would destroy it"):
        model_lib.save(model_lib.load(small_model_path), target)
    assert target.read_text() == "id,text\n1,hello\n"


def test_save_into_a_missing_directory_is_an_output_error(tmp_path: Path, small_model_path: Path) -> None:
    with pytest.raises(OutputError, match=r"cannot write \(directory .* does not exist\)"):
        model_lib.save(model_lib.load(small_model_path), tmp_path / "nope" / "m.npz")


def test_bundled_model_loads_and_says_what_it_was_trained_on() -> None:
    model = model_lib.load()
    assert model.labels == sorted(["Media", "Customer", "Enterprise", "Personal", "Emergent"])
    assert model.card["training_posts"] >= 3000


@pytest.mark.parametrize("files", [("media_news", "enterprise_chat"), ("media_news", "enterprise_chat", "customer")])
def test_folded_model_gives_the_pipelines_probabilities(fixtures: Path, files: tuple[str, ...]) -> None:
    from smclass.model import training
    from smclass.model.scorer import fold

    corpus = Path(__file__).parents[1] / "data" / "corpus"
    rows = [json.loads(line) for name in files for line in list((corpus / f"{name}.jsonl").open())[:30]]
    pipeline = training.build_pipeline().fit([r["text"] for r in rows], [r["label"] for r in rows])
    texts = [json.loads(line)["text"] for line in (fixtures / "posts.jsonl").open()] + ["", "   ", "ÇA VA?? 🎉 #Test"]
    texts.append(" ".join(r["text"] for r in rows * 3))  # long enough to be cut into pieces
    folded = fold(pipeline)
    assert folded.labels == sorted({r["label"] for r in rows})
    assert np.allclose(folded.predict_proba(texts), pipeline.predict_proba(texts), atol=1e-5)


def test_a_post_scores_the_same_alone_and_inside_a_batch(small_model_path: Path) -> None:
    model = model_lib.load(small_model_path)
    texts = ["@AcmeAir lost my bag again", "Join the march on Saturday #ClimateStrike", "Q3 numbers are in the deck, see attached"]
    together = model.predict_proba(texts)
    alone = np.vstack([model.predict_proba([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-6)


@given(st.lists(st.text(max_size=300), min_size=1, max_size=8))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_gets_finite_probabilities_that_sum_to_one_and_do_not_depend_on_the_batch(
    small_model_path: Path, texts: list[str]
) -> None:
    model = model_lib.load(small_model_path)
    together = model.predict_proba(texts)
    assert together.shape == (len(texts), len(model.labels))
    assert np.isfinite(together).all()
    assert np.allclose(together.sum(axis=1), 1.0)
    assert np.allclose(together[-1], model.predict_proba(texts[-1:])[0], atol=1e-6)


def test_a_very_long_post_scores_as_if_it_were_not_cut(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.features import tokens

    model = model_lib.load(small_model_path)
    sentences = ["We need volunteers at the shelter tonight.", "Our team ships the release on Friday.", "My train was late again!"]
    long_post = " ".join(sentences[i % 3] + f" Note {i}." for i in range(2000))  # about 100,000 characters
    cut = model.predict_proba([long_post, "short post"])
    monkeypatch.setattr(tokens, "SEGMENT_CHARS", 10**9)
    monkeypatch.setattr(tokens, "BATCH_CHARS", 10**9)
    whole = model.predict_proba([long_post, "short post"])
    # Only the word pairs across the cuts differ.
    assert np.allclose(cut, whole, atol=1e-3)
    assert np.array_equal(cut[1], whole[1])


def test_a_skops_model_from_before_asks_for_retraining_and_garbage_is_damaged(tmp_path: Path) -> None:
    old = tmp_path / "old.skops"
    with zipfile.ZipFile(old, "w") as archive:
        archive.writestr("schema.json", "{}")
    with pytest.raises(ModelError, match=r"old.skops: a model in the skops format of smclass before 0.2: retrain it"):
        model_lib.load(old)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK not really a zip")
    with pytest.raises(ModelError, match=r"garbage.npz: damaged model file"):
        model_lib.load(garbage)


def test_a_bundled_model_name_means_the_bundled_model_even_beside_a_file_of_that_name(
    tmp_path: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "default").write_bytes(small_model_path.read_bytes())
    assert model_lib.resolve("default") == model_lib.bundled_model_path(model_lib.BUNDLED["default"])
    assert model_lib.resolve(tmp_path / "default") == tmp_path / "default"
    assert model_lib.load("default").card["training_posts"] != model_lib.load(tmp_path / "default").card["training_posts"]


def test_a_file_named_like_a_bundled_model_is_read_when_named_with_its_folder(
    tmp_path: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "default").write_bytes(small_model_path.read_bytes())
    trained_on = model_lib.load(small_model_path).card["training_posts"]
    for named in ("./default", f"{tmp_path}/default"):
        result = runner.invoke(app, ["info", "--model", named, "--json"])
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["training_posts"] == trained_on
    bundled = runner.invoke(app, ["info", "--model", "default", "--json"])
    assert json.loads(bundled.stdout)["training_posts"] != trained_on


def test_a_model_named_with_its_folder_is_named_so_in_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "Error: default: model file not found" read as if the bundled model were missing.
    monkeypatch.chdir(tmp_path)
    for command in (["classify", "-"], ["info"]):
        missing = runner.invoke(app, [*command, "--model", "./default"], input='{"text": "the tram is late"}\n')
        assert (missing.exit_code, missing.stderr) == (1, "Error: ./default: model file not found\n")
    (tmp_path / "default").write_bytes(b"not a model")
    junk = runner.invoke(app, ["classify", "-", "--model", "./default"], input='{"text": "the tram is late"}\n')
    assert (junk.exit_code, junk.stderr) == (1, "Error: ./default: not a smclass model file\n")


def test_an_empty_model_name_is_refused_as_such_not_taken_for_the_current_folder() -> None:
    result = runner.invoke(app, ["classify", "-", "--model", ""], input='{"text": "the tram is late"}\n')
    # A usage error (exit 2), as an empty --output is; it had been exit 1.
    assert result.exit_code == 2
    assert result.stderr == "Error: the model named is empty text: name a model file, or default, accurate or accurate-e5\n"
