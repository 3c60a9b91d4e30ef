"""Chat, video and account exports: Telegram, Discord, YouTube, Instagram, Threads, TikTok."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import smclass
from smclass.cli import app
from smclass.errors import SmclassError

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"

runner = CliRunner()


def classify(model: Path, *args: str) -> Any:
    return runner.invoke(app, ["classify", *args, "--model", str(model)])


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def texts(path: Path) -> list[str | None]:
    return [post["text"] for post in smclass.read(path)]


def test_telegram_chat_joins_entities_and_keeps_service_lines(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "telegram_result.json"))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == [f"4412093/{n}" for n in range(1, 6)]
    # Service messages (group created, message pinned) and a bare photo get their line, unlabelled.
    assert [r["label"] is None for r in out] == [True, False, False, True, True]
    assert "read as Telegram chat export (json)" in result.stderr
    assert texts(EXPORTS / "telegram_result.json") == [
        None,
        "Water butts arrive Saturday morning, plot holders please be there by 9",
        "Seed swap list is up: https://allotments.example/seeds add yours before Friday please",
        None,
        None,
    ]


def test_telegram_account_export_gives_ids_unique_across_chats(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "telegram_account_result.json"))
    assert result.exit_code == 0, result.stderr
    ids = [r["id"] for r in lines(result.stdout)]
    # Every chat numbers its messages from 1; left chats are read too.
    assert ids == ["77002/1", "77002/2", "1600300/1", "1600300/2", "909/1"]
    assert len(set(ids)) == len(ids)
    got = texts(EXPORTS / "telegram_account_result.json")
    assert got[1] == "Don't forget the dentist on Tuesday"
    assert got[3] is None


def test_discord_chat_exporter_channel(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "discord_channel.json"))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == ["1240000000000000001", "1240000000000000002", "1240000000000000003"]
    # "Joined the server." is Discord's notice, not the member's words.
    assert out[1]["label"] is None
    assert texts(EXPORTS / "discord_channel.json")[2] == "Thanks, I'll bring the spare bearing on Thursday"
    # The record is the message as DiscordChatExporter wrote it.
    record = next(iter(smclass.read(EXPORTS / "discord_channel.json")))["record"]
    assert (record["id"], record["author"]["nickname"]) == ("1240000000000000001", "Mira")


def test_yt_dlp_info_json_gives_comments_and_replies(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "video.info.json"))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["UgzA1example", "UgzA1example.R1", "UgzB2example"]
    posts = list(smclass.read(EXPORTS / "video.info.json"))
    assert [p["record"]["parent"] for p in posts] == [None, "UgzA1example", None]
    assert posts[1]["text"] == "Same here, the washer was completely flat"
    assert {p["record"]["video_id"] for p in posts} == {"dQ4exampleA"}


def test_youtube_takeout_comments_csv_joins_the_text_segments(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "comments.csv"))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["UgxC1exampleAAA", "UgxC2exampleBBB", "UgxC3exampleCCC"]
    assert "read as YouTube Takeout comments (csv)" in result.stderr
    assert texts(EXPORTS / "comments.csv") == [
        "Great walkthrough, https://example.org/parts\nhas the parts list",
        "Thanks, that helped",
        "Older takeouts wrapped the segments, like this",
    ]


def test_instagram_posts_take_the_caption_from_media_and_fix_mojibake(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "posts_1.json"))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == [f"media/posts/2024{m:02d}/179000000000000{n:02d}.jpg" for m, n in ((1, 1), (2, 2), (3, 4))]
    assert out[2]["label"] is None
    assert texts(EXPORTS / "posts_1.json") == [
        "First swim of the year at the lido, 14°C and glorious",
        "Our café opens on Saturday! Come and try the new menu ☕",
        None,
    ]


def test_threads_posts_fix_mojibake_and_keep_ids_unique(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "threads_and_replies.json"))
    assert result.exit_code == 0, result.stderr
    # Two posts of one thread in the same second still get ids of their own.
    assert [r["id"] for r in lines(result.stdout)] == ["1717000000", "1717000000-2", "1717100000", "1717200000"]
    got = texts(EXPORTS / "threads_and_replies.json")
    assert got[0] == "Hot take: the bus app’s new map is worse than the old one"
    assert got[2] == "Pancakes for the whole street this morning 🥞"


def test_instagram_export_folder_skips_files_without_posts_with_a_note(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "instagram_export"))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    # Three Instagram posts, then four Threads posts; followers, profile and settings are not classified.
    assert len(out) == 7
    assert out[0]["id"] == "media/posts/202401/17900000000000001.jpg" and out[3]["id"] == "1717000000"
    assert "3 files that hold no posts skipped: followers_1.json, personal_information.json, comments_allowed_from.json" in result.stderr


def test_instagram_stories_and_reels_in_an_export_are_posts_that_keep_their_own_entry(tmp_path: Path, small_model_path: Path) -> None:
    export = Path(shutil.copytree(EXPORTS / "instagram_export", tmp_path / "ig"))
    content = export / "your_instagram_activity" / "content"
    # Captions as the export writes them: UTF-8 bytes each escaped as a Latin-1 character.
    story = {"uri": "media/stories/202405/1.jpg", "creation_timestamp": 1715000000, "title": "Rain on the caf\u00c3\u00a9 window"}
    reel = {"media": [{"uri": "media/reels/202405/2.mp4", "creation_timestamp": 1715100000, "title": "How we fold the boxes at our shop"}]}
    (content / "stories.json").write_text(json.dumps({"ig_stories": [story, {"uri": "media/stories/3.jpg", "title": ""}]}))
    (content / "reels.json").write_text(json.dumps({"ig_reels_media": [reel]}))
    result = classify(small_model_path, str(export), "--keep-fields")
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert len(out) == 10
    by_id = {r["id"]: r for r in out}
    assert by_id["media/stories/202405/1.jpg"]["record"] == story
    assert by_id["media/reels/202405/2.mp4"]["record"] == reel
    assert by_id["media/stories/3.jpg"]["label"] is None
    assert "3 files that hold no posts skipped: followers_1.json, personal_information.json, comments_allowed_from.json" in result.stderr
    got = texts(export)
    assert "Rain on the café window" in got and "How we fold the boxes at our shop" in got


def test_instagram_export_zip_reads_like_the_folder(tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "instagram"), "zip", root_dir=EXPORTS, base_dir="instagram_export")
    assert texts(Path(archive)) == texts(EXPORTS / "instagram_export")


def test_instagram_export_with_no_post_files_is_an_error(tmp_path: Path, small_model_path: Path) -> None:
    export = Path(shutil.copytree(EXPORTS / "instagram_export", tmp_path / "ig"))
    shutil.rmtree(export / "your_instagram_activity")
    (export / "your_instagram_activity" / "content").mkdir(parents=True)
    (export / "your_instagram_activity" / "content" / "posts_1.html").write_text("<html></html>", encoding="utf-8")
    result = classify(small_model_path, str(export))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {export}: an Instagram export with no posts_N.json, reels.json, stories.json, threads_and_replies.json or comments "
        "(was it exported as HTML?)\n"
    )


def test_tiktok_user_data_gives_videos_and_comments(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "user_data.json"))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == [
        "https://www.tiktokv.example/share/video/7350000000000000001/",
        "https://www.tiktokv.example/share/video/7350000000000000002/",
        "comment/1",
        "comment/2",
    ]
    assert out[1]["label"] is None
    assert texts(EXPORTS / "user_data.json")[::2] == [
        "Saturday at the night market: dumplings, then more dumplings #streetfood",
        "Where is that market? Looks amazing",
    ]


@pytest.mark.parametrize(
    ("name", "where", "expected", "posts"),
    [
        ("discord_channel.json", ["messages"], "a Discord message object", 3),
        ("telegram_result.json", ["messages"], "a Telegram message object", 5),
        ("telegram_account_result.json", ["chats", "list"], "a Telegram chat object with a list of messages", 5),
        ("video.info.json", ["comments"], "a yt-dlp comment object", 3),
        ("threads_and_replies.json", ["text_post_app_text_posts"], "a Threads post object", 4),
        ("user_data.json", ["Comment", "Comments", "CommentsList"], "a TikTok comment object", 4),
    ],
)
def test_an_entry_of_an_export_that_is_no_post_object_is_reported_not_dropped(
    tmp_path: Path, small_model_path: Path, name: str, where: list[str], expected: str, posts: int
) -> None:
    document = json.loads((EXPORTS / name).read_text(encoding="utf-8"))
    entries = document
    for key in where:
        entries = entries[key]
    entries.append(42)
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    skipped = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert skipped.exit_code == 0, skipped.stderr
    assert len(lines(skipped.stdout)) == posts
    assert f"skipped {path}: expected {expected}, got a number" in skipped.stderr
    assert rejects.read_text(encoding="utf-8") == "42\n"
    stopped = classify(small_model_path, str(path))
    assert stopped.exit_code == 1
    assert stopped.stderr.splitlines()[-1] == f"Error: {path}: expected {expected}, got a number"


def test_a_telegram_chat_with_an_odd_entry_among_its_first_messages_is_still_the_export(tmp_path: Path, small_model_path: Path) -> None:
    # The entry unmade the export: its messages were read as plain JSON records, ids and service messages lost.
    document = json.loads((EXPORTS / "telegram_result.json").read_text(encoding="utf-8"))
    document["messages"].insert(1, 42)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    skipped = classify(small_model_path, str(path), "--on-error", "skip")
    assert skipped.exit_code == 0, skipped.stderr
    assert "read as Telegram chat export" in skipped.stderr
    assert f"skipped {path}: expected a Telegram message object, got a number" in skipped.stderr
    assert [r["id"] for r in lines(skipped.stdout)] == [
        r["id"] for r in lines(classify(small_model_path, str(EXPORTS / "telegram_result.json")).stdout)
    ]


# Arbitrary values in the places each shape looks: the result is posts or one clean error.
json_ish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=12,
)


def _maybe(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys), json_ish, max_size=len(keys))


_MESSAGE = _maybe(["id", "type", "date", "text", "from", "actor", "content", "author", "timestamp", "parent", "title", "media", "uri"])
_MEDIA = st.lists(st.fixed_dictionaries({"uri": json_ish, "creation_timestamp": json_ish}, optional={"title": json_ish}), max_size=3)
SHAPED = st.one_of(
    st.fixed_dictionaries({"name": json_ish, "type": json_ish, "id": json_ish, "messages": st.lists(_MESSAGE, max_size=4)}),
    st.fixed_dictionaries(
        {"personal_information": json_ish, "chats": st.fixed_dictionaries({"about": json_ish, "list": st.lists(json_ish | _MESSAGE)})}
    ),
    st.fixed_dictionaries({"guild": _maybe(["id", "name"]), "channel": _maybe(["id", "name"]), "messages": st.lists(json_ish | _MESSAGE)}),
    st.fixed_dictionaries({"extractor": json_ish, "id": json_ish, "comments": st.lists(json_ish | _MESSAGE, max_size=4)}),
    st.lists(st.fixed_dictionaries({"media": _MEDIA}, optional={"title": json_ish, "creation_timestamp": json_ish}), max_size=3),
    st.fixed_dictionaries({"text_post_app_text_posts": st.lists(json_ish | st.fixed_dictionaries({"media": _MEDIA}), max_size=3)}),
    st.fixed_dictionaries(
        {
            "Activity": json_ish,
            "Video": st.fixed_dictionaries({"Videos": st.fixed_dictionaries({"VideoList": st.lists(json_ish | _maybe(["Link", "Desc"]))})}),
            "Comment": st.fixed_dictionaries({"Comments": st.fixed_dictionaries({"CommentsList": st.lists(json_ish)})}),
        }
    ),
)


def read_or_one_clean_error(path: Path) -> None:
    try:
        for _post in smclass.read(path):
            pass
    except SmclassError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(document=SHAPED)
def test_any_values_in_a_platform_shape_give_posts_or_one_clean_error(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    read_or_one_clean_error(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.text(max_size=40), min_size=1, max_size=4))
def test_any_comment_text_cells_in_a_takeout_csv_give_posts_or_one_clean_error(tmp_path: Path, cells: list[str]) -> None:
    import csv

    path = tmp_path / "comments.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Comment ID", "Video ID", "Comment Text"])
        writer.writerows([[f"c{n}", "v", cell] for n, cell in enumerate(cells)])
    read_or_one_clean_error(path)


CUT_OFF = ["telegram_result.json", "discord_channel.json", "video.info.json", "posts_1.json", "threads_and_replies.json", "user_data.json"]


@pytest.mark.parametrize("name", CUT_OFF)
def test_a_cut_off_export_is_one_clean_error(tmp_path: Path, small_model_path: Path, name: str) -> None:
    data = (EXPORTS / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: len(data) // 2])
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith(f"Error: {path}") and result.stderr.endswith(errors[0] + "\n")
    # An export that is a JSON array (Instagram's posts_1.json) is read element by element:
    # the posts before the cut are written, with the plan's note, before the error.
    assert result.stdout == "" or name == "posts_1.json"


@pytest.fixture
def posts_db(tmp_path: Path) -> Path:
    import sqlite3

    path = tmp_path / "posts.db"
    with sqlite3.connect(path) as connection:
        connection.executescript((EXPORTS / "posts.sql").read_text(encoding="utf-8"))
    connection.close()
    return path


def test_a_table_named_in_another_case_is_the_table_as_sqlite_itself_reads_it(small_model_path: Path, posts_db: Path) -> None:
    result = classify(small_model_path, str(posts_db), "--table", "POSTS")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["p-101", "p-102", "p-103", "p-104"]
    assert f"{posts_db}: read as SQLite table 'posts' (sqlite)" in result.stderr


def test_sqlite_table_gives_one_record_per_row(small_model_path: Path, posts_db: Path) -> None:
    result = classify(small_model_path, str(posts_db), "--table", "posts")
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == ["p-101", "p-102", "p-103", "p-104"]
    assert out[2] == {"id": "p-103", "label": None, "confidence": None, "reason": "'body' is null"}
    assert f"{posts_db}: read as SQLite table 'posts' (sqlite), text field 'body' (detected), id field 'post_id'" in result.stderr
    # A text kept as a BLOB is read as the text it holds.
    assert texts_of(posts_db, table="posts")[3] == "Bridge on the A38 reopens after three weeks of repairs"


def texts_of(path: Path, **sql: str) -> list[str | None]:
    from smclass.reading.plan import ReadOptions
    from smclass.reading.posts import read_posts

    return [post["text"] for post in read_posts([str(path)], ReadOptions(**sql))]


def test_sqlite_with_several_tables_asks_for_one(small_model_path: Path, posts_db: Path) -> None:
    result = classify(small_model_path, str(posts_db))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {posts_db}: the database has 2 tables (authors, posts): name one with --table, or give --query\n"
    result = classify(small_model_path, str(posts_db), "--table", "post")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {posts_db}: no table 'post' in the database (tables: authors, posts)\n"


def test_sqlite_query_gives_its_rows(small_model_path: Path, posts_db: Path) -> None:
    query = "SELECT post_id AS id, body AS text FROM posts WHERE likes > 10 ORDER BY likes DESC"
    result = classify(small_model_path, str(posts_db), "--query", query)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["p-104", "p-101"]
    assert "read as SQLite query (sqlite)" in result.stderr


@pytest.mark.parametrize(
    ("query", "message"),
    [("SELEC 1", 'near "SELEC": syntax error'), ("DELETE FROM posts", "attempt to write a readonly database")],
)
def test_sqlite_query_that_fails_or_writes_is_a_usage_error(small_model_path: Path, posts_db: Path, query: str, message: str) -> None:
    result = classify(small_model_path, str(posts_db), "--query", query)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {posts_db}: --query failed: {message}\n"
    assert len(texts_of(posts_db, table="posts")) == 4


_OTHER_FILE = "which reads this database alone: this statement would open another database file (ATTACH, DETACH, VACUUM INTO)"
_NO_QUERY = ": this statement is no query, it gives no result columns"


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("ATTACH DATABASE '{made}' AS a", ", " + _OTHER_FILE),
        ("VACUUM INTO '{made}'", ", " + _OTHER_FILE),
        ("", _NO_QUERY),
        ("PRAGMA query_only = OFF", _NO_QUERY),
    ],
)
def test_sqlite_query_that_is_no_select_is_a_usage_error_and_makes_no_file(
    small_model_path: Path, posts_db: Path, tmp_path: Path, statement: str, why: str
) -> None:
    made = tmp_path / "made_by_smclass.db"
    result = classify(small_model_path, str(posts_db), "--query", statement.format(made=made))
    assert result.exit_code == 2
    assert result.stderr == f"Error: {posts_db}: --query takes a SELECT (or WITH ... SELECT, or VALUES){why}\n"
    assert not made.exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("VALUES (1, 'our team offsite is next week')", "column2"),
        ("WITH t AS (SELECT 'our offsite' AS text) SELECT * FROM t", "text"),
    ],
)
def test_sqlite_query_by_values_or_with_gives_its_rows(small_model_path: Path, posts_db: Path, query: str, field: str) -> None:
    result = classify(small_model_path, str(posts_db), "--query", query, "--text-field", field)
    assert result.exit_code == 0, result.stderr
    assert len(lines(result.stdout)) == 1


def test_sqlite_from_stdin_reads_like_the_file(small_model_path: Path, posts_db: Path) -> None:
    from_file = classify(small_model_path, str(posts_db), "--table", "posts")
    from_stdin = runner.invoke(app, ["classify", "--table", "posts", "--model", str(small_model_path)], input=posts_db.read_bytes())
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout


def test_table_option_on_input_that_is_not_sqlite_is_a_usage_error(small_model_path: Path, fixtures: Path) -> None:
    result = classify(small_model_path, str(fixtures / "posts.csv"), "--table", "posts")
    assert result.exit_code == 2
    message = "--table goes with a SQLite database or an Excel workbook, and this is neither"
    assert result.stderr == f"Error: {fixtures / 'posts.csv'}: {message}\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=st.binary(max_size=3000), flips=st.lists(st.tuples(st.integers(0, 8191), st.integers(0, 255)), max_size=8))
def test_any_bytes_as_a_sqlite_database_give_records_or_one_clean_error(tmp_path: Path, tail: bytes, flips: list[tuple[int, int]]) -> None:
    import sqlite3

    good = tmp_path / "good.db"
    if not good.exists():
        with sqlite3.connect(good) as connection:
            connection.executescript((EXPORTS / "posts.sql").read_text(encoding="utf-8"))
        connection.close()
    damaged = bytearray(good.read_bytes())
    for at, value in flips:
        damaged[at % len(damaged)] = value
    for data in (b"SQLite format 3\x00" + tail, bytes(damaged)):
        path = tmp_path / "fuzz.db"
        path.write_bytes(data)
        for sql in ({"table": "posts"}, {}):
            try:
                texts_of(path, **sql)
            except SmclassError as exc:
                assert "\n" not in str(exc)


def test_excel_workbook_reads_its_first_sheet(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "survey.xlsx"))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    # The blank row between r-02 and r-03 is passed over, as in CSV; r-03's empty cell gets its line.
    assert [r["id"] for r in out] == ["r-01", "r-02", "r-03", "r-04"]
    assert out[2] == {"id": "r-03", "label": None, "confidence": None, "reason": "'text' is null"}
    assert (
        "read as Excel sheet 'Responses', the first of 2 sheets with rows (not read: 'Codes'; --table NAME reads another) (xlsx),"
        " text field 'text' (detected), id field 'id'"
    ) in result.stderr
    posts = list(smclass.read(EXPORTS / "survey.xlsx"))
    assert posts[1]["text"] == "Bins on Carver Street were missed two weeks running, who do I call?"
    assert posts[0]["record"]["submitted"] == "2024-09-02T10:15:00"


def test_excel_sheet_is_named_with_table(small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / "survey.xlsx"), "--table", "Codes")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["c-1"]
    result = classify(small_model_path, str(EXPORTS / "survey.xlsx"), "--table", "Sheet9")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {EXPORTS / 'survey.xlsx'}: no sheet 'Sheet9' in the workbook (sheets: Responses, Codes)\n"


def test_a_visible_sheet_is_read_before_a_hidden_one_and_a_hidden_sheet_read_says_so(small_model_path: Path, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    draft = book.active
    draft.title, draft.sheet_state = "old draft", "hidden"
    for row in (["id", "text"], ["d1", "draft post nobody sees, about the team offsite"]):
        draft.append(row)
    posts = book.create_sheet("Posts")
    book.active = 1
    path = tmp_path / "hidden.xlsx"
    book.save(path)
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["d1"]
    assert f"{path}: read as Excel sheet 'old draft' (hidden: no visible sheet has rows) (xlsx)," in result.stderr
    for row in (["id", "text"], ["p1", "the real visible post about my bakery launch"]):
        posts.append(row)
    book.save(path)
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["p1"]
    note = "read as Excel sheet 'Posts', the first visible of 2 sheets with rows"
    note += " (not read: 'old draft' (hidden); --table NAME reads another)"
    assert f"{path}: {note} (xlsx)," in result.stderr
    result = classify(small_model_path, str(path), "--table", "old draft")
    assert [r["id"] for r in lines(result.stdout)] == ["d1"]
    assert f"{path}: read as Excel sheet 'old draft' (hidden) (xlsx)," in result.stderr


def test_xlsx_is_not_taken_for_a_zip_of_posts_wherever_it_comes_from(small_model_path: Path, tmp_path: Path) -> None:
    expected = classify(small_model_path, str(EXPORTS / "survey.xlsx")).stdout
    from_stdin = runner.invoke(app, ["classify", "--model", str(small_model_path)], input=(EXPORTS / "survey.xlsx").read_bytes())
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert from_stdin.stdout == expected
    folder = tmp_path / "answers"
    folder.mkdir()
    shutil.copy(EXPORTS / "survey.xlsx", folder)
    in_folder = classify(small_model_path, str(folder))
    assert in_folder.exit_code == 0, in_folder.stderr
    assert [r["id"] for r in lines(in_folder.stdout)] == ["r-01", "r-02", "r-03", "r-04"]


def test_excel_error_names_the_sheet_row(small_model_path: Path, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["id", "text"], ["a", "fine words"], [], ["b", 1234]):
        book.active.append(row)
    path = tmp_path / "numbers.xlsx"
    book.save(path)
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"Error: {path}:4: field 'text': expected text, got a number"


def test_a_date_or_time_in_the_text_field_is_refused_as_a_number_is_while_other_columns_keep_dates_as_iso_text(
    small_model_path: Path, tmp_path: Path
) -> None:
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    rows = [["id", "text", "created_at"], [1, "a normal post about my garden", datetime.datetime(2024, 1, 1, 9, 30)]]
    rows += [[2, datetime.datetime(2024, 1, 1)], [3, datetime.time(12, 30)], [4, 12345]]
    for row in rows:
        book.active.append(row)
    path = tmp_path / "types.xlsx"
    book.save(path)
    result = classify(small_model_path, str(path), "--on-error", "skip", "--keep-fields")
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == [1]
    assert out[0]["record"]["created_at"] == "2024-01-01T09:30:00"
    assert [line for line in result.stderr.splitlines() if line.startswith("skipped")] == [
        f"skipped {path}:3: field 'text': expected text, got a date",
        f"skipped {path}:4: field 'text': expected text, got a time",
        f"skipped {path}:5: field 'text': expected text, got a number",
    ]


def test_parquet_is_read_batch_by_batch_in_order(small_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.reading import sheets

    monkeypatch.setattr(sheets, "BATCH_ROWS", 2)
    result = classify(small_model_path, str(EXPORTS / "posts.parquet"))
    assert result.exit_code == 0, result.stderr
    out = lines(result.stdout)
    assert [r["id"] for r in out] == ["pq-1", "pq-2", "pq-3", "pq-4", "pq-5"]
    assert out[2]["label"] is None and out[2]["reason"] == "'text' is null"
    assert "read as parquet, text field 'text' (detected), id field 'id'" in result.stderr
    posts = list(smclass.read(EXPORTS / "posts.parquet"))
    assert posts[4]["text"] == "We are hiring two apprentices for our workshop, apply by Friday"
    assert posts[0]["record"]["created"] == "2024-10-01T12:00:00"


def test_parquet_damaged_in_a_row_group_keeps_the_rows_of_the_groups_before_it_and_names_the_row(
    small_model_path: Path, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "damaged.parquet"
    texts = [f"post number {i} about my garden and the allotment" for i in range(1, 21)]
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(1, 21)], "text": texts}), path, row_group_size=5, compression="none")
    chunk = pq.ParquetFile(path).metadata.row_group(2).column(1)
    at = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    data = bytearray(path.read_bytes())
    data[at : at + 8] = b"\xff" * 8  # the page header of the third group's text: no thrift can read it
    path.write_bytes(bytes(data))
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert [r["id"] for r in lines(result.stdout)] == [f"p{i}" for i in range(1, 11)]
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith(f"Error: {path}:11: could not be read to the end: row group 3 of 4 (rows 11 to 15) is damaged (")


@pytest.mark.parametrize(
    ("name", "module", "message"),
    [
        ("survey.xlsx", "openpyxl", "reading Excel workbooks needs openpyxl: pip install 'smclass[formats]'"),
        ("posts.parquet", "pyarrow.parquet", "reading Parquet needs pyarrow: pip install 'smclass[formats]'"),
    ],
)
def test_missing_formats_extra_is_one_line_naming_it(
    small_model_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, module: str, message: str
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, module, None)  # an import of it now fails as if not installed
    result = classify(small_model_path, str(EXPORTS / name))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {EXPORTS / name}: {message}\n"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    name=st.sampled_from(["survey.xlsx", "posts.parquet"]),
    tail=st.binary(max_size=2000),
    flips=st.lists(st.tuples(st.integers(0, 8191), st.integers(0, 255)), min_size=1, max_size=6),
)
def test_any_bytes_as_xlsx_or_parquet_give_records_or_one_clean_error(
    tmp_path: Path, name: str, tail: bytes, flips: list[tuple[int, int]]
) -> None:
    good = (EXPORTS / name).read_bytes()
    damaged = bytearray(good)
    for at, value in flips:
        damaged[at % len(damaged)] = value
    for data in (good[:4] + tail, bytes(damaged), good[: len(good) // 2]):
        path = tmp_path / name
        path.write_bytes(data)
        read_or_one_clean_error(path)


@pytest.mark.parametrize("header", ["PAR1,text", "PK\x03\x04,text"])
def test_text_that_starts_like_parquet_or_zip_is_still_text(small_model_path: Path, header: str) -> None:
    result = runner.invoke(app, ["classify", "--model", str(small_model_path)], input=f"{header}\nx,hello from the allotment\n")
    assert result.exit_code == 0, result.stderr
    assert len(lines(result.stdout)) == 1


def test_sqlite_text_that_is_not_utf8_is_an_error_on_its_row(small_model_path: Path, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE posts (id TEXT, text TEXT)")
        connection.execute("INSERT INTO posts VALUES ('ok', 'plain words')")
        connection.execute("INSERT INTO posts VALUES ('bad', CAST(X'636166E9' AS TEXT))")  # 'café' in Latin-1
    connection.close()
    result = classify(small_model_path, str(path), "--on-error", "skip")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["ok"]
    # A row has no line: its number in the table stands in for one.
    assert (
        f"skipped {path}:2: field 'text': not valid UTF-8 (byte 0xe9 at column 4): name the input's encoding with --encoding, e.g. cp1252"
    ) in result.stderr


def test_binary_text_that_is_not_utf8_is_refused_not_labelled(small_model_path: Path, tmp_path: Path) -> None:
    import sqlite3

    import pyarrow as pa
    import pyarrow.parquet as pq

    database = tmp_path / "blobs.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY, text BLOB)")
        connection.executemany("INSERT INTO posts (text) VALUES (?)", [(b"\xff\xfe\x00 thumbnail",), (b"the ferry is late",)])
    connection.close()
    table = tmp_path / "blobs.parquet"
    pq.write_table(pa.table({"id": [1, 2], "text": [b"\xff\xfe", b"the ferry is late"]}), table)
    for path in (database, table):
        result = classify(small_model_path, str(path), "--on-error", "skip", "--keep-fields")
        assert result.exit_code == 0, result.stderr
        assert [r["record"]["text"] for r in lines(result.stdout)] == ["the ferry is late"]
        assert "field 'text': expected text, got binary data that is not UTF-8 text" in result.stderr
        stopped = classify(small_model_path, str(path))
        assert stopped.exit_code == 1
        assert stopped.stderr.splitlines()[-1] == f"Error: {path}:1: field 'text': expected text, got binary data that is not UTF-8 text"


def test_records_of_binary_inputs_reach_the_rejects_file_as_json_lines(small_model_path: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = tmp_path / "numbers.parquet"
    pq.write_table(pa.table({"id": [1, 2], "text": [3, 4]}), table)
    slack = tmp_path / "slack"
    (slack / "general").mkdir(parents=True)
    (slack / "channels.json").write_text('[{"id": "C1", "name": "general"}]')
    (slack / "users.json").write_text('[{"id": "U1", "name": "ana"}]')
    day = [
        {"type": "message", "user": "U1", "text": "standup moved to 10", "ts": "1.1"},
        {"type": "message", "user": "U1", "text": {"x": 1}, "ts": "1.2"},
    ]
    (slack / "general" / "2024-01-01.json").write_text(json.dumps(day))
    for path, kept in ((table, 0), (slack, 1)):
        rejects = tmp_path / f"{path.name}.rejects"
        result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
        assert result.exit_code == 0, result.stderr
        written = [json.loads(line) for line in rejects.read_text().splitlines()]
        assert len(lines(result.stdout)) == kept and len(written) == 2 - kept
    assert [r["text"] for r in written] == [{"x": 1}]


def _entries(path: Path) -> list[Any]:
    """The entries of an export as its platform wrote them, in the order smclass reads them."""
    if path.suffix == ".csv":
        import csv

        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    document = json.loads(path.read_text(encoding="utf-8"))
    if "Video" in document:  # TikTok's user_data.json: videos, then comments
        return [*document["Video"]["Videos"]["VideoList"], *document["Comment"]["Comments"]["CommentsList"]]
    return list(document["messages"])


@pytest.mark.parametrize("name", ["telegram_result.json", "discord_channel.json", "user_data.json", "comments.csv"])
def test_keep_fields_gives_each_entry_as_the_platform_wrote_it(name: str, small_model_path: Path) -> None:
    result = classify(small_model_path, str(EXPORTS / name), "--keep-fields", "-q")
    assert result.exit_code == 0, result.stderr
    assert [r["record"] for r in lines(result.stdout)] == _entries(EXPORTS / name)


LIKES = {"id": "likes.json", "type": "OrderedCollection", "orderedItems": ["https://other.example/s/1", "https://other.example/s/2"]}


def test_mastodons_likes_a_list_of_links_is_refused_alone_passed_over_in_a_folder_or_zip(small_model_path: Path, tmp_path: Path) -> None:
    # Each link had been read as a post and labelled from its domain, exit 0.
    likes = tmp_path / "export" / "likes.json"
    likes.parent.mkdir()
    likes.write_text(json.dumps(LIKES), encoding="utf-8")
    said = "this is a list of links to others' posts (Mastodon's likes.json or bookmarks.json), not posts: it holds no text to classify"
    alone = runner.invoke(app, ["classify", str(likes), "--model", str(small_model_path)])
    assert (alone.exit_code, alone.stdout, alone.stderr) == (1, "", f"Error: {likes}:1: {said}\n")
    (likes.parent / "posts.jsonl").write_text('{"id": "p1", "text": "the ferry is late"}\n', encoding="utf-8")
    folder = runner.invoke(app, ["classify", str(likes.parent), "--model", str(small_model_path)])
    assert folder.exit_code == 0, folder.stderr
    assert [json.loads(line)["id"] for line in folder.stdout.splitlines()] == ["p1"]
    assert f"skipped {likes}: {said}" in folder.stderr.splitlines()
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(likes, "likes.json")
        z.write(likes.parent / "posts.jsonl", "posts.jsonl")
    zipped = runner.invoke(app, ["classify", str(archive), "--model", str(small_model_path)])
    assert zipped.exit_code == 0, zipped.stderr
    assert [json.loads(line)["id"] for line in zipped.stdout.splitlines()] == ["p1"]
    assert f"skipped {archive}!likes.json: {said}" in zipped.stderr.splitlines()


def test_a_mastodon_archives_actor_is_passed_over_beside_its_outbox_and_read_alone(small_model_path: Path, tmp_path: Path) -> None:
    # actor.json had stopped the archive's folder at its first line: "no text field found", exit 1.
    actor = {"id": "https://social.example/users/rin", "type": "Person", "summary": "<p>I knit and I hike</p>", "inbox": "inbox.json"}
    actor["outbox"] = "outbox.json"
    note = {"id": "https://social.example/users/rin/statuses/1", "type": "Note", "content": "<p>Finished my first sweater</p>"}
    outbox = {"type": "OrderedCollection", "orderedItems": [{"id": "a1", "type": "Create", "object": note}]}
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "actor.json").write_text(json.dumps(actor), encoding="utf-8")
    (folder / "outbox.json").write_text(json.dumps(outbox), encoding="utf-8")
    whole = runner.invoke(app, ["classify", str(folder), "--model", str(small_model_path)])
    assert whole.exit_code == 0, whole.stderr
    assert [json.loads(line)["id"] for line in whole.stdout.splitlines()] == [note["id"]]
    said = "the account's profile in a Mastodon archive, beside its outbox.json, which holds the posts"
    assert whole.stderr.splitlines()[0] == f"skipped {folder / 'actor.json'}: {said}"
    # Alone, a profile (or a file of them) is read as any file is: its bio with --text-field summary.
    alone = runner.invoke(app, ["classify", str(folder / "actor.json"), "--model", str(small_model_path), "--text-field", "summary", "-q"])
    assert alone.exit_code == 0, alone.stderr
    assert [json.loads(line)["id"] for line in alone.stdout.splitlines()] == [actor["id"]]


def test_a_sheet_named_in_another_case_is_the_sheet_as_excel_itself_reads_it(small_model_path: Path, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["cover"])
    posts = book.create_sheet("Posts")
    for row in (["id", "text"], ["p1", "the bakery opens at seven"]):
        posts.append(row)
    path = tmp_path / "two.xlsx"
    book.save(path)
    result = classify(small_model_path, str(path), "--table", "posts")
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in lines(result.stdout)] == ["p1"]
