"""UTF-16 text with a byte-order mark (Meltwater, Brandwatch) read as UTF-8; without one, refused with how to convert it."""

from __future__ import annotations

import gzip
import io

import pytest

from smclass.errors import InputError
from smclass.reading.inputs import Reading, read_stream

CAFE = "02-Jan-2024\tThe café on Elm Street reopens on Monday ☕\thttps://example.org/1\n"
TSV = "Date\tHit Sentence\tURL\n" + CAFE + "03-Jan-2024\tRoadworks close the bridge until June\thttps://example.org/2\n"


def read(data: bytes, name: str = "export.csv", notes: list[str] | None = None) -> list:  # type: ignore[type-arg]
    reading = Reading(notify=(notes if notes is not None else []).append)
    return list(read_stream(io.BytesIO(data), name, reading=reading))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read_as_text_with_a_note(encoding: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    notes: list[str] = []
    records = read(bom + TSV.encode(encoding), notes=notes)
    assert [r.data["Hit Sentence"] for r in records] == [
        "The café on Elm Street reopens on Monday ☕",
        "Roadworks close the bridge until June",
    ]
    assert notes[0] == "export.csv: UTF-16 text (byte-order mark), read as such"
    assert records[0].raw == CAFE.encode()


def test_utf16_inside_gzip_is_read_too() -> None:
    records = read(gzip.compress(TSV.encode("utf-16")), "export.csv.gz")
    assert [r.data["URL"] for r in records] == ["https://example.org/1", "https://example.org/2"]


def test_utf16_cut_in_half_a_character_rejects_the_cut_line() -> None:
    data = TSV.encode("utf-16")[:-1]
    records = read(data)
    assert records[0].error is None
    assert records[1].error is not None
    assert records[1].error.message.startswith("cut short: damaged UTF-16 text (it ends in half a character)")


@pytest.mark.parametrize(
    ("encoding", "named"), [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE"), ("utf-32-le", "UTF-32LE"), ("utf-32-be", "UTF-32BE")]
)
def test_utf16_or_utf32_without_a_byte_order_mark_is_refused_saying_how_to_convert_it(encoding: str, named: str) -> None:
    with pytest.raises(InputError) as caught:
        read(TSV.encode(encoding))
    assert f"looks like {named} text without a byte-order mark" in str(caught.value)
    assert f"iconv -f {named} -t UTF-8" in str(caught.value)


@pytest.mark.parametrize(("encoding", "named"), [("utf-32-le", "UTF-32LE"), ("utf-32-be", "UTF-32BE")])
def test_utf32_without_a_byte_order_mark_is_named_with_an_emoji_in_its_posts(encoding: str, named: str) -> None:
    # An emoji is over U+FFFF (and U+1F600 ends in a NUL byte): one had made the file "a binary file" again.
    posts = "id\ttext\n1\tgood morning \U0001f600\n2\tthe bus is late again\n"
    with pytest.raises(InputError) as caught:
        read(posts.encode(encoding))
    assert f"looks like {named} text without a byte-order mark" in str(caught.value)


def test_binary_with_scattered_nul_bytes_is_still_called_binary() -> None:
    with pytest.raises(InputError, match="looks like a binary file"):
        read(bytes(range(256)) * 8)
