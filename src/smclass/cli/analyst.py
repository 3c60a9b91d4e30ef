"""``smclass audit``, ``suggest`` and ``report``: the analyst's loop around the labels."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from smclass.cli.app import (
    InputFormatOption,
    ModelOption,
    TextFieldOption,
    _ignore,
    _load_model,
    _model_file,
    _note,
    _print_json,
    _write_stdout,
    app,
    if_stopped,
)
from smclass.cli.read_options import DelimiterOption, EncodingOption, QueryOption, TableOption, read_options
from smclass.cli.train import Base, LabelFieldOption, _naming, _posts_summary
from smclass.errors import UsageError
from smclass.reading.plan import checked_field
from smclass.run import paths as output_paths

IdFieldOption = Annotated[
    str | None,
    typer.Option(
        "--id-field", help="Field holding the post id. Default: detected (id, id_str, post_id, tweet_id, uri, ...), else the position."
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No notes on stderr; errors still show.")]


def _inputs(paths: list[str] | None) -> list[str]:
    paths = paths or ["-"]
    if paths.count("-") > 1:
        raise UsageError("stdin ('-') can be read only once")
    return paths


@app.command()
def audit(
    ctx: typer.Context,
    data: Annotated[list[str] | None, typer.Argument(help="Your labelled files; '-' (or nothing) reads stdin.", show_default=False)] = None,
    model_path: Annotated[
        # Text, not a Path: Path("./default") is "default", the bundled model's name, as in ModelOption.
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Score the posts with this model instead of cross-validating (it must not have been trained on them): "
            "a model file, or default, accurate, accurate-e5 (a file of such a name is named with its folder: ./default). "
            "Default: cross-validate; $SMCLASS_MODEL is not used.",
            show_default=False,
        ),
    ] = None,
    label_field: LabelFieldOption = "label",
    text_field: TextFieldOption = None,
    id_field: IdFieldOption = None,
    input_format: InputFormatOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = None,
    table: TableOption = None,
    query: QueryOption = None,
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds for the out-of-fold probabilities.", min=2)] = 5,
    top: Annotated[int | None, typer.Option("--top", "-n", help="Show at most this many suspects.", min=1)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the folds.", min=0, max=2**32 - 1)] = 0,
    base: Annotated[
        Base,
        typer.Option("--base", help="default: each fold's model also learns from the default corpus. none: your posts alone."),
    ] = Base.default,
    quiet: QuietOption = False,
) -> None:
    """Find labels in your labelled file that are probably wrong, most suspect first.

    Each post is scored by a model trained on the other folds and the default corpus (or by
    --model, which must not have been trained on these posts), and cleanlab's confident learning ranks the
    posts whose given label that model finds least likely. Texts that appear twice with
    different labels come first. One JSON line per suspect: id, given, suggested, score
    (1 = surely wrong), why, text.

    \b
    Examples:
      smclass audit my_labels.jsonl | head -20
      smclass audit sheet.csv --text-field Message --label-field Type | jq -r '[.id,.given,.suggested] | @tsv'
    """
    from smclass.analyst import audit as audit_lib
    from smclass.model import dataset

    notify = _ignore if quiet else _note
    if model_path is not None:
        # The cross-validation's options, which --model replaces: refused, not passed over in silence.
        unused = [f"--{name}" for name in ("folds", "seed", "base") if _given(ctx, name)]
        if unused:
            verb = "goes" if len(unused) == 1 else "go"
            raise UsageError(f"{' and '.join(unused)} {verb} with cross-validation: with --model, that model scores the posts")
    output_paths.check_inputs(_inputs(data))
    output_paths.check_outputs([*_inputs(data), *(_model_file(model_path) if model_path is not None else [])], [("stdout", "-")])
    if_stopped("the suspects were not all written")
    options = read_options(text_field, id_field, input_format, delimiter, table, query, encoding)
    posts = dataset.read_labelled(_inputs(data), label_field=label_field, notify=notify, options=options)
    if not posts.texts:
        raise dataset.no_posts("audit", posts, data or [])
    notify(_posts_summary(Counter(posts.labels), posts))
    proba = None
    running, why = folds, None
    if model_path is None:
        # Before the default corpus is read and the folds trained: labels too few to cross-validate stop here.
        with _naming(data or []):
            running, why = audit_lib.fold_plan(posts.labels, folds, alone=base == Base.none)
    else:
        from smclass.model.evaluation import TrainingCheck

        model = _load_model(model_path)
        check = TrainingCheck(model)
        for text, label in zip(posts.texts, posts.labels, strict=True):
            check.add(text, label)
        exact = check.trained_on_these()
        if exact or check.trained_on == len(posts.texts):
            which = f"these very posts (training_data_sha256 {check.expected})" if exact else "every one of these posts"
            raise UsageError(
                f"{model_path} was trained on {which}: its scores cannot doubt their labels; leave out --model to cross-validate"
            )
        if check.trained_on:
            notify(
                f"warning: {check.trained_on:,} of the {len(posts.texts):,} posts are posts {model_path} was trained on: "
                "it cannot doubt their labels; leave out --model to cross-validate"
            )
        missing = sorted(set(posts.labels) - set(model.labels))
        if missing:
            raise UsageError(f"{model_path}: the model has no label {', '.join(missing)}")
        proba = (model.predict_proba(posts.texts), model.labels)
    corpus = None
    if proba is None and base == Base.default:
        from smclass.model import bundled

        found = dataset.read_labelled([str(bundled.corpus_path())])
        corpus = (found.texts, found.labels)
    if proba is None:
        with_corpus = ", each with the default corpus" if corpus else ""
        fewer = f" (not {folds}: {why})" if why else ""
        notify(f"cross-validating on {len(posts.texts)} posts in {running} folds{with_corpus}{fewer}")
    with _naming(data or []):
        suspects = audit_lib.audit(posts.texts, posts.labels, folds=folds, seed=seed, proba=proba, base=corpus)
    multi = len(set(posts.origins)) > 1
    for suspect in suspects[:top]:
        i = suspect.pop("position")
        line: dict[str, Any] = posts.identity(i)
        if multi:
            line["source"] = posts.origins[i]
        _print_json({**line, **suspect, "text": posts.texts[i]})
    notify(f"{len(suspects)} suspect labels among {len(posts.texts)} posts")


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option ``name`` was given, not left at its default (by the source's name: typer keeps its own click)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _finite(value: float) -> float:
    # Click's min=0 lets inf through: inf times a likeness of 0 is NaN in suggest's ranking, and JSON has no inf for report's window.
    if not math.isfinite(value):
        raise typer.BadParameter("Input should be a finite number")
    return value


@app.command()
def suggest(
    pool: Annotated[list[str] | None, typer.Argument(help="Unlabelled posts; '-' (or nothing) reads stdin.", show_default=False)] = None,
    n: Annotated[int, typer.Option("-n", "--number", help="How many posts to suggest.", min=1)] = 50,
    model_path: ModelOption = None,
    text_field: TextFieldOption = None,
    id_field: IdFieldOption = None,
    input_format: InputFormatOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = None,
    table: TableOption = None,
    query: QueryOption = None,
    diversity: Annotated[
        float,
        typer.Option("--diversity", help="0: the most uncertain posts; higher: more unlike each other.", min=0, callback=_finite),
    ] = 0.7,
    label_field: Annotated[
        str | None,
        typer.Option(
            "--label-field",
            help="Posts that already hold a label in this field are passed over (case and spaces ignored). "
            "Default: label, where the posts have it; a field named here must be in the posts.",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Pick the N posts worth labelling next: ones the model is unsure of, and unlike each other.

    Output lines carry id, text and an empty "label" to fill in; feed the file back to
    train (with --on-missing-label skip while the sheet is in progress). Posts of the pool
    that already hold a label are passed over, so a sheet in progress can be the pool.

    \b
    Examples:
      smclass suggest pool.jsonl -n 100 > to_label.jsonl
      smclass train to_label.jsonl --base default --on-missing-label skip --out models/mine.npz
    """
    from smclass.analyst import suggest as suggest_lib
    from smclass.reading.posts import read_posts

    notify = _ignore if quiet else _note
    paths = _inputs(pool)
    output_paths.check_inputs(paths)
    output_paths.check_outputs([*paths, *_model_file(model_path)], [("stdout", "-")])
    if_stopped("the suggestions were not all written")
    model = _load_model(model_path)
    if (lacking := model.never_gives()) is not None:
        notify(lacking)  # its doubt is among the labels it has: a post of another one may look sure
    options = read_options(text_field, id_field, input_format, delimiter, table, query, encoding)
    # A field named that no post holds (a typo) passed no post over, and the labelled ones came back to label, exit 0;
    # so did a sheet whose labels are in a field of another name ('Type') when none was named.
    named = checked_field(label_field, "--label-field")
    label_field = label_field or "label"
    unheld: list[str | None] = [label_field]
    fields_seen: set[str] = set()
    holding: set[str] = set()
    seen = [0, 0, 0]  # posts read, those with no text to label, and those labelled already
    foreign: dict[str, int] = {}  # values of the label field that are no label, and how many hold each

    def counted() -> Any:
        for post in read_posts(paths, options, notify):
            seen[0] += 1
            if unheld[0] and suggest_lib.holds_field(post.get("record"), label_field):
                unheld[0] = None
            # Not named, the first posts are enough to warn by: a pool no one has labelled yet need not pay for every post.
            elif unheld[0] and len(fields_seen) < 1000 and isinstance(post.get("record"), dict) and (named or seen[0] <= 1000):
                fields_seen.update(str(key) for key in post["record"])
                # A field that holds labels tells a misspelt name from a pool no one has labelled yet; the text read is not one,
                # whatever it says (a post "Personal" had made 'text' a field of labels).
                record = post["record"]
                holding.update(
                    str(key) for key in record if record[key] != post.get("text") and suggest_lib.labelled_already(record, str(key))
                )
            if suggest_lib.labelled_already(post.get("record"), label_field):
                seen[2] += 1
                continue
            value = suggest_lib.foreign_label(post.get("record"), label_field)
            if value is not None:
                foreign[value] = foreign.get(value, 0) + 1
            seen[1] += post.get("text") is None
            # The record as read is not printed: kept among the candidates it would double their memory.
            yield {key: post[key] for key in ("id", "position", "source", "text") if key in post}

    picked = suggest_lib.suggest(model, counted(), n, diversity=diversity)
    if unheld[0] and seen[0]:
        there = ", ".join(sorted(fields_seen)[:20])
        holders = ", ".join(f"'{name}'" for name in sorted(holding)[:5])
        said = f"no post holds --label-field '{unheld[0]}' (fields: {there})"
        if named is not None and holding:
            raise UsageError(f"{said}, where {holders} holds labels: name the field of the posts' labels, or leave it out")
        if named is not None:
            # The first round of a pool no one has labelled yet, whose field a script names from the start.
            notify(f"warning: {said}: no post is labelled yet, so every one was a candidate")
        elif holding:
            notify(
                f"warning: no post holds a '{label_field}' field (fields: {there}), where {holders} holds labels: "
                "its labelled posts were candidates too; name it with --label-field to pass them over"
            )
    multi = len({post["source"] for post in picked}) > 1 or len(paths) > 1
    for post in picked:
        line: dict[str, Any] = {key: post[key] for key in ("id", "position") if key in post}
        if multi:
            line["source"] = post["source"]
        _print_json({**line, "text": post["text"], "label": "", "uncertainty": post["uncertainty"]})
    if foreign:
        shown = ", ".join(list(foreign)[:3]) + (", ..." if len(foreign) > 3 else "")
        held = sum(foreign.values())
        holds = "posts hold" if held > 1 else "post holds"
        notify(f"{held} {holds} a value in '{label_field}' that is no label ({shown}): offered as unlabelled")
    labelled = f"{seen[2]} with a label in '{label_field}'" if seen[2] else ""
    if not picked:
        unlabelled = f" and no label in the pool ({labelled}; --label-field names another field)" if seen[2] else " in the pool"
        notify(f"no posts with text{unlabelled}: nothing to suggest")
    elif len(picked) < n:
        also = f"; {labelled} were passed over" if seen[2] else ""
        notify(f"asked for {n} posts; the pool holds {len(picked)} with text and no label (copies counted once{also}), all suggested")
    else:
        passed = [part for part in (f"{seen[1]} with no text" if seen[1] else "", labelled) if part]
        without = f" ({' and '.join(passed)} passed over)" if passed else ""
        notify(f"suggested {len(picked)} of {seen[0]} posts{without}")


