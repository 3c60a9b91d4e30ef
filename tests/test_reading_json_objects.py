"""JSON objects read as documents: a post that carries a list is one post, and a long list under a key is read in pieces."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from typer.testing import CliRunner

import smclass
from smclass.cli import app
from smclass.errors import InputError
from smclass.reading import json_window
from smclass.reading.inputs import read_stream
from smclass.reading.json_input import read_json
from smclass.reading.records import Record

from .conftest import Generated

runner = CliRunner()
EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"

POST = {
    "id": "p1",
    "text": "our neighborhood food drive starts saturday",
    "replies": [{"id": "r1", "text": "count me in"}, {"id": "r2", "text": "i will bring soup"}],
}


def classify(model: Path, *args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def ids(output: str) -> list[object]:
    return [json.loads(line)["id"] for line in output.splitlines() if line.strip()]


def read(data: bytes | str, source: str = "in") -> list[Record]:
    return list(read_stream(io.BytesIO(data.encode() if isinstance(data, str) else data), source))


def seen(records: list[Record]) -> list[tuple[Any, ...]]:
    """What a reader gave, minus the raw text (a JSON line keeps its bytes, a document's record has none)."""
    return [(r.data, r.line, r.index, r.shape, r.original, None if r.error is None else str(r.error)) for r in records]


# A post that carries a list of posts (its replies) or of other things (its media)


@pytest.mark.parametrize("indent", [None, 2])
def test_a_json_post_with_a_list_of_replies_is_one_post(small_model_path: Path, tmp_path: Path, indent: int | None) -> None:
    path = tmp_path / ("one.jsonl" if indent is None else "one.json")
    path.write_text(json.dumps(POST, indent=indent) + "\n")
    from_file = classify(small_model_path, str(path))
    from_stdin = classify(small_model_path, input=path.read_text())
    for result in (from_file, from_stdin):
        assert result.exit_code == 0, result.stderr
        assert ids(result.stdout) == ["p1"]


def test_a_json_post_with_a_list_of_media_is_one_post(small_model_path: Path) -> None:
    post = {"id": "p1", "text": "look at the garden today", "media": [{"type": "photo", "url": "https://example.org/1.jpg"}]}
    result = classify(small_model_path, input=json.dumps(post) + "\n")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["p1"]


def test_a_post_with_replies_reads_as_a_document_as_it_does_as_a_json_line() -> None:
    line = json.dumps(POST)
    as_lines = read(line + "\n" + line + "\n")
    as_document = read(json.dumps(POST, indent=2))
    assert [r.fmt for r in as_lines] == ["jsonl", "jsonl"] and [r.fmt for r in as_document] == ["json"]
    assert [r.data for r in as_document] == [as_lines[0].data] == [POST]
    assert as_document[0].line == 1


def test_a_post_with_two_lists_of_posts_is_one_post_not_refused() -> None:
    post = {**POST, "quotes": [{"id": "q1", "text": "best drive in town"}]}
    assert [r.data for r in read(json.dumps(post, indent=1))] == [post]


@pytest.mark.parametrize(
    "envelope",
    [
        {"status": "ok", "message": "2 posts found", "data": [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]},
        {"version": "https://jsonfeed.org/version/1.1", "title": "Our street", "items": [{"id": 1, "content_text": "a"}]},
        {"_type": "playlist", "title": "Garden talks", "entries": [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}]},
    ],
)
def test_an_envelope_with_words_about_itself_still_gives_its_posts(envelope: dict[str, Any]) -> None:
    records = read(json.dumps(envelope, indent=1))
    assert [r.data["id"] for r in records] == [item["id"] for item in next(v for v in envelope.values() if isinstance(v, list))]


@pytest.mark.parametrize("key", ["children", "messages", "posts", "data", "items"])
def test_a_document_with_words_of_its_own_and_a_list_of_posts_is_refused_not_half_read(key: str) -> None:
    document = {"id": "c1", "text": "town hall on the bus routes thursday", key: [{"id": "c2", "text": "is there childcare?"}]}
    with pytest.raises(InputError) as caught:
        read(json.dumps(document, indent=1))
    assert str(caught.value) == (
        f"in:1: the object has a text of its own ('text') and a list of posts ({key!r}): one post with its replies, "
        f"or a page of posts? pick with jq: jq -c '.{key}[]' FILE | smclass classify - (the list), "
        f"or jq -c 'del(.{key}), .{key}[]' (the post, then the list)"
    )


