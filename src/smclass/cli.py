"""The ``smclass`` command: a thin shell over the library.

Only this module imports typer and rich, prints, or chooses exit codes.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

try:  # typer >= 0.29 carries its own copy of click
    from typer._click import exceptions as cli_errors
except ImportError:  # pragma: no cover - older typer on plain click
    from click import exceptions as cli_errors  # type: ignore[no-redef]

from smclass import __version__
from smclass.errors import InputError, SmclassError, UsageError

# smclass does only small matrix products: BLAS threads would spin beside --jobs workers
# and burn a core for nothing. Set before numpy is imported; the environment still wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

if TYPE_CHECKING:
    from smclass.model import Model
    from smclass.records import Record

EXIT_OK = 0
EXIT_BAD_DATA = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _error(message: str) -> None:
    # One line, always: a message that holds a newline would break log scrapers.
    typer.echo("Error: " + " ".join(str(message).split()), err=True)


def _note(message: str) -> None:
    typer.echo(message, err=True)


def _ignore(message: str) -> None:
    return None


def _print_json(value: Any) -> None:
    """One JSON object on its own line on stdout."""
    from smclass.output import jsonl_line

    sys.stdout.buffer.write(jsonl_line(value))


class SmclassGroup(TyperGroup):
    """Turns every known error into one ``Error: ...`` line and an exit code, never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except cli_errors.NoArgsIsHelpError as exc:
            typer.echo(exc.format_message())
            sys.exit(EXIT_OK)
        except cli_errors.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _error(exc.format_message() + hint)
            sys.exit(EXIT_USAGE)
        except cli_errors.ClickException as exc:
            _error(exc.format_message())
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.exit(EXIT_INTERRUPTED)
        except SmclassError as exc:
            _error(str(exc))
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def invoke(self, ctx: Any) -> Any:
        # Caught here, below typer's own handler, which would turn it into exit 1.
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader of our output went away (`| head`): stop quietly, as shell tools do,
            # with stdout pointed at /dev/null so the final flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK


app = typer.Typer(
    cls=SmclassGroup,
    help=(
        "Label social-media posts with one of five types: Media, Customer, Enterprise, "
        "Personal, Emergent (Anklam's four types of social media plus a fifth).\n\n"
        "\b\nStart with:\n  smclass classify data/sample_posts.jsonl\n"
        "  smclass classify posts.jsonl | jq -c 'select(.label == \"Customer\")'\n"
        "  smclass labels"
    ),
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        import importlib.util

        built = all(importlib.util.find_spec(f"smclass.{module}") is not None for module in ("_kernel", "_normalize"))
        typer.echo(f"smclass {__version__} ({'compiled kernel' if built else 'numpy features only: the C kernel was not built'})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Label social-media posts with Anklam's types of social media."""


class OutputFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    table = "table"


class InputFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    tsv = "tsv"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class OnError(StrEnum):
    stop = "stop"
    skip = "skip"


ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        "-m",
        help="Model file (.npz, written by smclass train). Default: $SMCLASS_MODEL, else the bundled model.",
        show_default=False,
    ),
]
TextFieldOption = Annotated[
    str | None,
    typer.Option(
        "--text-field",
        "-t",
        help="Field holding the post text; dotted paths like post.body work. Default: detected "
        "(full_text, text, rawContent, content, body, message, selftext with title, ...).",
        show_default=False,
    ),
]
InputFormatOption = Annotated[
    InputFormat | None,
    typer.Option("--input-format", "-f", help="Override format detection.", show_default=False),
]


def _load_model(path: Path | None) -> Model:
    from smclass import model as model_lib

    return model_lib.load(path)


def _progress_wanted(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


class _ReadPosition:
    """How far reading has got into the inputs, when they are all plain files."""

    def __init__(self, paths: list[str]) -> None:
        from smclass.exports import is_zip

        # A zip archive is read member by member through its own handle: no offset to follow.
        plain = bool(paths) and all(p != "-" and Path(p).is_file() and not is_zip(Path(p)) for p in paths)
        self.total: int | None = sum(Path(p).stat().st_size for p in paths) if plain else None
        self._finished = 0
        self._current: tuple[IO[bytes], int] | None = None

    def opened(self, handle: IO[bytes]) -> None:
        if self._current is not None:
            self._finished += self._current[1]
        self._current = (handle, os.fstat(handle.fileno()).st_size)

    def position(self) -> int:
        if self._current is None:
            return self._finished
        handle, size = self._current
        try:
            # The OS-level offset: what has been read from the file, read-ahead included.
            return self._finished + (size if handle.closed else os.lseek(handle.fileno(), 0, os.SEEK_CUR))
        except (OSError, ValueError):
            return self._finished


@contextmanager
def _progress(
    description: str,
    enabled: bool,
    total_bytes: int | None = None,
    position: Callable[[], int] | None = None,
    console: Any = None,
    counts_posts: bool = True,
) -> Iterator[Any]:
    """A rich progress bar on stderr, or a no-op stand-in when stderr is not a terminal.

    With the inputs' size known, the bar follows bytes read and shows an ETA; posts and
    posts/s show either way.
    """
    if not enabled:
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    columns: list[Any] = [TextColumn("{task.description}"), BarColumn()]
    if total_bytes:
        columns.append(TaskProgressColumn())
    if counts_posts:
        columns.append(TextColumn("{task.fields[posts]:,} posts, {task.fields[rate]:,.0f} posts/s"))
    columns.append(TimeElapsedColumn())
    if total_bytes:
        columns += [TextColumn("ETA"), TimeRemainingColumn()]
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total_bytes or None, posts=0, rate=0.0)
        yield _RichProgress(progress, task, position if total_bytes else None)


