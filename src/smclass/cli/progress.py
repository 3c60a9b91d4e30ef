"""Progress bars on stderr (terminals only) and how far reading has got into the inputs."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# The console of the bar on screen, if one is: a note printed past it would land on the bar's line.
_live_console: Any = None


def above_bar(text: str) -> bool:
    """Print a line of ``text`` above the progress bar being drawn; False when there is none.

    Written past the bar, a note began on the bar's own line ("... 0:00:00skipped x.jsonl:12: ...").
    """
    if _live_console is None:
        return False
    _live_console.print(text, markup=False, emoji=False, highlight=False, soft_wrap=True)
    return True


def _progress_wanted(quiet: bool) -> bool:
    # stderr is None when the shell closed it (2>&-) and nothing has stood in for it yet.
    return not quiet and sys.stderr is not None and sys.stderr.isatty() and not os.environ.get("CI")


class _ReadPosition:
    """How far reading has got into the inputs, when they are all plain files."""

    def __init__(self, paths: list[str]) -> None:
        from smclass.reading.containers import is_zip

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

    # File names are shown as they are: "[x].jsonl" is no rich markup.
    columns: list[Any] = [TextColumn("{task.description}", markup=False), BarColumn()]
    if total_bytes:
        columns.append(TaskProgressColumn())
    if counts_posts:
        columns.append(TextColumn("{task.fields[posts]:,} posts, {task.fields[rate]:,.0f} posts/s"))
    columns.append(TimeElapsedColumn())
    if total_bytes:
        columns += [TextColumn("ETA"), TimeRemainingColumn()]
    global _live_console
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total_bytes or None, posts=0, rate=0.0)
        _live_console = progress.console
        try:
            yield _RichProgress(progress, task, position if total_bytes else None)
        finally:
            _live_console = None


class _NoProgress:
    def advance(self, n: int = 1) -> None:
        return None

    def describe(self, text: str) -> None:
        return None


class _RichProgress:
    def __init__(self, progress: Any, task: Any, position: Callable[[], int] | None) -> None:
        self._progress = progress
        self._task = task
        self._position = position
        self._posts = 0
        self._start = time.monotonic()

    def describe(self, text: str) -> None:
        self._progress.update(self._task, description=text)

    def advance(self, n: int = 1) -> None:
        self._posts += n
        rate = self._posts / max(time.monotonic() - self._start, 1e-9)
        if self._position is not None:
            self._progress.update(self._task, completed=self._position(), posts=self._posts, rate=rate)
        else:
            self._progress.update(self._task, advance=n, posts=self._posts, rate=rate)
