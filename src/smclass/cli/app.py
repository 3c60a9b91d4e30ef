"""The ``smclass`` command: a thin shell over the library.

Only this module imports typer and rich, prints, or chooses exit codes.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import signal
import sys
import warnings
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

try:  # typer >= 0.29 carries its own copy of click
    from typer._click import exceptions as cli_errors
except ImportError:  # pragma: no cover - older typer on plain click
    from click import exceptions as cli_errors  # type: ignore[no-redef]

from smclass import __version__
from smclass.cli import closed_streams, given_twice, stops
from smclass.cli.stops import if_stopped as if_stopped
from smclass.errors import MissingExtraError, SmclassError, UsageError, shown

# Small matrix products only: BLAS threads would spin beside --jobs workers for nothing. Set before numpy is imported; the environment wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

if TYPE_CHECKING:
    from smclass.model.files import Model

EXIT_OK = 0
EXIT_BAD_DATA = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


DEBUG_ENV = "SMCLASS_DEBUG"
_stderr_gone = False


def _to_stderr(text: str) -> None:
    """Write a line to stderr; once its reader has gone (``2>&1 | head -1``) lines are dropped.

    A closed stderr must never stop or shorten a run: only the results stream may.
    """
    global _stderr_gone
    if _stderr_gone:
        return
    from smclass.cli.progress import above_bar
    from smclass.run.output import displayable

    try:
        if not above_bar(displayable(text)):
            typer.echo(displayable(text), err=True)
    except OSError:
        _stderr_gone = True
        # Point fd 2 at /dev/null so what is still buffered drains without failing again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stderr.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass


def _error(message: str) -> None:
    # One line, always (a newline would break log scrapers); the input's escape codes escaped, as in notes.
    _to_stderr("Error: " + shown(" ".join(str(message).split())))


def _note(message: str) -> None:
    # A note is one line: a file name holding a newline shows it escaped, as errors do.
    _to_stderr(shown(message))


def _ignore(message: str) -> None:
    return None


def _print_json(value: Any) -> None:
    """One JSON object on its own line on stdout."""
    from smclass.run.output import jsonl_line

    _write_stdout(jsonl_line(value))


def _write_stdout(data: bytes) -> None:
    """Write and flush now, so a full disk is one ``Error: stdout: cannot write`` line, not an internal error."""
    from smclass.run.paths import ResultsClosedError, cannot_write, write_all

    try:
        write_all(sys.stdout.buffer, data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # The reader went away: SmclassGroup.invoke ends the run quietly. Not BrokenPipeError
        # itself, which rich's console would turn into exit 1.
        raise ResultsClosedError() from None
    except OSError as exc:
        # What is still buffered would fail again at exit, with a message of Python's own.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise cannot_write("stdout", exc) from None


def echo(text: str) -> None:
    """One line of text on stdout, with the errors of :func:`_write_stdout`; a file name that is no UTF-8 with \\xff escapes."""
    from smclass.run.output import displayable

    _write_stdout((displayable(text) + "\n").encode())


class StdoutText(io.TextIOBase):
    """Stdout for rich's console: every write goes through :func:`_write_stdout`."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        _write_stdout(text.encode())
        return len(text)

    def isatty(self) -> bool:
        return sys.stdout.isatty()


def _show_warning(said: set[str], message: Warning | str, *_: Any) -> None:
    if str(message) not in said:
        said.add(str(message))
        _to_stderr(shown(f"warning: {message}"))  # matplotlib's names a glyph it lacks as itself: an ESC


def _quiet_asked(args: Any) -> bool:
    given = list(args) if args is not None else sys.argv[1:]
    for token in given:
        if token == "--":
            break
        if token in ("-q", "--quiet"):
            return True
        if token.startswith("-") and not token.startswith("--"):
            # Bundled as Click reads them (-qo labels.jsonl): said "stopped early" under -q, where -q -o did not.
            # -q and -h are the only short flags; any other letter takes the rest of the token as its value.
            for letter in token[1:]:
                if letter == "q":
                    return True
                if letter != "h":
                    break
    return False