def test_a_document_with_words_of_its_own_and_a_list_of_things_that_are_no_posts_is_one_post() -> None:
    document = {"id": "o1", "text": "my order came broken, send another", "items": [{"sku": "A1", "qty": 2}]}
    assert [r.data for r in read(json.dumps(document, indent=1))] == [document]


def test_a_post_beside_the_list_of_posts_is_refused_not_dropped() -> None:
    document = {"pinned": {"id": "pin", "text": "read the rules first"}, "posts": [{"id": "j1", "text": "hello all"}]}
    with pytest.raises(InputError) as caught:
        read(json.dumps(document, indent=1))
    assert str(caught.value) == (
        "in:1: the object holds a post ('pinned') beside its list of posts ('posts'): "
        "pick them out with jq, e.g. jq -c '.pinned, .posts[]' FILE | smclass classify -"
    )


def test_an_api_response_whose_posts_are_one_level_down_or_none_is_refused_not_its_message_labelled() -> None:
    nested = {"status": 200, "message": "Success", "data": {"posts": [{"id": "1", "text": "road closed by the river"}]}}
    with pytest.raises(InputError) as caught:
        read(json.dumps(nested, indent=1))
    assert str(caught.value) == (
        "in:1: an API response (its 'message' 'Success' beside 'status'), not a post: its posts are one level down, "
        "pick them out with jq, e.g. jq -c '.data.posts[]' FILE | smclass classify -"
    )
    empty = {"status": "error", "message": "rate limited", "data": []}
    with pytest.raises(InputError, match=r"not a post, and it holds no list of posts$"):
        read(json.dumps(empty, indent=1))
    # On a line of JSON lines, the same response is that line's error, not a post.
    lines = read(json.dumps(empty) + "\n" + json.dumps({"id": "9", "text": "a post"}) + "\n")
    assert [(r.error is not None, r.data.get("id")) for r in lines] == [(True, None), (False, "9")]


def test_a_post_with_a_message_and_a_status_of_its_own_is_a_post_and_a_message_beside_data_an_envelope() -> None:
    post = {"id": "f1", "message": "a lovely day at the beach", "status": "published"}
    assert [r.data for r in read(json.dumps(post, indent=1))] == [post]
    reply = {"message": "Request successful", "data": [{"id": "1", "text": "lunch was great"}]}
    assert [r.data["id"] for r in read(json.dumps(reply, indent=1))] == ["1"]


# A long list under a key is read in pieces, and read as it was when the document was read whole


def wrapped(before: bytes, entry: Any, count: int, after: bytes) -> IO[bytes]:
    """``before`` + a pretty array of ``count`` copies of ``entry`` (its "id" numbered) + ``after``."""

    def parts() -> Iterator[bytes]:
        yield before + b"[\n"
        for i in range(count):
            yield (b",\n" if i else b"") + b"  " + json.dumps({**entry, "id": str(i)}).encode()
        yield b"\n ]" + after

    return io.BufferedReader(Generated(parts()))


def never_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: json_window.Window) -> str:
        raise AssertionError("the document was read whole")

    monkeypatch.setattr(json_window.Window, "read_rest", refuse)


def peak_while_reading(stream: IO[bytes]) -> tuple[int, int, list[Record]]:
    """Peak traced memory, the number of records, and the first few and any with an error."""
    kept: list[Record] = []
    count = 0
    tracemalloc.start()
    try:
        for record in read_stream(stream, "big"):
            count += 1
            if count <= 3 or record.error is not None:
                kept.append(record)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, count, kept


def test_a_long_list_of_posts_under_a_key_is_read_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    never_whole(monkeypatch)
    entry = {"text": "community garden volunteers meet at nine on sunday morning " * 3, "user": {"name": "someone"}}
    stream = wrapped(b'{\n "source": "scraper 2.1",\n "posts": ', entry, 60_000, b',\n "count": 60000\n}\n')  # about 14 MB
    peak, count, kept = peak_while_reading(stream)
    assert count == 60_000
    assert [(r.data["id"], r.error, r.line) for r in kept] == [("0", None, None), ("1", None, None), ("2", None, None)]
    assert peak < 6 * 2**20, peak


