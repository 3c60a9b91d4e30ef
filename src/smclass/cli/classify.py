"""``smclass classify``: options wired to :mod:`smclass.run`, and the writers of its results."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from smclass.cli.app import (
    Cascade,
    Engine,
    InputFormatOption,
    ModelOption,
    OnError,
    OutputFormat,
    TextFieldOption,
    _error,
    _ignore,
    _load_model,
    _model_file,
    _note,
    app,
    if_stopped,
    set_cascade,
)
from smclass.cli.progress import _progress, _progress_wanted, _ReadPosition
from smclass.cli.read_options import DelimiterOption, EncodingOption, QueryOption, TableOption, delimiter_value
from smclass.cli.workers import jobs_asked
from smclass.errors import ModelError, OutputError, UsageError
from smclass.reading.decoders import checked_encoding
from smclass.reading.plan import checked_field
from smclass.run import paths
from smclass.run.parallel import crowded

if TYPE_CHECKING:
    from smclass.model.files import Model


@dataclass
class _Tally:
    """What a run has written so far, for the note when it stops early."""

    results: int = 0
    rejects: int = 0

    def count_reject(self) -> None:
        self.rejects += 1


@app.command()
def classify(
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, directories or zip archives of posts; '-' (or nothing) reads stdin. "
            "JSON lines, JSON, CSV (any of , ; tab |), plain lines, SQLite, Excel, Parquet, gzip and platform exports are detected.",
            show_default=False,
        ),
    ] = None,
    model_path: ModelOption = None,
    text_field: TextFieldOption = None,
    id_field: Annotated[
        str | None,
        typer.Option(
            "--id-field",
            help="Field holding the post id. Default: detected (id, id_str, post_id, tweet_id, uri, ...), else the position.",
            show_default=False,
        ),
    ] = None,
    proba: Annotated[bool, typer.Option("--proba", help="Add the probability of every label.")] = False,
    threshold: Annotated[
        str | None,
        typer.Option(
            "--threshold",
            help='A post whose best probability is under P gets "label": null, an "uncertain: ..." reason and its '
            "probabilities. 'model' takes the cut suggested in the model card (see smclass info).",
            metavar="P|model",
            show_default=False,
        ),
    ] = None,
    cascade: Annotated[
        Cascade,
        typer.Option(
            "--cascade", help="With an accurate model: on, only posts the fast model is unsure of go through the encoder; off, all do."
        ),
    ] = Cascade.on,
    top_k: Annotated[int, typer.Option("--top-k", help='Add "top": the K likeliest labels with their probabilities.', min=0)] = 0,
    explain: Annotated[
        int,
        typer.Option("--explain", help='Add "explain": the K features that pushed each post most toward its label.', min=0, metavar="K"),
    ] = 0,
    keep_fields: Annotated[
        bool, typer.Option("--keep-fields", help='Carry the input record along under "record" (filter posts by label with jq).')
    ] = False,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="jsonl for tools, csv for spreadsheets, table for people.")
    ] = OutputFormat.jsonl,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write results here instead of stdout. With --engine dask: a folder or an fsspec URL (s3://bucket/labelled).",
            show_default=False,
        ),
    ] = None,
    input_format: InputFormatOption = None,
    delimiter: DelimiterOption = None,
    encoding: EncodingOption = None,
    table: TableOption = None,
    query: QueryOption = None,
    on_error: Annotated[
        OnError,
        typer.Option("--on-error", help="stop: the first unreadable record ends the run (exit 1). skip: report it on stderr and go on."),
    ] = OnError.stop,
    rejects: Annotated[
        # Text, not a Path: Path("bad/") is "bad", and a name that opens no file must be refused as typed.
        str | None, typer.Option("--rejects", help="With --on-error skip: write the raw skipped records here.", show_default=False)
    ] = None,
    jobs: Annotated[
        str,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N|auto",
            help=(
                "Worker processes (local) or local Dask workers; auto (or 0): one per usable core. Output order is kept. "
                "Each worker loads the model; local workers start only once an input passes 10,000 posts."
            ),
        ),
    ] = "auto",
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="local: this machine. dask: a Dask cluster, one task per input file or per range of a big JSON-lines or CSV file, "
            "writing part-NNNNN.jsonl files into --output DIR.",
        ),
    ] = Engine.local,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="With --engine dask: replace the parts of an earlier run in --output DIR.")
    ] = False,
    partition_size: Annotated[
        str | None,
        typer.Option(
            "--partition-size",
            help="With --engine dask: cut JSON-lines and CSV files into ranges of this size (64MB, 1GiB). "
            "Default: the file over twice the workers, at least 1 MB.",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="With --engine dask: the scheduler address (tcp://host:8786, tls://host:8786) or a scheduler file. "
            "Default: a local cluster.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes or progress on stderr; errors still show.")] = False,
) -> None:
    """Label each post: one JSON line per input record, in input order.

    Each line is {"id": ..., "label": ..., "confidence": ...}. A post with no text, or with
    no word the model knows (a language it was not trained on), still gets its line, with
    "label": null and a "reason".

    \b
    Examples:
      smclass sample | smclass classify
      cat tweets.jsonl | smclass classify --proba - | jq -c 'select(.label == "Emergent")'
      smclass classify export.csv --text-field body --format csv -o labelled.csv
      smclass classify big.jsonl --on-error skip --rejects bad.jsonl -o labels.jsonl
      smclass classify posts.jsonl --threshold 0.6 | jq -c 'select(.label == null) | {id, reason}'
      smclass classify posts.jsonl --explain 5 | jq -c '{id, label: .label, why: [.explain[]?.feature]}'
    """
    from smclass.run import stream as classify_lib

    if rejects is not None and on_error != OnError.skip:
        raise UsageError("--rejects goes with --on-error skip")
    if rejects is not None and str(rejects) == "-":
        raise UsageError("--rejects cannot be '-': the results go to stdout; name a file for the skipped records")
    sources = inputs or ["-"]
    if sources.count("-") > 1:
        raise UsageError("stdin ('-') can be read only once")
    for listed, count in (("--explain", explain), ("--top-k", top_k)):
        # Their fields are lists, which a CSV cell or a table column would drop; refused rather than dropped.
        if count and output_format != OutputFormat.jsonl:
            raise UsageError(f"{listed} goes with --format jsonl (--format {output_format.value} has no column for it)")
    # A dask --output is a directory: its part files are checked where they are named.
    outputs = [("--rejects", rejects)] if engine == Engine.dask else [("--output", output or "-"), ("--rejects", rejects)]
    if engine == Engine.dask and rejects is not None:
        raise UsageError("--engine dask writes the rejects of each part beside it (part-NNNNN.rejects.jsonl): leave out --rejects")
    for option, named in (("--output", output), ("--rejects", rejects), ("--scheduler", scheduler)):
        if named is not None and not str(named).strip():
            raise UsageError(f"{option} is empty: name a file{' or address' if option == '--scheduler' else ''}")
    if engine == Engine.dask and not str(scheduler or "").startswith("inproc://") and "memory://" in str(output or ""):
        # The local cluster's workers are processes, and so are a scheduler's at tcp:// (where it had been taken,
        # exit 0): what they write to memory:// is gone when they end. Only a cluster in this process shares it.
        raise UsageError(f"--output {output}: the Dask workers are other processes, whose memory is lost; write to a folder or a store")
    paths.check_inputs(sources)
    paths.check_outputs([*sources, *_model_file(model_path)], outputs)
    workers = jobs_asked(jobs, scheduler)
    model = _load_model(model_path)
    options = classify_lib.Options(
        text_field=checked_field(text_field, "--text-field"),
        id_field=checked_field(id_field, "--id-field"),
        input_format=input_format.value if input_format else None,
        delimiter=delimiter_value(delimiter, input_format),
        proba=proba,
        threshold=_threshold(threshold, model),
        top_k=top_k,
        explain=explain,
        keep_fields=keep_fields,
        on_error=on_error.value,
        jobs=workers,
        cascade=cascade != Cascade.off,
        table=table,
        query=query,
        encoding=checked_encoding(encoding),
    )
    notify = _ignore if quiet else _note
    if (lacking := model.never_gives()) is not None:
        notify(lacking)
    if output is not None:
        from smclass.run.output import format_named, unwritten_format

        # The format is never guessed from the name: a name that promises another one is said.
        named, promised, asked = format_named(str(output)), unwritten_format(str(output)), output_format.value
        if engine == Engine.dask:
            if (named or promised) and not str(output).endswith("/"):
                # A name like a file's, given to a run that writes a folder of parts.
                notify(f"warning: --engine dask writes a folder of part files: {output} will be a folder, not one file")
        elif named is not None and named != asked:
            notify(f"warning: {output} ends in {Path(output).suffix}, but --format is {asked}: add --format {named} to write {named}")
        if engine == Engine.local and promised is not None:
            notify(f"warning: {output} ends in {Path(output).suffix}, which names {promised}: it gets --format {asked}")
    encoded = getattr(model.scorer, "cascade", None) is not None
    set_cascade(model, cascade)
    if engine == Engine.dask:
        dask = _DaskRun(output, output_format, scheduler, workers, overwrite, _size(partition_size), _progress_wanted(quiet))
        _classify_on_dask(model, sources, options, dask, notify)
        return
    for name, given in (("--scheduler", scheduler), ("--overwrite", overwrite or None), ("--partition-size", partition_size)):
        if given is not None:
            raise UsageError(f"{name} goes with --engine dask")
    reading = _ReadPosition(sources)
    tally = _Tally()
    with paths.rejects_file(rejects, tally.count_reject) as reject:
        batches = classify_lib.classify_paths_in_batches(model, sources, options, notify=notify, reject=reject, on_open=reading.opened)
        with paths.results_file(output) as handle:
            # Results that stream onto the terminal show how far the run is: a bar drawn between them put its
            # own text before a result on screen ("... ETA -:--:--{"id":0,...}").
            bar_wanted = _progress_wanted(quiet) and not (handle.stdout and sys.stdout.isatty())
            with _progress("classifying", bar_wanted, total_bytes=reading.total, position=reading.position) as bar:
                try:
                    _write_results(batches, handle, output_format, model.labels if proba else None, bar, tally)
                except paths.ResultsClosedError:
                    # `| head` ends the run quietly, but not over what it dropped: a rejects file left from
                    # an earlier run would pass for this one's, and -q hides the skipped records.
                    if rejects is not None and (tally.rejects or Path(rejects).exists()):
                        _note(f"stdout was closed: {paths.rejects_left(rejects, tally.rejects)}")
                    elif rejects is None and quiet and tally.rejects:
                        _note(f"stdout was closed; {tally.rejects:,} unreadable record{'' if tally.rejects == 1 else 's'} skipped before")
                    raise
                except BaseException as exc:
                    # An interrupt is said even before the first result: the run did not end by itself.
                    if tally.results or tally.rejects or isinstance(exc, KeyboardInterrupt):
                        kept = "" if rejects is None else f"; {paths.rejects_left(rejects, tally.rejects)}"
                        notify(f"stopped early: {handle.stopped(tally.results)}{kept}")
                        if_stopped(None)  # said here, with the counts
                    raise
    if quiet and tally.rejects and rejects is None:
        # -q hides each "skipped" note: records dropped with no file to keep them are still said, once.
        _note(f"skipped {tally.rejects:,} unreadable record{'' if tally.rejects == 1 else 's'} (--rejects FILE keeps them)")
    seen, sent = getattr(model.scorer, "seen", 0), getattr(model.scorer, "sent", 0)
    if encoded and seen:
        notify(f"the encoder read {sent:,} of {seen:,} posts ({sent / seen:.0%})")


def _threshold(value: str | None, model: Model) -> float | None:
    if value is None:
        return None
    if value == "model":
        suggested = model.card.get("suggested_threshold")
        if suggested is None:
            cv = model.card.get("cross_validation")
            # A model cross-validated to no cut 90% right was told to retrain with cross-validation, as if it had none.
            why = (
                f"in its {cv.get('folds')}-fold cross-validation no confidence cut kept 10 posts or more with labels 90% right "
                "(smclass info shows each cut's accuracy); give a number"
                if isinstance(cv, dict)
                else "it was trained with --cv 0; retrain with cross-validation (--cv 5), or give a number"
            )
            raise UsageError(f"{model.path}: the model card suggests no threshold: {why}")
        if isinstance(suggested, bool) or not isinstance(suggested, (int, float)) or not 0.0 <= suggested <= 1.0:
            raise ModelError(f"{model.path}: the model card's suggested_threshold is damaged ({suggested!r}): give a number")
        return float(suggested)
    try:
        cut = float(value)
    except ValueError:
        raise UsageError(f"--threshold: expected a probability between 0 and 1 or 'model', got {value!r}") from None
    if not 0.0 <= cut <= 1.0:
        raise UsageError(f"--threshold: expected a probability between 0 and 1, got {value}")
    return cut


@dataclass
class _DaskRun:
    output: str | None
    output_format: OutputFormat
    scheduler: str | None
    workers: int
    overwrite: bool
    partition_size: int | None
    progress: bool


PARTITION_FLOOR = 1000


def _size(value: str | None) -> int | None:
    if value is None:
        return None
    from dask.utils import parse_bytes

    try:
        # A bare "B" or "" is 1 byte to Dask: one task per byte of the input.
        size = int(parse_bytes(value)) if any(ch.isdigit() for ch in value) else 0
    except (ValueError, TypeError):
        size = 0
    if size < 1:
        raise UsageError(f"--partition-size: expected a size such as 64MB, got {value!r}")
    if size < PARTITION_FLOOR:
        raise UsageError(f"--partition-size: at least 1KB (got {value!r}): a task for every few posts costs more than it does")
    return size


def _classify_on_dask(model: Model, sources: list[str], options: Any, dask: _DaskRun, notify: Any) -> None:
    from smclass.run import dask_engine as distributed

    if dask.output is None or dask.output == "-":
        raise UsageError("--engine dask writes part files: name a directory with --output DIR")
    if dask.output_format != OutputFormat.jsonl:
        raise UsageError("--engine dask writes JSON lines only")
    if dask.scheduler is None and (warning := crowded(dask.workers)) is not None:
        # Of the workers asked, not of the local cluster's two at least: --jobs auto (or 1) on one core
        # had been warned of as '--jobs 2', which no one typed and no --jobs makes fewer.
        notify(warning)
    finished = [0, 0]
    with _progress("classifying on Dask", dask.progress) as bar:

        def on_part(part: Any, total: int) -> None:
            finished[0], finished[1] = finished[0] + 1, total
            bar.describe(f"classifying on Dask: {finished[0]:,}/{total:,} parts")
            bar.advance(part.records)

        try:
            results = distributed.run(
                model,
                sources,
                options,
                dask.output,
                scheduler=dask.scheduler,
                workers=max(dask.workers, 2),
                overwrite=dask.overwrite,
                partition_size=dask.partition_size,
                notify=notify,
                on_part=on_part,
            )
        except KeyboardInterrupt:
            done = f"{finished[0]:,} of {finished[1]:,} parts were written" if finished[1] else "no part was written"
            from smclass.run import storage

            left = "still holds the earlier run, whole" if storage.finished_run(dask.output) else "has no _SUCCESS"
            _error(f"interrupted: {done}, the rest cancelled; {dask.output} {left}")
            if_stopped(None)
            raise typer.Abort() from None
    for part in results:
        for message in part.notes:
            notify(message)
        where = "" if part.span is None else f" bytes {part.span[0]:,}-{'end' if part.span[1] is None else f'{part.span[1]:,}'} of"
        rejected = f", {part.rejects:,} rejects" if part.rejects else ""
        notify(f"{part.part}: {part.records} records{rejected} from{where} {part.source}")


def _write_results(
    batches: Iterator[list[dict[str, Any]]],
    handle: paths.ResultsStream,
    fmt: OutputFormat,
    proba_labels: list[str] | None,
    bar: Any,
    tally: _Tally,
) -> None:
    """Write each batch of results and flush once per batch."""
    from smclass.run import output as output_lib

    if fmt != OutputFormat.jsonl:
        import io

        text = io.TextIOWrapper(handle, encoding="utf-8", newline="", errors=output_lib.DISPLAY_ERRORS)
    if fmt == OutputFormat.table:
        from smclass.cli.table import TableWriter

        table = TableWriter(text, proba_labels, terminal=handle.stdout and sys.stdout.isatty())
        try:
            for batch in batches:
                table.write(batch)
                text.flush()
                tally.results += len(batch)
                bar.advance(len(batch))
            table.close()
        finally:
            text.flush()
            text.detach()
        return
    if fmt == OutputFormat.csv:
        writer = output_lib.CsvWriter(text, proba_labels)
        try:
            for batch in batches:
                for result in batch:
                    writer.write(result)
                text.flush()
                tally.results = writer.rows  # counted once flushed, so a stop says what is there
                bar.advance(len(batch))
        finally:
            try:
                writer.close()  # rows that waited for the columns of every record, even when reading failed
                text.flush()
                if not handle.failed:  # after a failed write, rows go nowhere
                    tally.results = writer.rows
            finally:
                text.detach()
        return
    for batch in batches:
        handle.write(b"".join(output_lib.jsonl_line(result) for result in batch))
        try:
            handle.flush()
        except OutputError:
            raise  # a full disk: this batch is not there
        except BaseException:
            tally.results += len(batch)  # an interrupt during the flush: they may well be there
            raise
        tally.results += len(batch)
        bar.advance(len(batch))