class _NoProgress:
    def advance(self, n: int = 1) -> None:
        return None


class _RichProgress:
    def __init__(self, progress: Any, task: Any, position: Callable[[], int] | None) -> None:
        self._progress = progress
        self._task = task
        self._position = position
        self._posts = 0
        self._start = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self._posts += n
        rate = self._posts / max(time.monotonic() - self._start, 1e-9)
        if self._position is not None:
            self._progress.update(self._task, completed=self._position(), posts=self._posts, rate=rate)
        else:
            self._progress.update(self._task, advance=n, posts=self._posts, rate=rate)


@contextmanager
def _open_output(path: Path | None) -> Iterator[IO[bytes]]:
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        handle = path.open("wb")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write output ({exc.strerror})") from None
    with handle:
        yield handle


@app.command()
def classify(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, directories or zip archives of posts; '-' (or nothing) reads stdin. "
            "JSON lines, JSON, CSV, TSV, gzip and platform exports are detected.",
            show_default=False,
        ),
    ] = None,
    model_path: ModelOption = None,
    text_field: TextFieldOption = None,
    id_field: Annotated[
        str | None,
        typer.Option(
            "--id-field",
            help="Field holding the post id. Default: detected (id, id_str, uri, post_id, ...), else the position.",
            show_default=False,
        ),
    ] = None,
    proba: Annotated[bool, typer.Option("--proba", help="Add the probability of every label.")] = False,
    keep_fields: Annotated[
        bool, typer.Option("--keep-fields", help='Carry the input record along under "record" (filter posts by label with jq).')
    ] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="jsonl for tools, csv for spreadsheets, table for people.")
    ] = OutputFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write results here instead of stdout.", show_default=False)] = None,
    input_format: InputFormatOption = None,
    on_error: Annotated[
        OnError,
        typer.Option("--on-error", help="stop: the first unreadable record ends the run (exit 1). skip: report it on stderr and go on."),
    ] = OnError.stop,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="With --on-error skip: write the raw skipped records here.", show_default=False)
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=0,
            help=(
                "Worker processes (local) or local Dask workers, 0 for one per core; output order is kept. Each worker "
                "loads the model; local workers start only once an input passes 10,000 posts."
            ),
        ),
    ] = 1,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="local: this machine. dask: one task per input file on a Dask cluster, writing part-NNNNN.jsonl files into --output DIR.",
        ),
    ] = Engine.local,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="With --engine dask: the scheduler address (tcp://host:8786). Default: a local cluster.", show_default=False
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes or progress on stderr; errors still show.")] = False,
) -> None:
    """Label each post: one JSON line per input record, in input order.

    Each line is {"id": ..., "label": ..., "confidence": ...}. A post with no text still
    gets its line, with "label": null and a "reason".

    \b
    Examples:
      smclass classify data/sample_posts.jsonl
      cat tweets.jsonl | smclass classify --proba - | jq -c 'select(.label == "Emergent")'
      smclass classify export.csv --text-field body --format csv -o labelled.csv
      smclass classify big.jsonl --on-error skip --rejects bad.jsonl --jobs 0 -o labels.jsonl
    """
    from smclass import classify as classify_lib

    if rejects is not None and on_error != OnError.skip:
        raise UsageError("--rejects goes with --on-error skip")
    paths = inputs or ["-"]
    if paths.count("-") > 1:
        raise UsageError("stdin ('-') can be read only once")
    if jobs == 0:
        from smclass.parallel import cores

        jobs = cores()
    model = _load_model(model_path)
    options = classify_lib.Options(
        text_field=text_field,
        id_field=id_field,
        input_format=input_format.value if input_format else None,
        proba=proba,
        keep_fields=keep_fields,
        on_error=on_error.value,
        jobs=jobs,
    )
    notify = _ignore if quiet else _note
    if engine == Engine.dask:
        _classify_on_dask(model, paths, options, output, output_format, scheduler, max(jobs, 2), rejects, notify)
        return
    if scheduler is not None:
        raise UsageError("--scheduler goes with --engine dask")
    reading = _ReadPosition(paths)
    with _rejects_file(rejects) as reject:
        batches = classify_lib.classify_paths_in_batches(model, paths, options, notify=notify, reject=reject, on_open=reading.opened)
        with (
            _open_output(output) as handle,
            _progress("classifying", _progress_wanted(quiet), total_bytes=reading.total, position=reading.position) as bar,
        ):
            _write_results(batches, handle, output_format, model.labels if proba else None, bar)


