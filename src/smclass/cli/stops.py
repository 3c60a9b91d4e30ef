"""What a stop (Ctrl-C, SIGTERM) of the running command leaves undone, said in one line by the group."""

from __future__ import annotations

import os
import signal
from typing import Any, NoReturn


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill, timeout, a scheduler) stops a run as Ctrl-C does: the ``-o`` temporary goes, "stopped early" is said."""


_terminated = False
# The process that set the handler: a forked child (cleanlab's pool) inherits the handler,
# and its pool stops it with SIGTERM, which must end the child, not raise in it.
_handler_owner = 0
# What the running command leaves undone if it is stopped now ("stopped early: ..."); None
# when nothing is, or when the command has said it itself (classify, with its counts).
_undone: str | None = None
# Whether the command has said what a stop leaves undone: before, it is still loading a model
# or reading its options, and a stop there is said too, not met with silence.
_begun = False


def start() -> None:
    """A command begins: nothing is at stake yet."""
    global _undone, _begun
    _undone, _begun = None, False


def if_stopped(undone: str | None) -> None:
    """From now on, a stop of this command is said as ``stopped early: UNDONE`` (None: nothing, or said already)."""
    global _undone, _begun
    _undone, _begun = undone, True


def undone(command: str) -> str | None:
    """What the group says after ``stopped early:``, or None."""
    return _undone if _begun else f"before {command} began; nothing was written"


def terminated() -> bool:
    return _terminated


def _terminate(signum: int, frame: Any) -> NoReturn:
    global _terminated
    if os.getpid() != _handler_owner:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    _terminated = True  # typer turns the interrupt into exit 130 before we see it
    raise Terminated()


def handle_sigterm() -> Any:
    """SIGTERM stops this process as Ctrl-C does; the handler it replaces is returned."""
    global _handler_owner
    _handler_owner = os.getpid()
    return signal.signal(signal.SIGTERM, _terminate)
