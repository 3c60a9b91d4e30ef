"""report compares hashtags, links and accounts in one form each, and never takes a post of one's own for classify's output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from smclass.analyst.items import account_key, hashtags, links
from smclass.cli import app

runner = CliRunner()


def report(rows: list[dict[str, Any]], *args: str) -> dict[str, Any]:
    return report_of(json_lines(rows), *args)


def json_lines(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def report_of(text: str, *args: str) -> dict[str, Any]:
    done = runner.invoke(app, ["report", "--json", "-q", *args], input=text)
    assert done.exit_code == 0, done.stderr
    numbers: dict[str, Any] = json.loads(done.stdout)
    return numbers


def traced(numbers: dict[str, Any]) -> dict[str, int]:
    return {trace["item"]: trace["accounts_in_window"] for trace in numbers["emergent_traces"]}


def uses(texts_by_account: dict[str, str], label: str = "Emergent") -> list[dict[str, Any]]:
    return [
        {"id": i, "author": account, "created_at": f"2024-05-01T1{i}:00:00Z", "text": text, "label": label}
        for i, (account, text) in enumerate(texts_by_account.items())
    ]


@pytest.mark.parametrize("extra", [{"record": {"$type": "app.bsky.feed.post", "text": "x"}}, {"reason": "flagged by a user"}])
def test_raw_posts_with_a_record_or_reason_field_are_classified_not_taken_for_results(extra: dict[str, Any]) -> None:
    rows = [{"id": i, "text": f"Sign the petition to save the park, day {i}", **extra} for i in range(3)]
    numbers = report(rows)
    assert numbers["labels_from"] == "model"
    assert numbers["labelled"] == 3 and numbers["no_label"] == {}


def test_hashtags_are_one_tag_however_their_letters_are_composed_or_cased() -> None:
    assert hashtags("Rendez-vous au #caf\u00e9 ce soir") == hashtags("Moi aussi #cafe\u0301!") == {"caf\u00e9"}
    assert hashtags("#\uff2d\uff45\uff34\uff4f\uff4f") == hashtags("#METOO") == {"metoo"}  # fullwidth letters


def test_hashtags_keep_the_combining_marks_of_their_script_whole() -> None:
    hindi = "\u0939\u093f\u0902\u0926\u0940"
    assert hashtags(f"\u0906\u091c #{hindi} \u0926\u093f\u0935\u0938") == {hindi}
    tamil = ["\u0ba4\u0bae\u0bbf\u0bb4\u0bcd", "\u0ba4\u0bae\u0bcd\u0baa\u0bbf", "\u0ba4\u0bae\u0bbf\u0bb4\u0bcd\u0ba8\u0bbe\u0b9f\u0bc1"]
    assert [hashtags(f"#{tag}") for tag in tamil] == [{tag} for tag in tamil]  # three tags, not one cut short


def test_hashtags_keep_a_zero_width_joiner_or_non_joiner_inside_them_and_two_such_tags_stay_two() -> None:
    rights, women = "\u062d\u0642\u0648\u0642\u200c\u0628\u0634\u0631", "\u062d\u0642\u0648\u0642\u200c\u0632\u0646\u0627\u0646"
    assert hashtags(f"#{rights} \u0648 #{women}") == {rights, women}
    sinhala = "\u0dc1\u0dca\u200d\u0dbb\u0dd3\u0dbd\u0d82\u0d9a\u0dcf"
    assert hashtags(f"#{sinhala}") == {sinhala}
    assert hashtags("#rally\u200d and #march\u200c") == {"rally", "march"}  # never a tag's last character
    posts = [f"#{rights}", f"#{rights}!", f"#{rights} now", f"#{women}", f"#{women}.", f"#{women} too"]
    numbers = report(uses({f"acct{i}": text for i, text in enumerate(posts)}))
    assert traced(numbers) == {f"#{rights}": 3, f"#{women}": 3}


def test_hashtags_keep_the_marks_scripts_join_words_with() -> None:
    hebrew = "\u05e6\u05d4\u05f4\u05dc"  # gershayim inside an acronym
    katakana = "\u30ab\u30d5\u30a7\u30fb\u30e9\u30c6"  # a middle dot between two words
    thai = "\u0e23\u0e31\u0e01\u0e29\u0e4c\u0e42\u0e25\u0e01"  # vowel and tone marks above the letters
    tibetan = "\u0f56\u0f7c\u0f51\u0f0b\u0f61\u0f72\u0f42"  # the tsheg between syllables
    assert [hashtags(f"#{tag} ok") for tag in (hebrew, katakana, thai, tibetan)] == [{hebrew}, {katakana}, {thai}, {tibetan}]
    assert hashtags("#\u05e6\u05d4\u05f4 x") == {"\u05e6\u05d4"}


def test_a_number_is_no_hashtag_and_a_link_fragment_is_none_in_any_case() -> None:
    assert hashtags("We were #1 in #2024, thanks #team2024") == {"team2024"}
    assert hashtags("see HTTPS://EXAMPLE.ORG/#Vote and www.ex.org/#wwwtag") == set()


def test_links_are_found_in_any_case_and_without_what_surrounds_them() -> None:
    text = (
        'read "https://ex.org/u", <https://ex.org/v>, https://ex.org/w\U0001f525 and '
        "(see https://en.wikipedia.org/wiki/Mutual_aid_(organization_theory)) or HTTPS://EXAMPLE.ORG/#Vote."
    )
    assert links(text) == {
        "https://ex.org/u",
        "https://ex.org/v",
        "https://ex.org/w",
        "https://en.wikipedia.org/wiki/Mutual_aid_(organization_theory)",
        "https://example.org/#Vote",
    }


@pytest.mark.parametrize(
    "text",
    [
        "\u770b https://ex.org/p\u3002",
        "https://ex.org/p\uff0c\u5f88\u597d",
        "\u300chttps://ex.org/p\u300d",
        "\u300ehttps://ex.org/p\u300f\u3001",
        "\u3010https://ex.org/p\u3011",
        "\uff08https://ex.org/p\uff09",
        "\u300ahttps://ex.org/p\u300b",
        "https://ex.org/p\uff1b https://ex.org/p\uff1a https://ex.org/p\uff01 https://ex.org/p\uff1f",
        "voir \u00abhttps://ex.org/p\u00bb",
        "\u201chttps://ex.org/p\u201d",
        "https://ex.org/p\u200bnext",
        # Arabic comma and question mark, the Devanagari danda, an ellipsis glued to the link.
        "https://ex.org/p\u060c \u0634\u0643\u0631\u0627",
        "https://ex.org/p\u061f",
        "https://ex.org/p\u0964 \u0927\u0928\u094d\u092f\u0935\u093e\u0926",
        "https://ex.org/p\u2026",
    ],
)
def test_a_link_ends_at_cjk_punctuation_guillemets_and_zero_width_spaces(text: str) -> None:
    assert links(text) == {"https://ex.org/p"}


def test_one_link_followed_by_cjk_punctuation_is_one_trace() -> None:
    posts = ["https://ex.org/p\u3002", "https://ex.org/p\uff0c\u5f88\u597d", "\u00abhttps://ex.org/p\u00bb"]
    numbers = report(uses({f"acct{i}": text for i, text in enumerate(posts)}))
    assert traced(numbers) == {"https://ex.org/p": 3}


def test_one_account_written_four_ways_is_one_account_and_makes_no_trace() -> None:
    assert {account_key(a) for a in ["Alice", "alice", "@alice", " alice "]} == {"alice"}
    rows = [
        {"id": i, "author": a, "created_at": f"2024-05-01T1{i}:00:00Z", "text": "Sign it #SaveThePark", "label": "Emergent"}
        for i, a in enumerate(["Alice", "alice", "@alice", " alice "])
    ]
    numbers = report(rows)
    assert numbers["emergent_traces"] == [] and numbers["groups"]["count"] == 1


def test_account_and_time_fields_are_matched_without_regard_to_case(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Timestamp,Username,Full Text,label\n"
        "2024-05-01 10:00:00,ann,Sign the petition #SaveThePark,Emergent\n"
        "2024-05-01 11:00:00,bob,Join us #SaveThePark,Emergent\n"
        "2024-05-01 12:00:00,cat,Volunteers needed #SaveThePark,Emergent\n"
    )
    done = runner.invoke(app, ["report", "--json", "-q", str(path)])
    numbers = json.loads(done.stdout)
    assert numbers["timed"] == 3 and traced(numbers) == {"#savethepark": 3}


def test_a_shouting_link_is_a_link_trace_not_a_hashtag() -> None:
    numbers = report(uses({a: "see HTTPS://EXAMPLE.ORG/#Vote" for a in ["jo", "ken", "lee"]}, label="Media"))
    assert traced(numbers) == {"https://example.org/#Vote": 3}


def test_uses_without_a_time_are_in_no_window_where_other_posts_carry_times() -> None:
    rows = uses({"a": "#alpha go", "b": "#alpha go"})
    rows += [{"id": 10 + i, "author": a, "text": "#beta go", "label": "Emergent"} for i, a in enumerate("def")]
    numbers = report(rows, "--min-accounts", "3")
    assert "#beta" not in traced(numbers)
    assert any("left out of labels over time and of the traces' windows" in note for note in numbers["notes"])


def test_a_retweeted_handle_or_a_hashtag_is_no_typical_word() -> None:
    rows = [{"id": i, "text": "RT @cityhall: water main repaired #update", "label": "Media"} for i in range(3)]
    rows += [{"id": 10 + i, "text": "my cat sleeps all day", "label": "Personal"} for i in range(3)]
    typical = report(rows)["typical"]["Media"]
    assert typical == {"words": ["water", "repaired", "main"], "hashtags": ["update"]}


def test_untimed_collections_still_count_traces_over_the_whole_collection() -> None:
    rows = [{"id": i, "author": a, "text": "#beta go", "label": "Emergent"} for i, a in enumerate("def")]
    assert traced(report(rows)) == {"#beta": 3}


def test_typical_words_are_only_those_more_frequent_in_the_label_than_elsewhere() -> None:
    rows = [{"id": k, "text": "sign the petition" + (" weather" if k < 3 else ""), "label": "Emergent"} for k in range(10)]
    rows += [{"id": 100 + k, "text": "lovely weather today", "label": "Personal"} for k in range(50)]
    typical = report(rows)["typical"]
    assert "weather" not in typical["Emergent"]["words"] and "weather" in typical["Personal"]["words"]


def test_weeks_start_on_mondays() -> None:
    days = ["2024-01-01", "2024-03-14", "2024-06-20"]  # a Monday, a Thursday, a Thursday
    rows = [{"id": i, "created_at": f"{d}T12:00:00Z", "text": "news", "label": "Media"} for i, d in enumerate(days)]
    over = report(rows)["over_time"]
    assert over["unit"] == "week"
    assert [b["start"] for b in over["buckets"]] == ["2024-01-01T00:00:00Z", "2024-03-11T00:00:00Z", "2024-06-17T00:00:00Z"]


def test_the_page_shows_shares_rounded_once(tmp_path: Path) -> None:
    rows = [{"id": i, "author": f"u{i}", "text": "hello there friends", "label": "Emergent" if i < 4 else "Personal"} for i in range(21)]
    page = tmp_path / "report.html"
    done = runner.invoke(app, ["report", "-q", "-o", str(page)], input="".join(json.dumps(r) + "\n" for r in rows))
    assert done.exit_code == 0, done.stderr
    assert "<td>Emergent</td><td>4</td><td>19.0%</td>" in page.read_text()  # 4/21 = 19.05%; 0.1905 rounded again was 19.1%


def test_bluesky_post_views_give_their_handles_and_times_to_the_traces() -> None:
    rows = [
        {
            "uri": f"at://did:plc:{n}/app.bsky.feed.post/{n}",
            "author": {"did": f"did:plc:{n}", "handle": f"{name}.bsky.social"},
            "record": {"$type": "app.bsky.feed.post", "text": f"{verb} #SaveThePark", "createdAt": f"2024-05-01T1{n}:00:00.000Z"},
        }
        for n, (name, verb) in enumerate([("ann", "Sign the petition"), ("bob", "Join the fundraiser"), ("cat", "Volunteer at")])
    ]
    numbers = report(rows)
    assert numbers["labels_from"] == "model" and numbers["timed"] == 3
    assert traced(numbers) == {"#savethepark": 3}


def test_www_inside_a_word_starts_no_link() -> None:
    assert links("Awww.#cute puppy, awww.so sweet") == set() and hashtags("Awww.#cute puppy") == {"cute"}
    assert links("see www.ex.org/a. or (www.ex.org)") == {"www.ex.org/a", "www.ex.org"}
    assert links("Check it out...www.shop.example") == {"www.shop.example"}
    assert links("visit sub.www.example.com/page") == set()


def test_report_says_how_many_traces_it_found_when_it_shows_only_the_first_25() -> None:
    rows = [row for tag in range(27) for row in uses({f"user{n}": f"Rally today #cause{tag}" for n in range(3)})]
    numbers = report(rows)
    assert len(numbers["emergent_traces"]) == 25
    assert "the Emergent traces show the 25 taken up by the most accounts of 27 found" in numbers["notes"]
    assert not any("Emergent traces show" in note for note in report(rows[:75])["notes"])  # 25 found, all shown


def skeet(n: int, handle: str) -> dict[str, Any]:
    """A Bluesky feed item, as an export keeps it."""
    text = f"Bring gloves to the canal clean-up #cleancanal {n}"
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": f"2024-05-01T1{n}:00:00Z"}
    return {"post": {"uri": f"at://did:plc:{n}/app.bsky.feed.post/{n}", "author": {"handle": handle}, "record": record}}


def test_report_reads_kept_platform_entries_as_classify_read_them() -> None:
    tweet = {"tweet": {"id_str": "9", "full_text": "Canal clean-up at noon #CleanCanal", "created_at": "Wed May 01 15:00:00 +0000 2024"}}
    kept = [skeet(n, handle) for n, handle in enumerate(["ana.bsky.social", "ben.bsky.social", "cy.bsky.social"])] + [tweet]
    # What `classify --keep-fields` writes: before, report looked for the text in "post" and stopped (exit 1).
    numbers = report([{"id": i, "label": "Emergent", "confidence": 0.9, "record": record} for i, record in enumerate(kept)])
    assert numbers["labels_from"] == "posts" and numbers["timed"] == 4
    assert numbers["groups"]["count"] == 3  # the archive's tweets name no account
    assert traced(numbers) == {"#cleancanal": 3}
    assert numbers["typical"]["Emergent"]["hashtags"] == ["cleancanal"]


def test_report_reads_a_platform_entry_kept_in_classify_csv_as_classify_read_it(small_model_path: Path) -> None:
    feed = json.dumps({"feed": [skeet(n, handle) for n, handle in enumerate(["ana.bsky.social", "ben.bsky.social", "cy.bsky.social"])]})
    classify = ["classify", "-", "--keep-fields", "--format", "csv", "--model", str(small_model_path), "-q"]
    results = runner.invoke(app, classify, input=feed).stdout
    numbers = report_of(results)
    # Before, the post's JSON text was read as its words: "uri", "type" and "handle" were typical, and no time or account was found.
    assert numbers["timed"] == 3 and numbers["groups"]["count"] == 3
    assert traced(numbers) == {"#cleancanal": 3}
    assert not {"uri", "type", "handle"} & {word for label in numbers["typical"].values() for word in label["words"]}


def test_report_reads_a_facebook_post_kept_in_classify_csv_as_classify_read_it(small_model_path: Path) -> None:
    # Its "timestamp" is digits in CSV, where the shape asks for a number: the entry's title ("Ana updated her
    # status.") had been read as its words, "updated", "status" and "ana" typical, and no time found (exit 0).
    title = "Ana updated her status."
    posts = [{"post": f"Bring gloves to the canal clean-up {n}"} for n in range(4)]
    entries = [{"timestamp": 1714550400 + 60 * n, "data": [post], "title": title} for n, post in enumerate(posts)]
    classify = ["classify", "-", "--keep-fields", "--format", "csv", "--model", str(small_model_path), "-q"]
    results = runner.invoke(app, classify, input=json.dumps(entries)).stdout
    numbers = report_of(results)
    assert numbers["timed"] == 4
    words = {word for label in numbers["typical"].values() for word in label["words"]}
    assert {"gloves", "canal"} <= words and not {"updated", "status"} & words


def test_a_bluesky_repost_is_the_reposters_use_of_the_tag_at_the_reposts_time() -> None:
    original = skeet(0, "ana.bsky.social")["post"]
    # Feeds of three accounts, each reposting Ana's post a day after she wrote it.
    reason = {"$type": "app.bsky.feed.defs#reasonRepost", "indexedAt": "2024-05-02T10:00:00Z"}
    reposts = [{"post": original, "reason": {**reason, "by": {"handle": f"{h}.bsky.social"}}} for h in ("ben", "cy", "dee")]
    numbers = report([{"post": original}, *reposts], "--model", "default")
    # Before, each repost was Ana's, at her post's time: one account, no trace (exit 0).
    assert numbers["groups"]["count"] == 4
    assert traced(numbers) == {"#cleancanal": 4}
    assert numbers["emergent_traces"][0]["last"] == "2024-05-02T10:00:00Z"


def test_mastodon_statuses_name_the_account_that_posted_or_boosted_them() -> None:
    post = {"id": "1", "url": "https://social.example/@ana/1", "created_at": "2024-05-01T10:00:00Z", "account": {"acct": "ana"}}
    post["content"] = "<p>Bring gloves to the canal clean-up <a href='https://social.example/tags/CleanCanal'>#CleanCanal</a></p>"
    boost = {"url": None, "created_at": "2024-05-01T11:00:00Z", "content": "", "reblog": post}
    boosts = [{**boost, "id": acct, "uri": f"https://b.example/{acct}", "account": {"acct": acct}} for acct in ["ben", "cy@o.example"]]
    numbers = report([post, {**post, "id": "9", "account": {"acct": "dee"}}, *boosts], "--model", "default")
    # Before, no status named an account: "no record names an account ...: no Emergent traces", exit 0.
    assert numbers["groups"]["count"] == 4
    assert traced(numbers) == {"#cleancanal": 4}


def test_a_whatsapp_group_chat_names_its_senders_as_accounts() -> None:
    chat = "".join(f"5/1/24, 10:0{n} - {name}: Gloves for the canal clean-up #CleanCanal\n" for n, name in enumerate(["Ana", "Bo", "Cy"]))
    numbers = report_of(chat, "--model", "default")
    # Before, no message named an account: "no record names an account ...: no Emergent traces", exit 0.
    assert numbers["groups"]["count"] == 3
    assert traced(numbers) == {"#cleancanal": 3}


def test_a_whatsapp_chat_is_timed_day_or_month_first_as_its_dates_show_and_never_by_a_guess(small_model_path: Path) -> None:
    def chat(stamps: list[str]) -> str:
        return "".join(
            f"{stamp} - {name}: Gloves for the canal clean-up #CleanCanal\n"
            for stamp, name in zip(stamps, ["Ana", "Bo", "Cy"], strict=True)
        )

    model = ["--model", str(small_model_path)]
    day_first = chat(["03/04/23, 10:15", "03/04/23, 22:40", "13/04/23, 09:00"])
    kept = runner.invoke(app, ["classify", "-", "--keep-fields", *model, "-q"], input=day_first).stdout
    month_first = chat(["4/3/23, 10:15 AM", "4/3/23, 10:40 PM", "4/13/23, 9:00 AM"])
    # Before, each came out as 'no record carries a timestamp (3 with a time in a form smclass cannot read, such as
    # '03/04/23, 10:15')', exit 0.
    for numbers in (report_of(day_first, *model), report_of(kept), report_of(month_first, *model)):
        assert (numbers["first"], numbers["last"], numbers["timed"]) == ("2023-04-03T10:15:00Z", "2023-04-13T09:00:00Z", 3)
    # No day over 12 in the chat: the 3rd of April or the 4th of March, left unread and said why; nor is 23-04-13 read
    # as the 23rd of April 2013, when it may be 2023-04-13, as French Canada writes it.
    assert report_of(chat(["23-04-13, 10:15", "23-04-14, 22:40", "23-04-15, 09:00"]), *model)["timed"] == 0
    numbers = report_of(chat(["03/04/23, 10:15", "03/04/23, 22:40", "05/04/23, 09:00"]), *model)
    assert numbers["timed"] == 0
    assert (
        "'03/04/23, 10:15', a date in a locale's order, which smclass reads only in a WhatsApp chat whose dates show which number is"
        in numbers["notes"][0]
    )


def test_a_telegram_chat_is_timed_by_date_unixtime_not_by_its_zoneless_local_date(small_model_path: Path) -> None:
    # Exported at UTC+1: each date is an hour ahead of the moment date_unixtime gives (1714557600 is 2024-05-01T10:00:00Z).
    messages = [
        {"id": n, "type": "message", "date": f"2024-05-01T11:0{n}:00", "date_unixtime": str(1714557600 + 60 * n), "from": name,
         "text": f"Gloves for the canal clean-up #CleanCanal {n}"}
        for n, name in enumerate(["Ana", "Bo", "Cy"])
    ]  # fmt: skip
    chat = json.dumps({"name": "Canal", "type": "private_group", "id": 7, "messages": messages})
    classify = ["classify", "-", "--keep-fields", "--model", str(small_model_path), "-q"]
    kept = runner.invoke(app, classify, input=chat).stdout
    for numbers in (report_of(chat, "--model", str(small_model_path)), report_of(kept)):
        # Before, both read the local dates as UTC: first 2024-05-01T11:00:00Z, an hour late, exit 0.
        assert (numbers["first"], numbers["last"], numbers["timed"]) == ("2024-05-01T10:00:00Z", "2024-05-01T10:02:00Z", 3)
        assert not any("no time zone" in note for note in numbers["notes"])


def test_one_link_with_its_host_in_another_case_is_one_trace() -> None:
    posts = ["Sign it: Www.Petitions.example/p/SaveThePark", "www.petitions.example/p/SaveThePark", "WWW.PETITIONS.EXAMPLE/p/SaveThePark"]
    numbers = report(uses({f"user{n}": text for n, text in enumerate(posts)}))
    # Before, three links (a phone capitalises a sentence's first letter), no trace, exit 0; the path keeps its case.
    assert traced(numbers) == {"www.petitions.example/p/SaveThePark": 3}
    assert links("https://Ex.ORG/Page HTTPS://ex.org/page") == {"https://ex.org/Page", "https://ex.org/page"}


def test_a_hashtag_cut_short_by_an_ellipsis_is_no_trace_and_is_said() -> None:
    text = "the best way to help is to stay home and off the roads! #floodwatch #riverfl"
    posts = {"orig": f"{text}ow", **{f"user{n}": f"RT @orig: {text}\u2026" for n in range(3)}}
    numbers = report(uses(posts))
    # Before, each retweet cut the same tag alike: #riverfl was a trace of 3 accounts that no one used, exit 0.
    assert traced(numbers) == {"#floodwatch": 4}
    assert "3 hashtags glued to an ellipsis, such as #riverfl\u2026, are not counted" in " ".join(numbers["notes"])
    assert hashtags("Good morning #Monday... and #week\u2026 ends") == {"monday"}


def test_the_keycap_emoji_is_no_hashtag() -> None:
    posts = {f"user{n}": "\u0023\ufe0f\u20e3 Step one: bring gloves to the canal clean-up" for n in range(3)}
    # Before, its variation selector and keycap were read as a tag: a trace of 3 accounts of the emoji #️⃣, exit 0.
    assert traced(report(uses(posts))) == {}
    assert hashtags("\u0023\ufe0f\u20e3Vote and #\u20e3 but #Vote") == {"vote"}


def test_one_ideograph_or_hangul_syllable_is_a_hashtag_one_latin_letter_is_none() -> None:
    posts = {f"user{n}": f"\u4eca\u65e5\u306e #\u732b {n}" for n in range(3)}
    # Before, a tag had to be two characters: three accounts' #猫 (cat) made no trace, exit 0.
    assert traced(report(uses(posts))) == {"#\u732b": 3}
    assert hashtags("#\ube44 #\u306d Plan #B") == {"\ube44", "\u306d"}


def test_the_report_says_what_made_a_trace(tmp_path: Path) -> None:
    rows = uses({f"user{n}": "Rally today #cause" for n in range(4)})
    # Before, neither said it: a page made with --min-accounts 5 said only "None found", exit 0.
    assert report(rows, "--min-accounts", "5", "--window", "24")["emergent_rule"] == {"min_accounts": 5, "window_hours": 24.0}
    untimed = [{k: v for k, v in r.items() if k != "created_at"} for r in rows]
    assert report(untimed)["emergent_rule"] == {"min_accounts": 3, "window_hours": None}
    page = tmp_path / "report.html"
    text = "".join(json.dumps(r) + "\n" for r in rows)
    assert runner.invoke(app, ["report", "-q", "-o", str(page), "--min-accounts", "5"], input=text).exit_code == 0
    assert "Each taken up by at least 5 distinct accounts within 72 hours." in page.read_text()


def tweets_through_t_co(entities: bool) -> list[dict[str, Any]]:
    # Each of three accounts shares one petition: X wraps it in a t.co link of each tweet's own.
    rows = []
    for n, (handle, code) in enumerate([("ana", "Ab1"), ("bo", "Cd2"), ("cy", "Ef3")]):
        tweet = {"id_str": str(n), "full_text": f"Please sign and share https://t.co/{code}", "user": {"screen_name": handle}}
        tweet["created_at"] = f"Wed May 01 1{n}:00:00 +0000 2024"
        if entities:
            tweet["entities"] = {"urls": [{"url": f"https://t.co/{code}", "expanded_url": "https://petitions.example/p/SaveThePark"}]}
        rows.append(tweet)
    return rows


def test_a_link_shared_through_x_t_co_links_is_a_trace_of_where_it_leads(small_model_path: Path) -> None:
    numbers = report(tweets_through_t_co(entities=True), "--model", "default")
    # Before, three t.co links as written: no trace, no word, exit 0.
    assert traced(numbers) == {"https://petitions.example/p/SaveThePark": 3}
    # Kept by classify, the tweet keeps its entities, so the report of its results finds the same trace.
    tweets = json_lines(tweets_through_t_co(entities=True))
    kept = runner.invoke(app, ["classify", "-", "--keep-fields", "--model", str(small_model_path)], input=tweets)
    assert traced(report_of(kept.stdout)) == {"https://petitions.example/p/SaveThePark": 3}


def test_t_co_links_whose_records_do_not_say_where_they_lead_are_said() -> None:
    numbers = report(tweets_through_t_co(entities=False), "--model", "default")
    assert traced(numbers) == {}
    assert "3 of X's t.co links are counted as written, since their records do not say where they lead" in " ".join(numbers["notes"])


def test_t_co_links_are_not_said_where_no_record_names_an_account_and_there_are_no_traces() -> None:
    # Posts of a CSV export with no account column: traces were off, yet the note on t.co links had come with them.
    rows = [{key: value for key, value in tweet.items() if key != "user"} for tweet in tweets_through_t_co(entities=False)]
    notes = " ".join(report(rows, "--model", "default")["notes"])
    assert "no Emergent traces" in notes
    assert "t.co" not in notes


def test_an_infinite_window_is_refused_as_a_usage_error() -> None:
    text = "".join(json.dumps(r) + "\n" for r in uses({f"user{n}": "Rally today #cause" for n in range(3)}))
    # Before, --window inf wrote "window_hours": null, which says no post carries a time, and the page "within inf hours", exit 0.
    done = runner.invoke(app, ["report", "--json", "-q", "--window", "inf"], input=text, prog_name="smclass")
    assert (done.exit_code, done.stdout) == (2, "")
    assert done.stderr == "Error: Invalid value for '--window': Input should be a finite number (see 'smclass report --help')\n"
