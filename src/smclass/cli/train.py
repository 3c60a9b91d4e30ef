"""``smclass train`` and ``smclass evaluate``: labelled posts in, a model or its scores out."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, cast

import typer

from smclass.cli.app import (
    Cascade,
    InputFormatOption,
    ModelOption,
    StdoutText,
    TextFieldOption,
    _ignore,
    _load_model,
    _model_file,
    _note,
    _print_json,
    app,
    if_stopped,
    set_cascade,
)
from smclass.cli.progress import _progress, _progress_wanted
from smclass.cli.read_options import DelimiterOption, EncodingOption, QueryOption, TableOption, read_options
from smclass.errors import DataError, UsageError
from smclass.labels import LABELS
from smclass.run import paths

if TYPE_CHECKING:
    from smclass.model.dataset import LabelledPost, PassedOver

LabelFieldOption = Annotated[
    str,
    typer.Option("--label-field", help="Field holding the label, matched without regard to case, spaces or underscores."),
]


class Base(StrEnum):
    none = "none"
    default = "default"


class MissingLabel(StrEnum):
    stop = "stop"
    skip = "skip"


@app.command()
def train(
    data: Annotated[list[str], typer.Argument(help="Labelled files (any input format); '-' reads stdin.", show_default=False)],
    out: Annotated[str, typer.Option("--out", "-o", help="Where to write the model (written atomically).", show_default=False)],
    label_field: LabelFieldOption = "label",
    text_field: TextFieldOption = None,
    input_format: InputFormatOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = None,
    table: TableOption = None,
    query: QueryOption = None,
    cv: Annotated[int, typer.Option("--cv", help="Folds of cross-validation to report, 2 or more; 0 skips it.", min=0)] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the folds and the classifier.", min=0, max=2**32 - 1)] = 0,
    base: Annotated[
        Base,
        typer.Option(
            "--base",
            help="default: train on your posts together with the corpus the default model is trained on, your posts "
            "weighted so that a hundred of them move the model. none: your posts alone.",
        ),
    ] = Base.none,
    dev: Annotated[
        list[str] | None,
        typer.Option("--dev", help="A held-out labelled file to score the new model on after training.", show_default=False),
    ] = None,
    on_missing_label: Annotated[
        MissingLabel, typer.Option("--on-missing-label", help="stop: a post with no label is an error. skip: pass it over and count it.")
    ] = MissingLabel.stop,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            help="minilm: an accurate model, the fast features plus a contextual encoder, with a cascade "
            "(needs the 'accurate' extra; training encodes every post once, about a minute for 10,000). "
            "minilm+e5: MiniLM and multilingual-e5-small side by side (the 'accurate-e5' extra; about 7 minutes for 10,000).",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Train a model on your own labelled posts and write it to --out.

    Labels are Media, Customer, Enterprise, Personal, Emergent (any case; "Media SM"
    works too); posts labelled "exclude" are passed over. Prints cross-validated
    macro-F1 and per-class F1 on stderr.

    \b
    Examples:
      smclass train my_labels.csv --out models/mine.npz --cv 5
      smclass train to_label.jsonl --base default --on-missing-label skip --dev held_out.jsonl --out models/mine.npz
    """
    from smclass.model import dataset, training
    from smclass.model import files as model_lib

    if data.count("-") > 1:
        raise UsageError("stdin ('-') can be read only once")
    if cv == 1:
        raise UsageError("--cv needs at least 2 folds (or 0 to skip cross-validation)")  # before the posts are read
    if "-" in data and "-" in (dev or []):
        raise UsageError("stdin ('-') can be read only once: the posts to train on and --dev cannot both be '-'")
    if out == "-":
        # Elsewhere '-' is stdout; here it had made a file named '-', and `--out - > m.npz` an empty m.npz, exit 0.
        raise UsageError("--out cannot be '-': name the model file (/dev/stdout writes it to stdout, ./- to a file named '-')")
    if out in model_lib.BUNDLED:
        # --model default would still load the bundled one, and the new model would never be used.
        said = "in --model this name stands for the bundled model, not a file"
        raise UsageError(f"--out {out}: {said}: name the file ./{out} or another name")
    paths.check_inputs(data)
    paths.check_inputs(dev or [])
    paths.check_outputs([*data, *(dev or [])], [("--out", out)])
    model_lib.check_target(out)
    training.check_encoder(encoder)  # before the data is read: a wrong name or a missing extra costs nothing
    if_stopped(f"{out} was not written")
    notify = _ignore if quiet else _note
    options = read_options(text_field, None, input_format, delimiter, table, query, encoding)
    posts = dataset.read_labelled(data, label_field=label_field, notify=notify, on_missing_label=on_missing_label.value, options=options)
    if not posts.texts:
        raise dataset.no_posts("train on", posts, data)
    notify(_posts_summary(Counter(posts.labels), posts))
    from smclass.analyst.audit import conflicting_duplicates

    clashes = conflicting_duplicates(posts.texts, posts.labels)
    if clashes:
        # Trained on as given, both ways: a copy pasted with the wrong label is the user's to see, not ours to settle.
        notify(f"warning: {_labelled_twice(len(clashes), sum(map(len, clashes)))}; smclass audit lists them first")
    held = None
    if dev:
        # Read before training, not after: a missing or unlabelled --dev file should not cost minutes of it.
        held = dataset.read_labelled(dev, label_field=label_field, notify=notify, options=options)
        if not held.texts:
            raise dataset.no_posts("score on", held, dev)
        # As for the posts to train on: the dev score's post count alone did not say why records were left out.
        notify(f"--dev: {_posts_summary(Counter(held.labels), held)}")
    texts, labels, weights, sources = posts.texts, posts.labels, None, [_card_name(s) for s in posts.sources]
    groups = posts.origins
    # In the card too: a model trained on a model's predictions should say so wherever it goes.
    extra: dict[str, Any] = {"labels_look_predicted": posts.predicted} if posts.predicted else {}
    if base == Base.default:
        from smclass.model import bundled

        corpus = dataset.read_labelled([str(bundled.corpus_path())])
        weight = training.base_weight(len(corpus.texts), len(texts))
        notify(f"training on top of the default corpus ({len(corpus.texts)} posts); each of yours weighs {weight:.1f}")
        texts, labels, groups = corpus.texts + texts, corpus.labels + labels, corpus.origins + training.own_groups(texts)
        base_size = len(corpus.texts)
        taken = 0
        for group in conflicting_duplicates(texts, labels):
            theirs = {labels[i] for i in group if i < base_size}
            taken += sum(1 for i in group if i >= base_size and theirs and labels[i] not in theirs)
        if taken:
            # Trained on both ways, as copies among the user's own are; the user's weigh more.
            notify(
                f"warning: {taken} of your posts {'copies a post' if taken == 1 else 'copy posts'} of the default corpus under another"
                " label (differing at most in case and spacing); both labels are trained on"
            )
        weights = [1.0] * len(corpus.texts) + [weight] * len(posts.texts)
        sources = ["default corpus", *sources]
        extra["base"] = {"corpus_posts": len(corpus.texts), "own_posts": len(posts.texts), "own_weight": round(weight, 3)}
    present = set(labels)
    missing = [name for name in LABELS if name not in present]
    if missing:
        notify(f"no posts labelled {', '.join(missing)}: the model will never give {'that label' if len(missing) == 1 else 'those labels'}")
    if held is not None:
        known = set(texts)  # with --base default, the corpus trained on too
        shared = sum(text in known for text in held.texts)
        if shared:
            whole = "every --dev post is" if shared == len(held.texts) else f"{shared:,} of the {len(held.texts):,} --dev posts are"
            notify(f"warning: {whole} also a post to train on: the dev score is not an estimate for new posts")
    with _progress("training", _progress_wanted(quiet), counts_posts=False), _naming(data):
        model = training.train(
            texts, labels, folds=cv, seed=seed, sources=sources, weights=weights, extra_card=extra, encoder=encoder, groups=groups,
            scored_from=len(texts) - len(posts.texts),
        )  # fmt: skip
    if dev and held is not None:
        from smclass.model import evaluation

        scores = evaluation.evaluate(model, held.texts, held.labels)
        model.card["dev"] = {"sources": [_card_name(s) for s in dev], "posts": scores["posts"], "macro_f1": scores["macro_f1"],
                             "accuracy": scores["accuracy"]}  # fmt: skip
    model_lib.save(model, out)
    if_stopped(f"{out} was written; its scores were not all shown")
    result = model.card.get("cross_validation")
    if result and not quiet:
        kept_apart = {
            "by source file": " (whole files held out)",
            "stratified, copies in one fold": " (the copies of a post in one fold)",
            "stratified, copies in several folds": " (copies of a post in several folds, too few distinct posts of a label to keep them "
            "together: a copy is scored by a model that learned its twin, so these scores run high)",
        }
        folds = f"{result['folds']}-fold" + kept_apart.get(result.get("split", ""), "")
        on = f" on your {result['scored_posts']:,} posts (each fold trained with the default corpus)" if "scored_posts" in result else ""
        _note(f"{folds} cross-validated macro-F1{on}: {result['macro_f1']:.4f}")
        for label, value in result["per_class_f1"].items():
            _note(f"  {label:<11} F1 {value:.4f}")
    if dev and not quiet:
        _note(f"on {', '.join(dev)} ({scores['posts']} posts): macro-F1 {scores['macro_f1']:.4f}, accuracy {scores['accuracy']:.4f}")
        for label, item in scores["per_class"].items():
            if item["support"]:
                _note(f"  {label:<11} F1 {item['f1']:.4f}")
    if result and "cascade" in result and not quiet:
        cascade = result["cascade"]
        sent = next(row["sent"] for row in cascade["cuts"] if row["cut"] == cascade["cut"]) if cascade["cut"] < 1 else 1.0
        _note(f"cascade cut {cascade['cut']:.2f}: the encoder reads {sent:.0%} of posts in cross-validation")
    notify(f"wrote {out}")


