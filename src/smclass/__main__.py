"""``python -m smclass`` and the ``smclass`` command.

Loading the command (typer, click, the command modules) and building it take a tenth of a
second; Ctrl-C in that time is said as later, in one line, never as a traceback.
"""

import sys
from typing import NoReturn


def run() -> None:
    try:
        from smclass.cli import main
    except KeyboardInterrupt:
        _stopped_before_start()
    try:
        main()
    except KeyboardInterrupt:
        # Typer builds the command before the group's own handling of a stop begins.
        _stopped_before_start()


def _stopped_before_start() -> NoReturn:
    if not {"-q", "--quiet"} & set(sys.argv[1:]):
        sys.stderr.write("stopped early: before smclass began; nothing was written\n")
    sys.exit(130)


if __name__ == "__main__":
    run()