def test_a_long_x_api_page_is_read_in_pieces_as_the_page_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    # "meta" after the list is what makes it a page: the posts wait until it is seen.
    never_whole(monkeypatch)
    tweet = {"text": "Volunteers needed Saturday…", "note_tweet": {"text": "Volunteers needed Saturday at the food bank"}, "lang": "en"}
    stream = wrapped(b'{"data": ', tweet, 60_000, b', "includes": {"users": []}, "meta": {"result_count": 60000}}')  # about 9 MB
    peak, count, kept = peak_while_reading(stream)
    assert count == 60_000
    assert kept[0].shape == "X API v2 page"
    assert kept[0].data == {"id": "0", "text": "Volunteers needed Saturday at the food bank", "platform": "twitter", "lang": "en"}
    assert kept[0].original == {**tweet, "id": "0"}
    assert peak < 8 * 2**20, peak


def test_a_second_list_of_posts_after_a_long_one_is_refused_before_any_post() -> None:
    stream = wrapped(b'{"posts": ', {"text": "a post"}, 20_000, b', "comments": [{"id": 1, "text": "a comment"}]}')
    records = read_json(stream, "in")
    with pytest.raises(InputError) as raised:
        next(records)
    assert str(raised.value) == (
        "in:1: the object holds 2 lists of posts ('posts', 'comments'): pick them out with jq, "
        "e.g. jq -c '.posts[], .comments[]' FILE | smclass classify -"
    )


def test_a_post_whose_text_follows_its_long_list_of_replies_is_one_post() -> None:
    stream = wrapped(b'{"id": "p1", "replies": ', {"text": "me too"}, 20_000, b', "text": "who is coming to the food drive?"}')
    records = list(read_json(stream, "in"))
    assert len(records) == 1
    assert records[0].data["text"] == "who is coming to the food drive?"
    assert len(records[0].data["replies"]) == 20_000 and records[0].data["replies"][-1] == {"text": "me too", "id": "19999"}


DOCUMENTS = [
    {"data": [{"id": "1", "text": "a"}], "errors": [{"message": "Could not find tweet 3"}], "users": [{"id": "u", "description": "d"}]},
    {"data": [], "comments": [{"id": 1, "text": "a"}, {"id": 2, "text": "b"}]},
    {"things": [{"a": 1}, {"a": 2}]},
    {"things": [{"a": 1}, 2]},
    {"numbers": [1, 2, 3]},
    {"posts": [{"id": 1, "text": "a"}, 7, "just words", {"id": 2, "text": "b"}]},
    {"id": 9, "text": "hello", "replies": [{"id": 1, "text": "a"}]},
    {"posts": [{"id": 1, "text": "a"}], "comments": [{"id": 9, "text": "b"}]},
    {"posts": [{"id": 1, "text": "big number 123456789012345678901234567890"}], "n": 123456789012345678901234567890},
    {"posts": [{"id": 1, "text": "first"}], "posts2": [], "posts_again": [{"id": 2, "text": "second"}]},
]


