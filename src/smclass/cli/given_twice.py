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
    parameters are looked at by what they hold, not by their class. Values are read as Click
    reads them: after an option that takes one (``--dev -odev.jsonl`` is a file), in the same
    token (``--out=x``, ``-ox``), or after short flags bundled in front (``-qo x``).
    """
    if command is None:
        return
    options = [param for param in command.params if getattr(param, "param_type_name", "") == "option"]
    valued = {name: param for param in options if not (param.is_flag or param.count) for name in param.opts}
    flags = {name for param in options if param.is_flag or param.count for name in param.opts}
    seen: dict[str, str] = {}
    tokens = list(args)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            return
        name, attached = _option(token, valued, flags)
        if name is None:
            i += 1
            continue
        param = valued[name]
        if not param.multiple:
            key = param.name or name
            if key in seen:
                option = max(param.opts, key=len)
                spellings = [name] if seen[key] == name else [seen[key], name]
                spelled = "" if spellings == [option] else f" (as {' and '.join(spellings)})"
                raise UsageError(f"{option} given twice{spelled}: it takes one value; give it once")
            seen[key] = name
        i += 1 if attached else 2


def _option(token: str, valued: dict[str, Any], flags: set[str]) -> tuple[str | None, bool]:
    """The option ``token`` gives a value to, and whether the value is in the token (``--out=x``, ``-ox``, ``-qox``)."""
    if token in valued:
        return token, False
    if token.startswith("--"):
        name = token.split("=", 1)[0]
        return (name, True) if "=" in token and name in valued else (None, False)
    if not token.startswith("-") or len(token) < 2:
        return None, False
    for at in range(1, len(token)):
        short = "-" + token[at]
        if short in valued:
            return short, at + 1 < len(token)
        if short not in flags:
            return None, False
    return None, False
