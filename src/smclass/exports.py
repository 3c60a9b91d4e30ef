"""Platform export shapes: find the posts inside what platforms and scrapers write."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from smclass.records import Record

StreamReader = Callable[[IO[bytes], str, "str | None"], Iterator[Record]]

_JS_PREFIX = re.compile(rb"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
_JS_PREFIX_TEXT = re.compile(r"^\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*=\s*")
# Keys under which exports and APIs keep their list of posts, most specific first.
_LIST_KEYS = ("data", "orderedItems", "feed", "posts", "statuses", "items", "records", "results", "messages", "children")


def is_twitter_archive(head: bytes) -> bool:
    return bool(_JS_PREFIX.match(head))


def strip_javascript_prefix(text: str) -> str:
    return _JS_PREFIX_TEXT.sub("", text, count=1)


def unwrap_line(value: Any) -> list[Any]:
    """The posts inside one JSON value that stands for one line or array element."""
    return [value]


def unwrap_document(document: Any, first_line: int = 1) -> Iterator[tuple[Any, int | None]]:
    """The posts inside a whole JSON document, each with its line when known."""
    if isinstance(document, list):
        for item in document:
            yield item, None
        return
    if isinstance(document, dict):
        records = _find_record_list(document)
        if records is None:
            yield document, first_line
            return
        for item in records:
            yield item, None
        return
    yield document, None


def _find_record_list(document: dict[str, Any]) -> list[Any] | None:
    for key in _LIST_KEYS:
        value = document.get(key)
        if isinstance(value, list):
            return value
    lists = [v for v in document.values() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)]
    if len(lists) == 1:
        return lists[0]
    return None


def is_zip(path: Path) -> bool:
    return zipfile.is_zipfile(path)


def read_zip(path: Path, input_format: str | None, read_stream: StreamReader) -> Iterator[Record]:
    with zipfile.ZipFile(path) as archive:
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if info.is_dir() or _skip_name(info.filename):
                continue
            with archive.open(info) as member:
                yield from read_stream(member, f"{path}!{info.filename}", input_format)


def read_directory(path: Path, input_format: str | None, read_stream: StreamReader) -> Iterator[Record]:
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        if _skip_name(child.name):
            continue
        with child.open("rb") as handle:
            yield from read_stream(handle, str(child), input_format)


def _skip_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") or base.lower().endswith((".md", ".txt.sig"))
