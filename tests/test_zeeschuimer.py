"""Zeeschuimer captures: each NDJSON line one post, read from the platform object under "data"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import smclass
from smclass.cli import app
from smclass.reading.platforms import unwrap_line

runner = CliRunner()


def classify(model: Path, *args: str) -> Any:
    return runner.invoke(app, ["classify", *args, "--model", str(model)])


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def captured(platform: str, data: Any, item_id: Any = "x") -> dict[str, Any]:
    """One line as Zeeschuimer exports it."""
    return {
        "nav_index": "3:7:1",
        "item_id": item_id,
        "timestamp_collected": 1718000000000,
        "source_platform": platform,
        "source_platform_url": f"https://{platform}/",
        "source_url": f"https://{platform}/api/feed",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "data": data,
    }


def write(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def read(path: Path) -> list[tuple[Any, Any]]:
    return [(post["id"], post["text"]) for post in smclass.read(path)]


def user(handle: str, new_layout: bool = False) -> dict[str, Any]:
    place = "core" if new_layout else "legacy"
    return {"user_results": {"result": {"rest_id": "42", place: {"screen_name": handle}}}}


LONG = "Our street library now has a second shelf. " * 12

TWEETS = [
    # A long post: the note holds the whole text, legacy only its first 280 characters.
    {
        "rest_id": "1801000000000000001",
        "id": 1801000000000000000,  # Zeeschuimer's parseInt rounds it: never the id
        "core": user("shelfkeeper"),
        "legacy": {"id_str": "1801000000000000001", "full_text": LONG[:270] + "…", "created_at": "Mon Jun 10 08:00:00 +0000 2024"},
        "note_tweet": {"note_tweet_results": {"result": {"text": LONG.strip()}}},
    },
    # A retweet whose original the data holds, its author under the newer "core" path.
    {
        "rest_id": "1801000000000000002",
        "core": user("neighbour"),
        "legacy": {
            "id_str": "1801000000000000002",
            "full_text": "RT @ferrywatch: The early boat leaves at ten past six from Monday, not at a quart…",
            "retweeted_status_result": {
                "result": {
                    "__typename": "TweetWithVisibilityResults",
                    "tweet": {
                        "rest_id": "1800000000000000009",
                        "core": user("ferrywatch", new_layout=True),
                        "legacy": {
                            "id_str": "1800000000000000009",
                            "full_text": "The early boat leaves at ten past six from Monday, not at a quarter past.",
                        },
                    },
                }
            },
        },
    },
    # A tweet shown with a notice, one level down.
    {
        "__typename": "TweetWithVisibilityResults",
        "tweet": {"rest_id": "1801000000000000003", "core": user("quiet"), "legacy": {"full_text": "Choir practice moved to the hall."}},
    },
    # The older "adaptive" capture: the id in legacy.id_str, the user beside it.
    {
        "id": 1801000000000000000,
        "type": "adaptive",
        "user": {"screen_name": "oldtimer"},
        "legacy": {"id_str": "1801000000000000004", "full_text": "Bake sale on Saturday, bring a tin."},
    },
]


def test_x_items_take_the_long_post_the_whole_retweet_and_the_exact_id(tmp_path: Path, small_model_path: Path) -> None:
    path = write(tmp_path / "twitter.ndjson", [captured("twitter.com", tweet) for tweet in TWEETS])
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert "read as Zeeschuimer X/Twitter items" in result.stderr
    assert [r["id"] for r in lines(result.stdout)] == [f"180100000000000000{n}" for n in range(1, 5)]
    assert read(path) == [
        ("1801000000000000001", LONG.strip()),
        ("1801000000000000002", "RT @ferrywatch: The early boat leaves at ten past six from Monday, not at a quarter past."),
        ("1801000000000000003", "Choir practice moved to the hall."),
        ("1801000000000000004", "Bake sale on Saturday, bring a tin."),
    ]
    # The record kept is the line as captured; the flattened post names its author.
    assert [post["record"] for post in smclass.read(path)] == [captured("twitter.com", tweet) for tweet in TWEETS]
    assert [unwrap_line(captured("twitter.com", t))[0][0]["author"] for t in TWEETS] == ["shelfkeeper", "neighbour", "quiet", "oldtimer"]


def test_a_retweet_without_its_original_keeps_its_own_text(tmp_path: Path) -> None:
    tweet = {
        "rest_id": "7",
        "legacy": {"full_text": "RT @someone: Half a sentence about the fa…", "retweeted_status_result": {"result": {}}},
    }
    assert read(write(tmp_path / "rt.ndjson", [captured("x.com", tweet)])) == [("7", "RT @someone: Half a sentence about the fa…")]


def test_instagram_and_threads_items_take_the_caption_and_the_code(tmp_path: Path, small_model_path: Path) -> None:
    items = [
        captured(
            "instagram.com",
            {
                "id": "311_5",
                "code": "CabC1",
                "media_type": 1,
                "user": {"username": "potter"},
                "caption": {"text": "Fresh glaze test, blue this time"},
            },
        ),
        # A post without a caption has "caption": null: it still gets its line, with no label.
        captured("instagram.com", {"id": "311_6", "code": "CabC2", "media_type": 1, "user": {"username": "potter"}, "caption": None}),
        # The older graph layout names its caption edge and its shortcode.
        captured(
            "www.instagram.com",
            {
                "__typename": "GraphImage",
                "id": "99",
                "shortcode": "BxY7",
                "edge_media_to_caption": {"edges": [{"node": {"text": "Kiln day"}}]},
            },
        ),
        captured(
            "threads.net",
            {"pk": "88", "code": "C9thr", "user": {"username": "walker"}, "caption": {"text": "Rain all week, the canal path is closed"}},
        ),
    ]
    path = write(tmp_path / "meta.ndjson", items)
    assert read(path) == [
        ("CabC1", "Fresh glaze test, blue this time"),
        ("CabC2", None),
        ("BxY7", "Kiln day"),
        ("C9thr", "Rain all week, the canal path is closed"),
    ]
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == ["CabC1", "CabC2", "BxY7", "C9thr"]
    assert out[1]["label"] is None and out[0]["label"] is not None


def test_tiktok_linkedin_truth_social_gab_and_9gag_items_give_their_text_and_id(tmp_path: Path) -> None:
    items = [
        captured(
            "tiktok.com",
            {"id": "7301", "desc": "How I patch a bike tube #repair", "author": {"uniqueId": "fixit"}, "createTime": 1700000000},
        ),
        captured(
            "linkedin.com",
            {
                "id": "urn:li:fsd_update:(urn:li:activity:7200000000000000001,MAIN_FEED,EMPTY,DEFAULT,false)",
                "updateMetadata": {"urn": "urn:li:activity:7200000000000000001"},
                "commentary": {"text": {"text": "We are hiring two junior planners for the depot team."}},
            },
        ),
        # A LinkedIn update with no words of its own (a bare reshare) has "commentary": null.
        captured("linkedin.com", {"preDashEntityUrn": "urn:li:fs_updateV2:(urn:li:activity:7200000000000000002,FEED)", "commentary": None}),
        captured("truthsocial.com", {"id": "112233", "content": "Town meeting moved to Thursday.", "account": {"username": "clerk"}}),
        captured("gab.com", {"i": "5501", "c": "<p>Seed swap &amp; plant sale</p><p>Sunday at noon</p>", "ca": "2024-05-01T10:00:00.000Z"}),
        captured("gab.com", {"type": "post", "id": "5502", "content": "Lost cat near the bakery", "account": {"id": "9"}}),
        captured("9gag.com", {"id": "aZ9x", "title": "When the printer works first time", "description": ""}),
    ]
    assert read(write(tmp_path / "mixed.ndjson", items)) == [
        ("7301", "How I patch a bike tube #repair"),
        ("7200000000000000001", "We are hiring two junior planners for the depot team."),
        ("7200000000000000002", None),
        ("112233", "Town meeting moved to Thursday."),
        ("5501", "Seed swap & plant sale\nSunday at noon"),
        ("5502", "Lost cat near the bakery"),
        ("aZ9x", "When the printer works first time"),
    ]


def test_an_item_from_a_platform_smclass_cannot_read_is_refused_on_its_line(tmp_path: Path, small_model_path: Path) -> None:
    items = [
        captured("tiktok.com", {"id": "1", "desc": "Morning run by the river"}),
        captured("douyin.com", {"aweme_id": "2", "desc": "A caption in a layout smclass has not read"}),
        captured("tiktok.com", {"id": "3", "desc": "Evening run by the river"}),
    ]
    path = write(tmp_path / "capture.ndjson", items)
    stopped = classify(small_model_path, str(path))
    assert stopped.exit_code == 1
    last = stopped.stderr.splitlines()[-1]
    assert last.startswith(f"Error: {path}:2: expected a Zeeschuimer item smclass can read, got one from 'douyin.com'")
    rejects = tmp_path / "rejects.jsonl"
    skipped = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert skipped.exit_code == 0, skipped.stderr
    assert [r["id"] for r in lines(skipped.stdout)] == ["1", "3"]
    # The refused line is kept whole, as it was captured.
    assert json.loads(rejects.read_text(encoding="utf-8")) == items[1]


def test_an_item_whose_data_is_not_the_platform_layout_is_refused_not_guessed(tmp_path: Path, small_model_path: Path) -> None:
    cases = [
        (captured("twitter.com", {"id": 5, "full_text": "No GraphQL tweet around this text"}), "an X GraphQL tweet"),
        (captured("twitter.com", {"rest_id": "6", "text": "No legacy object"}), "an X GraphQL tweet with its 'legacy' object"),
        (captured("instagram.com", "just a string"), "the Instagram post as an object (got text)"),
        (
            captured("linkedin.com", {"id": "urn:li:fsd_update:(urn:li:sponsored:1)", "commentary": None}),
            "a LinkedIn update with an 'urn:li:activity:' id",
        ),
        (captured("gab.com", {"type": "group", "id": "77", "account": {"title": "Allotments"}}), "a Gab post (this one is a 'group')"),
    ]
    for number, (item, expected) in enumerate(cases):
        path = write(tmp_path / f"bad{number}.ndjson", [item])
        result = classify(small_model_path, str(path))
        assert result.exit_code == 1, (expected, result.stdout)
        assert result.stdout == ""
        assert result.stderr.splitlines()[-1].startswith(f"Error: {path}:1: expected {expected}"), result.stderr


def test_keep_fields_carries_the_whole_captured_line(tmp_path: Path, small_model_path: Path) -> None:
    item = captured("tiktok.com", {"id": "41", "desc": "Sourdough starter, day three"}, item_id="41")
    result = classify(small_model_path, str(write(tmp_path / "one.ndjson", [item, item | {"nav_index": "3:7:2"}])), "--keep-fields")
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert out[0]["record"] == item and out[0]["id"] == "41"


def test_a_capture_of_several_platforms_is_said_as_such(tmp_path: Path, small_model_path: Path) -> None:
    # The note named the first line's platform alone, as if the whole capture were Instagram.
    items = [
        captured(
            "instagram.com",
            {"id": "311_7", "code": "CabC3", "media_type": 1, "user": {"username": "potter"}, "caption": {"text": "New mugs"}},
        ),
        captured("twitter.com", TWEETS[3]),
    ]
    result = classify(small_model_path, str(write(tmp_path / "mixed.ndjson", items)))
    assert result.exit_code == 0, result.stderr
    assert "read as Zeeschuimer Instagram items, Zeeschuimer X/Twitter items (jsonl)" in result.stderr
