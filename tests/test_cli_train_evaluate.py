from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass import __version__
from smclass.cli import app
from smclass.labels import LABELS

from .conftest import corpus_rows, stratified_slice

runner = CliRunner()


def write_jsonl(path: Path, rows: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_train_writes_a_model_and_reports_cross_validation(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "train.jsonl", stratified_slice(corpus_rows(), 12))
    out = tmp_path / "m.npz"
    result = runner.invoke(app, ["train", str(data), "--out", str(out), "--cv", "3", "--seed", "1"])
    assert result.exit_code == 0, result.stderr
    assert out.is_file()
    assert "3-fold cross-validated macro-F1:" in result.stderr
    for label in LABELS:
        assert f"  {label:<11} F1 " in result.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    info = runner.invoke(app, ["info", "--model", str(out), "--json"])
    card = json.loads(info.stdout)
    assert card["training_posts"] == 60
    assert card["cross_validation"]["folds"] == 3
    assert card["seed"] == 1
    assert card["labels"] == list(LABELS)
    assert len(card["training_data_sha256"]) == 64


def test_train_accepts_label_aliases_and_csv(tmp_path: Path) -> None:
    rows = stratified_slice(corpus_rows(), 6)
    data = tmp_path / "train.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "kind"])
        writer.writerows([r["text"], f"{r['label'].upper()} SM"] for r in rows)
    result = runner.invoke(app, ["train", str(data), "--label-field", "kind", "--out", str(tmp_path / "m.npz"), "--cv", "0"])
    assert result.exit_code == 0, result.stderr
    assert "30 labelled posts (Customer 6, Emergent 6, Enterprise 6, Media 6, Personal 6)" in result.stderr
    # Before, 'CUSTOMER SM' was read as Customer and nothing said so; now the first label written otherwise is named, once.
    first = f"{rows[0]['label'].upper()} SM"
    assert f"{data}:2: label {first!r} read as {rows[0]['label']} (labels are read whatever their case or spacing" in result.stderr
    assert result.stderr.count(": label ") == 1


def test_train_names_file_line_and_bad_label(tmp_path: Path) -> None:
    rows = [{"text": "a post", "label": "Media"}, {"text": "another", "label": "Newsy"}]
    data = write_jsonl(tmp_path / "bad.jsonl", rows)
    out = tmp_path / "m.npz"
    result = runner.invoke(app, ["train", str(data), "--out", str(out)])
    assert result.exit_code == 1
    expected = f"Error: {data}:2: field 'label': unknown label 'Newsy' (expected one of Media, Customer, Enterprise, Personal, Emergent)"
    assert result.stderr.strip().splitlines()[-1] == expected
    assert not out.exists()


def test_train_missing_label_names_the_field(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "bad.jsonl", [{"text": "a post", "label": "Media"}, {"text": "another"}])
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"Error: {data}:2: field 'label': no label"


def write_label_csv(path: Path, header: str) -> Path:
    rows = stratified_slice(corpus_rows(), 3)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", header])
        writer.writerows([i, r["text"], r["label"]] for i, r in enumerate(rows, 1))
    return path


def test_train_finds_the_label_field_without_regard_to_case(tmp_path: Path) -> None:
    data = write_label_csv(tmp_path / "L.csv", "Label")
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "--cv", "0"])
    assert result.exit_code == 0, result.stderr
    assert "15 labelled posts (Customer 3, Emergent 3, Enterprise 3, Media 3, Personal 3)" in result.stderr


def test_evaluate_label_field_option_matches_without_regard_to_case(tmp_path: Path, small_model_path: Path) -> None:
    data = write_label_csv(tmp_path / "L.csv", " label ")
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "--label-field", "LABEL", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["posts"] == 15


def test_a_label_field_no_record_holds_is_a_usage_error_listing_the_fields(tmp_path: Path, small_model_path: Path) -> None:
    data = write_label_csv(tmp_path / "L.csv", "Category")
    expected = f"Error: {data}: no field '{{}}' in the records (fields: id, text, Category); name it with --label-field\n"
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "-q"])
    assert (result.exit_code, result.stderr) == (2, expected.format("label"))
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "--label-field", "kind", "-q"])
    assert (result.exit_code, result.stderr) == (2, expected.format("kind"))
    assert not (tmp_path / "m.npz").exists()


