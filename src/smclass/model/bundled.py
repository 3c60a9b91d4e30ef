"""The data that ships with smclass: the sample posts and the written training corpus.

A wheel carries them gzipped under ``smclass/_data``; a source checkout (and an editable
install) reads ``data/`` itself.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

_REPO_DATA = Path(__file__).resolve().parents[3] / "data"


def _bundled(name: str, in_repo: Path) -> Path:
    packed = resources.files("smclass").joinpath("_data", name)
    if packed.is_file():
        return Path(str(packed))
    return in_repo


def sample_path() -> Path:
    """The 50 unlabelled sample posts of the README's first command."""
    return _bundled("sample_posts.jsonl.gz", _REPO_DATA / "sample_posts.jsonl")


def corpus_path() -> Path:
    """The labelled corpus the default model is trained on: a folder of JSON lines, or one gzip of them."""
    return _bundled("corpus.jsonl.gz", _REPO_DATA / "corpus")


def lines(path: Path) -> Iterator[bytes]:
    """The JSON lines of a bundled file, gzipped file or folder of files, as bytes."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    for file in files:
        with gzip.open(file, "rb") if file.suffix == ".gz" else file.open("rb") as handle:
            for line in handle:
                yield line if line.endswith(b"\n") else line + b"\n"
