"""Bytes that are read only once decoded: zstd frames, UTF-16 text and text in a named encoding, as streams of UTF-8 bytes.

(bzip2 and xz, whose readers the standard library has, are only told here by their first bytes.)

Each is a raw stream for :class:`~smclass.reading.guarded.Guarded`, which turns their failures
into damage as it does gzip's.
"""

from __future__ import annotations

import codecs
import io
import re
import shlex
import sys
from typing import IO, Any

from smclass.errors import InputError, UsageError

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
XZ_MAGIC = b"\xfd7zXZ\x00"


def is_bzip2(head: bytes) -> bool:
    """A bzip2 stream: ``BZh``, the block size, then a block's or the end's magic (a post may start "BZh9")."""
    return head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# UTF-32LE's starts with UTF-16LE's.
UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
# Bytes taken from the stream under per step: a step's output is held whole, and zstd can
# make far more of what compresses well.
_STEP = 1 << 14


class _Decoded(io.RawIOBase):
    """What :meth:`_step` makes of the stream under it, a step at a time, handed out as asked for."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._read = getattr(inner, "read1", inner.read)
        self._out = b""
        self._at = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _step(self, chunk: bytes) -> bytes:
        """The bytes ``chunk`` decodes to; ``chunk`` is empty once the stream under is over."""
        raise NotImplementedError

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._out) and not self._done:
            chunk = self._read(_STEP)
            self._done = not chunk
            self._out, self._at = self._step(chunk), 0
        n = min(len(buffer), len(self._out) - self._at)
        buffer[:n] = self._out[self._at : self._at + n]
        self._at += n
        return n


class Zstd(_Decoded):
    """zstd frames one after another, as ``zstd -d`` reads them, never held whole.

    zstandard's own stream reader ends quietly where the input does, even inside a frame:
    here a stream that ends inside a frame is cut short (EOFError), as gzip's is.
    """

    def __init__(self, inner: IO[bytes], source: str) -> None:
        try:
            import zstandard
        except ImportError:
            shown = shlex.quote(source) if not source.startswith("<") else "FILE"
            fix = f"pip install 'smclass[zstd]', or decompress it first: zstd -d {shown}"
            raise InputError(f"zstd-compressed: {fix}", source=source) from None
        super().__init__(inner)
        # Pushshift's dumps are written with a 2 GiB window (zstd --long=31); the default refuses them.
        self._decompressor = zstandard.ZstdDecompressor(max_window_size=2**31)
        self._failure = zstandard.ZstdError
        self._frame = self._decompressor.decompressobj()
        self._in_frame = False

    def _step(self, chunk: bytes) -> bytes:
        if not chunk and self._in_frame:
            raise EOFError("the data ended inside a zstd frame")
        parts = []
        while chunk:
            try:
                parts.append(self._frame.decompress(chunk))
            except self._failure as exc:
                raise ValueError(str(exc)) from None  # Guarded takes it as damage that makes what came before doubtful
            self._in_frame = True
            if not self._frame.eof:
                break
            chunk = self._frame.unused_data
            self._frame = self._decompressor.decompressobj()
            self._in_frame = False
        return b"".join(parts)


class Utf16(_Decoded):
    """UTF-16 text (its byte-order mark says which) as UTF-8, decoded as it is read.

    A lone surrogate is carried through (surrogatepass), so that its line, not UTF-8, is
    rejected alone by the readers, as a line of bad UTF-8 is.
    """

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__(inner)
        self._decoder = codecs.getincrementaldecoder("utf-16")("surrogatepass")

    def _step(self, chunk: bytes) -> bytes:
        try:
            text = self._decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            # surrogatepass leaves only an end that falls inside a character undecoded.
            raise EOFError("it ends in half a character") from None
        return text.encode("utf-8", "surrogatepass")


class Recoded(_Decoded):
    """Text in the encoding the user named (``--encoding cp1252``) as UTF-8, decoded as it is read.

    A byte the encoding has no character for is carried through as it is, so its line is
    rejected alone, as a line of bad UTF-8 is, never read as some other character.
    """

    def __init__(self, inner: IO[bytes], encoding: str) -> None:
        super().__init__(inner)
        self._decoder = codecs.getincrementaldecoder(encoding)("surrogateescape")

    def _step(self, chunk: bytes) -> bytes:
        text = self._decoder.decode(chunk, final=not chunk)
        return text.encode("utf-8", "surrogateescape")


# Each byte-order mark and the encodings that agree with it; UTF-32's marks come first, as
# UTF-32LE's starts with UTF-16LE's.
_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32", {"utf-32", "utf-32-le"}),
    (codecs.BOM_UTF32_BE, "UTF-32", {"utf-32", "utf-32-be"}),
    (codecs.BOM_UTF8, "UTF-8", {"utf-8", "utf-8-sig"}),
    (codecs.BOM_UTF16_LE, "UTF-16LE", {"utf-16", "utf-16-le"}),
    (codecs.BOM_UTF16_BE, "UTF-16BE", {"utf-16", "utf-16-be"}),
)


def checked_encoding(name: str | None, option: str = "--encoding") -> str | None:
    """An encoding Python knows, by its canonical name (``latin1`` is ``iso8859-1``); None for
    UTF-8 (or none named), which the readers read as they always do."""
    if name is None:
        return None
    try:
        found = codecs.lookup(name)
    except LookupError:
        raise UsageError(f"{option} {name}: no such encoding (cp1252, latin-1, utf-16le, shift_jis, ... as Python names them)") from None
    if not found._is_text_encoding:  # type: ignore[attr-defined]
        raise UsageError(f"{option} {name}: not a text encoding")
    return None if found.name == "utf-8" else found.name


def check_no_other_mark(head: bytes, encoding: str, source: str) -> None:
    """A byte-order mark that says another encoding than the one named is a contradiction, not a guess to make."""
    for mark, marked, agreeing in _MARKS:
        if head.startswith(mark):
            if codecs.lookup(encoding).name not in agreeing:
                said = f"starts with a {marked} byte-order mark, but --encoding says {encoding}: drop --encoding"
                raise InputError(said, source=source)
            return


def utf16_without_bom(head: bytes) -> str | None:
    """ "LE" or "BE" when bytes without a byte-order mark look like UTF-16: NUL in most bytes of one parity, in few of the other.

    Text in a Latin script has a NUL in every other byte; a binary file has NULs anywhere.
    """
    sample = head[:8192]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul >= 0.6 and even_nul <= 0.02:
        return "LE"
    if even_nul >= 0.6 and odd_nul <= 0.02:
        return "BE"
    return None


def utf32_without_bom(head: bytes) -> str | None:
    """ "LE" or "BE" when bytes without a byte-order mark look like UTF-32: the top byte of every
    character NUL and the next at most 0x10 (no character is over U+10FFFF), NUL in nine characters
    of ten at least (an emoji is over U+FFFF, most characters are not), the low byte in one of twenty at most
    (U+1F600, a smiling face, ends in one)."""
    sample = head[: 8192 - 8192 % 4]
    if len(sample) < 16 or len(sample) % 4:
        return None
    n = len(sample) // 4
    lows = {"LE": (0, 2, 3), "BE": (3, 1, 0)}
    for endian, (low, high, top) in lows.items():
        planes = sample[high::4]
        if sample[top::4].count(0) == n and max(planes) <= 0x10 and planes.count(0) * 10 >= n * 9 and sample[low::4].count(0) * 20 <= n:
            return endian
    return None


def check_fits(head: bytes, encoding: str, source: str) -> None:
    """A UTF-16 or UTF-32 encoding named for bytes that plainly are in none of its forms is refused:
    decoded so, they would be one line of CJK-looking characters, one post labelled as such.

    UTF-32 text holds a zero byte in every character. UTF-16 text holds one in every ASCII
    character, a line feed or a space included: text without one would be all in other
    scripts, on one line (Chinese may be), and would hardly read as UTF-8 too. Bytes with no
    zero byte at all, with line feeds of their own and valid as UTF-8 are no UTF-16 then. Bytes
    that look like UTF-16 of the other byte order are refused too. Single-byte encodings have
    no such test: any byte is a character in them.
    """
    name = codecs.lookup(encoding).name
    if not name.startswith(("utf-16", "utf-32")) or head.startswith(tuple(mark for mark, _, _ in _MARKS)):
        return
    sample = head[:_LOOKED_AT]
    family, utf8 = name[:6].upper(), _utf8(sample)
    plainly_not = len(sample) >= 16 and utf8 and _no_utf16_line_feed(sample, name) if family == "UTF-16" else len(sample) >= 4
    if b"\x00" not in sample and plainly_not:
        held = "a zero byte in every character" if family == "UTF-32" else "a zero byte in every line feed and ASCII character"
        likely = "it may be UTF-8: drop --encoding" if utf8 else "is the input in another encoding?"
        said = f"--encoding says {encoding}, but its bytes hold no zero byte, where {family} text holds {held}: {likely}"
        raise InputError(said, source=source)
    if name in ("utf-16", "utf-32"):
        # Python's decoder of either takes its byte order from a mark, and stops where there is none.
        order = f"{name}le or {name}be"
        raise InputError(f"--encoding {encoding} needs a byte-order mark, which this input lacks: say --encoding {order}", source=source)
    if family == "UTF-16":
        said = {"utf-16-le": "LE", "utf-16-be": "BE"}.get(name, "LE" if sys.byteorder == "little" else "BE")
        looks = utf16_without_bom(head)
        if looks is not None and looks != said:
            other = f"it looks like UTF-16{looks} text, the other byte order: say --encoding UTF-16{looks}"
            raise InputError(f"--encoding says {encoding}, but {other}", source=source)


_LOOKED_AT = 8192


def _no_utf16_line_feed(sample: bytes, name: str) -> bool:
    """Whether ``sample``'s 0x0A bytes cannot be UTF-16's: one in a character's high byte (U+0A00
    to U+0AFF, which text with no space holds hardly ever), or a whole input of an odd length.
    A 0x0A in a low byte is a CJK character's (上 is U+4E0A), read as named on one line."""
    if b"\n" not in sample:
        return False
    if len(sample) < _LOOKED_AT and len(sample) % 2:
        return True
    high = 0 if name == "utf-16-be" else 1
    return b"\n" in sample[high::2]