def read_both_ways(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Records as read with short lists held, and with every list in a temporary file."""

    def records() -> list[tuple[Any, ...]]:
        try:
            return seen(read(text))
        except InputError as exc:
            return [str(exc)]

    held = records()
    with monkeypatch.context() as patch:
        patch.setattr(json_window, "HELD", -1)
        spooled = records()
    return held, spooled


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_list_read_from_a_temporary_file_reads_as_one_held_in_memory(monkeypatch: pytest.MonkeyPatch, document: Any) -> None:
    held, spooled = read_both_ways(json.dumps(document, indent=1), monkeypatch)
    assert spooled == held


@pytest.mark.parametrize("name", sorted(p.name for p in EXPORTS.glob("*.json")))
def test_a_platform_export_whose_lists_are_long_reads_as_before(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    held, spooled = read_both_ways((EXPORTS / name).read_text(encoding="utf-8"), monkeypatch)
    assert spooled == held
    assert held and not isinstance(held[0], str)


def test_a_key_given_twice_with_different_posts_is_refused_held_or_spooled(monkeypatch: pytest.MonkeyPatch) -> None:
    text = '{"posts": [{"id": 1, "text": "one"}], "meta": 1, "posts": [{"id": 2, "text": "two"}]}'
    held, spooled = read_both_ways(text, monkeypatch)
    assert held == spooled == ["in:1: the object gives 'posts' twice, with different values: which one is meant would be a guess"]


# Damage in an object document: json.loads's own words, at the right line


@pytest.mark.parametrize(
    "text",
    [
        '{\n "posts": [\n  {"id": 1, "text": "fine"},\n  {"id": 2, "text": tru}\n ]\n}\n',
        '{\n "posts": [\n  {"id": 1, "text": "fine"}\n  {"id": 2, "text": "b"}\n ]\n}\n',
        '{\n "posts": [\n  {"id": 1, "text": "fine"},\n ]\n}\n',
        '{\n "posts": [\n  {"id": 1, "text": "fine"}\n ],\n}\n',
        '{\n "posts" [\n  {"id": 1, "text": "fine"}\n ]\n}\n',
        '{\n "posts": [\n  {"id": 1, "text": "fine"}\n ]\n "meta": {}\n}\n',
        '{\n "posts": [\n  {"id": 1, "text": "fine"}\n ]\n}\n{"more": 1}\n',
        '{\n "posts": [\n  {"id": 1, "text": "cut',
        '{\n "posts": [\n  {"id": 1, "text": "fine"}',
        '{\n "posts": [\n  {"id": 1, "text": "fine"}\n ]\n',
        "{\n posts: []\n}\n",
        '{\n "posts": [\n  {"id": 1, "text": "fine"}\n ],\n "meta": \n',
    ],
)
def test_damage_in_an_object_is_named_as_json_names_it_at_its_line(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(text)
    # json's own reason for an open string ends in "at": said once, before the column.
    reason = parsed.value.msg.lower().removesuffix(" at")
    expected = f"in:{parsed.value.lineno}: invalid JSON ({reason} at column {parsed.value.colno})"
    if reason == "extra data" and text[parsed.value.pos] == "{":
        expected += ": another object follows the first, and objects one after another are no JSON document: put each on one line (jq -c .)"
    held, spooled = read_both_ways(text, monkeypatch)
    assert held == spooled == [expected]


def test_a_lone_surrogate_in_an_object_is_refused_at_its_line() -> None:
    text = '{\n "posts": [\n  {"id": 1, "text": "fine"},\n  {"id": 2, "text": "\\ud800"}\n ]\n}\n'
    with pytest.raises(InputError) as raised:
        read(text)
    assert str(raised.value) == "in:4: invalid JSON (no low surrogate in string)"


def test_bytes_that_are_not_utf8_in_an_object_are_named_at_their_line() -> None:
    data = b'{\n "posts": [\n  {"id": 1, "text": "fine"},\n  {"id": 2, "text": "caf\xe9"}\n ]\n}\n'
    with pytest.raises(InputError) as raised:
        read(data)
    assert str(raised.value).startswith("in:4: ")
    assert "name the input's encoding with --encoding, e.g. cp1252" in str(raised.value)


def test_a_list_of_texts_beside_a_list_of_posts_is_not_dropped_unseen(tmp_path: Path) -> None:
    document = tmp_path / "day.json"
    evening = ["Parliament votes tonight on the budget", "Dinner with friends"]
    lists = {"morning": [{"text": "I love my new bike so much"}], "evening": evening}
    document.write_text(json.dumps(lists))
    with pytest.raises(InputError, match=r"the object holds 2 lists of posts \('morning', 'evening'\)"):
        list(smclass.read(str(document)))


# Entries of a list of posts that are not posts


def test_entries_of_a_wrapped_document_that_are_no_object_are_rejected_as_written(tmp_path: Path, small_model_path: Path) -> None:
    first, last = {"id": 1, "text": "I baked bread today"}, {"id": 2, "text": "Breaking: the budget passes"}
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"posts": [first, 42, ["a", "b"], None, last]}, indent=2), encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 2]
    # Not "{}" three times: what was there.
    assert rejects.read_text(encoding="utf-8") == '42\n["a", "b"]\nnull\n'


def test_a_page_on_a_json_line_with_a_null_among_its_posts_gives_every_post(tmp_path: Path, small_model_path: Path) -> None:
    pages = [
        {"results": [{"id": 1, "text": "I baked bread this morning"}, {"id": 2, "text": "Breaking: parliament passes the budget"}]},
        {"results": [{"id": 3, "text": "@SkyAir where is my refund"}, None, {"id": 4, "text": "Join the march on Saturday #climate"}]},
    ]
    path = tmp_path / "pages.jsonl"
    path.write_text("".join(json.dumps(page) + "\n" for page in pages), encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    # The second page had been one record with no text: posts 3 and 4 were never labelled.
    assert ids(result.stdout) == [1, 2, 3, 4]
    assert f"skipped {path}:2: expected a JSON object, got null" in result.stderr
    # The null alone, not the page line, whose other posts have their results.
    assert rejects.read_text(encoding="utf-8") == "null\n"


def test_a_record_whose_list_holds_things_that_are_no_posts_stays_one_record(small_model_path: Path) -> None:
    lines_in = [
        {"id": "r1", "Text": "Parcel arrived crushed, want a refund", "items": [{"sku": "A1", "qty": 1}, "gift-wrap"]},
        {"id": "r2", "Text": "Parcel arrived late", "items": [{"sku": "B2", "qty": 2}]},
        {"id": "p1", "text": None, "data": [{"url": "https://x.example/a.jpg"}, None]},
    ]
    result = classify(small_model_path, input="".join(json.dumps(line) + "\n" for line in lines_in))
    assert result.exit_code == 0, result.stderr
    # Not the basket's items, nor the photo, each taken for a post in the record's place.
    assert ids(result.stdout) == ["r1", "r2", "p1"]


@pytest.mark.parametrize(
    "envelope",
    [{"Description": "Weekly export of posts"}, {"Title": "Page 1"}, {"Message": "Success"}, {"title": "My export"}, {"Tweet": "x"}],
)
def test_a_page_on_a_json_line_whose_envelope_has_words_of_its_own_still_gives_its_posts(
    small_model_path: Path, envelope: dict[str, str]
) -> None:
    posts = [{"id": "1", "text": "Our new product launches today, buy now"}, {"id": "2", "text": "Flood warning for the river valley"}]
    page = json.dumps({"items": posts, **envelope}) + "\n"
    result = classify(small_model_path, input=page * 2)
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["1", "2", "1", "2"]


def test_a_titled_record_whose_list_holds_no_posts_stays_one_record(small_model_path: Path) -> None:
    record = {"id": "q3", "title": "Quarterly numbers are in: sales up four percent", "items": [{"sku": "A1", "qty": 1}]}
    other = {"id": "q4", "text": "Our stand-up moves to ten tomorrow"}
    result = classify(small_model_path, input=json.dumps(record) + "\n" + json.dumps(other) + "\n")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == ["q3", "q4"]


def test_an_object_document_of_very_many_small_members_is_refused_not_held_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.reading import json_input

    monkeypatch.setattr(json_input, "OBJECT_HELD", 4000)
    keyed = {f"k{i}": {"text": f"the library opens late on thursday {i}"} for i in range(500)}
    with pytest.raises(InputError) as caught:
        list(read_json(io.BytesIO(json.dumps(keyed).encode()), "keyed.json"))
    said = str(caught.value)
    assert said.startswith("keyed.json:1: a JSON object whose members take over 0 MiB to hold besides its long lists (")
    assert "jq -c 'to_entries[] | .value + {id: .key}'" in said


def test_an_object_documents_long_list_does_not_count_toward_its_members_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.reading import json_input

    monkeypatch.setattr(json_input, "OBJECT_HELD", 4000)
    posts = [{"id": i, "text": f"volunteers meet at the pier at nine, shift {i}"} for i in range(40_000)]
    page = {"meta": {"count": len(posts)}, "data": posts}
    records = list(read_json(io.BytesIO(json.dumps(page).encode()), "page.json"))
    assert [r.data["id"] for r in records] == list(range(40_000))


def test_pretty_printed_objects_one_after_another_are_refused_with_the_way_to_json_lines(small_model_path: Path) -> None:
    objects = '{"id": 1,\n "text": "the canal path is flooded"}\n{"id": 2,\n "text": "our choir sings friday"}\n'
    result = classify(small_model_path, input=objects)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == (
        "Error: <stdin>:3: invalid JSON (extra data at column 1): another object follows the first, and objects one after "
        "another are no JSON document: put each on one line (jq -c .)"
    )
