"""report finds each post's time, account and --by value however that post spells the field."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()


def jsonl(*rows: dict[str, Any]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def report(*rows: dict[str, Any], args: tuple[str, ...] = ()) -> dict[str, Any]:
    done = runner.invoke(app, ["report", "--json", *args], input=jsonl(*rows))
    assert done.exit_code == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def post(i: int, **fields: Any) -> dict[str, Any]:
    return {"id": i, "text": "meet at the square #Rally", "label": "Emergent", **fields}


def test_report_reads_the_account_and_time_of_each_post_in_its_own_spelling() -> None:
    numbers = report(
        post(1, Author="ann", Created_At="2024-03-10T08:00:00Z"),
        post(2, author="bob", created_at="2024-03-10T09:00:00Z"),
        post(3, AUTHOR="cy", CreatedAt="2024-03-10T10:00:00Z"),
    )
    assert numbers["timed"] == 3
    assert sorted(row["group"] for row in numbers["groups"]["rows"]) == ["ann", "bob", "cy"]
    (trace,) = numbers["emergent_traces"]
    assert (trace["item"], trace["accounts_in_window"], trace["first"], trace["last"]) == (
        "#rally",
        3,
        "2024-03-10T08:00:00Z",
        "2024-03-10T10:00:00Z",
    )
    assert not any("carry no timestamp" in note or "name no account" in note for note in numbers["notes"])


def test_report_reads_a_spelling_that_first_appears_after_the_first_hundred_records() -> None:
    head = [post(i, author=f"acct{i}", created_at="2024-03-10T08:00:00Z") for i in range(120)]
    late = [post(200 + i, Author=f"late{i}", Created_At="2024-03-10T09:00:00Z") for i in range(3)]
    numbers = report(*head, *late)
    assert numbers["timed"] == 123 and numbers["groups"]["count"] == 123
    assert not any("carry no timestamp" in note or "name no account" in note for note in numbers["notes"])


def test_report_by_reads_each_posts_value_in_its_own_spelling() -> None:
    rows = [post(1, team="north"), post(2, Team="north"), post(3, TEAM="south"), post(4, team="south")]
    numbers = report(*rows, args=("--by", "team"))
    assert [(row["group"], row["posts"]) for row in numbers["groups"]["rows"]] == [("north", 2), ("south", 2)]
    assert not any("no value in 'team'" in note for note in numbers["notes"])


def test_report_finds_a_nested_account_spelled_otherwise_in_a_later_record() -> None:
    rows = [post(1, user={"screen_name": "ann"}), post(2, User={"Screen_Name": "bob"}), post(3, user={"ScreenName": "cy"})]
    numbers = report(*rows)
    assert sorted(row["group"] for row in numbers["groups"]["rows"]) == ["ann", "bob", "cy"]


def test_an_author_that_names_no_one_falls_through_to_the_username() -> None:
    rows = [post(1, author=" ", username="ann"), post(2, author="@", username="bob"), post(3, author="", username="cy")]
    numbers = report(*rows)
    assert sorted(row["group"] for row in numbers["groups"]["rows"]) == ["ann", "bob", "cy"]
    assert numbers["emergent_traces"][0]["accounts"] == 3


def test_report_says_where_it_looked_when_no_record_carries_a_time_or_an_account() -> None:
    # Before: "no record carries a timestamp", of posts whose time was under a name report does not read.
    notes = report(post(1, tweet_created="24-02-2015 11.35", poster="ana"))["notes"]
    assert notes[:2] == [
        "no record carries a timestamp in a field report reads (created_at, timestamp, date, created_utc, ...): no labels over time, "
        "and traces are counted over the whole collection",
        "no record names an account in a field report reads (author, author.handle, user.screen_name, user, ...): no Emergent traces "
        "(they need distinct accounts)",
    ]