def test_a_label_field_that_matches_two_fields_only_by_case_is_refused(tmp_path: Path, small_model_path: Path) -> None:
    # Picking one of them scored and trained against whichever came first.
    rows = [{"id": i, "text": row["text"], "LABEL": "Media", "Label": row["label"]} for i, row in enumerate(corpus_rows()[:20])]
    data = write_jsonl(tmp_path / "two.jsonl", rows)
    expected = f"Error: {data}: 'label' matches the fields 'LABEL' and 'Label': name one as it is written\n"
    for command in (["evaluate", str(data), "--model", str(small_model_path)], ["train", str(data), "--out", str(tmp_path / "m.npz")]):
        result = runner.invoke(app, [*command, "-q"])
        assert (result.exit_code, result.stderr) == (2, expected)


def test_a_sheet_labelled_only_after_its_first_records_trains_with_missing_labels_skipped(tmp_path: Path) -> None:
    rows = stratified_slice(corpus_rows(), 20)
    unlabelled = [{"id": f"u{i}", "text": f"a post still to label, number {i}"} for i in range(120)]
    data = write_jsonl(tmp_path / "sheet.jsonl", [*unlabelled, *rows])
    out = tmp_path / "m.npz"
    result = runner.invoke(app, ["train", str(data), "--out", str(out), "--cv", "0", "--on-missing-label", "skip"])
    assert result.exit_code == 0, result.stderr
    assert f"{len(rows)} labelled posts" in result.stderr and "skipped 120 with no label" in result.stderr
    assert out.exists()


def test_a_label_field_no_record_of_a_skipped_sheet_holds_is_still_a_usage_error(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "sheet.jsonl", [{"id": i, "text": f"post {i}"} for i in range(150)])
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "--on-missing-label", "skip", "-q"])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {data}: no field 'label' in any record (fields: id, text); name it with --label-field\n"


def test_train_warns_of_copies_labelled_two_ways(tmp_path: Path) -> None:
    rows = stratified_slice(corpus_rows(), 4)
    clash = [{"text": "Our Road Is Flooded again", "label": "Personal"}, {"text": "our road is  flooded again", "label": "Emergent"}]
    data = write_jsonl(tmp_path / "t.jsonl", [*rows, *clash])
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "--cv", "0"])
    assert result.exit_code == 0, result.stderr
    assert (
        "warning: 1 text (2 posts) labelled two ways, as copies differing at most in case and spacing; smclass audit lists them first"
    ) in result.stderr.splitlines()
    clean = runner.invoke(app, ["train", str(write_jsonl(tmp_path / "c.jsonl", rows)), "--out", str(tmp_path / "c.npz"), "--cv", "0"])
    assert "labelled two ways" not in clean.stderr