@app.command()
def report(
    results: Annotated[
        list[str] | None,
        typer.Argument(
            help="classify output (with --keep-fields), posts labelled by hand, or posts to classify; '-' (or nothing) reads stdin.",
            show_default=False,
        ),
    ] = None,
    # Text, not a Path: Path("page/") is "page", and a name that opens no file must be refused as typed.
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write the HTML page here.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The report's numbers as one JSON object on stdout.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Break labels down by this field of the records (default: the account).")] = None,
    # Finite: an infinite window had been written as null in the JSON, which says no post carries a time.
    window: Annotated[
        float, typer.Option("--window", help="Hours within which accounts must take up a hashtag or link.", min=0, callback=_finite)
    ] = 72.0,
    min_accounts: Annotated[int, typer.Option("--min-accounts", help="Distinct accounts that make a trace.", min=2)] = 3,
    title: Annotated[str, typer.Option("--title", help="Title of the page.")] = "smclass report",
    label_field: Annotated[
        str | None,
        typer.Option("--label-field", help="Field holding the posts' own labels. Default: label, if they have it.", show_default=False),
    ] = None,
    model_path: ModelOption = None,
    text_field: TextFieldOption = None,
    id_field: IdFieldOption = None,
    input_format: InputFormatOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = None,
    table: TableOption = None,
    query: QueryOption = None,
    quiet: QuietOption = False,
) -> None:
    """A report on labelled posts: one self-contained HTML page, or its numbers as JSON.

    Reads classify output made with --keep-fields, or a file of posts labelled by hand: the
    labels the posts carry are reported as they are. Posts that carry no label are
    classified first (with --model). A file in which some posts carry a label and others do
    not is refused, and so are classify results among hand labels (in one file or several),
    so hand labels and predictions are never counted together. A note says
    which it did. Shows label counts and shares, labels over time, per account (or --by
    FIELD), the confidence of the labels, the words and hashtags most typical of each
    label, and Emergent traces: hashtags and links taken up by at least --min-accounts
    distinct accounts within --window hours.

    \b
    Examples:
      smclass classify export.jsonl --keep-fields | smclass report -o report.html
      smclass report labelled.jsonl --by record.channel --json | jq .labels
    """
    from smclass.analyst import report as report_lib
    from smclass.analyst import report_html

    if output is None and not as_json:
        raise UsageError("name the page with --output FILE, or ask for --json")
    if as_json and output is not None and str(output) == "-":
        raise UsageError("--json and --output - both write to stdout: drop one")
    stdout = [("stdout", "-")] if as_json else []
    output_paths.check_inputs(_inputs(results))
    output_paths.check_outputs([*_inputs(results), *_model_file(model_path)], [("--output", output), *stdout])
    page_undone = None if output is None else "the page was not all written" if str(output) == "-" else f"{output} was not written"
    if_stopped("; ".join(part for part in ("the JSON was not written" if as_json else None, page_undone) if part))
    notify = _ignore if quiet else _note
    if output is not None and Path(output).suffix.lower() in (".json", ".jsonl", ".ndjson", ".csv"):
        # -o takes the page alone: `--json -o report.json` had written HTML to report.json, saying "wrote report.json".
        said = f"warning: {output} ends in {Path(output).suffix}, but --output takes the HTML page"
        notify(said + (": --json writes the numbers to stdout (--json > FILE)" if as_json else ": --json gives the numbers, on stdout"))
    options = read_options(text_field, id_field, input_format, delimiter, table, query, encoding)
    checked_field(label_field, "--label-field")  # empty, it had been taken for no name: 'label' was read unsaid
    tally = report_lib.collect(
        _inputs(results), options, by=by, model_path=model_path, notify=notify, window_hours=window, label_field=label_field
    )
    numbers = report_lib.numbers(tally, window_hours=window, min_accounts=min_accounts)
    tally.groups.close()
    for note in numbers["notes"]:
        notify(note)
    if as_json:
        _print_json(numbers)
        if_stopped(page_undone)
    if output is not None:
        page = report_html.render(numbers, title)
        if str(output) == "-":
            _write_stdout(page.encode("utf-8"))
        else:
            from smclass.run.output import write_atomically

            write_atomically(output, page.encode("utf-8"))
            if_stopped(None)
            notify(f"wrote {output} ({tally.posts} posts)")
