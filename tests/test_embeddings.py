from __future__ import annotations

import numpy as np

from smclass.embeddings import basic_words, load_table


def test_basic_words_lowercase_strip_accents_and_split_punctuation() -> None:
    assert basic_words("Café, OK?! #Relief-2024") == ["cafe", ",", "ok", "?", "!", "#", "relief", "-", "2024"]


def test_word_pieces_use_continuation_pieces_for_long_words() -> None:
    table = load_table()
    ids = table.word_pieces("unbelievably")
    pieces = [table.tokens[i] for i in ids]
    assert "".join(p.removeprefix("##") for p in pieces) == "unbelievably"
    assert all(p.startswith("##") for p in pieces[1:])


def test_embeddings_are_unit_length_and_similar_for_similar_posts() -> None:
    table = load_table()
    vectors = table.embed(
        ["please donate blankets to the shelter", "the shelter needs blanket donations", "quarterly revenue meeting moved"]
    )
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_text_with_no_known_token_embeds_as_zeros() -> None:
    assert not load_table().embed(["\u0000\u0000"]).any()
