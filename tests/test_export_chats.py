"""Chat exports: WhatsApp's "Export chat" text file, and Discord's own data package."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import smclass
from smclass.cli import app
from smclass.errors import InputError
from smclass.reading import folders, lines
from smclass.reading.inputs import read_stream
from smclass.reading.platforms import discord, whatsapp, whatsapp_dates

from .conftest import zipped

runner = CliRunner()

LRM = "\u200e"
NNBSP = "\u202f"

ANDROID = (
    "12/31/23, 21:40 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
    "can read or listen to them. Tap to learn more.\n"
    "12/31/23, 21:41 - Ana: the ferry leaves at six tomorrow\n"
    "bring the blue cooler\n"
    "\n"
    "and the spare oars\n"
    "12/31/23, 21:42 - Ben: <Media omitted>\n"
    "12/31/23, 21:43 - Carla joined using this group's invite link\n"
    "12/31/23, 21:44 - Ben: see you at the pier\n"
)


def posts(path: Path, **options: Any) -> list[tuple[Any, str | None]]:
    return [(post["id"], post["text"]) for post in smclass.read(path, **options)]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_android_chat_is_one_record_per_message_with_its_continuation_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "WhatsApp Chat with Boat Club.txt", ANDROID)
    assert posts(path) == [
        (1, None),
        (2, "the ferry leaves at six tomorrow\nbring the blue cooler\n\nand the spare oars"),
        (3, None),
        (4, None),
        (5, "see you at the pier"),
    ]


def test_android_chat_keeps_sender_and_timestamp_as_written_and_says_why_system_lines_have_no_text(tmp_path: Path) -> None:
    path = write(tmp_path, "WhatsApp Chat with Boat Club.txt", ANDROID)
    read = list(smclass.read(path))
    message = read[1]["record"]
    assert (message["sender"], message["timestamp"]) == ("Ana", "12/31/23, 21:41")
    assert [(p["record"].get("kind"), p["reason"]) for p in read] == [
        ("system", "'text' is null"),
        (None, None),
        ("media", "'text' is null"),
        ("system", "'text' is null"),
        (None, None),
    ]
    assert read[3]["record"]["event"] == "Carla joined using this group's invite link"


def test_ios_chat_with_marks_and_seconds_is_read_as_messages_not_as_json(tmp_path: Path) -> None:
    text = (
        f"{LRM}[31/12/2023, 21:41:05] Boat Club: {LRM}Messages and calls are end-to-end encrypted.\n"
        "[31/12/2023, 21:41:09] Ana: the tide turns at noon\n"
        "so we row out early\n"
        f"{LRM}[31/12/2023, 21:42:00] Ben: {LRM}image omitted\n"
        "[31/12/2023, 21:43:10] Ben: my note says: seven sharp\n"
    )
    path = write(tmp_path, "_chat.txt", text)
    read = list(smclass.read(path))
    assert [(p["id"], p["text"]) for p in read] == [
        (1, None),
        (2, "the tide turns at noon\nso we row out early"),
        (3, None),
        (4, "my note says: seven sharp"),
    ]
    assert [p["record"]["sender"] for p in read] == ["Boat Club", "Ana", "Ben", "Ben"]
    assert read[3]["record"]["timestamp"] == "31/12/2023, 21:43:10"


@pytest.mark.parametrize(
    "stamp",
    [
        f"12/31/23, 9:41{NNBSP}PM - ",  # newer Android, US: narrow no-break space before PM
        "12/31/23, 9:41 PM - ",
        "31.12.23, 21:41 - ",  # German
        "31/12/2023, 9:41 p. m. - ",  # Spanish
        "[12/31/23, 9:41:05 PM] ",
        "[31.12.23, 21:41:05] ",
    ],
)
def test_chat_dates_and_times_of_several_locales_are_read(tmp_path: Path, stamp: str) -> None:
    path = write(tmp_path, "chat.txt", f"{stamp}Ana: lunch at the marina?\n{stamp}Ben: yes, at one\n")
    assert posts(path) == [(1, "lunch at the marina?"), (2, "yes, at one")]


@pytest.mark.parametrize("stamp", ["[12.3.2022 klo 14.08.18] ", "12.3.2022 klo 14.08 - "])
def test_a_finnish_chat_with_klo_between_date_and_time_is_read_as_a_chat(tmp_path: Path, stamp: str) -> None:
    # Before, the iOS chat was refused as damaged JSON (exit 2) and the Android one read a line at a time, stamps in the posts.
    path = write(tmp_path, "_chat.txt", f"{stamp}Ana: lunch at the marina?\n{stamp}Ben: yes, at one\nbring the oars\n")
    assert posts(path) == [(1, "lunch at the marina?"), (2, "yes, at one\nbring the oars")]


def test_a_quoted_subject_change_is_a_system_line_not_a_message_from_its_first_words(tmp_path: Path) -> None:
    text = '12/31/23, 21:41 - Ana: new season starts\n12/31/23, 21:42 - Ana changed the subject from "Club" to "Club: 2024"\n'
    path = write(tmp_path, "chat.txt", text)
    read = list(smclass.read(path))
    assert [(p["text"], p["record"]["sender"]) for p in read] == [("new season starts", "Ana"), (None, None)]


@pytest.mark.parametrize(
    "subject", ['from "Club" to "Club: 2024"', "von „Club“ zu „Club: 2024“", "from “Club” to “Club: 2024”", "de «Club» à «Club: 2024»"]
)
def test_a_subject_change_in_any_quotes_is_a_system_line(tmp_path: Path, subject: str) -> None:
    path = write(tmp_path, "chat.txt", f"12/31/23, 21:41 - Ana: new season\n12/31/23, 21:42 - Ana changed the subject {subject}\n")
    assert [p["record"]["sender"] for p in smclass.read(path)] == ["Ana", None]


def test_a_contact_saved_with_a_nickname_in_quotes_is_a_sender(tmp_path: Path) -> None:
    text = '12/31/23, 21:41 - Ana: happy new year\n12/31/23, 21:43 - Robert "Bob" Smith: and to you, see you at lunch\n'
    read = list(smclass.read(write(tmp_path, "chat.txt", text)))
    assert [(p["text"], p["record"]["sender"]) for p in read] == [
        ("happy new year", "Ana"),
        ("and to you, see you at lunch", 'Robert "Bob" Smith'),
    ]


def test_whatsapps_edit_marker_is_taken_off_the_text_and_kept_as_a_flag(tmp_path: Path) -> None:
    text = "12/31/23, 21:41 - Ana: see you at 8\n12/31/23, 21:45 - Ben: ok, at 9 then <This message was edited>\n"
    read = list(smclass.read(write(tmp_path, "chat.txt", text)))
    assert [(p["text"], p["record"].get("edited")) for p in read] == [("see you at 8", None), ("ok, at 9 then", True)]


def test_deleted_message_has_no_text_to_label(tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", "12/31/23, 21:41 - Ben: This message was deleted\n12/31/23, 21:42 - Ana: ok then\n")
    assert posts(path) == [(1, None), (2, "ok then")]


def test_plain_lines_with_a_date_now_and_then_are_not_taken_for_a_chat(tmp_path: Path) -> None:
    text = "12/31/23, 21:41 - Ana: this line happens to look like a chat\nthe harbour was calm today\nnobody sailed after lunch\n"
    path = write(tmp_path, "posts.txt", text)
    assert [t for _, t in posts(path)] == text.splitlines()


def test_a_bad_byte_spoils_its_own_message_only(tmp_path: Path) -> None:
    data = b"12/31/23, 21:41 - Ana: first line\ncaf\xe9 later\n12/31/23, 21:42 - Ben: fine here\n"
    records = list(read_stream(io.BytesIO(data), "chat.txt"))
    assert isinstance(records[0].error, InputError)
    assert records[0].error.line == 2
    assert (records[1].index, records[1].data["text"]) == (2, "fine here")


def test_a_continuation_line_too_long_to_hold_refuses_its_whole_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lines, "RECORD_LIMIT", 64)
    data = b"12/31/23, 21:41 - Ana: short start\n" + b"x" * 100 + b"\n12/31/23, 21:42 - Ben: fine here\n"
    records = list(read_stream(io.BytesIO(data), "chat.txt"))
    assert [(r.index, r.line, r.error is not None) for r in records] == [(1, 2, True), (2, 3, False)]
    assert records[1].data["text"] == "fine here"


def test_a_message_of_short_lines_too_many_to_hold_is_refused_whole_not_held(monkeypatch: pytest.MonkeyPatch) -> None:
    # Lines under a message with no new date had all been held: a message of 500 MB of short lines took 3.4 GB, exit 0.
    monkeypatch.setattr(whatsapp, "MESSAGE_LIMIT", 64, raising=False)
    before = b"".join(b"12/31/23, 21:%02d - Ben: see you at the pier\n" % m for m in range(6))
    data = before + b"12/31/23, 21:41 - Ana: short start\n" + b"one more line\n" * 3 + b"12/31/23, 21:42 - Ben: fine here\n"
    records = list(read_stream(io.BytesIO(data), "chat.txt"))
    assert [(r.index, r.line, r.error is not None) for r in records][6:] == [(7, 7, True), (8, 11, False)]
    assert "the message is 77 bytes, over the" in str(records[6].error)
    # Its first line alone is its reject: the rest was passed over, never held.
    assert records[6].raw == b"12/31/23, 21:41 - Ana: short start\n"
    assert records[7].data["text"] == "fine here"


def test_a_message_of_blank_lines_is_held_by_what_its_lines_cost_not_their_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A line held costs about 120 bytes besides its own: 15 million blank lines, 15 MB, under the limit, had taken 1.4 GB.
    monkeypatch.setattr(whatsapp, "MESSAGE_LIMIT", 10_000)
    before = b"".join(b"12/31/23, 21:%02d - Ben: see you at the pier\n" % m for m in range(6))
    data = before + b"12/31/23, 21:41 - Ana: short start\n" + b"\n" * 1000 + b"12/31/23, 21:42 - Ben: fine here\n"
    records = list(read_stream(io.BytesIO(data), "chat.txt"))
    assert [(r.index, r.line, r.error is not None) for r in records][6:] == [(7, 7, True), (8, 1008, False)]
    assert "the message is 1,001 lines (1,035 bytes), more than one record may hold" in str(records[6].error)


def test_a_chats_dates_are_read_once_a_day_not_three_times_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each message's date had been read three ways to learn the chat's order and once more for its time: a 35 MB chat
    # took 13.2 s to classify where it had taken 8.8 s before the dates were read.
    read: list[str] = []
    day = whatsapp_dates._day
    monkeypatch.setattr(whatsapp_dates, "_day", lambda match, order: read.append(order) or day(match, order))
    data = "".join(f"{d}/03/23, 10:{m:02d} - Ana: the ferry leaves at six\n" for d in (30, 31) for m in range(60)).encode()
    records = list(read_stream(io.BytesIO(data), "chat.txt"))
    assert [r.data["time"] for r in records][::60] == ["2023-03-30T10:00:00", "2023-03-31T10:00:00"]
    assert len(read) <= 8


def test_an_ios_chat_with_lines_ended_by_cr_alone_is_refused_not_read_as_one_message() -> None:
    data = b"[31/12/2023, 21:41:09] Ana: the tide turns at noon\r[31/12/2023, 21:42:09] Ben: rowing out at nine\r"
    with pytest.raises(InputError, match="CR alone"):
        list(read_stream(io.BytesIO(data), "_chat.txt"))


def test_cli_notes_whatsapp_and_gives_every_message_its_line(tmp_path: Path, small_model_path: Path) -> None:
    path = write(tmp_path, "WhatsApp Chat with Boat Club.txt", ANDROID)
    result = runner.invoke(app, ["classify", str(path), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], o["label"] is None) for o in out] == [(1, True), (2, False), (3, True), (4, True), (5, False)]
    assert "read as WhatsApp chat" in result.stderr


def test_input_format_lines_still_reads_a_chat_line_by_line(tmp_path: Path) -> None:
    path = write(tmp_path, "chat.txt", ANDROID)
    assert len(posts(path, input_format="lines")) == len(ANDROID.splitlines())


# Discord data package -------------------------------------------------------------------------


def test_discord_package_messages_csv_reads_contents_and_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "messages.csv",
        "ID,Timestamp,Contents,Attachments\n"
        '1190000000000000001,2023-12-31 21:41:05.123000+00:00,"the rehearsal moved to thursday\nsame room",\n'
        "1190000000000000002,2023-12-31 21:42:05.123000+00:00,,https://cdn.discordapp.com/attachments/1/2/flyer.png\n",
    )
    assert posts(path) == [("1190000000000000001", "the rehearsal moved to thursday\nsame room"), ("1190000000000000002", None)]


def test_discord_package_messages_json_reads_contents_and_id(tmp_path: Path) -> None:
    records = [{"ID": 1190000000000000001, "Timestamp": "2023-12-31 21:41:05", "Contents": "bring your own music stand", "Attachments": ""}]
    path = write(tmp_path, "messages.json", json.dumps(records))
    assert posts(path) == [(1190000000000000001, "bring your own music stand")]


# A package as Discord sends it (unzipped): the channel list, one folder per channel (the older
# messages.csv and the newer messages.json), and folders about the account that hold no posts.
DISCORD_PACKAGE = {
    "README.txt": "Welcome to your invented data package.\n",
    "account/user.json": '{"id": "5", "username": "oarsman_ivo", "relationships": []}',
    "activity/reporting/events-2023-00000-of-00001.json": '{"event_type": "launch_game", "event_id": "e1"}\n',
    "messages/index.json": '{"111": "general in Harbour Rowing", "222": "Direct Message with tamsin#0"}',
    "messages/c111/channel.json": '{"id": "111", "type": 0, "name": "general", "guild": {"id": "900", "name": "Harbour Rowing"}}',
    "messages/c111/messages.csv": "ID,Timestamp,Contents,Attachments\n"
    "1001,2023-03-01 10:00:00.000000+00:00,the boathouse opens at seven,\n"
    "1002,2023-03-01 10:05:00.000000+00:00,,https://cdn.discordapp.com/attachments/1/2/map.png\n",
    "messages/c222/channel.json": '{"id": "222", "type": 1, "recipients": ["5", "6"]}',
    "messages/c222/messages.json": '[{"ID": 2001, "Timestamp": "2023-04-02 08:00:00", "Contents": "can you bring the spare oar", '
    '"Attachments": ""}]',
    "servers/index.json": '{"900": "Harbour Rowing"}',
    "servers/900/guild.json": '{"id": "900", "name": "Harbour Rowing"}',
}


def discord_package(root: Path) -> Path:
    for name, text in DISCORD_PACKAGE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_discord_package_folder_reads_every_channels_messages_and_passes_over_the_rest_with_a_note(
    tmp_path: Path, small_model_path: Path
) -> None:
    # channel.json, index.json and account/user.json had been read as posts: "no text field found", exit 1.
    package = discord_package(tmp_path / "package")
    result = runner.invoke(app, ["classify", str(package), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    csv, js = str(package / "messages" / "c111" / "messages.csv"), str(package / "messages" / "c222" / "messages.json")
    assert [(o["id"], o["source"], o["label"] is None) for o in out] == [("1001", csv, False), ("1002", csv, True), (2001, js, False)]
    assert out[1]["reason"] == "'Contents' is empty"
    counted = "account/ (1), activity/ (1), channel.json and index.json (3), servers/ (2)"
    assert result.stderr.splitlines()[0] == f"skipped 7 files of the Discord data package that hold no messages: {counted}"


def test_a_file_of_ones_own_beside_a_discord_package_is_read_as_a_folders_file_is(tmp_path: Path, small_model_path: Path) -> None:
    package = discord_package(tmp_path / "package")
    (package / "my_posts.jsonl").write_text('{"id": "m1", "text": "rowing at dawn"}\n', encoding="utf-8")
    result = runner.invoke(app, ["classify", str(package), "--model", str(small_model_path), "-q"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1001", "1002", 2001, "m1"]


def test_discord_package_zip_reads_like_the_folder(tmp_path: Path) -> None:
    package = discord_package(tmp_path / "package")
    archive = tmp_path / "package.zip"
    archive.write_bytes(zipped({name: text.encode("utf-8") for name, text in DISCORD_PACKAGE.items()}))
    read = list(smclass.read(archive))
    assert [(post["id"], post["text"]) for post in read] == posts(package)
    assert [post["source"] for post in read] == [f"{archive}!messages/c111/messages.csv"] * 2 + [f"{archive}!messages/c222/messages.json"]
    assert posts(package) == [("1001", "the boathouse opens at seven"), ("1002", None), (2001, "can you bring the spare oar")]
    # Its messages folder alone, or one channel's folder, is read the same way.
    assert posts(package / "messages") == posts(package)
    assert posts(package / "messages" / "c111") == posts(package)[:2]


def test_a_discord_package_one_folder_down_is_read_as_the_package(tmp_path: Path, small_model_path: Path) -> None:
    # A folder holding the unzipped package (or a zip made of that folder): its account/user.json had stopped the run, exit 1.
    package = discord_package(tmp_path / "exports" / "package")
    result = runner.invoke(app, ["classify", str(tmp_path / "exports"), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["1001", "1002", 2001]
    counted = "account/ (1), activity/ (1), channel.json and index.json (3), servers/ (2)"
    assert result.stderr.splitlines()[0] == f"skipped 7 files of the Discord data package that hold no messages: {counted}"
    archive = tmp_path / "package.zip"
    archive.write_bytes(zipped({f"package/{name}": text.encode("utf-8") for name, text in DISCORD_PACKAGE.items()}))
    assert [(post["id"], post["text"]) for post in smclass.read(archive)] == posts(package)


def test_a_folder_that_only_looks_like_a_discord_package_is_read_as_a_folder(tmp_path: Path) -> None:
    # Any channel.json beside a messages.csv had made an export of it: index.json and servers/ skipped unsaid.
    names = ["chat/channel.json", "chat/messages.csv", "index.json", "servers/posts.jsonl"]
    assert folders.contents(names).export is None
    package = ["messages/index.json", "messages/c1/channel.json", "messages/c1/messages.csv", "servers/index.json", "index.json"]
    held = folders.contents(package)
    assert held.export == "discord"
    known, other = discord.package_parts([n for n in held.files if n not in discord.message_files(held.files)])
    assert (known, other) == ({"channel.json and index.json": 2, "servers/": 1}, ["index.json"])


# Reddit GDPR export (already read right: kept here so it stays so) ------------------------------


def test_reddit_gdpr_posts_csv_reads_title_and_body(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "posts.csv",
        "id,permalink,date,ip,subreddit,gildings,title,url,body\n"
        "p9,https://www.reddit.com/r/sailing/comments/p9/x/,2023-12-31 21:41:05 UTC,,sailing,0,"
        "Mooring fees went up,https://www.reddit.com/r/sailing/comments/p9/x/,The marina wrote to us last week.\n",
    )
    assert posts(path) == [("p9", "Mooring fees went up\n\nThe marina wrote to us last week.")]


def test_reddit_gdpr_comments_csv_reads_body(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "comments.csv",
        "id,permalink,date,ip,subreddit,gildings,link,parent,body,media\n"
        "k7,https://www.reddit.com/r/sailing/comments/p9/x/k7/,2023-12-31 21:41:05 UTC,,sailing,0,"
        'https://www.reddit.com/r/sailing/comments/p9/x/,t3_p9,"Ours too, by a third",\n',
    )
    assert posts(path) == [("k7", "Ours too, by a third")]


def test_the_lines_under_a_system_line_are_kept_in_its_event(tmp_path: Path) -> None:
    chat = write(
        tmp_path,
        "_chat.txt",
        "12/31/23, 21:41 - Ana: hello all\n12/31/23, 21:42 - Ana changed the group description\n"
        "New rules:\nbe kind to each other\n12/31/23, 21:43 - Bo: ok\n",
    )
    read = list(smclass.read(chat))
    assert [post["text"] for post in read] == ["hello all", None, "ok"]
    assert read[1]["record"]["event"] == "Ana changed the group description\nNew rules:\nbe kind to each other"


def test_dated_lines_where_no_one_speaks_are_plain_lines_not_a_chat(tmp_path: Path) -> None:
    diary = write(tmp_path, "diary.txt", "12/31/23, 21:41 - went to the gym\n12/31/23, 22:10 - ate dinner\nfelt great\n")
    assert [text for _, text in posts(diary)] == [
        "12/31/23, 21:41 - went to the gym",
        "12/31/23, 22:10 - ate dinner",
        "felt great",
    ]
