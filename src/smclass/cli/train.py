"""``smclass train`` and ``smclass evaluate``: labelled posts in, a model or its scores out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from smclass.cli.app import InputFormatOption, ModelOption, TextFieldOption, _ignore, _load_model, _note, _print_json, app
from smclass.cli.progress import _progress, _progress_wanted
from smclass.errors import InputError, UsageError


@app.command()
def train(
    data: Annotated[list[str], typer.Argument(help="Labelled files (any input format); '-' reads stdin.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the model (written atomically).", show_default=False)],
    label_field: Annotated[str, typer.Option("--label-field", help="Field holding the label.")] = "label",
    text_field: TextFieldOption = None,
    input_format: InputFormatOption = None,
    cv: Annotated[int, typer.Option("--cv", help="Folds of cross-validation to report; 0 skips it.", min=0)] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the folds and the classifier.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Train a model on your own labelled posts and write it to --out.

    Labels are Media, Customer, Enterprise, Personal, Emergent (any case; "Media SM"
    works too); posts labelled "exclude" are passed over. Prints cross-validated
    macro-F1 and per-class F1 on stderr.

    \b
    Example:
      smclass train my_labels.csv --out models/mine.npz --cv 5
    """
    from smclass.model import dataset, training
    from smclass.model import files as model_lib

    if data.count("-") > 1:
        raise UsageError("stdin ('-') can be read only once")
    notify = _ignore if quiet else _note
    posts = dataset.read_labelled(
        data, text_field=text_field, label_field=label_field, input_format=input_format.value if input_format else None, notify=notify
    )
    if not posts.texts:
        raise InputError("no labelled posts to train on", source=", ".join(data))
    notify(_posts_summary(posts))
    with _progress("training", _progress_wanted(quiet), counts_posts=False):
        model = training.train(posts.texts, posts.labels, folds=cv, seed=seed, sources=[Path(s).name for s in posts.sources])
    model_lib.save(model, out)
    result = model.card.get("cross_validation")
    if result and not quiet:
        _note(f"{result['folds']}-fold cross-validated macro-F1: {result['macro_f1']:.3f}")
        for label, value in result["per_class_f1"].items():
            _note(f"  {label:<11} F1 {value:.3f}")
    notify(f"wrote {out}")


def _posts_summary(posts: Any) -> str:
    from collections import Counter

    counts = Counter(posts.labels)
    parts = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
    extra = ""
    if posts.excluded:
        extra += f"; passed over {posts.excluded} labelled exclude"
    if posts.empty:
        extra += f"; passed over {posts.empty} with no text"
    return f"{len(posts.texts)} labelled posts ({parts}){extra}"


@app.command()
def evaluate(
    data: Annotated[list[str], typer.Argument(help="Labelled files; '-' reads stdin.", show_default=False)],
    model_path: ModelOption = None,
    label_field: Annotated[str, typer.Option("--label-field", help="Field holding the reference label.")] = "label",
    text_field: TextFieldOption = None,
    input_format: InputFormatOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout instead of a report.")] = False,
) -> None:
    """Score a model against posts with reference labels.

    Shows precision, recall and F1 per label, macro-F1, accuracy and the confusion
    matrix (rows: reference, columns: predicted).

    \b
    Example:
      smclass evaluate held_out.jsonl --json | jq .macro_f1
    """
    from smclass.model import dataset
    from smclass.model import evaluation as evaluate_lib

    model = _load_model(model_path)
    posts = dataset.read_labelled(
        data, text_field=text_field, label_field=label_field, input_format=input_format.value if input_format else None, notify=_note
    )
    if not posts.texts:
        raise InputError("no labelled posts to evaluate on", source=", ".join(data))
    _note(_posts_summary(posts))
    report = evaluate_lib.evaluate(model, posts.texts, posts.labels)
    if as_json:
        _print_json(report)
        return
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{report['posts']} posts: macro-F1 {report['macro_f1']:.3f}, accuracy {report['accuracy']:.3f}")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, s in report["per_class"].items():
        table.add_row(label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", str(s["support"]))
    console.print(table)
    matrix = Table(title="confusion matrix (rows: reference, columns: predicted)")
    matrix.add_column("")
    for label in report["labels"]:
        matrix.add_column(label[:10], justify="right")
    for label, row in zip(report["labels"], report["confusion_matrix"], strict=True):
        matrix.add_row(label, *[str(n) for n in row])
    console.print(matrix)


