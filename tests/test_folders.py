"""What a folder holds: the one decision every reader of many files shares (local, zip, Dask)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from smclass.cli import app
from smclass.reading import folders

from .conftest import zipped

runner = CliRunner()


def member_names(folder: Path) -> list[str]:
    return [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]


def test_notes_hidden_files_and_signatures_are_left_out() -> None:
    held = folders.contents(["posts.jsonl", "README.md", "NOTES.MD", ".DS_Store", "sub/.cache", "dump.txt.sig", "old/b.csv"])
    assert held == folders.Contents(("old/b.csv", "posts.jsonl"))


def test_a_datasets_readme_and_license_are_left_out_whatever_their_extension() -> None:
    # README.txt had been read one post per line, each line of the notes labelled.
    names = ["export/posts.jsonl", "export/README.txt", "LICENSE", "Licence.txt", "CHANGELOG.rst", "export/readme_posts.jsonl"]
    assert folders.contents(names) == folders.Contents(("export/posts.jsonl", "export/readme_posts.jsonl"))


def test_a_sqlite_databases_journal_files_are_left_out_and_the_database_read() -> None:
    # posts.db-shm had stopped a folder's run as "a binary file", after the database's own rows.
    names = ["app.db", "app.db-wal", "app.db-shm", "old.sqlite-journal", "old.sqlite", "notes-wal.csv"]
    assert folders.contents(names) == folders.Contents(("app.db", "notes-wal.csv", "old.sqlite"))


def test_data_files_named_like_notes_are_read(small_model_path: Path, tmp_path: Path) -> None:
    # Only the first word of the name was looked at: authors.csv, changes.jsonl and notice.json were left out unsaid.
    names = ["authors.csv", "changes.jsonl", "notice.json", "Changelog.2024.csv", "readme_posts.txt", "LICENSE-MIT", "README.de.txt"]
    names += ["README.txt.gz", "changes.jsonl.gz"]
    read = ("Changelog.2024.csv", "authors.csv", "changes.jsonl", "changes.jsonl.gz", "notice.json", "readme_posts.txt")
    assert folders.contents(names) == folders.Contents(read)
    (tmp_path / "changes.jsonl").write_text('{"id": "c1", "text": "the bakery changed its opening hours"}\n', encoding="utf-8")
    (tmp_path / "authors.csv").write_text("id,text\na1,my book club meets on friday\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", str(tmp_path), "--model", str(small_model_path), "-q"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a1", "c1"]


def test_files_named_like_slack_lists_are_read_in_a_folder_that_is_no_slack_export(small_model_path: Path, tmp_path: Path) -> None:
    # groups.json or dms.json of someone's own scrape holds posts; only a Slack export's reader may pass them over.
    (tmp_path / "groups.json").write_text('[{"id": "g1", "text": "the allotment group meets at ten"}]')
    (tmp_path / "dms.json").write_text('[{"id": "d1", "text": "thanks for the seeds yesterday"}]')
    result = runner.invoke(app, ["classify", str(tmp_path), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["d1", "g1"]


def test_day_files_at_the_top_beside_a_user_list_are_no_slack_export() -> None:
    # Daily scrapes are often named by date; Slack puts its days inside channel folders.
    held = folders.contents(["users.json", "2024-01-01.json", "2024-01-02.json"])
    assert held.export is None and held.files == ("2024-01-01.json", "2024-01-02.json", "users.json")


def test_files_in_hidden_folders_are_left_out_but_a_hidden_folder_named_itself_is_read(small_model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / ".exports"
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "objects" / "3f").write_bytes(b"x\x9c\x01\x00compressed git object")
    (folder / ".git" / "HEAD.json").write_text('{"text": "not a post"}\n')
    (folder / "march.jsonl").write_text('{"text": "the tram strike ends on Monday"}\n')
    result = runner.invoke(app, ["classify", str(folder), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == [str(folder / "march.jsonl")]


def test_members_are_ordered_part_by_part_wherever_their_names_come_from() -> None:
    # A string sort puts "a-c.json" first ('-' sorts before '/'); a folder read by pathlib does not.
    names = ["b.jsonl", "a-c.json", "a/z.json", "a/b.json"]
    assert folders.contents(names).files == ("a/b.json", "a/z.json", "a-c.json", "b.jsonl")
    assert folders.contents(reversed(names)) == folders.contents(names)


def test_numbered_files_are_read_in_the_order_of_their_numbers_in_a_folder_and_a_zip(small_model_path: Path, tmp_path: Path) -> None:
    # By plain name your_posts_10.json came between your_posts_1.json and your_posts_2.json.
    names = ["your_posts_10.jsonl", "your_posts_2.jsonl", "your_posts_1.jsonl"]
    posts = {name: {"id": name.split(".")[0], "text": f"the ferry timetable changed: {name}"} for name in names}
    files = {name: json.dumps(post).encode() + b"\n" for name, post in posts.items()}
    folder = tmp_path / "posts"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (tmp_path / "posts.zip").write_bytes(zipped(files))
    for given in (folder, tmp_path / "posts.zip"):
        result = runner.invoke(app, ["classify", str(given), "--model", str(small_model_path)])
        assert result.exit_code == 0, result.stderr
        assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["your_posts_1", "your_posts_2", "your_posts_10"]


def test_digit_runs_order_as_numbers_and_everything_else_as_before() -> None:
    names = ["inbox/ana_7/message_10.json", "inbox/ana_7/message_2.json", "inbox/ana_7/message_1.json", "part10.csv", "part9.csv"]
    assert folders.contents(names).files == (
        "inbox/ana_7/message_1.json",
        "inbox/ana_7/message_2.json",
        "inbox/ana_7/message_10.json",
        "part9.csv",
        "part10.csv",
    )
    # A digit run sorts against other characters as a digit does; a tie of leading zeros is broken by the name.
    assert folders.contents(["posts2.json", "posts.json", "posts_a.json", "posts_02.json", "posts_2.json"]).files == (
        "posts.json",
        "posts2.json",
        "posts_02.json",
        "posts_2.json",
        "posts_a.json",
    )
    # Slack's days stay in date order.
    days = ["channels.json", "general/2024-10-01.json", "general/2024-09-30.json", "general/2024-01-02.json"]
    in_order = ("channels.json", "general/2024-01-02.json", "general/2024-09-30.json", "general/2024-10-01.json")
    assert folders.contents(days).files == in_order


def test_slack_and_instagram_export_folders_are_one_export_each(fixtures: Path) -> None:
    slack = folders.contents(member_names(fixtures / "exports" / "slack"))
    assert slack.export == "slack"
    assert "channels.json" in slack.files and "general/2023-05-13.json" in slack.files
    assert folders.contents(member_names(fixtures / "exports" / "instagram_export")).export == "instagram"
    # The same day files without a channel list are plain JSON files, read one by one.
    days = folders.contents(["general/2023-05-13.json", "general/2023-05-14.json"])
    assert days.export is None and len(days.files) == 2


def test_a_zip_in_a_folder_is_read_member_by_member_under_its_name(small_model_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"text": "the ferry is running late again"}\n')
    (folder / "b.zip").write_bytes(zipped({"inner.jsonl": b'{"text": "our choir meets on Thursday"}\n', "README.md": b"# notes\n"}))
    result = runner.invoke(app, ["classify", str(folder), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    sources = [json.loads(line)["source"] for line in result.stdout.splitlines()]
    assert sources == [str(folder / "a.jsonl"), f"{folder / 'b.zip'}!inner.jsonl"]


def test_a_zip_where_results_would_not_name_its_members_is_refused_in_one_line(small_model_path: Path, tmp_path: Path) -> None:
    # Each member's positions start at 1 again: without their source two posts would share an id.
    inner = zipped({"x.jsonl": b'{"text": "the library opens late on Fridays"}\n'})
    piped = runner.invoke(app, ["classify", "--model", str(small_model_path)], input=inner)
    assert piped.exit_code == 1
    refused = "a zip archive here (from stdin, a lone URL, or inside another zip) is not opened: unzip it first"
    assert piped.stderr == f"Error: <stdin>: {refused}\n"
    (tmp_path / "outer.zip").write_bytes(zipped({"inner.zip": inner}))
    nested = runner.invoke(app, ["classify", str(tmp_path / "outer.zip"), "--model", str(small_model_path)])
    assert nested.exit_code == 1
    assert nested.stderr == f"Error: {tmp_path / 'outer.zip'}!inner.zip: {refused}\n"


def test_a_chats_attachments_in_a_folder_or_zip_are_skipped_with_one_note_that_counts_them(small_model_path: Path, tmp_path: Path) -> None:
    # A WhatsApp chat exported with media: its first photo had stopped the run as "a binary file", exit 1.
    chat = "12/03/2024, 09:15 - Ana: the choir meets at seven tonight\n12/03/2024, 09:16 - Bo: IMG-0001.jpg (file attached)\n"
    files = {"_chat.txt": chat.encode(), "IMG-0001.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "PTT-0002.opus": b"OggS\x00\x02"}
    files["Bo.vcf"] = b"BEGIN:VCARD\nFN:Bo\nEND:VCARD\n"
    folder = tmp_path / "chat"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    archive = tmp_path / "chat.zip"
    archive.write_bytes(zipped(files))
    for given, first in ((folder, f"{folder}/Bo.vcf"), (archive, f"{archive}!Bo.vcf")):
        result = runner.invoke(app, ["classify", str(given), "--model", str(small_model_path)])
        assert result.exit_code == 0, result.stderr
        assert len(result.stdout.splitlines()) == 2
        kinds = ".vcf (1), .jpg (1), .opus (1)"
        note = f"skipped 3 attachments (photos, video, audio, documents, contact cards), which hold no posts: {kinds} (the first: {first})"
        assert result.stderr.splitlines()[0] == note


def test_a_dask_runs_output_folder_read_back_skips_its_manifest_and_rejects_with_a_note(tmp_path: Path) -> None:
    # report labelled/ on classify --engine dask's output had stopped at _SUCCESS: "no text field found", exit 1.
    out = tmp_path / "labelled"
    out.mkdir()
    kept = [
        {"id": f"p{i}", "label": "Media", "confidence": 0.9, "record": {"id": f"p{i}", "text": f"council votes on budget {i}"}}
        for i in (1, 2)
    ]
    (out / "part-00000.jsonl").write_text("".join(json.dumps(row) + "\n" for row in kept))
    (out / "part-00000.rejects.jsonl").write_text('{"id": "p3", "text": "cut\n')
    (out / "_SUCCESS").write_text(json.dumps({"parts": [{"part": "part-00000.jsonl", "records": 2, "rejects": 1}]}, indent=2) + "\n")
    done = runner.invoke(app, ["report", str(out), "--json"])
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["labels"]["Media"]["count"] == 2
    assert (
        f"skipped {out}/_SUCCESS and 1 rejects file (the first: {out}/part-00000.rejects.jsonl): the manifest of a classify "
        "--engine dask run and the raw records it could not read, not its results; name a rejects file to read it\n"
    ) in done.stderr


def test_a_spark_output_folders_empty_success_marker_is_not_called_a_dask_runs_manifest(tmp_path: Path, small_model_path: Path) -> None:
    # Spark leaves an empty _SUCCESS beside its part files: it had been "the manifest of a classify --engine dask run", exit 0.
    out = tmp_path / "spark"
    out.mkdir()
    (out / "part-00000-3f2a-c000.json").write_text('{"id": 1, "text": "the bridge is closed"}\n')
    (out / "_SUCCESS").write_text("")
    done = runner.invoke(app, ["classify", str(out), "--model", str(small_model_path)])
    assert done.exit_code == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert "dask run" not in done.stderr
    assert f"skipped {out}/_SUCCESS: the marker a finished run leaves (classify --engine dask, Spark, Hadoop), not posts\n" in done.stderr
