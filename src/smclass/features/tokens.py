"""A whole batch of normalised posts as numpy arrays: code points, word tokens, n-gram hashes.

Per-post Python work is what made classification slow, so a batch is joined into one
string and everything below works on its code points at once. Words and character
n-grams are identified by 64-bit hashes (a polynomial over code points, then a mixer):
a word's from prefix sums, so any span costs the same few array operations, and the
n-grams of every position at once by extending the (n-1)-grams by one code point. The
same code runs at training and at prediction, so a saved model and a new batch always
agree on what a feature is. Every kind of space hashes as a plain space, and runs of
spaces make no n-grams, so the text need not be tidied first.

The hash of a span depends only on its characters, never on where it sits in a batch,
and salts keep words, bigrams and each n-gram length apart. Changing anything here
changes every feature: ``FEATURES_VERSION`` is saved in models and checked on load.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

FEATURES_VERSION = "smclass-tokens/2"

SEPARATOR = "\x00"
CHAR_NGRAMS = (3, 4)

_MASK64 = (1 << 64) - 1
_PRIME = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_PRIME_INVERSE = pow(_PRIME, -1, 1 << 64)
PRIME_INVERSE = _PRIME_INVERSE
_WORD_SALT = np.uint64(0x5BD1E9955BD1E995)
_BIGRAM_SALT = np.uint64(0x27D4EB2F165667C5)
_CHAR_SALTS = {n: np.uint64((0x9E3779B97F4A7C15 * (n + 11)) & _MASK64) for n in range(1, 9)}


# Bits of :func:`packed_flags`, as the compiled kernel reads them.
WORD_BIT, SPACE_BIT, UPPER_BIT, ALPHA_BIT = 1, 2, 4, 8


@dataclass(frozen=True)
class _Flags:
    """One flag per Basic Multilingual Plane code point, and a last slot for everything above
    it (emoji and rare scripts: no word character, no space, no letter)."""

    word: np.ndarray
    space: np.ndarray
    upper: np.ndarray
    alpha: np.ndarray


@lru_cache(maxsize=1)
def _flags() -> _Flags:
    chars = [chr(c) if not 0xD800 <= c <= 0xDFFF else " " for c in range(0x10000)]
    tables = [np.zeros(0x10000 + 1, dtype=bool) for _ in range(4)]
    tables[0][:0x10000] = [c.isalnum() or c == "_" for c in chars]
    tables[1][:0x10000] = [c.isspace() or c == SEPARATOR for c in chars]
    tables[2][:0x10000] = [c.isupper() for c in chars]
    tables[3][:0x10000] = [c.isalpha() for c in chars]
    return _Flags(*tables)


@lru_cache(maxsize=1)
def packed_flags() -> np.ndarray:
    """The four flag tables in one byte per code point."""
    flags = _flags()
    packed = flags.word * WORD_BIT + flags.space * SPACE_BIT + flags.upper * UPPER_BIT + flags.alpha * ALPHA_BIT
    return np.ascontiguousarray(packed, dtype=np.uint8)


def hash_constants() -> tuple[int, int, int, int, int]:
    """The prime and salts, for the compiled kernel (which makes 3- and 4-grams only):
    (prime, word salt, bigram salt, salt of 3-grams, salt of 4-grams)."""
    return _PRIME, int(_WORD_SALT), int(_BIGRAM_SALT), int(_CHAR_SALTS[3]), int(_CHAR_SALTS[4])


class _Powers:
    """Powers of the hash prime and of its inverse, kept for batches up to ``KEEP`` long."""

    KEEP = 1 << 20  # 16 MB for both; a longer batch (one huge post) computes its own

    def __init__(self) -> None:
        self.forward: np.ndarray = np.ones(1, dtype=np.uint64)
        self.inverse: np.ndarray = np.ones(1, dtype=np.uint64)

    @staticmethod
    def _make(n: int) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(over="ignore"):
            forward = np.concatenate([np.ones(1, dtype=np.uint64), np.cumprod(np.full(n - 1, _PRIME, dtype=np.uint64))])
            inverse = np.concatenate([np.ones(1, dtype=np.uint64), np.cumprod(np.full(n - 1, _PRIME_INVERSE, dtype=np.uint64))])
        return forward, inverse

    def upto(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Arrays holding at least the powers 0..n."""
        if len(self.forward) > n:
            return self.forward, self.inverse
        if n >= self.KEEP:
            return self._make(n + 1)
        self.forward, self.inverse = self._make(min(max(n + 1, 2 * len(self.forward), 1 << 16), self.KEEP))
        return self.forward, self.inverse