def _classify_on_dask(
    model: Model,
    paths: list[str],
    options: Any,
    output: Path | None,
    output_format: OutputFormat,
    scheduler: str | None,
    workers: int,
    rejects: Path | None,
    notify: Any,
) -> None:
    from smclass import distributed

    if output is None or str(output) == "-":
        raise UsageError("--engine dask writes part files: name a directory with --output DIR")
    if output_format != OutputFormat.jsonl:
        raise UsageError("--engine dask writes JSON lines only")
    if output.exists() and not output.is_dir():
        raise UsageError(f"{output}: exists and is not a directory")
    results = distributed.run(model, paths, options, output, scheduler=scheduler, workers=workers)
    for part in results:
        for message in part.notes:
            notify(message)
        notify(f"{part.part}: {part.records} records from {part.source}")
    if rejects is not None:
        with rejects.open("w", encoding="utf-8") as handle:
            handle.writelines(line + "\n" for part in results for line in part.rejects)


@contextmanager
def _rejects_file(path: Path | None) -> Iterator[Any]:
    if path is None:
        yield None
        return
    try:
        handle = path.open("w", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write rejects ({exc.strerror})") from None

    def reject(record: Record, error: InputError) -> None:
        handle.write(record.raw_text() + "\n")
        handle.flush()

    with handle:
        yield reject


def _write_results(
    batches: Iterator[list[dict[str, Any]]], handle: IO[bytes], fmt: OutputFormat, proba_labels: list[str] | None, bar: Any
) -> None:
    """Write each batch of results and flush once per batch (at once for a live pipe's first posts)."""
    from smclass import output as output_lib

    if fmt == OutputFormat.table:
        _print_table([result for batch in batches for result in batch], proba_labels)
        return
    if fmt == OutputFormat.csv:
        import io

        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        writer = output_lib.CsvWriter(text, proba_labels)
        for batch in batches:
            for result in batch:
                writer.write(result)
            text.flush()
            bar.advance(len(batch))
        text.detach()
        return
    for batch in batches:
        handle.write(b"".join(output_lib.jsonl_line(result) for result in batch))
        handle.flush()
        bar.advance(len(batch))


def _print_table(results: list[dict[str, Any]], proba_labels: list[str] | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    table.add_column("id", overflow="fold")
    table.add_column("label")
    table.add_column("confidence", justify="right")
    for label in proba_labels or []:
        table.add_column(label, justify="right")
    show_text = any("record" in r for r in results)
    if show_text:
        table.add_column("record", overflow="ellipsis", max_width=60)
    for r in results:
        confidence = "" if r.get("confidence") is None else f"{r['confidence']:.2f}"
        row = [str(r["id"]), r["label"] or f"- ({r.get('reason', '')})", confidence]
        probs = r.get("probabilities") or {}
        row += [f"{probs[label]:.2f}" if label in probs else "" for label in proba_labels or []]
        if show_text:
            row.append(str(r.get("record", "")))
        table.add_row(*row)
    Console(soft_wrap=False).print(table)


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
    from smclass import dataset
    from smclass import model as model_lib

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
        model = model_lib.train(posts.texts, posts.labels, folds=cv, seed=seed, sources=[Path(s).name for s in posts.sources])
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
    from smclass import dataset
    from smclass import evaluate as evaluate_lib

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


@app.command()
def info(
    model_path: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The model card as one JSON object.")] = False,
) -> None:
    """Show the model card: labels, training data size and hash, CV scores, versions, creation time."""
    from smclass import model as model_lib

    path = model_path or model_lib.default_model_path()
    model = _load_model(path)
    card = {"path": str(path), **model.card}
    if as_json:
        _print_json(card)
        return
    for key, value in card.items():
        if isinstance(value, dict):
            typer.echo(f"{key}:")
            for sub, item in value.items():
                typer.echo(f"  {sub}: {item}")
        else:
            typer.echo(f"{key}: {value}")


@app.command()
def labels(as_json: Annotated[bool, typer.Option("--json", help="One JSON object per label.")] = False) -> None:
    """List the five labels and what each means."""
    from smclass.labels import DEFINITIONS, LABELS

    for label in LABELS:
        if as_json:
            _print_json({"label": label, "definition": DEFINITIONS[label]})
        else:
            typer.echo(f"{label:<11} {DEFINITIONS[label]}")


def main() -> None:
    app()