def _card_name(source: str) -> str:
    """An input as the model card names it: its file or folder name, stdin as <stdin>.

    A folder given as '.' or './' has no name of its own in its path (the card said '')."""
    if source == "-":
        return "<stdin>"
    path = Path(source)
    return path.name if path.name not in ("", "..") else (path.resolve().name or source)


@contextlib.contextmanager
def _naming(sources: Sequence[str]) -> Iterator[None]:
    """A lack in the labelled data (too few posts of a label) said with the inputs it is in."""
    try:
        yield
    except DataError as exc:
        from smclass.model.dataset import inputs_named

        raise DataError(f"{inputs_named(sources)}: {exc}") from None


def _labelled_twice(texts: int, posts: int) -> str:
    """What train and evaluate say of texts their posts label two ways."""
    return f"{texts} text{'s' if texts > 1 else ''} ({posts} posts) labelled two ways, as copies differing at most in case and spacing"


def _posts_summary(counts: Mapping[str, int], passed_over: PassedOver) -> str:
    parts = ", ".join(f"{label} {n}" for label, n in sorted(counts.items()) if n)
    extra = ""
    if passed_over.excluded:
        extra += f"; passed over {passed_over.excluded} labelled exclude"
    if passed_over.empty:
        extra += f"; passed over {passed_over.empty} with no text"
    if passed_over.missing:
        extra += f"; skipped {passed_over.missing} with no label"
    total = sum(counts.values())
    return f"{total} labelled post{'' if total == 1 else 's'} ({parts}){extra}"


