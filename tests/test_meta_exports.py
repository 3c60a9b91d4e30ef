"""Facebook photos and videos, Messenger threads and Instagram comments, as the "Download your information" export writes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import smclass

PARTY = "Vidéo de la fête"


def garbled(text: str) -> str:
    """How Meta's exports write UTF-8: each byte as a Latin-1 character."""
    return text.encode("utf-8").decode("latin-1")


def _written(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def read(tmp_path: Path, name: str, document: Any) -> list[tuple[Any, Any]]:
    return [(post["id"], post["text"]) for post in smclass.read(_written(tmp_path / name, document))]


def test_a_facebook_photos_caption_is_its_description_never_its_albums_name(tmp_path: Path) -> None:
    # Every photo had been read as "Mobile Uploads", the album's name, and labelled from it.
    photos = {
        "other_photos_v2": [
            {"uri": "photos/1.jpg", "creation_timestamp": 1, "title": "Mobile Uploads", "description": garbled("Tomatoes, très bien")},
            {"uri": "photos/2.jpg", "creation_timestamp": 2, "title": "Mobile Uploads"},
        ]
    }
    assert read(tmp_path, "your_uncategorized_photos.json", photos) == [("photos/1.jpg", "Tomatoes, très bien"), ("photos/2.jpg", None)]


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("your_videos.json", {"videos_v2": [{"uri": "v/1.mp4", "creation_timestamp": 5, "title": "", "description": garbled(PARTY)}]}),
        (
            "1.json",
            {"name": "Summer", "photos": [{"uri": "v/1.mp4", "creation_timestamp": 5, "title": "Summer", "description": garbled(PARTY)}],
             "cover_photo": {"uri": "v/1.mp4"}, "last_modified_timestamp": 6, "description": "our summer album"},
        ),
    ],
)  # fmt: skip
def test_facebook_videos_and_album_files_give_each_items_own_caption_repaired(tmp_path: Path, name: str, document: Any) -> None:
    assert read(tmp_path, name, document) == [("v/1.mp4", PARTY)]


def test_a_messenger_thread_gives_each_message_repaired_with_its_time_as_id(tmp_path: Path) -> None:
    # Its text had kept Facebook's garbling ("Ã\xa0 la gare"), and its ids were positions.
    thread = {
        "participants": [{"name": "Ana"}, {"name": "Bo"}],
        "messages": [
            {"sender_name": "Ana", "timestamp_ms": 1700000000000, "content": garbled("à la gare at six")},
            {"sender_name": "Bo", "timestamp_ms": 1700000001000, "photos": [{"uri": "x.jpg"}]},
        ],
        "title": "Ana and Bo",
    }
    assert read(tmp_path, "message_1.json", thread) == [(1700000000000, "à la gare at six"), (1700000001000, None)]


def test_a_messenger_thread_of_end_to_end_encrypted_chats_is_read_from_its_own_field_names(tmp_path: Path) -> None:
    # This download names its fields text, senderName and timestamp: every message had been read
    # with no text ("'text' is null") and ids None, None-2, None-3, exit 0.
    thread = {
        "participants": ["Ana", "Bo"],
        "threadName": "Ana_12",
        "messages": [
            {"isUnsent": False, "media": [], "reactions": [], "senderName": "Bo", "text": "ALLÔ\u00a0! the ferry leaves at nine",
             "timestamp": 1700000002000, "type": "text"},
            {"isUnsent": False, "media": [{"uri": "media/1.jpg"}], "reactions": [], "senderName": "Ana", "text": "",
             "timestamp": 1700000001000, "type": "media"},
            {"isUnsent": False, "media": [], "reactions": [], "senderName": "Ana", "text": "I finished the quilt",
             "timestamp": 1700000001000, "type": "text"},
        ],
    }  # fmt: skip
    posts = list(smclass.read(_written(tmp_path / "Ana_12.json", thread)))
    # Clean UTF-8, not mojibake: the capital before its no-break space stays as written.
    assert [(p["id"], p["text"]) for p in posts] == [
        (1700000002000, "ALLÔ\u00a0! the ferry leaves at nine"),
        (1700000001000, None),
        ("1700000001000-2", "I finished the quilt"),
    ]