@contextlib.contextmanager
def _routed_warnings(quiet: bool) -> Iterator[None]:
    """A library's warning (scikit-learn, cleanlab, Dask) is one line on stderr, said once (each of audit's fold
    models warned anew: twelve alike lines), and none with -q: the filter is set before any worker forks, and in
    the environment for workers that start afresh, since -q promises errors only; both are put back at the end.
    """
    before = os.environ.get("PYTHONWARNINGS")
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
            os.environ["PYTHONWARNINGS"] = "ignore"
        else:
            warnings.showwarning = functools.partial(_show_warning, set())
        try:
            yield
        finally:
            if quiet:
                if before is None:
                    os.environ.pop("PYTHONWARNINGS", None)
                else:
                    os.environ["PYTHONWARNINGS"] = before


class SmclassGroup(TyperGroup):
    """Turns every known error into one ``Error: ...`` line and an exit code, never a traceback.

    Anything else is a bug: it still ends in one line, naming the command and asking for a
    report, with the traceback shown only when $SMCLASS_DEBUG is set.
    """

    _command = ""
    _quiet = False

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        self._command = (command.name if command is not None else name) or ""
        given_twice.check(command, rest)
        return name, command, rest

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        self._command = ""
        stops.start()
        self._quiet = _quiet_asked(kwargs.get("args", args[0] if args else None))
        closed_streams.guard()
        with _routed_warnings(self._quiet):
            self._main(*args, **kwargs)

    def _main(self, *args: Any, **kwargs: Any) -> NoReturn:
        try:
            before = stops.handle_sigterm()
        except ValueError:  # not the main thread: leave signals to whoever runs us
            before = {}
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
        except stops.Terminated:
            self._say_stopped()
            sys.exit(stops.exit_code())
        except typer.Abort:
            self._say_stopped()
            sys.exit(stops.exit_code() if stops.terminated() else EXIT_INTERRUPTED)
        except SmclassError as exc:
            _error(str(exc))
            sys.exit(exc.exit_code)
        except Exception as exc:  # noqa: BLE001 - the last resort: a bug, still one line
            if isinstance(exc, OSError) and closed_streams.library_write_failed(exc):
                # Click's own writes (--help, --version) to a full disk: the error every command gives.
                from smclass.run.paths import cannot_write

                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                failed = cannot_write("stdout", exc)
                _error(str(failed))
                sys.exit(failed.exit_code)
            if os.environ.get(DEBUG_ENV):
                import traceback

                _to_stderr("".join(traceback.format_exception(exc)).rstrip("\n"))
            command = " ".join(part for part in ("smclass", self._command) if part)
            _error(f"internal error in '{command}': {type(exc).__name__}: {exc} — please report it (set {DEBUG_ENV}=1 for the traceback)")
            sys.exit(EXIT_BAD_DATA)
        finally:
            for number, handler in before.items():
                signal.signal(number, handler)
        if code == EXIT_INTERRUPTED:  # typer's own word for an interrupt that ended the command
            self._say_stopped()
            sys.exit(stops.exit_code() if stops.terminated() else EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def _say_stopped(self) -> None:
        if self._quiet:
            return
        said = stops.undone(" ".join(part for part in ("smclass", self._command) if part))
        if said is not None:
            _note(f"stopped early: {said}")

    def invoke(self, ctx: Any) -> Any:
        # Caught here, below typer's own handler, which would turn it into exit 1.
        from smclass.run.paths import ResultsClosedError

        try:
            return super().invoke(ctx)
        except (BrokenPipeError, ResultsClosedError):
            # The reader of our output went away (`| head`): stop quietly, as shell tools do,
            # with stdout pointed at /dev/null so the final flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK


app = typer.Typer(
    cls=SmclassGroup,
    help=(
        "Label social-media posts with one of five types: Media, Customer, Enterprise, "
        "Personal, Emergent (Anklam's four types of social media plus a fifth).\n\n"
        "\b\nStart with:\n  smclass sample | smclass classify\n"
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

        built = all(importlib.util.find_spec(f"smclass.features.{module}") is not None for module in ("_kernel", "_normalize"))
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
    lines = "lines"


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class OnError(StrEnum):
    stop = "stop"
    skip = "skip"


class Cascade(StrEnum):
    on = "on"
    off = "off"


ModelOption = Annotated[
    # Text, not a Path: Path("./default") is "default", the bundled model's name.
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="Model file (.npz, written by smclass train), or a bundled model: default, accurate, accurate-e5 "
        "(a file of such a name is named with its folder: ./default). Default: $SMCLASS_MODEL, else the bundled model.",
        show_default=False,
    ),
]
TextFieldOption = Annotated[
    str | None,
    typer.Option(
        "--text-field",
        "-t",
        help="Field holding the post text; dotted paths like post.body work. Default: detected "
        "(full_text, rawContent, text, content, body, message, selftext with title, ...).",
        show_default=False,
    ),
]
InputFormatOption = Annotated[
    InputFormat | None,
    typer.Option(
        "--input-format", "-f", help="Override format detection. lines: one post per line, its id the line number.", show_default=False
    ),
]


def set_cascade(model: Model, cascade: Cascade) -> None:
    """Switch an accurate model's cascade; asking a model without an encoder to switch it off is a usage error."""
    if cascade == Cascade.off:
        if getattr(model.scorer, "cascade", None) is None:
            raise UsageError("--cascade off goes with a model that has an encoder (--model accurate)")
        model.scorer.cascade = False  # type: ignore[union-attr]


def _load_model(path: str | Path | None, *, tables: bool = True) -> Model:
    from smclass.model import files as model_lib

    return model_lib.load(path, tables=tables)


def _model_file(path: str | Path | None) -> list[str]:
    """The model file a command reads (the default one when none is named): an input no output may overwrite."""
    from smclass.model import files as model_lib

    return [str(model_lib.resolve(path) if path is not None else model_lib.default_model_path())]


@app.command()
def info(
    model_path: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The model card as one JSON object.")] = False,
) -> None:
    """Show the model card: labels, training data size and hash, CV scores, versions, creation time."""
    from smclass.model import files as model_lib
    from smclass.run import paths

    path = model_path if model_path is not None else os.environ.get(model_lib.MODEL_ENV) or model_lib.default_model_path()
    paths.check_outputs(_model_file(model_path), [("stdout", "-")])
    # The file read: "default" beside a file of that name would name the wrong one (so $SMCLASS_MODEL is read as written).
    read = str(model_lib.resolve(path)) if str(path) in model_lib.BUNDLED else str(path)
    damaged: SmclassError | None = None
    try:
        card = {"path": read, **_load_model(path, tables=False).card}
    except MissingExtraError as exc:  # the card says what a model needs: shown where this install cannot run it
        card = {"path": read, **model_lib.read_card(path)}
        _note(f"warning: this install cannot run it: {exc}")
    except SmclassError as exc:
        # A damaged model's card is still worth reading, but no install runs it: an error, after the card.
        card, damaged = {"path": read, **model_lib.read_card(path)}, exc
    if as_json:
        _print_json(card)
    else:
        for key, value in card.items():
            if isinstance(value, dict):
                echo(shown(f"{key}:"))
                for sub, item in value.items():
                    echo(shown(f"  {sub}: {item}"))  # a card is a shared file's words: its escape codes shown, not obeyed
            else:
                echo(shown(f"{key}: {value}"))
    if damaged is not None:
        raise damaged


@app.command()
def sample(
    corpus: Annotated[bool, typer.Option("--corpus", help="The labelled corpus the default model is trained on instead.")] = False,
) -> None:
    """Print the posts that ship with smclass, as JSON lines on stdout.

    \b
    Examples:
      smclass sample | smclass classify
      smclass sample --corpus | jq -r .label | sort | uniq -c
    """
    from smclass.model import bundled

    for line in bundled.lines(bundled.corpus_path() if corpus else bundled.sample_path()):
        _write_stdout(line)


@app.command()
def labels(as_json: Annotated[bool, typer.Option("--json", help="One JSON object per label.")] = False) -> None:
    """List the five labels and what each means."""
    from smclass.labels import DEFINITIONS, LABELS

    for label in LABELS:
        if as_json:
            _print_json({"label": label, "definition": DEFINITIONS[label]})
        else:
            echo(f"{label:<11} {DEFINITIONS[label]}")
