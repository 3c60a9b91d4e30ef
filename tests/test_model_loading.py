"""Hostile model files: refused in one line naming the file, before anything large is read or inflated."""

from __future__ import annotations

import io
import json
import pickle
import resource
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.errors import ModelError
from smclass.model import files as model_lib

runner = CliRunner()


class _CreatesAFile:
    """Unpickling this calls open(path, "w"): proof that loading ran code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.path, "w"))


def members(model: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(model) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(path: Path, items: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in items.items():
            archive.writestr(name, data)
    return path


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def patch_central_entry(path: Path, name: str, *, flags: int | None = None, method: int | None = None, size: int | None = None) -> None:
    """Change what the zip's central directory says of one member (the local header is left alone)."""
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        (length,) = struct.unpack_from("<H", data, start + 28)
        if data[start + 46 : start + 46 + length] == name.encode():
            if flags is not None:
                struct.pack_into("<H", data, start + 8, flags)
            if method is not None:
                struct.pack_into("<H", data, start + 10, method)
            if size is not None:
                struct.pack_into("<I", data, start + 24, size)
            path.write_bytes(bytes(data))
            return
        start += 4
    raise AssertionError(f"no member {name}")


def with_array(small: Path, name: str, value: np.ndarray) -> dict[str, bytes]:
    items = members(small)
    items[f"{name}.npy"] = npy(value)
    return items


def _zero_members(small: Path, path: Path) -> None:
    path.write_bytes(b"PK\x05\x06" + b"\0" * 18)


def _deep_card(small: Path, path: Path) -> None:
    write_zip(path, with_array(small, "meta", np.asarray("[" * 100_000 + "]" * 100_000)))


def _encrypted(small: Path, path: Path) -> None:
    write_zip(path, members(small))
    patch_central_entry(path, "labels.npy", flags=0x1)


def _unknown_compression(small: Path, path: Path) -> None:
    write_zip(path, members(small))
    patch_central_entry(path, "labels.npy", method=99)


def _raw_pickle(small: Path, path: Path) -> None:
    items = members(small)
    items["labels.npy"] = pickle.dumps(_CreatesAFile(str(path.parent / "pwned")))
    write_zip(path, items)


def _absurd_shape(small: Path, path: Path) -> None:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (100_000_000_000, 6)})
    items = members(small)
    items["words_table.npy"] = header.getvalue() + b"\0" * 24
    write_zip(path, items)


def _unknown_member(small: Path, path: Path) -> None:
    items = members(small)
    items["extra.npy"] = npy(np.zeros(3))
    write_zip(path, items)


def _huge_declared_member(small: Path, path: Path) -> None:
    write_zip(path, members(small))
    patch_central_entry(path, "words_table.npy", size=3_000_000_000)


def _weights(name: str, change: Callable[[np.ndarray], np.ndarray]) -> Callable[[Path, Path], None]:
    def build(small: Path, path: Path) -> None:
        with np.load(small, allow_pickle=False) as archive:
            original = archive[name]
        write_zip(path, with_array(small, name, change(original.copy())))

    return build


def _set_first(value: float) -> Callable[[np.ndarray], np.ndarray]:
    def change(array: np.ndarray) -> np.ndarray:
        array.flat[0] = value
        return array

    return change


HOSTILE: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "zero members": (_zero_members, "not a smclass model file (the archive holds nothing)"),
    "card nested 100,000 deep": (_deep_card, "damaged model file (its card is nested too deeply)"),
    "encrypted member": (_encrypted, "refused: member 'labels.npy' is encrypted"),
    "unknown compression": (_unknown_compression, "refused: member 'labels.npy' uses compression method 99, not one smclass writes"),
    "raw pickle member": (_raw_pickle, "refused: member 'labels.npy' is not a plain array"),
    "shape of 1e11": (
        _absurd_shape,
        "damaged model file (member 'words_table.npy' declares a shape of (100000000000, 6), 2,400,000,000,000 bytes, but holds 24)",
    ),
    "unknown member": (_unknown_member, "not a smclass model file (unexpected member 'extra.npy')"),
    "an encoder's array in a fast model": (
        lambda small, path: write_zip(path, with_array(small, "encoder_mean", np.zeros(4))),
        "not a smclass model file (member 'encoder_mean.npy' belongs to a model with an encoder)",
    ),
    "member declaring 3 GB": (
        _huge_declared_member,
        "refused: member 'words_table.npy' declares 3,000,000,000 bytes, more than a model may hold (2,147,483,648)",
    ),
    "NaN weight": (_weights("words_table", _set_first(float("nan"))), "model array 'words_table' holds NaN or infinite numbers"),
    "infinite weight": (_weights("intercept", _set_first(float("inf"))), "model array 'intercept' holds NaN or infinite numbers"),
    "weight beyond float32": (
        _weights("meaning_coef", lambda a: _set_first(1e300)(a.astype(np.float64))),
        "model array 'meaning_coef' holds NaN or infinite numbers",
    ),
    "zero scale": (_weights("signal_scale", _set_first(0.0)), "model array 'signal_scale' holds zero or negative scales"),
    "negative scale": (_weights("signal_scale", _set_first(-1.0)), "model array 'signal_scale' holds zero or negative scales"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_model_file_is_one_error_line_naming_it(case: str, tmp_path: Path, fixtures: Path, small_model_path: Path) -> None:
    build, message = HOSTILE[case]
    path = tmp_path / "hostile.npz"
    build(small_model_path, path)
    result = runner.invoke(app, ["classify", str(fixtures / "posts.jsonl"), "--model", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}: {message}\n"
    assert result.stdout == ""
    assert not (tmp_path / "pwned").exists()


def test_members_are_checked_before_anything_is_inflated(tmp_path: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "hostile.npz"
    _huge_declared_member(small_model_path, path)

    def inflate(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was opened before the list was checked")

    monkeypatch.setattr(zipfile.ZipFile, "open", inflate)
    with pytest.raises(ModelError, match="declares 3,000,000,000 bytes"):
        model_lib.load(path)


def test_a_model_file_over_the_size_cap_is_refused_before_it_is_read(
    tmp_path: Path, small_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smclass.model import archive

    monkeypatch.setattr(archive, "MAX_MODEL_BYTES", 1000)
    size = small_model_path.stat().st_size
    with pytest.raises(ModelError, match=rf"^{small_model_path}: {size:,} bytes, more than a model file may hold \(1,000\)$"):
        model_lib.load(small_model_path)


def _limit_memory() -> None:
    # Were the whole device read, the child would fail here instead of taking the machine's memory.
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_model_fails_fast_in_one_line(device: str, fixtures: Path) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    command = [sys.executable, "-m", "smclass", "classify", str(fixtures / "posts.jsonl"), "--model", device]
    done = subprocess.run(command, capture_output=True, timeout=60, check=False, preexec_fn=_limit_memory)
    assert done.returncode == 1
    assert done.stderr == f"Error: {device}: not a smclass model file\n".encode()


def test_a_good_model_still_loads_and_scores(small_model_path: Path, tmp_path: Path) -> None:
    path = write_zip(tmp_path / "copy.npz", members(small_model_path))
    model = model_lib.load(path)
    assert model.labels == model_lib.load(small_model_path).labels
    card = json.loads(str(np.load(path)["meta"]))["card"]
    assert model.card == card
    texts = ["@AcmeAir lost my bag"]
    assert np.allclose(model.predict_proba(texts), model_lib.load(small_model_path).predict_proba(texts))
