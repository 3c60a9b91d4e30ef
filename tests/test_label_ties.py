"""A label is the model's best even where its shares tie: by the calibrated score, never by label order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from smclass.cli import app
from smclass.model import files as model_lib

runner = CliRunner()


def test_labels_whose_sigmoids_both_reach_one_go_to_the_higher_decision(small_model_path: Path) -> None:
    scorer = model_lib.load(small_model_path).scorer
    k = len(scorer.labels)
    decision = np.full((2, k), -5.0)
    # Far past where either sigmoid is 1.0 in floating point, the later label ahead in one row, the earlier in the other.
    decision[0, 0], decision[0, k - 1] = 900.0, 1800.0
    decision[1, 0], decision[1, k - 1] = 1800.0, 900.0
    proba = scorer.calibrated(decision)
    assert proba.argmax(axis=1).tolist() == [k - 1, 0]
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.round(proba[0, [0, k - 1]], 4).tolist() == [0.5, 0.5]


def test_a_long_post_whose_top_shares_tie_keeps_its_best_label_first_in_top() -> None:
    scorer = model_lib.load().scorer  # the bundled model, whose sigmoids reach 1.0 on this post
    text = "The city council voted on Tuesday to raise transit fares, officials said. " * 280
    a, b = scorer.calibration
    logit = (a * scorer.decision([text]) + b)[0, : len(scorer.labels)]
    shares = np.round(scorer.calibrated(scorer.decision([text]))[0], 4)
    tied = np.flatnonzero(shares == shares.max())
    assert len(tied) > 1  # the case this test is about: shares equal as written
    result = runner.invoke(app, ["classify", "-q", "--top-k", "2"], input=json.dumps({"text": text}) + "\n")
    line = json.loads(result.stdout)
    # The surest of the tied labels is the one whose sigmoid's argument is lowest: Media here, not Emergent.
    assert line["label"] == scorer.labels[int(tied[logit[tied].argmin()])] == "Media"
    assert line["top"][0]["label"] == "Media"


def test_breaking_a_tie_leaves_no_label_a_probability_under_zero(small_model_path: Path) -> None:
    scorer = model_lib.load(small_model_path).scorer
    k = len(scorer.labels)
    # Two labels far past a sigmoid of 1.0, the others far below: their shares are all but zero.
    decision = np.full((1, k), -1800.0)
    decision[0, 0], decision[0, k - 1] = 900.0, 1800.0
    proba = scorer.calibrated(decision)
    assert proba.argmax(axis=1).tolist() == [k - 1]
    assert (proba >= 0).all()
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_a_long_post_whose_top_shares_tie_is_written_with_no_negative_probability() -> None:
    text = "The city council voted on Tuesday to raise transit fares, officials said. " * 280
    result = runner.invoke(app, ["classify", "-q", "--proba", "--top-k", "5"], input=json.dumps({"text": text}) + "\n")
    assert result.exit_code == 0
    # -0.0 is what a share nudged under zero rounds to: jq reads it as -0.
    assert "-0" not in result.stdout
    line = json.loads(result.stdout)
    assert min(line["probabilities"].values()) >= 0
    assert [entry["probability"] for entry in line["top"]][:2] == [0.5, 0.5]
