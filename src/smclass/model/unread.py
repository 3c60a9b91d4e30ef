"""Posts a model cannot read: it knows none of their words, so their best label is a guess.

A post in a script none of the training posts is written in (Amharic, Thai, Georgian for the
bundled models) holds no word or character n-gram the model has weights for. Its decision
values are then the intercept, the signals and the static embedding, and the fast model had
given it a label at up to 0.55, the MiniLM model at up to 0.86 (four different labels for one
sentence written in eleven scripts). Classify gives such a post no label, and says why.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

from smclass.features.normalize import feature_text


def reason(text: str) -> str:
    """Why a post the model knows no word of gets no label, in classify's ``reason``."""
    if not feature_text(text).strip():
        return "nothing is left to read once its markup (<...>) is taken out: the model has no word of it to go by"
    script = main_script(text)
    written = f" (its letters are {script})" if script is not None and script != "Latin" else ""
    return f"none of its words or letter sequences occur in the model's training posts{written}: its label would be a guess"


def main_script(text: str) -> str | None:
    """The script most of ``text``'s letters are written in, as Unicode names it (Ethiopic, Thai, CJK), or None without letters."""
    scripts: Counter[str] = Counter()
    # A letter's name starts with its script, but a letterlike symbol's or a styled letter's with its style (INFORMATION
    # SOURCE, MODIFIER LETTER SMALL H, FULLWIDTH LATIN ...): NFKC gives the letter it stands for, whose name starts so.
    for char in unicodedata.normalize("NFKC", text):
        if char.isalpha():
            name = unicodedata.name(char, "")
            if name:
                scripts[name.split(" ", 1)[0]] += 1
    if not scripts:
        return None
    script = scripts.most_common(1)[0][0]
    return script if len(script) <= 3 else script.capitalize()