def test_train_into_a_missing_directory_fails_before_training_as_an_unwritable_output(tmp_path: Path) -> None:
    data = write_label_csv(tmp_path / "L.csv", "label")
    out = tmp_path / "nodir" / "m.npz"
    result = runner.invoke(app, ["train", str(data), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {out}: cannot write (directory {out.parent} does not exist)\n"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, a folder no one can write in, root included")
def test_train_into_a_folder_that_cannot_be_written_fails_before_the_posts_are_read(tmp_path: Path) -> None:
    # Permissions alone do not tell (root ignores them): a file is made and removed there first.
    data = write_jsonl(tmp_path / "t.jsonl", [{"text": "no label here"}])
    result = runner.invoke(app, ["train", str(data), "--out", "/proc/smclass-model.npz", "--cv", "0"])
    assert result.exit_code == 1
    assert result.stderr == "Error: /proc/smclass-model.npz: cannot write (No such file or directory)\n"


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_train_writes_its_model_whole_into_a_fifo_that_a_reader_holds_open(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "model.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    # Trying the target before training opened and closed it: the reader had an empty model.
    data = write_jsonl(tmp_path / "t.jsonl", stratified_slice(corpus_rows(), 3))
    result = runner.invoke(app, ["train", str(data), "--out", str(fifo), "--cv", "0", "-q"])
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert got and got[0].startswith(b"PK") and len(got[0]) > 10_000


def test_train_failure_leaves_an_existing_model_untouched(tmp_path: Path, small_model_path: Path) -> None:
    out = tmp_path / "m.npz"
    previous = small_model_path.read_bytes()  # a model: train writes over nothing else
    out.write_bytes(previous)
    data = write_jsonl(tmp_path / "one.jsonl", [{"text": "only one label here", "label": "Media"}])
    result = runner.invoke(app, ["train", str(data), "--out", str(out), "--cv", "0"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"Error: {data}: training needs posts of at least two labels"
    assert out.read_bytes() == previous


def test_train_cv_larger_than_smallest_label_is_a_usage_error(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "t.jsonl", stratified_slice(corpus_rows(), 3))
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "--cv", "5"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip().splitlines()[-1]
        == "Error: --cv 5 needs at least 5 posts of every label (Customer has 3): label more, or pass a smaller --cv"
    )


def test_train_passes_over_excluded_posts(tmp_path: Path) -> None:
    rows = [*stratified_slice(corpus_rows(), 4), {"text": "buy followers cheap!!!", "label": "exclude"}]
    data = write_jsonl(tmp_path / "t.jsonl", rows)
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "--cv", "0"])
    assert result.exit_code == 0, result.stderr
    assert "passed over 1 labelled exclude" in result.stderr


def test_evaluate_json_counts_the_posts_it_passed_over(tmp_path: Path, small_model_path: Path) -> None:
    rows = [
        *stratified_slice(corpus_rows(), 2, skip=50),
        {"text": "buy followers cheap!!!", "label": "exclude"},
        {"text": " ", "label": "Media"},
    ]
    result = runner.invoke(app, ["evaluate", str(write_jsonl(tmp_path / "e.jsonl", rows)), "-m", str(small_model_path), "--json", "-q"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["posts"], report["passed_over"]) == (10, {"excluded": 1, "no_text": 1})


def test_evaluate_json_has_the_contract_keys(fixtures: Path, small_model_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(fixtures / "labelled.jsonl"), "--model", str(small_model_path), "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"macro_f1", "accuracy", "per_class", "confusion_matrix"} <= set(report)
    assert set(report["per_class"]) == set(LABELS)
    assert sum(map(sum, report["confusion_matrix"])) == 5
    assert 0.0 <= report["macro_f1"] <= 1.0


def test_evaluate_says_which_labels_its_macro_f1_averages_when_the_reference_lacks_some(tmp_path: Path, small_model_path: Path) -> None:
    rows = [row for row in stratified_slice(corpus_rows(), 6) if row["label"] in ("Media", "Customer")]
    data = write_jsonl(tmp_path / "two.jsonl", rows)
    report = json.loads(runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "--json", "-q"]).stdout)
    assert report["macro_f1_labels"] == ["Media", "Customer"]
    per_class = report["per_class"]
    assert report["macro_f1"] == round((per_class["Media"]["f1"] + per_class["Customer"]["f1"]) / 2, 4)
    # In the JSON too: undefined is null, never a 0 that reads as a score.
    assert (per_class["Personal"]["recall"], per_class["Personal"]["f1"], per_class["Personal"]["support"]) == (None, None, 0)
    table = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "-q"]).stdout
    assert "(over 2 of 5 labels: those the reference holds)" in " ".join(table.split())
    personal = next(line for line in table.splitlines() if "Personal" in line)
    assert [cell.strip() for cell in personal.split("│")[3:5]] == ["-", "-"]  # recall and F1 are undefined, not 0.000


