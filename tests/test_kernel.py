"""The compiled kernel gives what the numpy features give (they stay the reference)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smclass.features import kernel, signals
from smclass.features.embeddings import StaticTable, WordVectors, load_table
from smclass.features.normalize import feature_text
from smclass.features.tokens import Batch
from smclass.model import files as model_lib
from smclass.model.scorer import Scorer

HARD_TEXTS = [
    "",
    "a",
    "  spaced   out \n\n lines\t\ttabs ",
    "RT @foo: Breaking news http://t.co/x #PrayFor Boston",
    "@AcmeAir my flight is delayed, please refund!!! ??",
    "ÇA VA?? 🎉 #Test İstanbul ΣΟΦΟΣ straße ﬁ",
    "I'm at Some Cafe",
    "a\x00b post holding the separator",
    "We need volunteers and donations, please share. Sign the petition",
    "x" * 300,
    "日本語のテキスト、句読点。",
]


def _texts(fixtures: Path) -> list[str]:
    texts = [json.loads(line)["text"] for line in (fixtures / "posts.jsonl").open()]
    return [feature_text(t) for t in [*texts, *HARD_TEXTS]]


def test_the_install_built_the_compiled_kernel() -> None:
    # The README's install compiles it; without it prediction silently runs several times slower.
    assert kernel.available()


@functools.cache
def _bundled() -> Scorer:
    return model_lib.load().scorer


def _meaning(scorer: Scorer) -> tuple[StaticTable, kernel.WordPieces]:
    return load_table(), scorer._kernel_pieces(scorer._meaning_words())  # built once per scorer


def _compare(texts: list[str], scorer: Scorer) -> None:
    batch = Batch.of(texts)
    table, pieces = _meaning(scorer)
    found = kernel.features(texts, scorer._kernel_words, scorer._kernel_chars, pieces)
    # The kernel's WordPiece sums, with the cache's for the words it left, are the cache's for all words.
    whole, whole_pieces = WordVectors(table, projection=scorer.meaning_coef).sums(batch)
    rest, rest_pieces = WordVectors(table, projection=scorer.meaning_coef).sums(found.tokens.only(~found.handled))
    assert np.array_equal(found.pieces + rest_pieces, whole_pieces)
    assert np.allclose(found.meaning + rest, whole, rtol=1e-5, atol=1e-5)
    assert np.array_equal(found.tokens.token_hashes, batch.token_hashes)
    assert np.array_equal(found.tokens.token_post, batch.token_post)
    assert np.array_equal(found.tokens.token_start, batch.token_start)
    assert np.array_equal(found.tokens.token_end, batch.token_end)
    assert np.array_equal(found.counts, signals.counts(batch))
    words = Scorer._ngram_sums(scorer._index("words"), scorer.words_table, [batch.words()], batch.n_posts)
    chars = Scorer._ngram_sums(scorer._index("chars"), scorer.chars_table, batch.char_grams(), batch.n_posts)
    # numpy adds float32 rows, the kernel adds them in double.
    assert np.allclose(found.words, words, rtol=1e-5, atol=1e-4)
    assert np.allclose(found.chars, chars, rtol=1e-5, atol=1e-4)


def test_kernel_gives_the_numpy_tokens_counts_and_sums(fixtures: Path) -> None:
    scorer = _bundled()
    texts = _texts(fixtures)
    _compare(texts, scorer)
    _compare(texts[:1], scorer)


@given(st.lists(st.text(max_size=200), min_size=1, max_size=6))
@settings(max_examples=80, deadline=None)
def test_kernel_agrees_with_numpy_on_any_text(texts: list[str]) -> None:
    _compare([feature_text(t) for t in texts], _bundled())


def test_kernel_does_the_wordpieces_of_plain_ascii_words_and_leaves_the_others() -> None:
    scorer = _bundled()
    _, pieces = _meaning(scorer)
    texts = ["unbelievably good coffee", "café crème snake_case xurlx"]
    found = kernel.features(texts, scorer._kernel_words, scorer._kernel_chars, pieces)
    words = [found.tokens.token_text(i) for i in range(len(found.tokens.token_hashes))]
    assert dict(zip(words, found.handled.tolist(), strict=True)) == {
        "unbelievably": True,
        "good": True,
        "coffee": True,
        "café": False,
        "crème": False,
        "snake_case": False,
        "xurlx": True,
    }
    # "unbelievably" is several pieces; the marker word counts for nothing.
    assert found.pieces[0] > 3 and found.pieces[1] == 0


def test_kernel_and_numpy_predict_the_same_probabilities(fixtures: Path) -> None:
    scorer = model_lib.load().scorer  # its own: the test switches the kernel off
    texts = [json.loads(line)["text"] for line in (fixtures / "posts.jsonl").open()] + HARD_TEXTS
    compiled = scorer.predict_proba(texts)
    scorer.use_kernel = False
    assert np.allclose(compiled, scorer.predict_proba(texts), atol=1e-6)


def test_packed_table_finds_every_key_and_nothing_else() -> None:
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(1, 2**63, size=5000, dtype=np.uint64))
    rows = rng.random((len(keys) + 1, 6)).astype(np.float32)
    rows[-1] = 0
    table = kernel.Table(keys, rows)
    # A post of one word looks up that word's hash; here the table is queried directly instead.
    hits = kernel.lookup(table, keys)
    assert np.array_equal(hits, rows[:-1])
    misses = kernel.lookup(table, np.asarray([0, 2**64 - 1, *(keys[:50] ^ np.uint64(1 << 40))], dtype=np.uint64))
    assert not misses.any()


def _crowded_keys(count: int, top_bits: int) -> np.ndarray:
    """Random keys whose two bucket products both start with ``top_bits`` zero bits: in any
    table of fewer than 2**top_bits buckets both their buckets are the first."""
    rng = np.random.default_rng(2)
    first, second = (np.uint64(m) for m in kernel.BUCKET_MULTIPLIERS)
    found: list[np.ndarray] = []
    while sum(map(len, found)) < count:
        keys = rng.integers(1, 2**63, size=4_000_000, dtype=np.uint64)
        with np.errstate(over="ignore"):
            crowded = ((keys * first) >> np.uint64(64 - top_bits) == 0) & ((keys * second) >> np.uint64(64 - top_bits) == 0)
        found.append(keys[crowded])
    return np.concatenate(found)[:count]


def test_packed_table_grows_until_every_key_has_a_slot() -> None:
    # Nine keys that share both buckets (four slots) in any table of fewer than 4 buckets.
    keys = _crowded_keys(9, 2)
    rows = np.arange(len(keys) * 2, dtype=np.float32).reshape(-1, 2) + 1
    table = kernel.Table(keys, rows)
    assert table.buckets > 3
    assert np.array_equal(kernel.lookup(table, keys), rows)


def test_packed_table_refuses_keys_that_no_table_size_separates() -> None:
    keys = _crowded_keys(9, 6)  # one bucket in every table size tried (3 to 23 buckets)
    with pytest.raises(ValueError, match="crowd"):
        kernel.Table(keys, np.ones((9, 2), dtype=np.float32))


def test_a_nearly_full_table_still_finds_every_key() -> None:
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(1, 2**64 - 1, size=50_000, dtype=np.uint64))
    rows = rng.random((len(keys), 5)).astype(np.float32)
    table = kernel.Table(keys, rows)
    assert len(keys) / len(table.keys) > 0.8
    assert np.array_equal(kernel.lookup(table, keys), rows)


def test_kernel_refuses_arrays_that_do_not_fit_instead_of_reading_past_them() -> None:
    scorer = _bundled()
    _, pieces = _meaning(scorer)
    flags, constants, lexicon = kernel._shared()
    keys, rows, bits = scorer._kernel_words.spec()

    def call(lowered: str, words_keys: np.ndarray) -> None:
        tokens = tuple(np.zeros(4, dtype=np.int64) for _ in range(4))
        meaning = (pieces.first.spec(), pieces.rest.spec(), np.zeros(pieces.width), np.zeros(1), np.zeros(4, dtype=np.uint8), 1)
        kernel._kernel.features(
            lowered, lowered, 1, flags, constants, ((words_keys, rows, bits), np.zeros(6)), ((keys, rows, bits), np.zeros(6)),
            lexicon, np.zeros(len(signals.COUNTS)), tokens, meaning,
        )  # fmt: skip

    call("\x00a\x00", keys)
    with pytest.raises(ValueError, match="packed table does not fit its shape"):
        call("\x00a\x00", keys[:-4])
    with pytest.raises(ValueError, match="separator"):
        call("a\x00", keys)
    with pytest.raises(ValueError, match="separators"):
        call("\x00a\x00b\x00", keys)


@pytest.mark.parametrize("compiled", [True, False])
def test_repeated_ngram_keys_make_a_damaged_model_on_either_path(compiled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.errors import ModelError

    scorer = _bundled()
    arrays = scorer.arrays()
    arrays["chars_keys"] = arrays["chars_keys"].copy()
    arrays["chars_keys"][1] = arrays["chars_keys"][0]
    monkeypatch.setattr(kernel, "available", lambda: compiled)
    with pytest.raises(ModelError, match=r"model arrays are damaged \(chars: keys must be unique"):
        Scorer.from_arrays(arrays, scorer.settings())


@pytest.mark.parametrize(("keys", "message"), [([5, 7, 5], "unique"), ([5, 0, 7], "non-zero")])
def test_packed_table_refuses_repeated_or_zero_keys(keys: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kernel.Table(np.asarray(keys, dtype=np.uint64), np.ones((len(keys), 2), dtype=np.float32))