_POWERS = _Powers()


def mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * np.uint64(0xBF58476D1CE4E5B9)
        h = h ^ (h >> np.uint64(27))
        h = h * np.uint64(0x94D049BB133111EB)
        result: np.ndarray = h ^ (h >> np.uint64(31))
    return result


def quick_mix(h: np.ndarray) -> np.ndarray:
    """A cheaper bijective mixer for the many character n-grams."""
    with np.errstate(over="ignore"):
        h = h * np.uint64(0x9E3779B97F4A7C15)
        result: np.ndarray = h ^ (h >> np.uint64(29))
    return result


def _bmp(cp: np.ndarray) -> np.ndarray:
    """Code points as indexes into the flag tables (everything above the BMP shares one slot)."""
    result: np.ndarray = np.minimum(cp, 0x10000)
    return result


# The only character whose lower case is longer (checked over all of Unicode for the
# Python this was written with); anything else falls back to a per-character pass.
_LONGER_LOWER = {0x130: "i"}


def lower_same_length(text: str) -> str:
    """Lower case that never changes the length ('İ' lowers to two characters)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    lowered = text.translate(_LONGER_LOWER).lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def joined_text(texts: list[str]) -> tuple[str, str]:
    """The posts joined by separators (one before each post and one after the last), as
    written and lower-cased."""
    joined = SEPARATOR + SEPARATOR.join(texts) + SEPARATOR
    if joined.count(SEPARATOR) != len(texts) + 1:  # a post held the separator itself
        joined = SEPARATOR + SEPARATOR.join(t.replace(SEPARATOR, " ") for t in texts) + SEPARATOR
    return joined, lower_same_length(joined)


@dataclass
class Tokens:
    """The word tokens of a batch: what :class:`~smclass.features.embeddings.WordVectors` reads."""

    n_posts: int
    text: str  # the joined, lower-cased text
    token_hashes: np.ndarray  # raw (unsalted) hash of each token
    token_post: np.ndarray
    token_start: np.ndarray
    token_end: np.ndarray

    def token_text(self, index: int) -> str:
        return self.text[int(self.token_start[index]) : int(self.token_end[index])]

    def only(self, keep: np.ndarray) -> Tokens:
        """The tokens where ``keep`` is true, of the same posts."""
        return Tokens(self.n_posts, self.text, self.token_hashes[keep], self.token_post[keep], self.token_start[keep], self.token_end[keep])


@dataclass
class Batch:
    """The posts of one batch as arrays; ``post`` maps every code point to its post."""

    n_posts: int
    text: str  # the joined, lower-cased text; spans below index into it
    cp: np.ndarray  # lower-cased code points, separators included
    upper: np.ndarray  # the original text's code point is upper case
    alpha: np.ndarray  # the code point is a letter
    post: np.ndarray  # post index of each code point (a separator belongs to the post after it)
    space: np.ndarray  # the code point is a space of any kind, or a separator
    code: np.ndarray  # what is hashed: code point + 1, every kind of space as a plain space
    prefix: np.ndarray  # prefix[i]: polynomial hash of cp[:i]
    token_start: np.ndarray
    token_end: np.ndarray
    token_post: np.ndarray

    @classmethod
    def of(cls, texts: list[str]) -> Batch:
        joined, lowered = joined_text(texts)
        original = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        cp = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        upper = _flags().upper[_bmp(original)]
        post = np.cumsum(cp == 0) - 1
        # Every kind of space hashes as a plain space, so "a\nb" and "a b" share n-grams.
        space = _flags().space[_bmp(cp)]
        hashed = np.where(space, np.uint32(32), cp).astype(np.uint64) + np.uint64(1)
        forward, _ = _POWERS.upto(len(cp) + 1)
        with np.errstate(over="ignore"):
            prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(hashed * forward[1 : len(cp) + 1])])
        word = _flags().word[_bmp(cp)]
        edges = np.diff(word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        alpha = _flags().alpha[_bmp(cp)]
        return cls(len(texts), lowered, cp, upper, alpha, post, space, hashed, prefix, starts, ends, post[starts])

    def span_hashes(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Position-free hash of each span text[start:end] (before salting and mixing)."""
        _, inverse = _POWERS.upto(len(self.cp) + 1)
        with np.errstate(over="ignore"):
            result: np.ndarray = (self.prefix[end] - self.prefix[start]) * inverse[start]
        return result

    @cached_property
    def token_hashes(self) -> np.ndarray:
        return self.span_hashes(self.token_start, self.token_end)

    def words(self) -> tuple[np.ndarray, np.ndarray]:
        """Hashes and posts of word unigrams and bigrams (words of two or more characters).

        Each word comes with the bigram it starts, so the posts come out sorted.
        """
        keep = (self.token_end - self.token_start) >= 2
        hashes = self.token_hashes[keep]
        posts = self.token_post[keep]
        if not len(hashes):
            return hashes, posts
        pairs = np.zeros(len(hashes), dtype=np.uint64)
        pairs[:-1] = bigram_hashes(hashes[:-1], hashes[1:])
        has_pair = np.zeros(len(hashes), dtype=bool)
        has_pair[:-1] = posts[1:] == posts[:-1]
        grams = np.stack([mix(hashes ^ _WORD_SALT), pairs], axis=1).ravel()
        chosen = np.stack([np.ones(len(hashes), dtype=bool), has_pair], axis=1).ravel()
        return grams[chosen], np.repeat(posts, 2)[chosen]

    def char_grams(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each n in ``CHAR_NGRAMS``: hashes and (sorted) posts of the character n-grams
        inside words padded by one space, as scikit-learn's ``char_wb`` analyzer makes them.

        An n-gram is kept when no space falls strictly inside it.
        """
        return [(hashes, posts) for hashes, posts, _ in self.char_grams_at()]

    def char_grams_at(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """:meth:`char_grams`, each n-gram also with where it starts in ``text`` (to name it when explaining)."""
        out = []
        code, space = self.code, self.space
        length = len(code)
        h = code
        inner_space = np.zeros(max(length - 1, 0), dtype=bool)
        with np.errstate(over="ignore"):
            for n in range(2, CHAR_NGRAMS[-1] + 1):
                if length < n:
                    break
                h = h[:-1] * np.uint64(_PRIME) + code[n - 1 :]
                if n >= 3:
                    inner_space = inner_space[:-1] | space[n - 2 : length - 1]
                if n in CHAR_NGRAMS:
                    keep = ~inner_space if n >= 3 else ~(space[:-1] & space[1:])
                    out.append((quick_mix(h[keep] ^ _CHAR_SALTS[n]), self.post[: length - n + 1][keep], np.flatnonzero(keep)))
        return out

    def chars(self) -> tuple[np.ndarray, np.ndarray]:
        """All character n-grams of :meth:`char_grams` together (posts no longer sorted)."""
        grams = self.char_grams()
        if not grams:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        return np.concatenate([g[0] for g in grams]), np.concatenate([g[1] for g in grams])

    def token_text(self, index: int) -> str:
        return self.text[int(self.token_start[index]) : int(self.token_end[index])]


def bigram_hashes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Hashes of word pairs from the raw hashes of their two words."""
    with np.errstate(over="ignore"):
        return mix((first * np.uint64(_PRIME)) ^ mix(second) ^ _BIGRAM_SALT)


def raw_word_hashes(words: list[str]) -> np.ndarray:
    """Unsalted hashes of single words, as in :attr:`Batch.token_hashes`."""
    batch = Batch.of(words)
    if len(batch.token_start) != len(words):
        raise ValueError("each entry must be exactly one word")
    return batch.token_hashes


def string_hashes(strings: list[str]) -> np.ndarray:
    """Raw hashes of whole strings of word characters, as :meth:`Batch.span_hashes` gives them."""
    codes = np.frombuffer("".join(strings).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    forward, inverse = _POWERS.upto(len(codes) + 1)
    with np.errstate(over="ignore"):
        prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(codes * forward[1 : len(codes) + 1])])
        result: np.ndarray = (prefix[ends] - prefix[starts]) * inverse[starts]
    return result


