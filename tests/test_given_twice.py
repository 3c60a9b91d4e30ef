"""An option that takes one value is refused when given twice: Click alone would keep the last one and say nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-o", "a.jsonl", "-o", "b.jsonl"], "--output given twice (as -o)"),
        (["--output=a.jsonl", "-ob.jsonl"], "--output given twice (as --output and -o)"),
        (["--threshold", "0.99", "--threshold", "0.1"], "--threshold given twice"),
        (["--format", "csv", "--format", "table"], "--format given twice"),
    ],
)
def test_classify_refuses_a_one_value_option_given_twice(tmp_path: Path, args: list[str], said: str) -> None:
    done = runner.invoke(app, ["classify", "-", *args], input='{"text": "hello"}\n')
    assert done.exit_code == 2
    assert done.stderr == f"Error: {said}: it takes one value; give it once\n"
    assert list(tmp_path.iterdir()) == []


def test_flags_and_options_that_take_many_values_may_repeat() -> None:
    done = runner.invoke(app, ["classify", "-", "-q", "-q", "--proba"], input='{"text": "our new phone is out"}\n')
    assert done.exit_code == 0, done.stderr


def test_what_follows_a_double_dash_is_an_input_not_an_option(tmp_path: Path) -> None:
    done = runner.invoke(app, ["classify", "-o", str(tmp_path / "out.jsonl"), "--", "-o"])
    assert done.exit_code == 1 and done.stderr.endswith("Error: -o: no such file\n")


def test_other_commands_refuse_it_too() -> None:
    done = runner.invoke(app, ["info", "-m", "default", "--model", "accurate"])
    assert done.exit_code == 2 and done.stderr == "Error: --model given twice (as -m and --model): it takes one value; give it once\n"


def test_an_option_bundled_after_short_flags_counts_and_a_value_that_looks_like_one_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = runner.invoke(app, ["classify", "-", "-qo", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "b.jsonl")], input="hi\n")
    assert bundled.exit_code == 2 and "--output given twice (as -o)" in bundled.stderr
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-odev.jsonl").write_text('{"text": "Quarterly numbers are out", "label": "Media"}\n')
    done = runner.invoke(app, ["train", "-", "--cv", "0", "--dev", "-odev.jsonl", "-o", "m.npz"], input="")
    assert "given twice" not in done.stderr and "no labelled posts" in done.stderr


@pytest.mark.parametrize("quiet", [["-q", "-o"], ["-qo"]])
def test_quiet_bundled_with_a_short_option_keeps_a_stop_unsaid(tmp_path: Path, quiet: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # -qo FILE is -q -o FILE to Click, but the stop was still said: "stopped early: before smclass classify began; ...".
    from smclass.model import files as model_lib

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(model_lib, "load", stopped)
    done = runner.invoke(app, ["classify", "-", *quiet, str(tmp_path / "out.jsonl")], input='{"text": "hello"}\n')
    assert (done.exit_code, done.stderr) == (130, "")
