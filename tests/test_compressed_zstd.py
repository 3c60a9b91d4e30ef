"""zstd streams (Pushshift's .zst dumps) read as gzip is: by magic bytes, streamed, damage as gzip damage."""

from __future__ import annotations

import io
import sys

import pytest

from smclass.errors import InputError
from smclass.reading.inputs import Reading, read_stream

zstandard = pytest.importorskip("zstandard")


def lines(start: int, stop: int) -> bytes:
    return b"".join(b'{"id":"c%d","body":"the ferry ran late again, trip number %d"}\n' % (i, i * 7919 % 10007) for i in range(start, stop))


LINES = lines(0, 40000)


def read(data: bytes, name: str = "RC_2023-01.zst", on_error: str = "stop", notes: list[str] | None = None) -> list:  # type: ignore[type-arg]
    reading = Reading(on_error=on_error, notify=(notes if notes is not None else []).append)
    return list(read_stream(io.BytesIO(data), name, reading=reading))


def test_zstd_is_read_whatever_the_name() -> None:
    records = read(zstandard.ZstdCompressor().compress(lines(0, 3)), "dump.bin")
    assert [r.data["id"] for r in records] == ["c0", "c1", "c2"]


def test_zstd_of_several_frames_and_a_long_window_reads_every_frame() -> None:
    # Pushshift writes with zstd --long=31: a window past the decompressor's default limit.
    long = zstandard.ZstdCompressor(compression_params=zstandard.ZstdCompressionParameters.from_level(3, window_log=31))
    streamed = long.compressobj()  # no content size in the frame: its header asks for the whole 2 GiB window
    first = streamed.compress(lines(0, 5)) + streamed.flush()
    assert zstandard.get_frame_parameters(first).window_size == 2**31
    data = first + zstandard.ZstdCompressor().compress(lines(5, 9))
    assert [r.data["id"] for r in read(data)] == [f"c{i}" for i in range(9)]


def test_a_zstd_stream_cut_short_keeps_what_came_before_and_rejects_the_cut_line() -> None:
    data = zstandard.ZstdCompressor().compress(LINES)
    notes: list[str] = []
    records = read(data[: len(data) // 2], on_error="skip", notes=notes)
    good = [r for r in records if r.error is None]
    assert len(good) > 1000
    assert [r.data["id"] for r in good] == [f"c{i}" for i in range(len(good))]
    damage = "damaged zstd data (the data ended inside a zstd frame); reading of this input stopped there"
    # The cut line is no JSON, but the cut is the cause: said as such.
    assert [r.error.message for r in records if r.error is not None] == [f"cut short: {damage}"]
    assert notes[-1] == f"skipped RC_2023-01.zst: {damage}"


def test_a_corrupt_zstd_stream_stops_the_run() -> None:
    data = bytearray(zstandard.ZstdCompressor(write_checksum=True).compress(LINES))
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(InputError, match=r"damaged zstd data .*: the records read from it before this may be wrong too"):
        read(bytes(data), on_error="skip")


def test_zstd_without_the_package_names_the_extra_and_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    data = zstandard.ZstdCompressor().compress(lines(0, 2))
    monkeypatch.setitem(sys.modules, "zstandard", None)
    with pytest.raises(InputError) as caught:
        read(data, "x.zst")
    assert str(caught.value) == "x.zst: zstd-compressed: pip install 'smclass[zstd]', or decompress it first: zstd -d x.zst"
