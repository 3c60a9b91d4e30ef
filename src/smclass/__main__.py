"""``python -m smclass`` and the ``smclass`` command.

Loading the command (typer, click, the command modules) takes a tenth of a second; Ctrl-C in
that time is said as later, in one line, never as a traceback.
"""

import sys


def run() -> None:
    try:
        from smclass.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("stopped early: before smclass began; nothing was written\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
