"""Looking at the first bytes of an input to tell its format, without losing them."""

from __future__ import annotations

import io
from typing import IO, Any

import orjson

from smclass.reading.platforms.x import is_twitter_archive

HEAD_BYTES = 1 << 16


class _Rewound(io.RawIOBase):
    """Serve bytes already read for sniffing, then the rest of the stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def read_head(stream: IO[bytes]) -> bytes:
    chunks = []
    size = 0
    while size < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def peek_stream(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """Return the first bytes of ``stream`` and a stream that still starts at byte 0."""
    head = read_head(stream)
    return head, io.BufferedReader(_Rewound(head, stream), buffer_size=HEAD_BYTES)


def detect_format(head: bytes, name: str = "") -> str:
    """Guess the format of a (decompressed) input from its first bytes."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if is_twitter_archive(text):
        return "json"
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        first, newline, after = text.partition(b"\n")
        if not newline and len(head) >= HEAD_BYTES:
            # A first line longer than the sample: a huge post in JSON lines, or a whole
            # response saved on one line; JSON lines reads both.
            return "jsonl"
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return "json"
        # One object alone is a whole document (it may hold a list of posts).
        return "jsonl" if after.strip() else "json"
    header = text.split(b"\n", 1)[0]
    if header.count(b"\t") > header.count(b","):
        return "tsv"
    lower = name.lower()
    if lower.endswith((".tsv", ".tsv.gz", ".tab")):
        return "tsv"
    return "csv"


def looks_binary(head: bytes) -> bool:
    return b"\x00" in head[:8192]


