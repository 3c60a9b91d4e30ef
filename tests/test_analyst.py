"""The analyst's loop: audit, suggest, report, train --base/--dev/--on-missing-label, evaluate --errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from smclass.analyst import suggest as suggest_lib
from smclass.cli import app
from smclass.labels import LABELS

from .conftest import corpus_rows, stratified_slice

runner = CliRunner()


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    rows = [dict(r, id=f"p{i}") for i, r in enumerate(stratified_slice(corpus_rows(), 30, skip=3))]
    # Plant errors: a Media post labelled Enterprise and one text labelled two ways.
    wrong = next(i for i, r in enumerate(rows) if r["label"] == "Media")
    rows[wrong] = dict(rows[wrong], label="Enterprise")
    twin = next(r for r in rows if r["label"] == "Personal")
    rows.append(dict(twin, id="twin", label="Customer"))
    return write_jsonl(tmp_path_factory.mktemp("audit") / "labelled.jsonl", rows), rows


def test_audit_scores_each_copy_of_a_conflicting_duplicate_by_the_doubt_of_its_own_label() -> None:
    import numpy as np

    from smclass.analyst.audit import audit

    columns = ["Customer", "Emergent", "Enterprise", "Media", "Personal"]
    texts = ["Lost my bag again", "lost my  bag AGAIN", "Sign the petition", "Budget vote tonight"]
    labels = ["Customer", "Personal", "Emergent", "Media"]
    matrix = np.array([[0.8, 0.05, 0.05, 0.05, 0.05], [0.8, 0.05, 0.05, 0.05, 0.05], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0]], dtype=float)
    found = audit(texts, labels, proba=(matrix, columns))
    assert [(f["position"], f["suggested"], f["score"]) for f in found[:2]] == [(1, "Customer", 0.95), (0, "Customer", 0.2)]


def test_audit_reports_conflicting_duplicates_first_then_suspects_by_score(labelled: tuple[Path, list[dict[str, Any]]]) -> None:
    path, rows = labelled
    result = run("audit", str(path), "--folds", "3")
    assert result.exit_code == 0, result.stderr
    found = lines(result.stdout)
    twin_ids = {r["id"] for r in rows if r["text"] == rows[-1]["text"]}
    assert {found[0]["id"], found[1]["id"]} == twin_ids
    assert found[0]["why"].startswith("the same text is also labelled")
    rest = found[2:]
    assert [r["score"] for r in rest] == sorted((r["score"] for r in rest), reverse=True)
    assert set(found[0]) == {"id", "given", "suggested", "score", "why", "text"}
    planted = next(r for r in rows if r["label"] == "Enterprise" and r["id"] in {f["id"] for f in found})
    assert planted  # the Media post labelled Enterprise is among the suspects


def test_audit_with_a_model_scores_with_it_instead_of_cross_validating(labelled: tuple[Path, Any], small_model_path: Path) -> None:
    result = run("audit", str(labelled[0]), "--model", str(small_model_path), "-n", "3")
    assert result.exit_code == 0, result.stderr
    assert len(lines(result.stdout)) == 3
    assert "cross-validating" not in result.stderr


def test_audit_of_a_file_with_one_label_is_a_data_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "one.jsonl", [{"text": f"post {i}", "label": "Media"} for i in range(10)])
    result = run("audit", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {path}: audit needs posts of at least two labels (all 10 are Media)"


def test_audit_names_the_label_with_too_few_posts(tmp_path: Path) -> None:
    rows = [{"text": f"post {i}", "label": "Media"} for i in range(10)] + [{"text": f"ask {i}", "label": "Customer"} for i in range(3)]
    path = write_jsonl(tmp_path / "few.jsonl", rows)
    result = run("audit", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {path}: audit needs at least 4 posts of every label (Customer has 3)"


def test_suggest_fills_in_an_empty_label_slot_for_each_picked_post(tmp_path: Path, small_model_path: Path) -> None:
    pool = write_jsonl(tmp_path / "pool.jsonl", [{"id": r["id"], "text": r["text"]} for r in stratified_slice(corpus_rows(), 20, skip=5)])
    result = run("suggest", str(pool), "-n", "7", "--model", str(small_model_path))
    assert result.exit_code == 0, result.stderr
    picked = lines(result.stdout)
    assert len(picked) == 7
    assert all(set(p) == {"id", "text", "label", "uncertainty"} and p["label"] == "" for p in picked)
    assert len({p["id"] for p in picked}) == 7
    assert "suggested 7 of 100 posts" in result.stderr


def test_suggest_with_an_empty_pool_says_so_and_prints_nothing(small_model_path: Path) -> None:
    result = run("suggest", "-n", "5", "--model", str(small_model_path), input="")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no posts with text in the pool: nothing to suggest" in result.stderr


def test_suggest_more_than_the_pool_gives_the_whole_pool_with_a_note(small_model_path: Path) -> None:
    pool = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(["one post", "another one", "  "]))
    result = run("suggest", "-n", "10", "--model", str(small_model_path), input=pool)
    assert result.exit_code == 0, result.stderr
    assert sorted(p["id"] for p in lines(result.stdout)) == [0, 1]
    assert "asked for 10 posts; the pool holds 2 with text and no label (copies counted once), all suggested" in result.stderr


class EquallyUnsure:
    """Every post a tie, so only the diversity rule decides what is picked."""

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return np.full((len(texts), 5), 0.2)


def test_suggest_does_not_pick_near_copies_of_one_post() -> None:
    copies = [{"id": f"c{i}", "text": f"the shelter on elm street needs blankets and water {'!' * i}"} for i in range(6)]
    texts = ["quarterly sync moved to friday", "my cat learned to open doors", "rates rise again"]
    others = [{"id": f"o{i}", "text": t} for i, t in enumerate(texts)]
    picked = suggest_lib.suggest(EquallyUnsure(), copies + others, 4)  # type: ignore[arg-type]
    assert sum(p["id"].startswith("c") for p in picked) == 1
    assert suggest_lib.suggest(EquallyUnsure(), copies + others, 4, diversity=0.0)[1]["id"] == "c1"  # type: ignore[arg-type]


def results_with_time_and_accounts() -> str:
    rows = []
    for i, (account, text, label) in enumerate(
        [
            ("ana", "Join the clean-up Saturday #RiverDay https://t.co/abcdefghij", "Emergent"),
            ("ben", "We'll be there with gloves #RiverDay", "Emergent"),
            ("cy", "Bring the kids too! #riverday", "Emergent"),
            ("dee", "Council approves the river budget #RiverDay", "Media"),
            ("ana", "@ShopCo my parcel never came", "Customer"),
        ]
    ):
        record = {"id": i, "text": text, "author": account, "created_at": f"2026-05-0{1 + i}T10:00:00Z"}
        rows.append({"id": i, "label": label, "confidence": 0.9 - i / 10, "record": record})
    reason = "uncertain: best Media 0.41, next Personal 0.38"
    rows.append({"id": 9, "label": None, "confidence": None, "reason": reason, "record": {"text": "hm"}})
    return "".join(json.dumps(r) + "\n" for r in rows)


def test_report_json_counts_labels_time_accounts_and_emergent_traces() -> None:
    result = run("report", "--json", "--window", "48", input=results_with_time_and_accounts())
    assert result.exit_code == 0, result.stderr
    numbers = json.loads(result.stdout)
    assert numbers["posts"] == 6
    assert numbers["labels"]["Emergent"] == {"count": 3, "share": 0.5}
    assert numbers["no_label"] == {"uncertain": 1}
    assert numbers["over_time"]["unit"] == "day"
    assert sum(row["Emergent"] for row in numbers["over_time"]["buckets"]) == 3
    ana = {"group": "ana", "posts": 2, "Media": 0, "Customer": 1, "Enterprise": 0, "Personal": 0, "Emergent": 1, "none": 0}
    assert numbers["groups"]["rows"][0] == ana
    (trace,) = numbers["emergent_traces"]
    assert trace["item"] == "#riverday"
    assert trace["accounts_in_window"] == 3  # a day apart each: three accounts fit in 48 hours, never four
    assert trace["accounts"] == 4
    assert trace["labels"] == {"Emergent": 3, "Media": 1}
    assert trace["first"] == "2026-05-01T10:00:00Z" and trace["last"] == "2026-05-04T10:00:00Z"


def test_report_without_timestamps_says_so_and_still_counts() -> None:
    rows = [{"id": i, "label": "Personal", "confidence": 0.8, "record": {"text": f"my day {i}"}} for i in range(4)]
    result = run("report", "--json", input="".join(json.dumps(r) + "\n" for r in rows))
    assert result.exit_code == 0, result.stderr
    numbers = json.loads(result.stdout)
    assert numbers["over_time"] is None
    assert numbers["labels"]["Personal"]["count"] == 4
    assert "no record carries a timestamp" in result.stderr


def test_report_says_how_many_posts_it_leaves_out_of_labels_over_time() -> None:
    stamps = ["2026-05-01T10:00:00Z", "garbage", "10/11/2018", None]
    rows = [{"id": i, "label": "Media", "confidence": 0.9, "record": {"text": f"news {i}", "created_at": t}} for i, t in enumerate(stamps)]
    result = run("report", "--json", input="".join(json.dumps(r) + "\n" for r in rows))
    assert result.exit_code == 0, result.stderr
    numbers = json.loads(result.stdout)
    assert (numbers["posts"], numbers["timed"]) == (4, 1)
    note = (
        "3 of 4 posts carry no timestamp (2 with a time in a form smclass cannot read, such as 'garbage'): "
        "they are left out of labels over time and of the traces' windows"
    )
    assert numbers["notes"][0] == note and note in result.stderr


def test_report_classifies_posts_that_have_no_label_yet(small_model_path: Path) -> None:
    posts = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(["Volunteers needed Saturday", "@Bank fix my card"]))
    result = run("report", "--json", "--model", str(small_model_path), input=posts)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["labelled"] == 2


def test_report_page_is_self_contained_with_charts(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = run("report", "-o", str(page), "--title", "River <week>", input=results_with_time_and_accounts())
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    assert text.count("<svg") == 4  # labels, over time, by account, confidence
    assert "River &lt;week&gt;" in text
    assert "<script" not in text and 'src="http' not in text and "@import" not in text
    assert oct(page.stat().st_mode & 0o777) != "0o600"


def test_report_page_keeps_each_listed_name_apart_for_right_to_left_text(tmp_path: Path) -> None:
    # An account named with a right-to-left override (U+202E) turned the names after it in the
    # traces' cell around in a browser: 'carol' was drawn as 'lorac', an account that is not there.
    from html.parser import HTMLParser

    names = ["alice", "\u202eevil", "bob", "carol"]
    records = [{"text": "clean-up #RiverDay", "author": name, "created_at": f"2026-05-01T1{i}:00:00Z"} for i, name in enumerate(names)]
    rows = [{"id": i, "label": "Emergent", "confidence": 0.9, "record": record} for i, record in enumerate(records)]
    page = tmp_path / "report.html"
    result = run("report", "-o", str(page), input="".join(json.dumps(r) + "\n" for r in rows))
    assert result.exit_code == 0, result.stderr

    class Isolated(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.names: list[str] = []
            self.inside = False

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.inside = self.inside or tag == "bdi"

        def handle_endtag(self, tag: str) -> None:
            self.inside = self.inside and tag != "bdi"

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.names.append(data)

    parser = Isolated()
    parser.feed(page.read_text(encoding="utf-8"))
    assert [name for name in parser.names if name in names] == names


def test_report_needs_an_output_or_json() -> None:
    result = run("report", input="")
    assert result.exit_code == 2
    assert result.stderr == "Error: name the page with --output FILE, or ask for --json\n"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_report_renders_its_charts_in_headless_chromium(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert run("report", "-o", str(page), input=results_with_time_and_accounts()).exit_code == 0
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]  # fmt: skip
    # The browser's own DOM after layout: every chart is an svg element with drawn paths.
    done = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.count("<svg") == 4
    assert done.stdout.count("<path") > 20
    shot = tmp_path / "shot.png"
    screenshot = [CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1100,2400", page.as_uri()]
    subprocess.run(screenshot, capture_output=True, timeout=120, check=False)
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_train_on_top_of_the_default_corpus_weights_my_posts_and_scores_dev(tmp_path: Path) -> None:
    mine = stratified_slice(corpus_rows(), 4, skip=2)
    other = next(row for row in corpus_rows() if row["label"] != "Media")
    relabelled = {"text": other["text"].upper(), "label": "Media"}
    kept = {"text": other["text"], "label": other["label"]}  # the same copy under the corpus's label: not counted
    sheet = write_jsonl(tmp_path / "mine.jsonl", [*mine, relabelled, kept, {"text": "not labelled yet", "label": ""}])
    dev = write_jsonl(tmp_path / "dev.jsonl", stratified_slice(corpus_rows(), 4, skip=6))
    out = tmp_path / "mine.npz"
    result = run("train", str(sheet), "--base", "default", "--cv", "0", "--dev", str(dev), "--on-missing-label", "skip", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "skipped 1 with no label" in result.stderr
    assert "each of yours weighs" in result.stderr
    # Twenty copies of corpus posts under their own labels, one under another: that one is said.
    assert (
        "warning: 1 of your posts copies a post of the default corpus under another label (differing at most in case and spacing);"
        " both labels are trained on"
    ) in result.stderr.splitlines()
    assert f"on {dev} (20 posts): macro-F1" in result.stderr
    # The dev posts come from the default corpus, trained on beside mine: the score is no estimate, and is said so.
    assert "warning: every --dev post is also a post to train on: the dev score is not an estimate for new posts" in result.stderr
    card = json.loads(run("info", "--model", str(out), "--json").stdout)
    assert card["base"]["own_posts"] == 22
    assert card["training_posts"] == card["base"]["corpus_posts"] + 22
    assert card["dev"]["posts"] == 20


def test_train_on_top_of_the_default_corpus_cross_validates_on_my_posts_alone(tmp_path: Path) -> None:
    # Every label wrong: a score over the corpus's thousands of posts too had still said 0.89.
    shifted = dict(zip(LABELS, LABELS[1:] + LABELS[:1], strict=True))
    wrong = [{**row, "label": shifted[row["label"]]} for row in stratified_slice(corpus_rows("round4"), 6)]
    out = tmp_path / "wrong.npz"
    result = run("train", str(write_jsonl(tmp_path / "wrong.jsonl", wrong)), "--base", "default", "--cv", "3", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if "cross-validated macro-F1" in line)
    assert line.startswith("3-fold cross-validated macro-F1 on your 30 posts (each fold trained with the default corpus): ")
    assert float(line.rsplit(" ", 1)[1]) < 0.3
    card = json.loads(run("info", "--model", str(out), "--json").stdout)
    assert card["cross_validation"]["scored_posts"] == 30


def test_train_stops_at_a_post_with_no_label_by_default(tmp_path: Path) -> None:
    sheet = write_jsonl(tmp_path / "sheet.jsonl", [{"text": "a", "label": "Media"}, {"text": "b", "label": " "}])
    result = run("train", str(sheet), "--out", str(tmp_path / "m.npz"))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {sheet}:2: field 'label': no label"


def test_evaluate_writes_the_misclassified_posts_and_names_the_model(tmp_path: Path, small_model_path: Path) -> None:
    rows = [dict(r, id=f"e{i}") for i, r in enumerate(stratified_slice(corpus_rows(), 10, skip=4))]
    data = write_jsonl(tmp_path / "held.jsonl", rows)
    wrong = tmp_path / "wrong.jsonl"
    result = run("evaluate", str(data), "--model", str(small_model_path), "--json", "--errors", str(wrong))
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"]["path"] == str(small_model_path)
    assert len(report["model"]["training_data_sha256"]) == 64
    errors = lines(wrong.read_text(encoding="utf-8"))
    assert len(errors) == round((1 - report["accuracy"]) * len(rows))
    assert all(e["given"] != e["predicted"] and set(e) == {"id", "source", "given", "predicted", "confidence", "text"} for e in errors)
    assert [c["threshold"] for c in report["coverage"]] == [0.5, 0.6, 0.7, 0.8, 0.9]
    assert all(0 <= c["coverage"] <= 1 for c in report["coverage"])


def test_evaluate_errors_use_the_id_field_given_and_quiet_keeps_stderr_empty(tmp_path: Path, small_model_path: Path) -> None:
    rows = [{"post": f"e{i}", **r} for i, r in enumerate(stratified_slice(corpus_rows(), 10, skip=4))]
    data = write_jsonl(tmp_path / "held.jsonl", rows)
    wrong = tmp_path / "wrong.jsonl"
    result = run("evaluate", str(data), "--model", str(small_model_path), "--json", "--errors", str(wrong), "--id-field", "Post", "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    errors = lines(wrong.read_text(encoding="utf-8"))
    assert errors and {e["id"] for e in errors} <= {r["post"] for r in rows}


@pytest.fixture
def labelled_db(tmp_path: Path) -> Path:
    import sqlite3

    path = tmp_path / "sheet.db"
    rows = stratified_slice(corpus_rows(), 5, skip=40)  # posts the small model was not trained on: audit refuses those
    with sqlite3.connect(path) as db:
        db.execute("create table posts (post_id text, body text, kind text)")
        db.execute("create table people (name text)")
        db.executemany("insert into posts values (?, ?, ?)", [(r["id"], r["text"], r["label"]) for r in rows])
    db.close()
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["evaluate", "{db}", "--model", "{model}", "--json"],
        ["suggest", "{db}", "--model", "{model}", "-n", "3"],
        ["report", "{db}", "--model", "{model}", "--json"],
        ["audit", "{db}", "--model", "{model}", "-n", "2"],
        ["train", "{db}", "--out", "{out}", "--cv", "0"],
    ],
)
def test_every_command_that_reads_posts_takes_a_sqlite_table_and_query(
    labelled_db: Path, small_model_path: Path, tmp_path: Path, command: list[str]
) -> None:
    args = [a.format(db=labelled_db, model=small_model_path, out=tmp_path / "m.npz") for a in command]
    fields = ["--text-field", "body", "--id-field", "post_id"] if command[0] not in ("train", "report") else ["--text-field", "body"]
    labels = ["--label-field", "kind"] if command[0] in ("evaluate", "audit", "train") else []
    unnamed = run(*args, *fields, *labels, "-q")
    assert (unnamed.exit_code, unnamed.stderr.splitlines()[-1]) == (
        2,
        f"Error: {labelled_db}: the database has 2 tables (people, posts): name one with --table, or give --query",
    )
    for choice in (["--table", "posts"], ["--query", "select * from posts"]):
        result = run(*args, *fields, *labels, *choice, "-q")
        assert result.exit_code == 0, result.stderr