def test_evaluate_cuts_say_which_labels_their_macro_f1_averages(capsys: pytest.CaptureFixture[str]) -> None:
    # A cut that kept no Customer post said macro-F1 1.0000 beside the 0.6667 of both labels, as if over the same ones.
    import numpy as np

    from smclass.cli.train import _print_report
    from smclass.model.dataset import LabelledPost
    from smclass.model.evaluation import evaluate, evaluate_posts

    class Sure:
        def __init__(self) -> None:
            self.labels = list(LABELS)

        def predict_proba(self, texts: list[str]) -> np.ndarray:
            return np.asarray([[0.95, 0.05, 0, 0, 0] if text == "sure" else [0.4, 0.3, 0.3, 0, 0] for text in texts])

        def predict_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
            return self.predict_proba(texts), np.ones(len(texts), dtype=bool)

    posts = [LabelledPost("sure", "Media", 1, 1, "x"), LabelledPost("unsure", "Customer", 2, 2, "x")]
    report = evaluate_posts(Sure(), posts)  # type: ignore[arg-type]
    assert report["macro_f1_labels"] == ["Media", "Customer"]
    assert [(row["macro_f1"], row["macro_f1_labels"]) for row in report["coverage"]] == [(1.0, ["Media"])] * 5
    same = evaluate(Sure(), ["sure", "unsure"], ["Media", "Customer"])["coverage"]  # type: ignore[arg-type]
    assert same == report["coverage"]
    _print_report(report)
    assert " ".join(capsys.readouterr().out.split()).count("1.0000 (over 1 of 2 labels)") == 5


def test_evaluate_table_shows_the_scores_of_the_json_not_rounded_again(tmp_path: Path, small_model_path: Path) -> None:
    # 0.84746 is 0.8475 in the JSON; a table printing that with three places said 0.848.
    data = write_jsonl(tmp_path / "some.jsonl", stratified_slice(corpus_rows(), 7, skip=40))
    report = json.loads(runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "--json", "-q"]).stdout)
    table = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "-q"]).stdout
    assert f"macro-F1 {report['macro_f1']:.4f}, accuracy {report['accuracy']:.4f}" in table
    for label, scores in report["per_class"].items():
        row = next(line for line in table.splitlines() if line.startswith(f"│ {label} "))
        assert [cell.strip() for cell in row.split("│")[2:5]] == [f"{scores[key]:.4f}" for key in ("precision", "recall", "f1")]


def test_evaluate_tables_keep_their_figures_in_a_narrow_terminal(tmp_path: Path, small_model_path: Path) -> None:
    # COLUMNS=20 had every score cell shown as "…" and the confusion matrix's columns blank, exit 0.
    data = write_jsonl(tmp_path / "some.jsonl", stratified_slice(corpus_rows(), 7, skip=40))
    report = json.loads(runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "--json", "-q"]).stdout)
    narrow = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "-q"], env={"COLUMNS": "20"})
    assert narrow.exit_code == 0
    assert "…" not in narrow.stdout
    for label, scores in report["per_class"].items():
        row = next(line for line in narrow.stdout.splitlines() if line.startswith(f"│ {label} "))
        assert [cell.strip() for cell in row.split("│")[2:6]] == [f"{scores[key]:.4f}" for key in ("precision", "recall", "f1")] + [
            str(scores["support"])
        ]
    matrix = [line for line in narrow.stdout.splitlines() if line.startswith("│ ")][len(report["labels"]) :]
    assert [[int(cell) for cell in line.split("│")[2:-1]] for line in matrix[: len(report["labels"])]] == report["confusion_matrix"]


def test_evaluate_report_is_a_table(fixtures: Path, small_model_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(fixtures / "labelled.jsonl"), "--model", str(small_model_path)])
    assert result.exit_code == 0
    assert "macro-F1" in result.stdout and "confusion matrix" in result.stdout


