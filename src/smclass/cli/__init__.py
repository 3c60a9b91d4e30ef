"""The ``smclass`` command: a thin shell over the library, and the only code that imports typer or rich.

``app`` holds the command group, its error handling and the shared options; each command
module wires its options to library calls; ``progress`` draws progress bars on stderr.
"""

from smclass.cli import analyst, classify, train
from smclass.cli.app import app

__all__ = ["analyst", "app", "classify", "main", "train"]


def main() -> None:
    app()
