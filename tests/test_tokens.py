from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from smclass.features.tokens import CHAR_NGRAMS, Batch, _Powers, pieces, raw_word_hashes, string_hashes


def _analyzer(**kwargs: object) -> object:
    return CountVectorizer(lowercase=True, **kwargs).build_analyzer()  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["Hello brave new world", "Café crème, brûlée! Über alles", "one\ntwo  three\tfour"])
def test_word_ngrams_are_scikit_learns_word_unigrams_and_bigrams(text: str) -> None:
    analyze = _analyzer(ngram_range=(1, 2))
    expected = analyze(text)  # type: ignore[operator]
    hashes, posts = Batch.of([text]).words()
    assert len(hashes) == len(expected)
    assert len(set(hashes.tolist())) == len(set(expected))
    assert (posts == 0).all()


@pytest.mark.parametrize("text", ["Hello brave new world", "Crème brûlée again and again", "line one\nline two"])
def test_char_ngrams_are_char_wb_ngrams_for_words_of_three_letters_or_more(text: str) -> None:
    # scikit-learn also repeats a whole short padded word for longer n; words here are long enough.
    analyze = _analyzer(analyzer="char_wb", ngram_range=(min(CHAR_NGRAMS), max(CHAR_NGRAMS)))
    expected = [g for g in analyze(text) if len(g) in CHAR_NGRAMS]  # type: ignore[operator]
    hashes, _ = Batch.of([text]).chars()
    assert len(hashes) == len(expected)
    assert len(set(hashes.tolist())) == len(set(expected))


def test_runs_of_spaces_make_no_extra_ngrams() -> None:
    tidy, loose = Batch.of(["a quick  test"]), Batch.of(["  a   quick \n\n test  "])
    assert sorted(tidy.chars()[0].tolist()) == sorted(loose.chars()[0].tolist())
    assert sorted(tidy.words()[0].tolist()) == sorted(loose.words()[0].tolist())


def test_a_words_hash_does_not_depend_on_where_it_is() -> None:
    alone = raw_word_hashes(["harbour"])[0]
    filler = "x " * (_Powers.KEEP // 2 + 10)  # a batch longer than the kept powers
    for texts in (["harbour"], ["the old harbour"], ["first post", "harbour"], [filler + "harbour"]):
        batch = Batch.of(texts)
        assert alone in batch.token_hashes.tolist(), texts


def test_posts_are_numbered_in_order_and_the_separator_inside_a_post_is_harmless() -> None:
    batch = Batch.of(["one two", "", "three\x00four", "five"])
    assert batch.n_posts == 4
    assert batch.token_post.tolist() == [0, 0, 2, 2, 3]
    assert [batch.token_text(i) for i in range(5)] == ["one", "two", "three", "four", "five"]
    _, posts = Batch.of(["abc", "", "defg"]).chars()
    assert set(np.unique(posts).tolist()) == {0, 2}


def test_a_post_longer_than_a_segment_is_cut_at_spaces_into_pieces_of_one_post() -> None:
    text = " ".join(f"word{i}" for i in range(3000))  # about 26,000 characters
    parts = list(pieces(["short", text, "last"], max_chars=10_000, segment=4_000))
    owners = np.concatenate([p.owners for p in parts])
    firsts = np.concatenate([p.first for p in parts])
    assert owners[0] == 0 and owners[-1] == 2 and set(owners[1:-1].tolist()) == {1}
    assert firsts.tolist() == [True, True] + [False] * (len(owners) - 3) + [True]
    assert all(sum(len(t) for t in p.batch.text.split("\x00")) <= 10_000 for p in parts)
    words = [p.batch.token_text(i) for p in parts for i in range(len(p.batch.token_start))]
    assert words == ["short", *text.split(), "last"]


def test_string_hashes_are_the_hashes_of_the_same_words_in_a_batch() -> None:
    words = ["hello", "a", "naïve", "x_1", "日本"]
    assert np.array_equal(string_hashes(words), raw_word_hashes(words))
