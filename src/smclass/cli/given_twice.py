"""An option that takes one value, given twice, is refused: Click would keep the last one without a word.

``classify posts.jsonl -o a.jsonl -o b.jsonl`` wrote only b.jsonl, and ``--threshold 0.99
--threshold 0.1`` ran at 0.1, both with exit 0: a typo in a long command line must not pick
which file is written or which cut is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smclass.errors import UsageError


def check(command: Any, args: Sequence[str]) -> None:
    """Raise :class:`UsageError` when ``args`` (those after the command's name) give one of its one-value options twice.

    ``command`` is a Click command, of typer's own copy of click or of click itself: its
    parameters are looked at by what they hold, not by their class.
    """
    if command is None:
        return
    single = {name: param for param in command.params if _one_value(param) for name in param.opts}
    seen: dict[str, str] = {}
    tokens = list(args)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            return
        name, attached = _option(token, single)
        if name is None:
            i += 1
            continue
        key = single[name].name or name
        if key in seen:
            option = max(single[name].opts, key=len)
            spellings = [name] if seen[key] == name else [seen[key], name]
            spelled = "" if spellings == [option] else f" (as {' and '.join(spellings)})"
            raise UsageError(f"{option} given twice{spelled}: it takes one value; give it once")
        seen[key] = name
        i += 1 if attached else 2


def _one_value(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option" and not (param.multiple or param.is_flag or param.count)


def _option(token: str, single: dict[str, Any]) -> tuple[str | None, bool]:
    """The one-value option ``token`` gives, and whether its value is in the token (``--out=x``, ``-ox``)."""
    if token in single:
        return token, False
    if token.startswith("--") and "=" in token:
        name = token.split("=", 1)[0]
        return (name, True) if name in single else (None, False)
    if token.startswith("-") and not token.startswith("--") and token[:2] in single:
        return token[:2], True
    return None, False