def per_post_sums(values: np.ndarray, posts: np.ndarray, n_posts: int) -> np.ndarray:
    """Sum the rows of ``values`` that belong to each post; ``posts`` must be sorted."""
    out = np.zeros((n_posts, values.shape[1]), dtype=np.float64)
    if len(posts):
        present = np.bincount(posts, minlength=n_posts) > 0
        starts = np.searchsorted(posts, np.flatnonzero(present))
        # Summing in the table's float32 is several times faster than converting first.
        out[present] = np.add.reduceat(values, starts, axis=0)
    return out


# Memory follows the code points of a batch (a few hundred bytes each at the peak), so a
# batch is kept to BATCH_CHARS and a post longer than SEGMENT_CHARS is cut, at a space,
# into pieces whose sums are added up again per post. Words and n-grams never straddle a
# cut; only the word pair across it is lost. BATCH_CHARS leaves room for marker words to
# lengthen the 100,000 characters of a classify batch (see smclass.run.stream.Options).
BATCH_CHARS = 200_000
BATCH_POSTS = 2048
SEGMENT_CHARS = 20_000


@dataclass
class Pieces:
    """One batch of posts or pieces of posts, and which post each row belongs to."""

    texts: list[str]  # the rows
    owners: np.ndarray  # the post (index into the texts given) of each row, in order
    first: np.ndarray  # the row starts its post
    whole: bool = False  # the rows are all the texts given, uncut, in order

    @cached_property
    def batch(self) -> Batch:
        return Batch.of(self.texts)

    def add_to(self, totals: np.ndarray, rows: np.ndarray) -> None:
        """``totals[post] += row`` for every row, several rows adding to one post when it was cut."""
        if self.whole and len(rows) == len(totals):
            totals += rows
        elif len(self.owners) < 2 or (self.owners[1:] != self.owners[:-1]).all():
            totals[self.owners] += rows
        else:
            np.add.at(totals, self.owners, rows)


