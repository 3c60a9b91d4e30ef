"""Google Takeout's YouTube CSV files: comments and live chats read from their JSON segments, other tables passed over."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from smclass.errors import InputError, UsageError
from smclass.reading.inputs import Reading, read_path, read_stream


def read(data: bytes, name: str = "comments.csv") -> list:  # type: ignore[type-arg]
    return list(read_stream(io.BytesIO(data), name))


def test_comments_csv_with_lower_case_header_names_reads_the_segments_and_the_comment_id() -> None:
    data = (
        b"Comment ID,Channel ID,Comment create timestamp,Price,Parent comment ID,Post ID,Video ID,Comment text,Top-level comment ID\n"
        b'Uc1,UCme,2025-02-11T19:04:00Z,0,,,vid1,"{""text"":""The bread recipe worked ""},{""text"":""first time""}",\n'
        b'Uc2,UCme,2025-02-12T08:00:00Z,0,Uc1,PostQ,,"{""text"":""Glad to hear it""}",Uc1\n'
    )
    records = read(data)
    assert [r.shape for r in records] == ["YouTube Takeout comments"] * 2
    assert [(r.data["id"], r.data["text"]) for r in records] == [("Uc1", "The bread recipe worked first time"), ("Uc2", "Glad to hear it")]
    assert records[1].data["parent"] == "Uc1"
    assert records[1].data["post_id"] == "PostQ"


def test_live_chats_csv_reads_the_segments_and_the_live_chat_id() -> None:
    data = (
        b"Live Chat ID,Channel ID,Live Chat Create Timestamp,Price,Video ID,Live Chat Text\n"
        b'Lc1,UCme,2023-09-02T05:16:35+00:00,0,vid9,"{""takeoutSegments"":[{""text"":""Greetings from a rainy harbour town""}]}"\n'
        b'Lc2,UCme,2023-09-02T05:17:00+00:00,0,vid9,"{""text"":""what a solo""}"\n'
    )
    records = read(data, "live chats.csv")
    assert [r.shape for r in records] == ["YouTube Takeout live chats"] * 2
    assert [(r.data["id"], r.data["text"], r.data["video_id"]) for r in records] == [
        ("Lc1", "Greetings from a rainy harbour town", "vid9"),
        ("Lc2", "what a solo", "vid9"),
    ]


SUBSCRIPTIONS = b"Channel Id,Channel Url,Channel Title\nUC1,http://www.youtube.com/channel/UC1,Weekend Woodworking\n"


def test_subscriptions_csv_alone_is_refused_as_no_posts() -> None:
    with pytest.raises(InputError, match="YouTube subscriptions"):
        read(SUBSCRIPTIONS, "Takeout/YouTube and YouTube Music/subscriptions/subscriptions.csv")


def test_a_file_of_another_name_under_the_subscriptions_header_is_not_taken_for_takeout() -> None:
    with pytest.raises(UsageError, match="cannot tell whether the first line"):
        read(SUBSCRIPTIONS, "channels.csv")


def test_a_takeout_folder_reads_its_post_files_and_passes_over_the_others_with_a_note(tmp_path: Path) -> None:
    top = tmp_path / "YouTube and YouTube Music"
    for folder, name, data in [
        ("comments", "comments.csv", b'Comment ID,Comment Text,Video ID\nUa,"{""text"":""Nice lathe""}",v1\n'),
        ("live chats", "live chats.csv", b'Live Chat ID,Live Chat Text,Video ID\nLa,"{""text"":""hi all""}",v2\n'),
        ("subscriptions", "subscriptions.csv", SUBSCRIPTIONS),
    ]:
        (top / folder).mkdir(parents=True)
        (top / folder / name).write_bytes(data)
    notes: list[str] = []
    records = list(read_path(str(tmp_path), reading=Reading(notify=notes.append)))
    assert [(r.data["id"], r.data["text"]) for r in records] == [("Ua", "Nice lathe"), ("La", "hi all")]
    why = "this is YouTube subscriptions (Google Takeout), a list of channels, not posts"
    assert [n for n in notes if n.startswith("skipped")] == [f"skipped {top / 'subscriptions' / 'subscriptions.csv'}: {why}"]