_SHOWN_CHARS = 20
_WORD_WITH_MORE = re.compile(rb"[^\s\"',;:<>{}\[\]]*[\x80-\xff][^\s\"',;:<>{}\[\]]*")


def utf8_read_otherwise(head: bytes, encoding: str) -> str | None:
    """A warning for UTF-8 text read as another encoding the user named, or None.

    Text in a single-byte encoding (latin-1, cp1252) seldom holds its accented letters in
    runs that are valid UTF-8, so input whose first bytes beyond ASCII are all UTF-8 likely
    is: read as asked, "Café" becomes "CafÃ©" in every post, and nothing else would say so.
    """
    name = codecs.lookup(encoding).name
    sample = head[:_LOOKED_AT]
    if name in ("utf-8", "utf-8-sig") or name.startswith(("utf-16", "utf-32")) or not _utf8(sample):
        return None
    word = _WORD_WITH_MORE.search(sample)
    if word is None:
        return None
    text = word.group().decode("utf-8", "ignore")
    # A script written without spaces (Chinese, Japanese, Thai) is one "word" of up to 8 KiB: the
    # warning had shown it whole, twice. Its first characters show what becomes of it as well.
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "..."
    misread = text.encode("utf-8").decode(encoding, "replace")
    said = f"its first bytes are UTF-8 text ({text!r}), which --encoding {encoding} reads as {misread!r}"
    return f"{said}: leave out --encoding if it is UTF-8"


def _utf8(sample: bytes) -> bool:
    """Whether ``sample`` is UTF-8, but for a character its end may cut."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True