def _cut(text: str, limit: int) -> list[str]:
    out = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        cut = max(text.rfind(" ", start + limit // 2, end), text.rfind("\n", start + limit // 2, end))
        cut = cut if cut > start else end
        out.append(text[start:cut])
        start = cut
    out.append(text[start:])
    return out


def pieces(texts: list[str], max_chars: int | None = None, max_posts: int | None = None, segment: int | None = None) -> Iterator[Pieces]:
    """The texts in batches of at most ``max_chars`` code points (and ``max_posts`` rows)."""
    max_chars = max_chars or BATCH_CHARS
    max_posts = max_posts or BATCH_POSTS
    segment = segment or SEGMENT_CHARS
    lengths = [len(t) for t in texts]
    if texts and max(lengths) <= segment and sum(lengths) <= max_chars and len(texts) <= max_posts:
        # The usual case: classify's batches already fit.
        yield Pieces(texts, np.arange(len(texts)), np.ones(len(texts), dtype=bool), whole=True)
        return
    rows: list[str] = []
    owners: list[int] = []
    first: list[bool] = []
    chars = 0
    for post, text in enumerate(texts):
        parts = [text] if len(text) <= segment else _cut(text, segment)
        for number, part in enumerate(parts):
            if rows and (chars + len(part) > max_chars or len(rows) >= max_posts):
                yield Pieces(rows, np.asarray(owners, dtype=np.int64), np.asarray(first, dtype=bool))
                rows, owners, first, chars = [], [], [], 0
            rows.append(part)
            owners.append(post)
            first.append(number == 0)
            chars += len(part)
    if rows:
        yield Pieces(rows, np.asarray(owners, dtype=np.int64), np.asarray(first, dtype=bool))
