from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app
from smclass.reading import fields, ids
from smclass.reading.inputs import read_path
from smclass.reading.plan import plan_input
from smclass.run.stream import Options

EXPORTS = Path(__file__).resolve().parent / "fixtures" / "exports"


def posts(path: Path) -> list[tuple[object, str | None]]:
    """(id, text) of every record as the classifier would see them."""
    records = list(read_path(str(path)))
    plan = plan_input(records[:100], Options())
    out = []
    for record in records:
        assert record.error is None
        text, _ = fields.record_text(record, plan.text)
        out.append((ids.record_id(record, plan.id_field), text))
    return out


def test_x_archive_tweets_js() -> None:
    got = posts(EXPORTS / "tweets.js")
    assert [i for i, _ in got] == ["1500000000000000001", "1500000000000000002", "1500000000000000003"]
    assert got[1][1] == '@NorthRail your 08:12 has been "delayed" for 40 minutes &amp; counting'
    assert got[2][1] is not None and got[2][1].startswith("RT @CityFoodBank: We need drivers")


def test_x_api_v1_takes_the_untruncated_text() -> None:
    got = posts(EXPORTS / "twitter_v1.jsonl")
    full = "Council votes 7-2 to close the Mill Lane library branch at the end of June, citing a budget gap of 1.2 million"
    assert got == [
        ("1600000000000000001", full),
        ("1600000000000000002", f"RT @valleygazette: {full}"),
        ("1600000000000000003", "short one from an old client"),
    ]


def test_x_api_v2_pages_give_one_record_per_tweet() -> None:
    got = posts(EXPORTS / "twarc2.jsonl")
    assert [i for i, _ in got] == ["1700000000000000001", "1700000000000000002", "1700000000000000003"]
    assert got[1][1] is not None and got[1][1].endswith("river cleanup on Sunday, bring gloves")
    lines = [r.line for r in read_path(str(EXPORTS / "twarc2.jsonl"))]
    assert lines == [1, 1, 2]


def test_snscrape_raw_content_and_content() -> None:
    assert posts(EXPORTS / "snscrape.jsonl") == [
        (1, "happy new year from a very cold balcony"),
        (2, "older snscrape versions called the text content"),
    ]


def test_snscrape_retweet_is_read_from_the_full_original_not_its_cut_text() -> None:
    ferry = (
        "The ferry timetable changes on Monday: the 07:40 becomes 07:25, the last boat back leaves at 22:10 instead of 23:00,"
        " and weekend sailings move to the north pier while the south pier is repaired"
    )
    seeds = (
        "Reminder that the allotment society's seed swap is this Saturday from ten until two in the church hall,"
        " bring labelled envelopes and anything you grew too much of last year"
    )
    assert posts(EXPORTS / "snscrape_retweets.jsonl") == [
        (3, f"RT @harbourlights: {ferry}"),
        (4, f"RT @greenplots: {seeds}"),  # older snscrape: content, in the retweet and in its original
        (5, "quoting this because the north pier has no shelter at all"),  # a quote keeps its own words
    ]


def test_mastodon_outbox_strips_html_and_keeps_boosts() -> None:
    got = posts(EXPORTS / "outbox.json")
    assert got[0] == (
        "https://social.example/users/rin/statuses/101",
        "Finished my first sourdough loaf & it actually rose!\nPhotos tomorrow",
    )
    assert got[1] == ("https://social.example/users/rin/statuses/102/activity", None)
    assert got[2][1] == "Our tenants' union meets Thursday 7pm at the library. Bring a neighbour! #housing"


def test_mastodon_api_statuses_take_the_boosted_text() -> None:
    got = posts(EXPORTS / "mastodon_statuses.json")
    assert got == [
        ("110000000000000001", "Is anyone else's @help app down?\nCan't log in since 9am"),
        # citynews's post that rin boosted: said so, as an X retweet is, where it had been read as rin's own.
        ("110000000000000002", "RT @citynews: Road closures for the marathon: Main St 6am to 2pm"),
    ]


def test_a_mastodon_boost_is_said_to_be_its_authors_post_and_one_without_words_stays_without(tmp_path: Path) -> None:
    def boosted(ident: str, content: str, acct: str) -> dict[str, object]:
        reblog = {"id": "9" + ident, "content": content, "spoiler_text": "", "account": {"acct": acct}}
        return {"id": ident, "uri": f"https://social.example/s/{ident}", "content": "", "reblog": reblog, "account": {"acct": "rin"}}

    path = tmp_path / "statuses.json"
    path.write_text(json.dumps([boosted("1", "<p>Tool library opens Saturday</p>", "bo@other.example"), boosted("2", "", "cy")]))
    assert posts(path) == [("1", "RT @bo@other.example: Tool library opens Saturday"), ("2", None)]


def test_bluesky_author_feed() -> None:
    got = posts(EXPORTS / "bluesky_feed.json")
    assert [i for i, _ in got] == ["at://did:plc:abc123/app.bsky.feed.post/3k1", "at://did:plc:xyz789/app.bsky.feed.post/3k2"]
    # mo.bsky.social reposted it: news.example.com's post, said to be theirs.
    assert got[1][1] == "RT @news.example.com: Parliament passes the housing bill 312-288 after a late-night sitting"


