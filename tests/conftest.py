from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from smclass.model import files as model_lib
from smclass.model import training

# The gate draws the same fuzz examples on every run, so a run is red or green for the code,
# not for the draw; `pytest --hypothesis-profile explore` draws new ones to hunt with.
settings.register_profile("gate", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("gate")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = ROOT.parent / "shared"


class Generated(io.RawIOBase):
    """A large input made on the fly, so the test itself holds none of it."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts = parts
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            part = next(self._parts, None)
            if part is None:
                return 0
            self._left = part
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def corpus_rows(folder: str = "corpus") -> list[dict[str, str]]:
    rows = []
    for path in sorted((ROOT / "data" / folder).glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip archive in memory holding ``members`` (name to bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def stratified_slice(rows: list[dict[str, str]], per_label: int, skip: int = 0) -> list[dict[str, str]]:
    by_label: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_label[row["label"]].append(row)
    picked = []
    for label in sorted(by_label):
        # Every 7th post spreads the slice over the corpus files and platforms.
        items = by_label[label][skip::7]
        picked.extend(items[:per_label])
    return picked


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real model trained without cross-validation on 40 posts per label: fast enough for every CLI test."""
    rows = stratified_slice(corpus_rows(), 40)
    model = training.train([r["text"] for r in rows], [r["label"] for r in rows], folds=0)
    return model_lib.save(model, tmp_path_factory.mktemp("model") / "small.npz")


@pytest.fixture(autouse=True)
def _no_model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(model_lib.MODEL_ENV, raising=False)


@pytest.fixture(scope="session")
def small_accurate_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An accurate model (fast features, the MiniLM encoder and a cascade) on 40 posts per label, without cross-validation."""
    pytest.importorskip("onnxruntime")
    rows = stratified_slice(corpus_rows(), 40)
    model = training.train([r["text"] for r in rows], [r["label"] for r in rows], folds=0, encoder="minilm")
    return model_lib.save(model, tmp_path_factory.mktemp("model") / "accurate.npz")
