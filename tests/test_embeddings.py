from __future__ import annotations

import numpy as np

from smclass.features.embeddings import basic_words, load_table


def test_basic_words_lowercase_strip_accents_and_split_punctuation() -> None:
    assert basic_words("Café, OK?! #Relief-2024") == ["cafe", ",", "ok", "?", "!", "#", "relief", "-", "2024"]


def test_word_pieces_use_continuation_pieces_for_long_words() -> None:
    table = load_table()
    ids = table.word_pieces("unbelievably")
    pieces = [table.tokens[i] for i in ids]
    assert "".join(p.removeprefix("##") for p in pieces) == "unbelievably"
    assert all(p.startswith("##") for p in pieces[1:])


def _mean_vectors(texts: list[str]) -> np.ndarray:
    from smclass.features.embeddings import WordVectors
    from smclass.features.tokens import Batch

    summed, counts = WordVectors(load_table()).sums(Batch.of(texts))
    result: np.ndarray = summed / np.maximum(counts, 1.0)[:, None]
    return result


def test_posts_about_the_same_thing_get_closer_vectors() -> None:
    vectors = _mean_vectors(
        ["please donate blankets to the shelter", "the shelter needs blanket donations", "quarterly revenue meeting moved"]
    )
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert unit[0] @ unit[1] > unit[0] @ unit[2] + 0.1


def test_text_with_no_known_token_or_only_markers_embeds_as_zeros() -> None:
    assert not _mean_vectors(["\u0000\u0000", "xurlx xmentionx", ""]).any()


def test_word_cache_gives_the_same_sums_however_it_is_organised() -> None:
    from smclass.features.embeddings import WordVectors
    from smclass.features.tokens import Batch

    table = load_table()
    posts = [
        ["the flight was delayed again", "xurlx xmentionx thanks", ""],
        ["café crème at the flight desk", "delayed delayed delayed", "a b c"],
        ["new words arrive: zyxqvw and the", "thanks again"],
    ]
    plain = WordVectors(table)
    busy = WordVectors(table, fold_after=1, limit=6)  # folds into its index and resets often
    for texts in posts:
        batch = Batch.of(texts)
        expected, expected_counts = plain.sums(batch)
        got, counts = busy.sums(batch)
        assert np.allclose(got, expected, atol=1e-5)
        assert np.array_equal(counts, expected_counts)
    assert busy.sums(Batch.of(["xurlx"]))[1].tolist() == [0.0]