def test_evaluate_of_posts_without_labels_lists_the_fields_there_are(fixtures: Path, small_model_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(fixtures / "posts.jsonl"), "--model", str(small_model_path)])
    assert result.exit_code == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: {fixtures / 'posts.jsonl'}: no field 'label' in the records (fields: id, text")


def test_info_shows_the_card(small_model_path: Path) -> None:
    result = runner.invoke(app, ["info", "--model", str(small_model_path)])
    assert result.exit_code == 0
    assert "training_posts: 200" in result.stdout
    assert "scikit-learn:" in result.stdout


def test_labels_lists_the_five_with_definitions() -> None:
    result = runner.invoke(app, ["labels", "--json"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["label"] for r in rows] == list(LABELS)
    assert all(len(r["definition"]) > 40 for r in rows)
    plain = runner.invoke(app, ["labels"])
    assert plain.stdout.splitlines()[0].startswith("Media       news, commentary")


def test_the_readme_label_table_is_what_smclass_labels_prints() -> None:
    from smclass.labels import DEFINITIONS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text().splitlines()
    table = {row.split(" | ")[0][2:]: row.split(" | ", 1)[1][:-2] for row in readme if row.startswith(tuple(f"| {x} |" for x in LABELS))}
    assert table == DEFINITIONS


def test_version_and_help_on_every_command() -> None:
    assert runner.invoke(app, ["--version"]).stdout == f"smclass {__version__} (compiled kernel)\n"
    for command in ([], ["classify"], ["train"], ["evaluate"], ["info"], ["labels"]):
        for flag in ("-h", "--help"):
            result = runner.invoke(app, [*command, flag])
            assert result.exit_code == 0
            assert "Usage:" in result.stdout


def test_unknown_option_is_a_one_line_usage_error() -> None:
    result = runner.invoke(app, ["classify", "--zzz"])
    assert result.exit_code == 2
    assert result.stderr == "Error: No such option: --zzz (see 'root classify --help')\n"


def test_train_with_fewer_than_three_posts_of_a_label_is_a_data_error_naming_the_label(tmp_path: Path) -> None:
    rows = stratified_slice(corpus_rows(), 5)
    rows = [r for r in rows if r["label"] != "Emergent"] + [r for r in rows if r["label"] == "Emergent"][:2]
    data = write_jsonl(tmp_path / "few.jsonl", rows)
    out = tmp_path / "m.npz"
    result = runner.invoke(app, ["train", str(data), "--out", str(out), "--cv", "0"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: {data}: training needs at least 3 posts of every label (Emergent has 2): calibration uses 3 folds"
    )
    assert not out.exists()


def test_evaluate_cuts_meet_the_confidence_as_classify_writes_it() -> None:
    # classify writes 0.89997 as 0.9, which --threshold 0.9 keeps; evaluate's coverage at 0.9 must keep it too.
    import numpy as np

    from smclass.model.dataset import LabelledPost
    from smclass.model.evaluation import evaluate, evaluate_posts

    class Fixed:
        def __init__(self) -> None:
            self.labels = list(LABELS)

        def predict_proba(self, texts: list[str]) -> np.ndarray:
            return np.asarray([[0.89997, 0.09, 0.01003, 0.0, 0.0]] * len(texts))

        def predict_known(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
            return self.predict_proba(texts), np.ones(len(texts), dtype=bool)

    posts = [LabelledPost("a post", "Media", i, i, "x") for i in range(3)]
    at_cut = {row["threshold"]: row["coverage"] for row in evaluate_posts(Fixed(), posts)["coverage"]}  # type: ignore[arg-type]
    assert at_cut[0.9] == 1.0
    same = {row["threshold"]: row["coverage"] for row in evaluate(Fixed(), ["a post"] * 3, ["Media"] * 3)["coverage"]}  # type: ignore[arg-type]
    assert same == at_cut


def test_a_label_or_text_key_spelled_differently_in_a_later_record_is_still_read(tmp_path: Path) -> None:
    rows = stratified_slice(corpus_rows(), 4)

    def key(name: str, i: int, every: int, offset: int) -> str:
        return name.upper() if i % every == offset else name

    spelled = [{key("id", i, 5, 2): i, key("text", i, 3, 0): r["text"], key("label", i, 4, 1): r["label"]} for i, r in enumerate(rows)]
    data = write_jsonl(tmp_path / "mixed_case.jsonl", spelled)
    out = tmp_path / "m.npz"
    result = runner.invoke(app, ["train", str(data), "--out", str(out), "--cv", "0", "--on-missing-label", "skip"])
    assert result.exit_code == 0, result.stderr
    card = json.loads(runner.invoke(app, ["info", "--model", str(out), "--json"]).stdout)
    assert card["training_posts"] == len(rows) == 20
    scored = runner.invoke(app, ["evaluate", str(data), "--model", str(out), "--json"])
    assert scored.exit_code == 0, scored.stderr
    assert json.loads(scored.stdout)["posts"] == 20
    ids = [json.loads(line)["id"] for line in runner.invoke(app, ["classify", str(data), "--model", str(out)]).stdout.splitlines()]
    assert ids == list(range(20))


def test_a_record_holding_a_field_in_two_spellings_is_refused_on_its_line(tmp_path: Path) -> None:
    rows = [{"text": r["text"], "label": r["label"]} for r in stratified_slice(corpus_rows(), 4)]
    rows.append({"text": "a post", "Label": "Media", "LABEL": "Personal"})
    data = write_jsonl(tmp_path / "two_ways.jsonl", rows)
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "--cv", "0"])
    assert result.exit_code != 0
    assert "two_ways.jsonl:21: 'label' matches the fields 'Label' and 'LABEL': name one as it is written" in result.stderr


def test_one_fold_is_refused_before_the_posts_are_read() -> None:
    result = runner.invoke(app, ["train", "-", "--out", "never.npz", "--cv", "1"], input="not even json\n")
    assert result.exit_code == 2
    assert result.stderr == "Error: --cv needs at least 2 folds (or 0 to skip cross-validation)\n"


def test_suggest_says_what_it_read(fixtures: Path, small_model_path: Path) -> None:
    result = runner.invoke(app, ["suggest", str(fixtures / "posts.jsonl"), "-n", "2", "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    assert f"{fixtures / 'posts.jsonl'}: read as jsonl, text field 'text' (detected), id field 'id'\n" in result.stderr


@pytest.mark.parametrize("command", ["train", "evaluate", "audit"])
def test_no_labelled_posts_left_says_what_was_passed_over(tmp_path: Path, small_model_path: Path, command: str) -> None:
    # "no labelled posts to evaluate on" alone, for a file of six posts all labelled exclude.
    rows = [{"text": f"post {i} of the week", "label": "exclude"} for i in range(2)] + [{"text": "", "label": "Media"}]
    data = write_jsonl(tmp_path / "ex.jsonl", rows)
    args = {"train": ["--out", str(tmp_path / "m.npz")], "evaluate": ["--model", str(small_model_path)], "audit": []}[command]
    result = runner.invoke(app, [command, str(data), *args, "-q"])
    purpose = {"train": "train on", "evaluate": "evaluate on", "audit": "audit"}[command]
    said = f"no labelled posts to {purpose} (passed over: 2 labelled exclude, 1 with no text)"
    assert (result.exit_code, result.stderr) == (1, f"Error: {data}: {said}\n")


@pytest.mark.parametrize("command", ["train", "evaluate", "audit"])
def test_commands_that_read_labelled_posts_say_what_they_passed_over_in_a_folder(
    command: str, tmp_path: Path, small_model_path: Path
) -> None:
    # Their readers' notes had gone nowhere: a photo beside the labels was passed over unsaid.
    folder = tmp_path / "labelled"
    folder.mkdir()
    write_jsonl(folder / "labels.jsonl", stratified_slice(corpus_rows(), 8, skip=3))  # posts the small model never saw
    (folder / "flyer.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    args = ["--out", str(tmp_path / "m.npz"), "--cv", "0"] if command == "train" else ["--model", str(small_model_path)]
    result = runner.invoke(app, [command, str(folder), *args])
    assert result.exit_code == 0, result.stderr
    said = "skipped 1 attachment (photos, video, audio, documents, contact cards), which hold no posts: .jpg (1)"
    assert f"{said} (the first: {folder / 'flyer.jpg'})\n" in result.stderr


def test_the_card_names_a_folder_given_as_dot_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `train .` had a card whose training_sources was [''], and `train -` one of ['-'].
    folder = tmp_path / "labelled"
    folder.mkdir()
    data = write_jsonl(folder / "t.jsonl", stratified_slice(corpus_rows(), 3))
    monkeypatch.chdir(folder)
    out = tmp_path / "m.npz"
    assert runner.invoke(app, ["train", ".", "--out", str(out), "--cv", "0", "-q"]).exit_code == 0
    assert json.loads(runner.invoke(app, ["info", "--model", str(out), "--json"]).stdout)["training_sources"] == ["labelled"]
    piped = runner.invoke(app, ["train", "-", "--out", str(out), "--cv", "0", "-q"], input=data.read_text(encoding="utf-8"))
    assert piped.exit_code == 0, piped.stderr
    assert json.loads(runner.invoke(app, ["info", "--model", str(out), "--json"]).stdout)["training_sources"] == ["<stdin>"]


def test_train_says_when_a_record_is_read_from_another_text_field_than_the_plan(tmp_path: Path) -> None:
    # Records of a second export holding 'body' where the first held 'text' were trained on without a word, as classify says it.
    rows = [{"text": r["text"], "label": r["label"]} for r in stratified_slice(corpus_rows(), 4)]
    rows += [{"body": r["text"], "label": r["label"]} for r in stratified_slice(corpus_rows(), 1, skip=3)]
    data = write_jsonl(tmp_path / "two_exports.jsonl", rows)
    result = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m.npz"), "--cv", "0"])
    assert result.exit_code == 0, result.stderr
    said = "holds no text in 'text': its text is read from 'body'"
    said += " (each record without text in 'text' is read from another text field it holds)"
    assert f"{data}:21: {said}" in result.stderr.splitlines()


def test_train_writes_over_an_earlier_model_but_not_over_another_file(tmp_path: Path) -> None:
    # --out precious.jsonl, a labelled file that was not an input, had been replaced by a model, exit 0.
    data = write_jsonl(tmp_path / "train.jsonl", stratified_slice(corpus_rows(), 4))
    precious = write_jsonl(tmp_path / "precious.jsonl", stratified_slice(corpus_rows(), 2, skip=1))
    kept = precious.read_bytes()
    refused = runner.invoke(app, ["train", str(data), "--out", str(precious), "--cv", "0", "-q"])
    said = f"Error: {precious} exists and is no smclass model: writing the model over it would destroy it; name another file\n"
    assert (refused.exit_code, refused.stderr, precious.read_bytes()) == (2, said, kept)
    model = tmp_path / "m.npz"
    for _ in range(2):
        assert runner.invoke(app, ["train", str(data), "--out", str(model), "--cv", "0", "-q"]).exit_code == 0
    (tmp_path / "empty.npz").touch()  # as `--out /dev/stdout > empty.npz` leaves it for train to fill
    assert runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "empty.npz"), "--cv", "0", "-q"]).exit_code == 0


def test_one_labelled_post_is_said_in_the_singular(tmp_path: Path, small_model_path: Path) -> None:
    data = write_jsonl(tmp_path / "one.jsonl", [{"text": "our street fair needs helpers on Saturday", "label": "Emergent"}])
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(small_model_path), "--json"])
    assert result.exit_code == 0, result.stderr
    assert "1 labelled post (Emergent 1)" in result.stderr
    audit = runner.invoke(app, ["audit", str(data), "--model", str(small_model_path)])
    assert audit.stderr.splitlines()[-1] == f"Error: {data}: audit needs posts of at least two labels (its one post is Emergent)"


def test_evaluate_warns_of_a_text_the_reference_labels_two_ways(tmp_path: Path, small_model_path: Path) -> None:
    rows = [
        {"text": "Flights cancelled again, thanks a lot", "label": "Customer"},
        {"text": "flights  cancelled again, thanks a LOT", "label": "Personal"},
        {"text": "team sync moved to 3pm", "label": "Enterprise"},
        {"text": "team sync moved to 3pm", "label": "Enterprise"},
    ]
    result = runner.invoke(app, ["evaluate", str(write_jsonl(tmp_path / "twice.jsonl", rows)), "--model", str(small_model_path), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["labelled_two_ways"] == {"texts": 1, "posts": 2}
    said = "warning: 1 text (2 posts) labelled two ways, as copies differing at most in case and spacing: no model gets them all right"
    assert said in result.stderr.splitlines()