class _Misclassified:
    """Writes each misclassified post as one --errors line, and counts them."""

    def __init__(self, stream: paths.ResultsStream) -> None:
        self.stream = stream
        self.count = 0

    def __call__(self, post: LabelledPost, predicted: str, confidence: float) -> None:
        from smclass.run.output import jsonl_line

        self.count += 1
        self.stream.write(jsonl_line({**post.identity(), "source": post.origin, "given": post.label, "predicted": predicted,
                                      "confidence": round(confidence, 4), "text": post.text}))  # fmt: skip


@app.command()
def evaluate(
    data: Annotated[list[str], typer.Argument(help="Labelled files; '-' reads stdin.", show_default=False)],
    model_path: ModelOption = None,
    label_field: LabelFieldOption = "label",
    text_field: TextFieldOption = None,
    id_field: Annotated[
        str | None,
        typer.Option(
            "--id-field",
            help="Field holding the post id, for --errors. Default: detected (id, id_str, post_id, tweet_id, uri, ...), else the position.",
        ),
    ] = None,
    input_format: InputFormatOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = None,
    table: TableOption = None,
    query: QueryOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout instead of a report.")] = False,
    errors: Annotated[
        # Text, not a Path: Path("wrong/") is "wrong", and a name that opens no file must be refused as typed.
        str | None,
        typer.Option("--errors", help="Write the misclassified posts here, with given and predicted labels.", show_default=False),
    ] = None,
    cascade: Annotated[
        Cascade, typer.Option("--cascade", help="With an accurate model: on, as classify runs it; off, the encoder reads every post.")
    ] = Cascade.on,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr; errors and the report still show.")] = False,
) -> None:
    """Score a model against posts with reference labels.

    Shows precision, recall and F1 per label, macro-F1, accuracy, the confusion matrix
    (rows: reference, columns: predicted), and how many posts keep a label, and how
    accurately, at a few confidence cuts (see classify --threshold).

    \b
    Examples:
      smclass evaluate held_out.jsonl --json | jq .macro_f1
      smclass evaluate held_out.jsonl --errors wrong.jsonl && jq -r '[.given,.predicted,.text] | @tsv' wrong.jsonl
    """
    from smclass.model import dataset
    from smclass.model import evaluation as evaluate_lib

    if errors is not None and str(errors) == "-":
        raise UsageError("--errors cannot be '-': the scores go to stdout; name a file for the misclassified posts")
    paths.check_inputs(data)
    paths.check_outputs([*data, *_model_file(model_path)], [("--errors", errors), ("stdout", "-")])
    if_stopped("no scores were shown" + (f"; {errors} was left as it was" if errors is not None else ""))
    notify = _ignore if quiet else _note
    if errors is not None:
        from smclass.run.output import format_named, unwritten_format

        # Only JSON lines are written: wrong.csv, opened in a spreadsheet, had held them unsaid.
        if format_named(errors) not in (None, "jsonl") or unwritten_format(errors) is not None:
            notify(f"warning: {errors} ends in {Path(errors).suffix}, but --errors writes JSON lines (one object a line)")
    model = _load_model(model_path)
    set_cascade(model, cascade)
    if (lacking := model.never_gives()) is not None:
        notify(lacking)  # a label's recall of 0 is then the model's lack, not its mistakes: the table alone cannot tell
    passed_over = dataset.PassedOver()
    options = read_options(text_field, id_field, input_format, delimiter, table, query, encoding)
    check, twice = evaluate_lib.TrainingCheck(model), evaluate_lib.LabelledTwice()
    read = dataset.iter_labelled(data, label_field=label_field, notify=notify, passed_over=passed_over, options=options)
    posts = twice.watch(read, check)
    with contextlib.ExitStack() as stack:
        # --errors lines are written as their batch is scored, to a temporary renamed into
        # place only when every post is scored: a run that stops leaves the file as it was.
        wrong = _Misclassified(stack.enter_context(paths.results_file(errors))) if errors is not None else None
        report = evaluate_lib.evaluate_posts(model, posts, on_wrong=wrong)
        if not report["posts"]:
            raise dataset.no_posts("evaluate on", passed_over, data)
    if_stopped("the scores were not all shown" + (f"; {errors} was written" if errors is not None else ""))
    notify(_posts_summary({label: item["support"] for label, item in report["per_class"].items()}, passed_over))
    seen = check.trained_on_these()
    report = {
        "model": {
            "path": str(model.path),
            "training_data_sha256": check.expected,
            "trained_on_these_posts": seen,
            "posts_it_trained_on": check.trained_on,  # any order, case or spacing; null: the file keeps no record
        },
        "labels_look_predicted": passed_over.predicted,  # inputs whose labels sit beside a confidence, as classify writes them
        "passed_over": {"excluded": passed_over.excluded, "no_text": passed_over.empty},  # not scored, as stderr says
        **report,
    }
    if seen:
        # --json says it too (model.trained_on_these_posts), for a run kept quiet by -q.
        notify(
            f"warning: {model.path} was trained on these very posts (training_data_sha256 {check.expected}): "
            "these scores are not an estimate for new posts; evaluate on posts it has not seen"
        )
    elif check.trained_on:
        whole = "every post is" if check.trained_on == report["posts"] else f"{check.trained_on:,} of the {report['posts']:,} posts are"
        notify(
            f"warning: {whole} a post {model.path} was trained on (the same words, any case or spacing): "
            "these scores run high; evaluate on posts it has not seen"
        )
    texts, copies = twice.counts()
    report["labelled_two_ways"] = {"texts": texts, "posts": copies}
    if texts:
        # As train says of its own posts: the scores count each copy against its own label.
        notify(f"warning: {_labelled_twice(texts, copies)}: no model gets them all right")
    if report["unread_posts"]:
        notify(
            f"warning: {report['unread_posts']:,} of the {report['posts']:,} posts hold no word or letter sequence {model.path} "
            "was trained on: classify gives them no label; they are scored here by the label it would guess"
        )
    if wrong is not None:
        notify(f"wrote {wrong.count} misclassified posts to {errors}")
    if as_json:
        _print_json(report)
        return
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    # Through our stdout writer: a full disk is one error line, a closed pipe a quiet end (rich would exit 1).
    console = Console(file=cast("IO[str]", StdoutText()))
    averaged = report["macro_f1_labels"]
    total = len(report["labels"])
    over = "" if len(averaged) == total else f" (over {len(averaged)} of {total} labels: those the reference holds)"
    table = Table(title=f"{report['posts']} posts: macro-F1 {report['macro_f1']:.4f}{over}, accuracy {report['accuracy']:.4f}")
    for column in ("label", "precision", "recall", "F1", "support"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, s in report["per_class"].items():
        # With no reference post, recall and F1 are not zero but undefined: a dash, and left out of the mean.
        scores = ["-" if s[key] is None else f"{s[key]:.4f}" for key in ("precision", "recall", "f1")]
        table.add_row(label, *scores, str(s["support"]))
    matrix = Table(title="confusion matrix (rows: reference, columns: predicted)")
    matrix.add_column("")
    for label in report["labels"]:
        matrix.add_column(label[:10], justify="right")
    for label, row in zip(report["labels"], report["confusion_matrix"], strict=True):
        matrix.add_row(label, *[str(n) for n in row])
    cuts = Table(title="confidence cuts: posts that keep a label (the rest get none with classify --threshold)")
    for column in ("threshold", "coverage", "accuracy", "macro-F1"):
        cuts.add_column(column, justify="right")
    for row in report["coverage"]:
        shown = [f"{row['threshold']:.2f}", f"{row['coverage']:.2%}"]
        shown += ["-" if row[key] is None else f"{row[key]:.4f}" for key in ("accuracy", "macro_f1")]
        fewer = row["macro_f1"] is not None and len(row["macro_f1_labels"]) < len(averaged)
        # A label none of whose posts the cut keeps is out of its mean: 1.0000 over 3 labels is no 1.0000 over 5.
        shown[-1] += f" (over {len(row['macro_f1_labels'])} of {len(averaged)} labels)" if fewer else ""
        cuts.add_row(*shown)
    # A narrow terminal (or COLUMNS=20) had rich squeeze the columns until their numbers were "…" or
    # blank, exit 0: the tables keep the width their figures need, and the terminal wraps their lines.
    from rich.measure import Measurement

    wide = console.options.update_width(10_000)
    console.width = max(console.width, *(Measurement.get(console, wide, t).maximum for t in (table, matrix, cuts)))
    for part in (table, matrix, cuts):
        console.print(part)
