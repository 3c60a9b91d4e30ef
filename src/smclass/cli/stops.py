"""What a stop (Ctrl-C, SIGTERM, SIGHUP) of the running command leaves undone, said in one line by the group."""

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


def exit_code() -> int:
    """128 and the number of the signal that stopped the run, as a shell reports it (143 for SIGTERM, 129 for SIGHUP)."""
    return 128 + _stopped_by


_stopped_by = int(signal.SIGTERM)


def _terminate(signum: int, frame: Any) -> NoReturn:
    global _terminated, _stopped_by
    if os.getpid() != _handler_owner:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    _terminated, _stopped_by = True, signum  # typer turns the interrupt into exit 130 before we see it
    raise Terminated()


# SIGHUP comes when the terminal or the ssh session of a run goes away: left to its default, it
# ended the run at once and left the -o temporary behind (a hidden .out.jsonl.N.tmp of every result so far).
_STOPPING = (signal.SIGTERM, *((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()))


def handle_sigterm() -> dict[int, Any]:
    """SIGTERM and SIGHUP stop this process as Ctrl-C does; the handlers they replace are returned.

    A SIGHUP that is ignored (``nohup smclass ...``) stays ignored: the run was asked to outlive its terminal."""
    global _handler_owner
    _handler_owner = os.getpid()
    return {number: signal.signal(number, _terminate) for number in _STOPPING if signal.getsignal(number) is not signal.SIG_IGN}