def test_messages_messenger_writes_itself_get_their_line_with_no_text(tmp_path: Path) -> None:
    # Joins, departures, calls and the stand-in for an unsent message had been labelled as posts
    # ("Bo added Cy to the group." as Emergent 0.80), exit 0.
    thread = {
        "participants": [{"name": "Ana"}, {"name": "Bo"}],
        "messages": [
            {"sender_name": "Bo", "timestamp_ms": 5000, "content": "Bo added Cy to the group.", "type": "Subscribe"},
            {"sender_name": "Ana", "timestamp_ms": 4000, "content": "Ana left the group.", "type": "Unsubscribe"},
            {"sender_name": "Ana", "timestamp_ms": 3000, "content": "Ana started a video chat.", "call_duration": 95, "type": "Call"},
            {"sender_name": "Bo", "timestamp_ms": 2000, "content": "look at this trail", "share": {"link": "x"}, "type": "Share"},
            {"sender_name": "Ana", "timestamp_ms": 1000, "content": "are we still on for tonight?", "type": "Generic"},
        ],
    }  # fmt: skip
    encrypted = {
        "participants": ["Ana", "Bo"],
        "messages": [
            {"senderName": "Ana", "timestamp": 7000, "text": "User unsent a message", "isUnsent": True, "type": "placeholder"},
            {"senderName": "Ana", "timestamp": 6000, "text": "see you at six", "isUnsent": False, "type": "text"},
        ],
    }
    posts = [*smclass.read(_written(tmp_path / "message_1.json", thread)), *smclass.read(_written(tmp_path / "e2ee.json", encrypted))]
    assert [(p["id"], p["text"]) for p in posts] == [
        (5000, None),
        (4000, None),
        (3000, None),
        (2000, "look at this trail"),
        (1000, "are we still on for tonight?"),
        (7000, None),
        (6000, "see you at six"),
    ]
    assert [p["record"]["type"] for p in posts[:3]] == ["Subscribe", "Unsubscribe", "Call"]
    # A type that is no name (a list, as a hostile file may write) is no event, and no internal error.
    odd = {"participants": [], "messages": [{"sender_name": "Ana", "timestamp_ms": 8000, "content": "hi", "type": ["Call"]}]}
    assert [p["text"] for p in smclass.read(_written(tmp_path / "odd.json", odd))] == ["hi"]


@pytest.mark.parametrize("wrapped", [False, True])
def test_instagram_comments_are_read_from_their_labelled_values_repaired(tmp_path: Path, wrapped: bool) -> None:
    comments = [
        {"string_map_data": {"Comment": {"value": garbled("Trop beau ! 😍")}, "Media Owner": {"value": "lune"}, "Time": {"timestamp": 7}}},
        {"string_map_data": {"Comment": {"value": "see you there"}, "Time": {"timestamp": 7}}},
    ]
    document: Any = {"comments_media_comments": comments} if wrapped else comments
    assert read(tmp_path, "post_comments_1.json", document) == [(7, "Trop beau ! 😍"), ("7-2", "see you there")]


def test_instagram_comments_in_an_export_are_read_beside_its_posts(tmp_path: Path) -> None:
    # The export's reader kept only post files: comments were "files that hold no posts skipped".
    activity = tmp_path / "ig" / "your_instagram_activity"
    (activity / "content").mkdir(parents=True)
    (activity / "comments").mkdir()
    post = {"media": [{"uri": "media/posts/1.jpg", "creation_timestamp": 5, "title": "our new kiln is here"}]}
    (activity / "content" / "posts_1.json").write_text(json.dumps([post]), encoding="utf-8")
    comment = {"string_map_data": {"Comment": {"value": "what a glaze"}, "Time": {"timestamp": 9}}}
    (activity / "comments" / "post_comments_1.json").write_text(json.dumps({"comments_media_comments": [comment]}), encoding="utf-8")
    reel = {"string_map_data": {"Comment": {"value": "so calming to watch"}, "Time": {"timestamp": 11}}}
    (activity / "comments" / "reels_comments.json").write_text(json.dumps({"comments_reels_comments": [reel]}), encoding="utf-8")
    got = [(post["id"], post["text"]) for post in smclass.read(tmp_path / "ig")]
    assert got == [(9, "what a glaze"), (11, "so calming to watch"), ("media/posts/1.jpg", "our new kiln is here")]


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("threads_and_replies.json", {"text_post_app_text_posts": [{"media": [{"uri": "", "title": t}]} for t in ("rain", "sun")]}),
        ("post_comments_1.json", [{"string_map_data": {"Comment": {"value": t}}} for t in ("rain", "sun")]),
    ],
)  # fmt: skip
def test_posts_named_by_their_second_that_have_none_get_their_position_not_none_as_an_id(tmp_path: Path, name: str, document: Any) -> None:
    # Without a time, the ids had been "None" and "None-2", which no post has.
    assert [(p["id"], p.get("position")) for p in smclass.read(_written(tmp_path / name, document))] == [(1, None), (2, None)]
