"""Export layouts met in the wild: mixed Reddit dumps, X API v2 lines, Facebook comments, Slack markup, Takeout histories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import smclass
from smclass.cli import app
from smclass.errors import SmclassError

runner = CliRunner()


def classify(model: Path, *args: str) -> Any:
    return runner.invoke(app, ["classify", *args, "--model", str(model)])


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def read(path: Path) -> list[tuple[Any, str | None]]:
    return [(post["id"], post["text"]) for post in smclass.read(path)]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# Reddit -------------------------------------------------------------------------------------


def test_pushshift_post_among_comments_keeps_its_selftext(tmp_path: Path) -> None:
    dump = write_jsonl(
        tmp_path / "dump.jsonl",
        [
            {"id": "k1", "body": "Same here, the queue went round the block", "parent_id": "t3_p1"},
            {
                "id": "p1",
                "title": "Ferry timetable changed again",
                "selftext": "The early boat now leaves at ten past six.",
                "is_self": True,
            },
            {"id": "k2", "body": "They never announce these changes", "parent_id": "t1_k1"},
        ],
    )
    assert read(dump) == [
        ("k1", "Same here, the queue went round the block"),
        ("p1", "Ferry timetable changed again\n\nThe early boat now leaves at ten past six."),
        ("k2", "They never announce these changes"),
    ]


def test_a_removed_listing_post_is_read_from_its_title_and_a_removed_whole_post_says_so(tmp_path: Path) -> None:
    def post(name: str, title: str, selftext: str) -> dict[str, Any]:
        return {"kind": "t3", "data": {"name": name, "title": title, "selftext": selftext}}

    path = tmp_path / "thread.json"
    children = [post("t3_a", "Why does my bread sink?", "[removed]"), post("t3_b", " ", "[deleted]")]
    listing = {"kind": "Listing", "data": {"children": children}}
    path.write_text(json.dumps([listing]), encoding="utf-8")
    assert read(path) == [("t3_a", "Why does my bread sink?"), ("t3_b", None)]


def test_a_more_stub_on_a_line_of_its_own_gets_its_line(tmp_path: Path, small_model_path: Path) -> None:
    dump = write_jsonl(
        tmp_path / "things.jsonl",
        [
            {"kind": "t1", "data": {"name": "t1_c1", "body": "The queue went round the block"}},
            {"kind": "more", "data": {"count": 2, "name": "t1_c9", "children": ["c9", "c10"]}},
            {"kind": "t1", "data": {"name": "t1_c2", "body": "They never announce these changes"}},
        ],
    )
    result = classify(small_model_path, str(dump))
    assert result.exit_code == 0, result.stderr
    assert [(r["id"], r["label"] is None) for r in lines(result.stdout)] == [("t1_c1", False), ("t1_c9", True), ("t1_c2", False)]


def test_pushshift_comment_among_posts_is_its_body(tmp_path: Path) -> None:
    dump = write_jsonl(
        tmp_path / "dump.jsonl",
        [
            {"id": "p1", "title": "Lost umbrella at the station", "selftext": "Green with a wooden handle."},
            {"id": "p2", "title": "Bakery hiring weekend staff", "selftext": "Ask for Mina at the counter."},
            {"id": "k1", "body": "Check the lost property desk", "parent_id": "t3_p1"},
        ],
    )
    assert read(dump)[2] == ("k1", "Check the lost property desk")


def test_reddit_posts_keep_their_body_when_most_bodies_are_empty(tmp_path: Path) -> None:
    # A Reddit data export's posts.csv: link and image posts have an empty body.
    export = tmp_path / "posts.csv"
    export.write_text(
        "id,permalink,subreddit,title,url,body\n"
        "a1,/r/pics/a1,pics,Tulips on the balcony,https://i.example/1.jpg,\n"
        "a2,/r/news/a2,news,Bridge reopens,https://news.example/b,\n"
        'a3,/r/AskHR/a3,AskHR,Asking for remote days,/r/AskHR/a3,"Our team is hybrid, and I would like two days at home."\n'
    )
    assert read(export) == [
        ("a1", "Tulips on the balcony"),
        ("a2", "Bridge reopens"),
        ("a3", "Asking for remote days\n\nOur team is hybrid, and I would like two days at home."),
    ]


def test_reddit_deleted_and_removed_placeholders_get_no_label(tmp_path: Path, small_model_path: Path) -> None:
    dump = write_jsonl(
        tmp_path / "dump.jsonl",
        [
            {"id": "p1", "title": "Council votes on the tram line", "selftext": "[removed]", "author": "[deleted]"},
            {"id": "k1", "body": "[deleted]", "author": "[deleted]", "parent_id": "t3_p1"},
            {"id": "k2", "body": " [removed] ", "author": "moss", "parent_id": "t3_p1"},
            {"id": "k3", "body": "I will believe it when I ride it", "author": "fern", "parent_id": "t3_p1"},
        ],
    )
    done = classify(small_model_path, str(dump), "-q")
    assert done.exit_code == 0, done.stderr
    results = lines(done.stdout)
    assert [r["id"] for r in results] == ["p1", "k1", "k2", "k3"]
    # The removed post keeps its title, which its author wrote; the comments keep nothing.
    assert [r["label"] is None for r in results] == [False, True, True, False]
    assert results[1]["reason"] == "'body' is the placeholder [deleted]: its text was deleted or removed"
    assert results[2]["reason"] == "'body' is the placeholder [removed]: its text was deleted or removed"
    assert read(dump)[0] == ("p1", "Council votes on the tram line")


@pytest.mark.parametrize(
    "name, text, placeholder",
    [("posts.jsonl", '{"id": "k1", "text": "[deleted]"}\n', "[deleted]"), ("posts.csv", "id,text\nk1, [removed] \n", "[removed]")],
)
def test_a_placeholder_in_a_plain_text_field_gets_no_label_whatever_the_options(
    tmp_path: Path, small_model_path: Path, name: str, text: str, placeholder: str
) -> None:
    # The plain-field fast path checked only that the text shows; --keep-fields took the path that knew placeholders.
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    reason = f"'text' is the placeholder {placeholder}: its text was deleted or removed"
    for extra in ([], ["--keep-fields"]):
        results = lines(classify(small_model_path, str(path), "-q", *extra).stdout)
        assert [(r["id"], r["label"], r["reason"]) for r in results] == [("k1", None, reason)]


def test_the_library_gives_a_placeholder_no_label_as_classify_does(small_model_path: Path) -> None:
    from smclass.model import files

    predictions = files.load(small_model_path).classify(["[deleted]", "The tram line opens on Monday"])
    assert [p.label is None for p in predictions] == [True, False]


# X API v2 -----------------------------------------------------------------------------------

LONG = "Our street finally got its new benches and the old oak was spared after all. " * 6
CUT = LONG[:200] + "\u2026"


def test_x_v2_tweet_on_its_own_line_reads_the_long_post_note(tmp_path: Path) -> None:
    tweets = write_jsonl(
        tmp_path / "tweets.jsonl",
        [
            {"id": "91", "text": CUT, "note_tweet": {"text": LONG}, "edit_history_tweet_ids": ["91"], "author_id": "5"},
            {"id": "92", "text": "A short one about the rain", "edit_history_tweet_ids": ["92"], "author_id": "5"},
        ],
    )
    assert read(tweets) == [("91", LONG), ("92", "A short one about the rain")]


def test_x_v2_flattened_retweet_takes_the_original_inlined_by_twarc(tmp_path: Path) -> None:
    original = {"id": "91", "type": "retweeted", "text": CUT, "note_tweet": {"text": LONG}, "author": {"username": "benchfan"}}
    tweets = write_jsonl(
        tmp_path / "flat.jsonl",
        [{"id": "93", "text": "RT @benchfan: " + CUT[:100] + "\u2026", "referenced_tweets": [original], "edit_history_tweet_ids": ["93"]}],
    )
    assert read(tweets) == [("93", f"RT @benchfan: {LONG}")]


def test_x_v2_lines_saved_before_edit_histories_are_still_tweets(tmp_path: Path) -> None:
    # twarc2 collections from before late 2022 have no edit_history_tweet_ids: its stamp or the typed references say v2.
    original = {"id": "91", "type": "retweeted", "text": CUT, "author": {"username": "benchfan"}}
    tweets = write_jsonl(
        tmp_path / "old.jsonl",
        [
            {"id": "93", "text": "RT @benchfan: " + CUT[:100] + "\u2026", "referenced_tweets": [original], "__twarc": {"version": "2.0.0"}},
            {"id": "95", "text": "RT @benchfan: " + CUT[:100] + "\u2026", "referenced_tweets": [dict(original)], "author_id": "7"},
            {"id": "96", "text": "A short one about the rain", "__twarc": {"version": "2.0.0"}},
        ],
    )
    assert read(tweets) == [("93", f"RT @benchfan: {CUT}"), ("95", f"RT @benchfan: {CUT}"), ("96", "A short one about the rain")]


def test_x_v2_page_retweet_gets_the_full_original_from_includes(tmp_path: Path) -> None:
    page = {
        "data": [
            {
                "id": "93",
                "text": "RT @benchfan: " + CUT[:100] + "\u2026",
                "author_id": "6",
                "referenced_tweets": [{"type": "retweeted", "id": "91"}],
            },
            {
                "id": "94",
                "text": "RT @nobody: cut short\u2026",
                "author_id": "6",
                "referenced_tweets": [{"type": "retweeted", "id": "404"}],
            },
        ],
        "includes": {
            "tweets": [{"id": "91", "text": CUT, "note_tweet": {"text": LONG}, "author_id": "5"}],
            "users": [{"id": "5", "username": "benchfan"}],
        },
        "meta": {"result_count": 2},
    }
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    # An original the page does not hold leaves the retweet's own text, as v1.1 does.
    assert read(path) == [("93", f"RT @benchfan: {LONG}"), ("94", "RT @nobody: cut short\u2026")]


def test_another_apis_data_and_meta_page_is_not_taken_for_an_x_page(tmp_path: Path) -> None:
    # Read as tweets, every entry lost its body or message and came out unlabelled.
    entries = [{"id": "a1", "body": "thanks for the quick refund"}, {"id": "a2", "body": "river cleanup at nine"}]
    page = {"data": entries, "meta": {"page": 1}}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert read(path) == [("a1", "thanks for the quick refund"), ("a2", "river cleanup at nine")]


def test_an_x_page_with_a_withheld_tweet_among_its_entries_is_still_a_page(tmp_path: Path) -> None:
    page = {
        "data": [
            {"id": "90", "withheld": {"country_codes": ["DE"]}, "edit_history_tweet_ids": ["90"]},
            {"id": "93", "text": "RT @benchfan: cut short\u2026", "referenced_tweets": [{"type": "retweeted", "id": "91"}]},
        ],
        "includes": {"tweets": [{"id": "91", "text": LONG, "author_id": "5"}], "users": [{"id": "5", "username": "benchfan"}]},
        "meta": {"result_count": 2},
    }
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    # Read as a page, the retweet gets its original's whole text from includes.
    assert read(path) == [("90", None), ("93", f"RT @benchfan: {LONG}")]


def test_x_v2_lookup_of_one_tweet_is_read_as_a_page(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"data": {"id": "91", "text": CUT, "note_tweet": {"text": LONG}}, "includes": {}}), encoding="utf-8")
    assert read(path) == [("91", LONG)]
    # Asked for without expansions, the answer is the tweet under data and nothing else.
    path.write_text(json.dumps({"data": {"id": "92", "text": "bins go out on tuesday", "edit_history_tweet_ids": ["92"]}}))
    assert read(path) == [("92", "bins go out on tuesday")]


# Facebook -----------------------------------------------------------------------------------


def _comment(stamp: int, words: str, **more: str) -> dict[str, Any]:
    return {
        "timestamp": stamp,
        "data": [{"comment": {"timestamp": stamp, "comment": words, "author": "Ines Sample", **more}}],
        "title": "Ines commented.",
    }


@pytest.mark.parametrize("key", ["comments_v2", "group_comments_v2"])
def test_facebook_comments_are_read_with_ids_unique_in_the_file(tmp_path: Path, key: str) -> None:
    path = tmp_path / "comments.json"
    comments = [_comment(1700100000, "Lovely photos from the fair"), _comment(1700100000, "See you at the pool", group="Swim Club")]
    path.write_text(json.dumps({key: [*comments, _comment(1700100050, "Count me in")]}), encoding="utf-8")
    assert read(path) == [(1700100000, "Lovely photos from the fair"), ("1700100000-2", "See you at the pool"), (1700100050, "Count me in")]


@pytest.mark.parametrize("layout", ["array", "lines"])
def test_facebook_posts_of_one_second_get_ids_unique_in_the_file(tmp_path: Path, layout: str) -> None:
    entries = [
        {"timestamp": 1700200000, "data": [{"post": words}], "title": "Ines updated her status."}
        for words in ("Tea first", "Then the run", "Then more tea")
    ]
    path = tmp_path / "your_posts_1.json"
    text = json.dumps(entries, indent=1) if layout == "array" else "".join(json.dumps(e) + "\n" for e in entries)
    path.write_text(text, encoding="utf-8")
    assert [post["id"] for post in smclass.read(str(path))] == [1700200000, "1700200000-2", "1700200000-3"]


def test_a_titled_record_with_its_own_id_and_a_timestamp_is_no_facebook_entry(tmp_path: Path) -> None:
    # Scraped headlines and feed items name their time "timestamp" too; as Facebook entries their ids and titles were lost.
    path = write_jsonl(
        tmp_path / "headlines.jsonl",
        [
            {"id": "n1", "title": "Bridge shut after the storm", "url": "https://news.example/1", "timestamp": 1700000000},
            {"id": "n2", "title": "Bakery on Mill Lane wins a prize", "url": "https://news.example/2", "timestamp": 1700000500},
        ],
    )
    assert read(path) == [("n1", "Bridge shut after the storm"), ("n2", "Bakery on Mill Lane wins a prize")]


def test_facebook_likes_and_reactions_are_refused_not_read_as_empty_posts(tmp_path: Path, small_model_path: Path) -> None:
    path = tmp_path / "likes_and_reactions_1.json"
    likes = [
        {"timestamp": 1700300000 + n, "data": [{"reaction": {"reaction": "LIKE", "actor": "Ines"}}], "title": "Ines likes a post."}
        for n in range(2)
    ]
    path.write_text(json.dumps(likes), encoding="utf-8")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}:1: this is Facebook's likes and reactions")


# Slack --------------------------------------------------------------------------------------


def slack_export(root: Path, messages: list[dict[str, Any]]) -> Path:
    (root / "general").mkdir(parents=True)
    (root / "users.json").write_text(json.dumps([{"id": "U1", "name": "ines"}, {"id": "U2", "name": "tomas"}]), encoding="utf-8")
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general"}, {"id": "C2", "name": "garden"}]), encoding="utf-8")
    (root / "general" / "2024-03-02.json").write_text(json.dumps(messages), encoding="utf-8")
    return root


def test_slack_system_messages_get_their_line_unlabelled(tmp_path: Path, small_model_path: Path) -> None:
    export = slack_export(
        tmp_path / "slack",
        [
            {"type": "message", "subtype": "channel_join", "user": "U2", "text": "<@U2> has joined the channel", "ts": "1.1"},
            {"type": "message", "user": "U1", "text": "Seedlings are ready to collect from the shed", "ts": "2.1"},
            {"type": "message", "subtype": "channel_topic", "user": "U1", "text": "<@U1> set the channel topic: Plots", "ts": "3.1"},
            {"type": "message", "subtype": "pinned_item", "user": "U1", "text": "<@U1> pinned a message", "ts": "4.1"},
        ],
    )
    result = classify(small_model_path, str(export))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == ["general/1.1", "general/2.1", "general/3.1", "general/4.1"]
    assert [r["label"] is None for r in out] == [True, False, True, True]
    assert all(r["reason"] for r in out if r["label"] is None)


def test_slack_markup_becomes_the_words_slack_shows(tmp_path: Path) -> None:
    text = (
        "<!here> plan for <#C2|garden> &amp; <#C2>: ask <@U2> or <@U9|sam>, rota at "
        "<https://plots.example/rota|the rota> and <https://plots.example/map>, &lt;3 <mailto:a@plots.example|a@plots.example>"
    )
    export = slack_export(tmp_path / "slack", [{"type": "message", "user": "U1", "text": text, "ts": "5.1"}])
    assert read(export) == [
        (
            "general/5.1",
            "@here plan for #garden & #garden: ask @tomas or @sam, rota at the rota (https://plots.example/rota) and "
            "https://plots.example/map, <3 mailto:a@plots.example",
        )
    ]


def test_a_file_no_slack_export_holds_is_refused_not_passed_over(tmp_path: Path, small_model_path: Path) -> None:
    export = slack_export(tmp_path / "slack", [{"type": "message", "user": "U1", "text": "Seedlings are ready", "ts": "2.1"}])
    (export / "extra.jsonl").write_text('{"id": "p1", "text": "a post of my own scrape"}\n', encoding="utf-8")
    result = classify(small_model_path, str(export))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        f"Error: {export / 'extra.jsonl'}: this folder looks like a Slack export (a channel or user list beside channel folders "
        "of days), but this file is no part of one: give the export and the other files separately"
    )


def test_slack_attachments_are_passed_over_with_a_note(tmp_path: Path, small_model_path: Path) -> None:
    export = slack_export(tmp_path / "slack", [{"type": "message", "user": "U1", "text": "Seedlings are ready", "ts": "2.1"}])
    (export / "general" / "attachments").mkdir()
    (export / "general" / "attachments" / "F1-plan.png").write_bytes(b"\x89PNG\r\n")
    result = classify(small_model_path, str(export))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["general/2.1"]
    plan = export / "general" / "attachments" / "F1-plan.png"
    assert f"skipped 1 file of the Slack export attached to messages (the first: {plan})" in result.stderr


def test_a_channel_folders_canvas_is_passed_over_with_a_note_not_refused(tmp_path: Path, small_model_path: Path) -> None:
    export = slack_export(tmp_path / "slack", [{"type": "message", "user": "U1", "text": "Seedlings are ready", "ts": "2.1"}])
    canvas = export / "general" / "canvas_in_the_conversation.json"
    canvas.write_text('{"title": "plot rota"}', encoding="utf-8")
    result = classify(small_model_path, str(export))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["general/2.1"]
    assert f"skipped 1 file of the Slack export holding no day of messages (the first: {canvas})" in result.stderr


def test_a_slack_message_without_its_ts_is_a_reject_not_an_id_of_none(tmp_path: Path, small_model_path: Path) -> None:
    export = slack_export(
        tmp_path / "slack",
        [
            {"type": "message", "user": "U1", "text": "Seedlings are ready", "ts": "2.1"},
            {"type": "message", "user": "U2", "text": "no ts here"},
        ],
    )
    result = classify(small_model_path, str(export), "--on-error", "skip")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["general/2.1"]
    assert f"skipped {export / 'general' / '2024-03-02.json'}: a Slack message without its ts (timestamp id)" in result.stderr


# Google Takeout -----------------------------------------------------------------------------

WATCHED = [
    {
        "header": "YouTube",
        "title": "Watched Repotting a fern in five minutes",
        "titleUrl": "https://www.youtube.com/watch?v=q1",
        "time": "2024-02-02T09:00:00.000Z",
        "products": ["YouTube"],
        "activityControls": ["YouTube watch history"],
    }
]


def test_takeout_watch_history_is_refused_not_classified(tmp_path: Path) -> None:
    path = tmp_path / "watch-history.json"
    path.write_text(json.dumps(WATCHED), encoding="utf-8")
    with pytest.raises(SmclassError, match="this is a Google Takeout activity history"):
        read(path)


def test_takeout_folder_skips_the_histories_with_a_note(tmp_path: Path, small_model_path: Path) -> None:
    history = tmp_path / "Takeout" / "YouTube and YouTube Music" / "history"
    history.mkdir(parents=True)
    (history / "watch-history.json").write_text(json.dumps(WATCHED), encoding="utf-8")
    (history / "search-history.json").write_text(json.dumps(WATCHED), encoding="utf-8")
    write_jsonl(tmp_path / "Takeout" / "notes.jsonl", [{"id": "n1", "text": "Bring the ladder back to Omar on Sunday"}])
    result = classify(small_model_path, str(tmp_path / "Takeout"))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["n1"]
    assert f"skipped {history / 'watch-history.json'}: a Google Takeout activity history" in result.stderr
    assert f"skipped {history / 'search-history.json'}: a Google Takeout activity history" in result.stderr


# Mastodon, Telegram -------------------------------------------------------------------------


def test_mastodon_outbox_keeps_the_content_warning(tmp_path: Path) -> None:
    note = {
        "id": "https://m.example/s/1",
        "type": "Note",
        "summary": "food, spoilers",
        "content": "<p>The soup had <b>far</b> too much salt</p>",
    }
    path = tmp_path / "outbox.json"
    path.write_text(
        json.dumps({"orderedItems": [{"id": "https://m.example/s/1/activity", "type": "Create", "object": note}]}), encoding="utf-8"
    )
    assert read(path) == [("https://m.example/s/1", "food, spoilers\n\nThe soup had far too much salt")]


def test_telegram_poll_question_is_the_text(tmp_path: Path) -> None:
    poll = {"question": "Which evening suits the book club?", "answers": [{"text": "Tuesday", "voters": 2}]}
    chat = {
        "name": "Readers",
        "type": "private_group",
        "id": 55,
        "messages": [{"id": 1, "type": "message", "date": "2024-01-01T10:00:00", "text": "", "poll": poll}],
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(chat), encoding="utf-8")
    assert read(path) == [("55/1", "Which evening suits the book club?")]


# Tables that mix shapes ---------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["jsonl", "csv"])
@pytest.mark.parametrize("majority", ["posts", "comments"])
def test_a_table_of_posts_and_comments_gives_each_record_its_own_text(tmp_path: Path, layout: str, majority: str) -> None:
    # pandas writes every column on every row: a post's body and a comment's title and selftext are null or empty.
    posts = [{"id": f"p{i}", "title": f"Garden day {i}", "selftext": "Bring gloves and a flask", "body": None} for i in range(3)]
    comments = [{"id": f"c{i}", "title": None, "selftext": None, "body": f"I can bring {i} spades"} for i in range(3)]
    rows = [*posts, *posts, *comments] if majority == "posts" else [*comments, *comments, *posts]
    path = tmp_path / f"table.{layout}"
    if layout == "jsonl":
        write_jsonl(path, rows)
    else:
        cells = ["" if row[k] is None else row[k] for row in rows for k in ("id", "title", "selftext", "body")]
        lines_ = [",".join(cells[i : i + 4]) for i in range(0, len(cells), 4)]
        path.write_text("id,title,selftext,body\n" + "\n".join(lines_) + "\n", encoding="utf-8")
    got = dict(read(path))
    assert got["p0"] == "Garden day 0\n\nBring gloves and a flask"
    assert got["c1"] == "I can bring 1 spades"


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_a_null_or_empty_text_is_no_text_not_a_guess_from_another_field(tmp_path: Path, empty: object) -> None:
    # A link preview, a bio or an API's error message beside it is not the post.
    rows = [{"id": 1, "text": "the tram runs late"}, {"id": 2, "text": empty, "description": "Read the full story on our site"}]
    assert read(write_jsonl(tmp_path / "mixed.jsonl", rows)) == [(1, "the tram runs late"), (2, None)]


def test_a_page_export_reads_its_own_messages_not_the_more_numerous_link_previews(tmp_path: Path) -> None:
    path = tmp_path / "page.csv"
    path.write_text(
        "URL,Message,Link,Description\n"
        "p1,Big news for riders,https://news.example/a,The council voted on Tuesday to pass the budget\n"
        "p2,,https://news.example/b,Schools closed on Wednesday as the snow came\n"
        "p3,Thanks to all who came to our open house,,\n"
        "p4,,https://news.example/c,The bridge reopens on Friday after repairs\n"
    )
    # Descriptions are the plan, being in more rows; a row with a message of its own is read from that.
    got = read(path)
    assert [text for _, text in got] == [
        "Big news for riders",
        "Schools closed on Wednesday as the snow came",
        "Thanks to all who came to our open house",
        "The bridge reopens on Friday after repairs",
    ]


def test_a_description_is_the_text_where_no_record_has_another(tmp_path: Path) -> None:
    rows = [{"id": 1, "Description": "Sunset over the bay, shot on film"}, {"id": 2, "Description": "Our new mural"}]
    assert read(write_jsonl(tmp_path / "captions.jsonl", rows)) == [(1, "Sunset over the bay, shot on film"), (2, "Our new mural")]


def test_a_reddit_post_read_under_a_comments_plan_keeps_its_title(tmp_path: Path) -> None:
    comments = [{"id": f"k{i}", "body": f"count me in, {i}"} for i in range(101)]
    posts = [
        {"id": "s1", "title": "Seed swap on Sunday", "selftext": "[removed]"},
        {"id": "s2", "title": "Coat drive", "selftext": "Drop-off at the library until Sunday"},
    ]
    got = dict(read(write_jsonl(tmp_path / "dump.jsonl", [*comments, *posts])))
    assert (got["s1"], got["s2"]) == ("Seed swap on Sunday", "Coat drive\n\nDrop-off at the library until Sunday")


def test_a_title_with_text_beside_it_is_read_with_it(tmp_path: Path) -> None:
    items = [{"id": i, "title": f"Show: a tiny tool {i}", "url": "https://x.example"} for i in range(5)]
    items.append({"id": 9, "title": "Ask: how do your teams handle on-call?", "text": "We rotate weekly and it hurts."})
    got = dict(read(write_jsonl(tmp_path / "hn.jsonl", items)))
    assert got[9] == "Ask: how do your teams handle on-call?\n\nWe rotate weekly and it hurts."


# Bluesky ------------------------------------------------------------------------------------


def _post_view(n: int, text: str) -> dict[str, Any]:
    return {
        "uri": f"at://did:plc:{n}/app.bsky.feed.post/{n}",
        "cid": f"c{n}",
        "author": {"did": f"did:plc:{n}", "handle": f"user{n}.bsky.social"},
        "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2024-05-01T10:00:00.000Z"},
    }


def test_bluesky_post_views_one_per_line_or_in_a_search_page_are_posts(tmp_path: Path) -> None:
    views = [_post_view(1, "Volunteers needed this weekend for the beach cleanup"), _post_view(2, "Finished my first marathon today")]
    lines = write_jsonl(tmp_path / "posts.jsonl", views)
    page = tmp_path / "search.json"
    page.write_text(json.dumps({"posts": views, "cursor": "25"}))
    expected = [(v["uri"], v["record"]["text"]) for v in views]
    assert read(lines) == read(page) == expected


def test_a_bluesky_repost_is_read_as_the_reposted_authors_post_and_a_pinned_post_keeps_both_its_lines(
    small_model_path: Path, tmp_path: Path
) -> None:
    def by(handle: str, n: int, text: str) -> dict[str, Any]:
        return {**_post_view(n, text), "author": {"did": f"did:plc:{n}", "handle": handle}}

    reposted = {
        "$type": "app.bsky.feed.defs#reasonRepost",
        "by": {"did": "did:plc:1", "handle": "ines.bsky.social"},
        "indexedAt": "2024-05-02T08:00:00.000Z",
    }
    pinned = by("ines.bsky.social", 1, "Pinned: my map of the quiet walking routes around town")
    first = [
        {"post": pinned, "reason": {"$type": "app.bsky.feed.defs#reasonPin"}},
        {"post": by("townlibrary.example", 2, "Library opening hours extended until eight on weekdays"), "reason": reposted},
        {"post": by("photoclub.example", 3, ""), "reason": reposted},
        {"post": by("ines.bsky.social", 4, "Finally fixed the squeaky gate, only took three years")},
    ]
    # On a later page the pinned post is at its own place again (on the first page the API takes it from there).
    feed = write_jsonl(tmp_path / "feed.jsonl", [{"feed": first, "cursor": "c1"}, {"feed": [{"post": pinned}], "cursor": "c2"}])
    assert [(post["id"], post["text"], post["reason"]) for post in smclass.read(feed)] == [
        (pinned["uri"], "Pinned: my map of the quiet walking routes around town", None),
        ("at://did:plc:2/app.bsky.feed.post/2", "RT @townlibrary.example: Library opening hours extended until eight on weekdays", None),
        ("at://did:plc:3/app.bsky.feed.post/3", None, "'text' is empty"),  # a repost of a photo alone is no words of anyone's
        ("at://did:plc:4/app.bsky.feed.post/4", "Finally fixed the squeaky gate, only took three years", None),
        (pinned["uri"], "Pinned: my map of the quiet walking routes around town", None),
    ]
    done = classify(small_model_path, str(feed), "--keep-fields")
    assert done.exit_code == 0, done.stderr
    out = lines(done.stdout)
    assert [line["id"] for line in out] == [pinned["uri"], *(f"at://did:plc:{n}/app.bsky.feed.post/{n}" for n in (2, 3, 4)), pinned["uri"]]
    assert [line["label"] is None for line in out] == [False, False, True, False, False]
    # The two lines of the pinned post are told apart by the feed item each carries.
    assert [line["record"].get("reason") for line in (out[0], out[4])] == [{"$type": "app.bsky.feed.defs#reasonPin"}, None]
    assert out[1]["record"]["reason"]["by"]["handle"] == "ines.bsky.social"


# Which field is the text, when some are a link's preview ------------------------------------


def test_a_sample_of_link_shares_reads_their_previews_and_names_the_empty_message_field(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "page.csv"
    rows = "".join(f"p{i},,https://news.example/{i},Council story number {i} about the budget\n" for i in range(20))
    path.write_text("URL,Message,Link,Description\n" + rows)
    done = classify(small_model_path, str(path))
    assert done.exit_code == 0, done.stderr
    assert [line["label"] is not None for line in lines(done.stdout)] == [True] * 20
    assert (
        "text field 'Description' (detected), id field 'URL'; 'Message' is there too, holding no text in the first 20 records"
        in done.stderr
    )


def test_a_record_with_its_own_words_is_read_from_them_under_a_description_plan(tmp_path: Path) -> None:
    rows = [{"id": i, "title": f"Video {i}", "description": f"How to fix a bike chain, part {i}", "text": ""} for i in range(20)]
    rows[3]["text"] = "a comment pinned to the video"
    got = [text for _, text in read(write_jsonl(tmp_path / "videos.jsonl", rows))]
    assert got[:4] == [
        "How to fix a bike chain, part 0",
        "How to fix a bike chain, part 1",
        "How to fix a bike chain, part 2",
        "a comment pinned to the video",
    ]


def test_a_record_without_the_planned_field_is_never_read_from_a_bare_domain_or_a_bio(tmp_path: Path) -> None:
    rows = [{"id": str(i), "type": "status", "message": f"Our team picnic, day {i}"} for i in range(12)]
    rows.append({"id": "l1", "type": "link", "caption": "dailyharbor.example", "title": "Bridge closed until Friday"})
    rows.append({"id": "l2", "type": "link", "caption": "dailyharbor.example"})
    rows.append({"id": "u1", "username": "bob", "description": "Dad, runner, coffee lover"})
    assert read(write_jsonl(tmp_path / "ct.jsonl", rows))[12:] == [("l1", "Bridge closed until Friday"), ("l2", None), ("u1", None)]


def test_a_name_column_is_no_id(tmp_path: Path) -> None:
    path = tmp_path / "comments.csv"
    path.write_text("Name,Comment\nAna R,Love this recipe\nBob K,Where is the flour from?\nAna R,any strong flour works\n")
    assert [i for i, _ in read(path)] == [1, 2, 3]


def test_the_id_field_is_the_one_most_records_fill(tmp_path: Path) -> None:
    path = tmp_path / "mixed.tsv"
    path.write_text(
        "Hit Sentence\tURL\tTweet Id\nqueue at the store again\thttps://x.example/s/1\t1\ncouncil vote tonight\thttps://news.example/a\t\n"
    )
    assert read(path) == [("https://x.example/s/1", "queue at the store again"), ("https://news.example/a", "council vote tonight")]


def test_fields_someone_added_to_a_tweet_or_a_bluesky_post_reach_evaluate(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a1",
            "text": "Our refund policy changed, contact support",
            "label": "Customer",
            "referenced_tweets": [{"type": "replied_to", "id": "9"}],
        },
        {**_post_view(2, "Finished my first marathon today, so proud"), "label": "Personal"},
        {"id": "a3", "text": "Parliament passes the budget bill tonight", "label": "Media", "edit_history_tweet_ids": ["a3"]},
    ]
    done = runner.invoke(app, ["evaluate", str(write_jsonl(tmp_path / "labelled.jsonl", rows)), "--json"])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["posts"] == 3


def test_a_mongodb_id_is_not_taken_for_a_missing_id(tmp_path: Path) -> None:
    rows = [{"_id": {"$oid": "65a1"}, "id": "t1", "text": "store opens at nine"}, {"_id": "65a3", "text": "petition needs 500 more"}]
    assert [(p["id"], p["record"].get("id")) for p in smclass.read(write_jsonl(tmp_path / "mongo.jsonl", rows))] == [
        ("t1", "t1"),
        (None, None),
    ]


# YouTube Data API and TikTok Research API ---------------------------------------------------


def _yt_comment(n: int, text: str, parent: str | None = None) -> dict[str, Any]:
    snippet = {"videoId": "v1", "textDisplay": f"<b>{text}</b>", "textOriginal": text, "authorDisplayName": f"@u{n}"}
    return {"kind": "youtube#comment", "id": f"c{n}", "snippet": {**snippet, **({"parentId": parent} if parent else {})}}


def test_youtube_api_comment_threads_give_every_comment_and_reply(tmp_path: Path) -> None:
    threads = [
        {
            "kind": "youtube#commentThread",
            "id": "t1",
            "snippet": {"videoId": "v1", "topLevelComment": _yt_comment(1, "This made sourdough click for me")},
            "replies": {"comments": [_yt_comment(2, "Where is your flour from?", "t1"), _yt_comment(3, "any strong flour", "t1")]},
        },
        {"kind": "youtube#commentThread", "id": "t2", "snippet": {"videoId": "v1", "topLevelComment": _yt_comment(4, "Subscribed!")}},
    ]
    page = tmp_path / "threads.json"
    page.write_text(json.dumps({"kind": "youtube#commentThreadListResponse", "nextPageToken": "x", "items": threads}))
    expected = [("c1", "This made sourdough click for me"), ("c2", "Where is your flour from?"), ("c3", "any strong flour")]
    expected.append(("c4", "Subscribed!"))
    assert read(page) == read(write_jsonl(tmp_path / "threads.jsonl", threads)) == expected
    assert [p["record"]["id"] for p in smclass.read(page)] == ["c1", "c2", "c3", "c4"]


def test_tiktok_research_api_answers_give_their_videos_and_comments(tmp_path: Path) -> None:
    videos = [
        {"id": 7300000000000000001, "video_description": "Day 3 of learning to skate", "username": "ana", "create_time": 1700000000},
        {"id": 7300000000000000002, "video_description": "Our sneaker drops Friday", "username": "kicks"},
    ]
    error = {"code": "ok", "message": "", "log_id": "l"}
    answer = tmp_path / "videos.json"
    answer.write_text(json.dumps({"data": {"videos": videos, "cursor": 2, "has_more": False}, "error": error}))
    assert read(answer) == [(7300000000000000001, "Day 3 of learning to skate"), (7300000000000000002, "Our sneaker drops Friday")]
    comments = tmp_path / "comments.json"
    listed = [{"id": 5, "text": "love this", "video_id": 1}]
    comments.write_text(json.dumps({"data": {"comments": listed, "has_more": False}, "error": error}))
    assert read(comments) == [(5, "love this")]
    assert read(write_jsonl(tmp_path / "videos.jsonl", videos))[0] == (7300000000000000001, "Day 3 of learning to skate")


def test_youtube_api_shapes_need_their_snippet_and_give_text_not_html(tmp_path: Path) -> None:
    flat = {"kind": "youtube#comment", "id": "c1", "snippet.textOriginal": "Where did you buy that jacket?"}
    flat_path = write_jsonl(tmp_path / "flat.jsonl", [flat])  # a table of the API's fields: read as one, its column named
    posts = smclass.read(flat_path, text_field="snippet.textOriginal")
    assert [(p["id"], p["text"]) for p in posts] == [("c1", "Where did you buy that jacket?")]
    html_only = {"kind": "youtube#comment", "id": "c2", "snippet": {"textDisplay": "I don&#39;t agree<br>at all"}}
    no_replies = {**_yt_thread("t3", "First!"), "replies": {"comments": None}}
    assert read(write_jsonl(tmp_path / "api.jsonl", [html_only, no_replies])) == [("c2", "I don't agree\nat all"), ("t3", "First!")]


def _yt_thread(n: str, text: str) -> dict[str, Any]:
    return {
        "kind": "youtube#commentThread",
        "id": n,
        "snippet": {"topLevelComment": {"kind": "youtube#comment", "id": n, "snippet": {"textOriginal": text}}},
    }


def test_captioned_posts_beside_comments_keep_their_captions(tmp_path: Path) -> None:
    rows = [{"id": f"p{i}", "caption": f"Sunset at the beach, day {i}", "likesCount": 5} for i in range(9)]
    rows.append({"id": "c1", "text": "Where can I buy this?"})
    got = read(write_jsonl(tmp_path / "ig.jsonl", rows))
    assert got[0] == ("p0", "Sunset at the beach, day 0") and got[-1] == ("c1", "Where can I buy this?")


def test_a_reddit_link_post_past_the_planned_records_keeps_its_title(tmp_path: Path) -> None:
    rows = [{"id": f"c{i}", "body": f"support never replied, day {i}"} for i in range(110)]
    rows.append({"id": "p1", "title": "My screen cracked after one day", "selftext": "", "url": "https://i.example/x.jpg"})
    assert read(write_jsonl(tmp_path / "dump.jsonl", rows))[-1] == ("p1", "My screen cracked after one day")


def test_a_page_whose_messages_and_previews_never_share_a_row_still_reads_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "page.csv"
    path.write_text(
        "URL,Message,Link,Description\n"
        "p1,,https://news.example/a,The council voted on Tuesday to pass the budget\n"
        "p2,,https://news.example/b,Schools closed on Wednesday as the snow came\n"
        "p3,Thanks to all who came to our open house,,\n"
    )
    expected = ["The council voted on Tuesday to pass the budget", "Schools closed on Wednesday as the snow came"]
    assert [text for _, text in read(path)] == [*expected, "Thanks to all who came to our open house"]


def test_hacker_news_search_hits_take_their_object_id_and_the_comments_text(tmp_path: Path) -> None:
    stories = [
        {"objectID": f"s{i}", "title": f"Show HN: a tiny database {i}", "url": "https://example.com", "comment_text": None}
        for i in range(6)
    ]
    comments = [{"objectID": f"c{i}", "title": None, "url": None, "comment_text": f"the install failed on macOS {i}"} for i in range(4)]
    got = read(write_jsonl(tmp_path / "hits.jsonl", stories + comments))
    assert [i for i, _ in got] == [f"s{i}" for i in range(6)] + [f"c{i}" for i in range(4)]
    assert got[6] == ("c0", "the install failed on macOS 0")


def test_youtube_plain_text_display_keeps_its_angle_brackets(tmp_path: Path) -> None:
    plain = {"kind": "youtube#comment", "id": "c9", "snippet": {"textDisplay": "if x < 5 and y > 3 then it works"}}
    assert read(write_jsonl(tmp_path / "plain.jsonl", [plain])) == [("c9", "if x < 5 and y > 3 then it works")]


def test_a_mix_of_news_and_posts_reads_each_posts_words_and_each_headlines_title(tmp_path: Path) -> None:
    path = tmp_path / "listening.csv"
    path.write_text(
        "Title,Url,Page Type,Full Text\n"
        "@shopco_help still waiting on my refund,http://x.example/s/1,twitter,@shopco_help still waiting on my refund\n"
        "ShopCo opens 20 new stores,https://news.example/a,news,\n"
        "Re: ShopCo returns policy,https://forum.example/t/5,forum,They took my return without a receipt\n"
    )
    assert [text for _, text in read(path)] == [
        "@shopco_help still waiting on my refund",
        "ShopCo opens 20 new stores",
        "They took my return without a receipt",
    ]