def test_reddit_listing_walks_posts_comments_and_replies() -> None:
    got = posts(EXPORTS / "reddit_listing.json")
    assert [i for i, _ in got] == ["t3_abc1", "t1_c1", "t1_c2"]
    assert got[0][1] == "First batch of cider turned out great\n\nUsed the apples from my grandma's tree.\n\nEdit: recipe in comments"


def test_pushshift_dump_mixes_posts_and_comments() -> None:
    got = posts(EXPORTS / "pushshift.ndjson")
    assert [i for i, _ in got] == ["p1x", "c7y", "p2x"]
    assert got[0][1] is not None and got[0][1].startswith("Landlord kept my deposit\n\nMoved out in May")
    assert got[1][1] == "Send a demand letter first, small claims after."


def test_facebook_posts_fix_the_mojibake() -> None:
    got = posts(EXPORTS / "your_posts_1.json")
    assert got[0] == (1672531200, "Bonne année à tous ! Café with my sister this morning ☕")
    assert got[1] == (1672617600, None)
    assert got[2][1] == "Our street's clean-up is on Saturday at 10, gloves and bags provided, come along!"


def test_linkedin_shares_csv_keeps_multiline_commentary() -> None:
    got = posts(EXPORTS / "Shares.csv")
    assert [i for i, _ in got] == [f"https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A11{n}" for n in (1, 2, 3)]
    assert (
        got[0][1] == "Thrilled to share that I passed my PMP exam!\n\nSix months of early mornings. Thank you to everyone who quizzed me."
    )
    assert got[2][1] is None


def test_slack_export_directory_gives_channel_and_ts_ids() -> None:
    got = posts(EXPORTS / "slack")
    assert [i for i, _ in got] == [
        "general/1684000000.000100",
        "general/1684000100.000200",
        "general/1684090000.000300",
        "ops-incidents/1684001000.000400",
    ]
    assert got[3][1] == "@here checkout API is throwing 502s, rolling back 4.12"


def test_slack_export_zip_reads_like_the_directory(tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "export"), "zip", root_dir=EXPORTS, base_dir="slack")
    assert posts(Path(archive)) == posts(EXPORTS / "slack")


@pytest.mark.parametrize(
    ("name", "count", "shape"),
    [
        ("tweets.js", 3, "X archive tweets (json)"),
        ("twarc2.jsonl", 3, "X API v2 page (jsonl)"),
        ("outbox.json", 3, "ActivityPub outbox (json)"),
        ("snscrape_retweets.jsonl", 3, "snscrape tweet (jsonl)"),
        ("bluesky_feed.json", 2, "Bluesky feed (json)"),
        ("your_posts_1.json", 3, "Facebook posts (json)"),
        ("Shares.csv", 3, "LinkedIn shares (csv)"),
    ],
)
def test_classify_reports_the_shape_and_labels_every_post(small_model_path: Path, name: str, count: int, shape: str) -> None:
    result = CliRunner().invoke(app, ["classify", str(EXPORTS / name), "--model", str(small_model_path)])
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == count
    assert f"read as {shape}, text field" in result.stderr


def test_slack_export_with_a_broken_day_file_names_it(tmp_path: Path, small_model_path: Path) -> None:
    export = Path(shutil.copytree(EXPORTS / "slack", tmp_path / "slack"))
    broken = export / "general" / "2023-05-14.json"
    broken.write_text('[{"type": "message", "text": "cut off', encoding="utf-8")
    result = CliRunner().invoke(app, ["classify", str(export), "--model", str(small_model_path)])
    assert result.exit_code == 1
    # The day before it was read whole: its messages are written first, as for any input that stops.
    assert {json.loads(line)["source"] for line in result.stdout.splitlines()} == {str(export / "general" / "2023-05-13.json")}
    assert "stopped early: 2 results written to stdout\n" in result.stderr
    assert result.stderr.splitlines()[-1].startswith(f"Error: {broken}: invalid JSON (")


def test_slack_keep_fields_gives_the_message_as_slack_wrote_it_and_an_entry_that_is_no_message_is_reported(
    tmp_path: Path, small_model_path: Path
) -> None:
    export = Path(shutil.copytree(EXPORTS / "slack", tmp_path / "slack"))
    day = export / "general" / "2023-05-14.json"
    written = json.loads(day.read_text(encoding="utf-8"))
    day.write_text(json.dumps([*written, "not a message"]), encoding="utf-8")
    model = ["--model", str(small_model_path), "--keep-fields"]
    result = CliRunner().invoke(app, ["classify", str(export), *model, "--on-error", "skip", "--rejects", str(tmp_path / "bad.jsonl")])
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["record"] for row in out if row["id"] == "general/1684090000.000300"] == written
    assert f"skipped {day}: expected a Slack message object, got text" in result.stderr
    assert (tmp_path / "bad.jsonl").read_text(encoding="utf-8") == '"not a message"\n'
    stopped = CliRunner().invoke(app, ["classify", str(export), *model])
    assert stopped.exit_code == 1
    assert stopped.stderr.splitlines()[-1] == f"Error: {day}: expected a Slack message object, got text"
