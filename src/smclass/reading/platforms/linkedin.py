"""LinkedIn's data export ("Get a copy of your data"): CSV files, one per kind of activity.

``Shares.csv`` doubles a quote inside a quoted field as RFC 4180 says, but ``Comments.csv``
(``Date,Link,Message``) escapes it with a backslash, ``\\"``, and its messages span lines:
read with doubled quotes, ``"the \\"spring drive\\" back then`` ends its field at the
escaped quote, and the rest of the message falls apart into rows of its own.
"""

from __future__ import annotations

import re

from smclass.reading.fields import fold

# Headers (folded names) of LinkedIn tables written with backslash-escaped quotes.
_ESCAPING = frozenset({frozenset({"date", "link", "message"})})
_ESCAPED = re.compile(rb'\\"')
# A doubled quote inside a field's text (not an empty field, "" between delimiters or line ends).
_DOUBLED = re.compile(rb'[^\s,;\t|"]""')


def escapes_quotes(header: list[str], head: bytes) -> bool:
    """Whether a CSV with this header row and these first bytes escapes quotes with a backslash.

    Known by its header; but a file under that header whose first rows double their quotes,
    and escape none, is read as they show (a CSV of one's own that happens to share the names).
    """
    if frozenset(fold(name) for name in header if name.strip()) not in _ESCAPING:
        return False
    return bool(_ESCAPED.search(head)) or not _DOUBLED.search(head)
