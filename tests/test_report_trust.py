"""report never counts what the input does not say: its own labels, known labels, real times, the field asked for."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from smclass.analyst.times import is_day, parse_time
from smclass.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input)


def jsonl(*rows: dict[str, Any]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def result(i: int, label: Any = "Media", confidence: Any = 0.9, **record: Any) -> dict[str, Any]:
    """One line of classify --keep-fields output."""
    return {"id": i, "label": label, "confidence": confidence, "record": {"id": i, "text": f"post {i}", **record}}


def counts(numbers: dict[str, Any]) -> dict[str, int]:
    return {label: entry["count"] for label, entry in numbers["labels"].items() if entry["count"]}


# 1. Labels a file already carries


def test_report_counts_the_labels_a_hand_labelled_file_carries_and_says_so() -> None:
    posts = jsonl(
        {"id": 1, "text": "Painted my kitchen yellow today", "label": "Media"},
        {"id": 2, "text": "Painted my kitchen blue today", "label": "Media"},
    )
    done = run("report", "--json", input=posts)
    assert done.exit_code == 0, done.stderr
    numbers = json.loads(done.stdout)
    assert counts(numbers) == {"Media": 2}
    assert numbers["labels_from"] == "posts" and numbers["model"] is None
    assert "the labels are the ones the posts carry: no model was run\n" in done.stderr


def test_report_matches_the_label_field_and_its_values_as_train_does() -> None:
    posts = jsonl(
        {"id": 1, "text": "a", "Label": "personal"},
        {"id": 2, "text": "b", "Label": "Media SM"},
        {"id": 3, "text": "c", "Label": "exclude"},
    )
    numbers = json.loads(run("report", "--json", input=posts).stdout)
    assert counts(numbers) == {"Personal": 1, "Media": 1}
    assert numbers["no_label"] == {"excluded": 1}


def test_report_reads_hand_labels_from_the_field_named_by_label_field() -> None:
    posts = "Post ID,Message,Type\n1,Painted my kitchen yellow today,Personal\n2,Rail strike called off,Media\n"
    done = run("report", "--json", "--label-field", "type", "-", input=posts)
    assert done.exit_code == 0, done.stderr
    numbers = json.loads(done.stdout)
    assert counts(numbers) == {"Personal": 1, "Media": 1} and numbers["labels_from"] == "posts"
    missing = run("report", "--json", "--label-field", "kind", "-", input=posts)
    assert missing.exit_code == 2
    assert missing.stderr.splitlines()[-1] == "Error: <stdin>: no field 'kind' in its first 2 records (fields: Post ID, Message, Type)"


def test_report_refuses_an_empty_label_field_rather_than_read_label_unsaid() -> None:
    # --label-field "$COL" with COL unset was taken for no name: the 'label' column was reported, exit 0.
    posts = "id,text,label,Type\n1,Painted my kitchen yellow today,Personal,Media\n"
    done = run("report", "--json", "--label-field", "", "-", input=posts)
    assert (done.exit_code, done.stdout) == (2, "")
    assert done.stderr == "Error: --label-field is empty: name a field (an unset shell variable?)\n"


def test_report_of_labels_of_ones_own_beside_classify_results_draws_no_confidence_of_classify() -> None:
    rows = [{**result(1, "Media", 0.95), "gold": "Personal"}, {**result(2, "Media", 0.15), "gold": "Media"}]
    done = run("report", "--json", "--label-field", "gold", input=jsonl(*rows))
    assert done.exit_code == 0, done.stderr
    numbers = json.loads(done.stdout)
    assert counts(numbers) == {"Media": 1, "Personal": 1}
    # Before, the chart drew 0.95, the confidence of classify's Media, as that of the hand label Personal.
    assert numbers["confidence"]["counts"] == [0] * 10
    assert "labels given by hand carry no confidence: the confidence chart is empty" in numbers["notes"]


def test_report_refuses_two_label_fields_that_differ_only_by_case() -> None:
    posts = jsonl({"id": 1, "text": "a", "LABEL": "Media", "Label": "Personal"})
    done = run("report", "--json", input=posts)
    assert done.exit_code == 2
    assert done.stderr.splitlines()[-1] == "Error: <stdin>: 'label' matches the fields 'LABEL' and 'Label': name one as it is written"


def test_report_classifies_posts_that_carry_no_label_and_names_the_model(small_model_path: Path) -> None:
    posts = jsonl({"id": 1, "text": "Volunteers needed Saturday", "label": ""}, {"id": 2, "text": "@Bank fix my card"})
    done = run("report", "--json", "--model", str(small_model_path), input=posts)
    assert done.exit_code == 0, done.stderr
    numbers = json.loads(done.stdout)
    assert numbers["labelled"] == 2 and numbers["labels_from"] == "model"
    assert f"the posts carry no labels: classified 2 with the model {small_model_path}\n" in done.stderr


def test_report_says_which_labels_the_model_it_classified_with_never_gives(tmp_path: Path) -> None:
    # The page had shown Enterprise and Emergent at 0 posts, exit 0, as if none of them were among the posts.
    from smclass.model import files as model_lib
    from smclass.model import training

    from .conftest import corpus_rows, stratified_slice

    rows = [r for r in stratified_slice(corpus_rows(), 5) if r["label"] in ("Media", "Customer", "Personal")]
    model = model_lib.save(training.train([r["text"] for r in rows], [r["label"] for r in rows], folds=0), tmp_path / "three.npz")
    done = run("report", "--json", "--model", str(model), input=jsonl({"id": 1, "text": "Volunteers needed Saturday"}))
    assert done.exit_code == 0, done.stderr
    said = f"{model}: trained without posts labelled Enterprise, Emergent: no post gets those labels"
    assert said in json.loads(done.stdout)["notes"]


def test_report_refuses_a_post_without_a_label_among_labelled_posts() -> None:
    done = run("report", "--json", input=jsonl({"id": 1, "text": "a", "label": "Media"}, {"id": 2, "text": "b"}))
    assert done.exit_code == 1
    assert done.stdout == ""
    assert done.stderr.endswith(
        "Error: <stdin>:2: no label, while the posts before it carry theirs: label every post, or none to have them all classified\n"
    )


def test_report_refuses_a_labelled_post_among_posts_to_classify() -> None:
    done = run("report", "--json", input=jsonl({"id": 1, "text": "a"}, {"id": 2, "text": "b", "label": "Media"}))
    assert done.exit_code == 1
    assert done.stderr.endswith(
        "Error: <stdin>:2: label 'Media', while the posts before it carry none: label every post, or none to have them all classified\n"
    )


def test_report_reads_classify_csv_output_with_its_labels_and_abstentions() -> None:
    sheet = (
        "id,position,label,confidence,reason,record.id,record.text,record.author\n"
        "1,,Personal,0.9762,,1,hello there friends,ana\n"
        "2,,,,'text' is empty,2,,ben\n"
        "3,,Emergent,1,,3,Volunteers needed at the food bank,cy\n"
    )
    done = run("report", "--json", input=sheet)
    assert done.exit_code == 0, done.stderr
    numbers = json.loads(done.stdout)
    assert counts(numbers) == {"Personal": 1, "Emergent": 1}
    assert numbers["no_label"] == {"'text' is empty": 1}
    assert numbers["confidence"]["counts"][-1] == 2
    assert [row["group"] for row in numbers["groups"]["rows"]] == ["ana", "ben", "cy"]


# 2. Unknown labels and confidences that are no probability


def test_report_refuses_an_unknown_label_at_its_line() -> None:
    done = run("report", "--json", input=jsonl(result(1, "media"), result(2, "Spam")))
    assert done.exit_code == 1
    expected = "Error: <stdin>:2: field 'label': unknown label 'Spam' (expected one of Media, Customer, Enterprise, Personal, Emergent)\n"
    assert done.stderr.endswith(expected)


def test_report_refuses_a_label_that_is_not_text() -> None:
    done = run("report", "--json", input=jsonl(result(1, 7)))
    assert done.exit_code == 1
    assert "Error: <stdin>:1: field 'label': unknown label 7 (expected one of" in done.stderr


@pytest.mark.parametrize(("value", "shown"), [(-0.45, "-0.45"), (1.5, "1.5"), ("high", '"high"'), (True, "true"), ([0.5], "[0.5]")])
def test_report_refuses_a_confidence_that_is_not_a_number_from_0_to_1(value: Any, shown: str) -> None:
    done = run("report", "--json", input=jsonl(result(1), result(2, confidence=value)))
    assert done.exit_code == 1
    assert done.stderr.endswith(f"Error: <stdin>:2: field 'confidence': expected a number from 0 to 1, got {shown}\n")


def test_report_bins_confidences_0_and_1_at_the_ends_and_counts_abstentions_as_no_label() -> None:
    reason = "uncertain: best Media 0.41, next Personal 0.38"
    rows = [result(1, confidence=0), result(2, confidence=1), result(3, label=None, confidence=None) | {"reason": reason}]
    numbers = json.loads(run("report", "--json", input=jsonl(*rows)).stdout)
    assert numbers["confidence"]["counts"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert numbers["no_label"] == {"uncertain": 1} and numbers["labelled"] == 2
    note = "1 of 3 posts carry no confidence (a post left without a label has none): the confidence chart counts the other 2"
    assert note in numbers["notes"]


def test_report_says_hand_labels_leave_the_confidence_chart_empty() -> None:
    numbers = json.loads(run("report", "--json", input=jsonl({"id": 1, "text": "a", "label": "Media"})).stdout)
    assert numbers["confidence"]["counts"] == [0] * 10
    assert "labels given by hand carry no confidence: the confidence chart is empty" in numbers["notes"]


# 3 and 5. Times: only what can be a post's time is read


def test_epoch_numbers_are_read_as_seconds_milliseconds_or_microseconds_by_size() -> None:
    moment = 1_700_000_000
    assert parse_time(moment) == parse_time(moment * 1000) == parse_time(moment * 1_000_000) == parse_time(str(moment)) == moment
    assert parse_time("2023-11-14T22:13:20Z") == moment
    assert parse_time("20231114") == parse_time("2023-11-14")  # ISO 8601's basic form, not 20 million seconds


@pytest.mark.parametrize("value", [2024, "2024", 0, -1, 99_999_999, 50_000_000_000, 5e13, 10**17, float("inf"), float("nan")])
def test_numbers_that_cannot_be_a_post_time_are_not_read(value: Any) -> None:
    assert parse_time(value) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", 2024),
        ("created_at", "9999-12-31T23:59:59-05:00"),
        ("created_at", "0001-01-01T00:00:00+01:00"),
        ("timestamp", -62135596800),
        ("created_at", "1970-01-01T00:00:00Z"),
    ],
)
def test_report_counts_a_time_it_cannot_place_as_unread(field: str, value: Any) -> None:
    done = run("report", "--json", input=jsonl(result(1, **{field: value})))
    assert done.exit_code == 0, done.stderr
    numbers = json.loads(done.stdout)
    assert (numbers["timed"], numbers["first"], numbers["over_time"]) == (0, None, None)
    note = f"no record carries a timestamp (1 with a time in a form smclass cannot read, such as {value!r}): no labels over time"
    assert numbers["notes"][0].startswith(note)


@pytest.mark.parametrize(
    "value", ["2250-03-11T09:00:00Z", "Sun Mar 10 08:00:00 +0000 2250", "225003100800", {"$date": "2250-03-10T08:00:00Z"}]
)
def test_report_leaves_a_time_after_today_unread_and_says_so(value: Any) -> None:
    done = run("report", "--json", input=jsonl(result(1, created_at="2024-03-10T08:00:00Z"), result(2, created_at=value)))
    numbers = json.loads(done.stdout)
    # Before, the post was charted in 2250, exit 0: "last" 2250 and the weeks of 2024 squeezed into the first bar of centuries.
    assert (done.exit_code, numbers["timed"], numbers["last"]) == (0, 1, "2024-03-10T08:00:00Z")
    assert numbers["over_time"]["unit"] == "hour"
    assert numbers["notes"][0].startswith(
        f"1 of 2 posts carry no timestamp (1 with a time in a form smclass cannot read, such as {value!r}, which is after today)"
    )


def test_the_chart_over_time_names_bars_apart_along_its_axis_when_a_few_posts_are_decades_before_the_rest(tmp_path: Path) -> None:
    rows = [result(i, created_at=f"1975-01-0{i}T08:00:00Z") for i in (1, 2)]
    rows += [result(10 + i, created_at=1_704_067_200 + 86_400 * i) for i in range(420)]
    page = tmp_path / "report.html"
    assert run("report", "-o", str(page), input=jsonl(*rows)).exit_code == 0
    named = [datetime.fromisoformat(day) for day in re.findall(r">(\d{4}-\d{2}-\d{2}) 00:00<", page.read_text(encoding="utf-8"))]
    # Before, every sixth of the 61 weeks was named: one in 1974 and nine within the 60 weeks of 2024, their names drawn over each other.
    assert named[0] < datetime(1975, 1, 1) and all((b - a).days * 10 >= (named[-1] - named[0]).days for a, b in itertools.pairwise(named))


def test_report_says_when_the_posts_times_fall_in_two_groups_years_apart() -> None:
    rows = [result(i, created_at=f"1975-01-0{i}T08:00:00Z") for i in (1, 2)] + [result(10, created_at="2024-03-10T08:00:00Z")]
    numbers = json.loads(run("report", "--json", input=jsonl(*rows, result(11, created_at="2024-06-10T08:00:00Z"))).stdout)
    # Before, nothing said so: the two posts of 1975 were bars too thin to see at the start of 49 years of chart, exit 0.
    assert (
        "the posts' times fall in two groups 49.2 years apart (2 in the week of 1974-12-30; 2 in the weeks of 2024-03-04 to 2024-06-10): "
        "labels over time span the gap, so the bars either side of it are thin; a wrong or placeholder date would put posts apart so"
    ) in numbers["notes"]
    # Times a year apart with no gap nine tenths of the span are no two groups; nor are two close ones.
    rows = [
        result(1, created_at="2023-01-01T08:00:00Z"),
        result(2, created_at="2023-07-01T08:00:00Z"),
        result(3, created_at="2024-01-05T08:00:00Z"),
    ]
    close = [result(1, created_at="2024-03-10T08:00:00Z"), result(2, created_at="2024-03-10T18:00:00Z")]
    for posts in (rows, close):
        assert not any("two groups" in note for note in json.loads(run("report", "--json", input=jsonl(*posts)).stdout)["notes"])


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("202403100800", 1710057600), (202403100800, 1710057600), ("20240310080015", 1710057615), ("202413100800", None)],
)
def test_compact_digit_dates_are_read_as_dates_not_epoch_numbers(value: Any, seconds: int | None) -> None:
    assert parse_time(value) == seconds


@pytest.mark.parametrize("value", ["2024031009", 2024031009, 946_684_799, "500000000000"])
def test_epoch_numbers_before_2000_or_after_tomorrow_are_not_read(value: Any) -> None:
    assert parse_time(value) is None


def test_report_names_an_excel_date_serial_it_leaves_unread_with_the_day_it_would_be() -> None:
    done = run("report", "--json", input=jsonl(result(1, date="45361.5"), result(2, date=45362), result(3, date=10**400)))
    numbers = json.loads(done.stdout)
    # Before, only "(2 with a time in a form smclass cannot read, such as '45361.5')", exit 0: nothing said it may be Excel's.
    assert numbers["timed"] == 0
    assert (
        "such as '45361.5', which may be an Excel date, days since 1899-12-30, here 2024-03-10T12:00: format its column as"
        in (numbers["notes"][0])
    )


def test_report_counts_digits_that_are_no_time_as_unread() -> None:
    done = run("report", "--json", input=jsonl(result(1, created_at="202403100800"), result(2, created_at="2024031009")))
    numbers = json.loads(done.stdout)
    assert (numbers["timed"], numbers["first"]) == (1, "2024-03-10T08:00:00Z")
    assert numbers["notes"][0].startswith(
        "1 of 2 posts carry no timestamp (1 with a time in a form smclass cannot read, such as '2024031009')"
    )


def test_report_reads_a_time_field_that_reads_when_one_before_it_does_not() -> None:
    rows = [result(1, created_at="3 hours ago", timestamp=1710057600), result(2, date="Sunday", created_utc="1710061200")]
    numbers = json.loads(run("report", "--json", input=jsonl(*rows, result(3, created_at="yesterday"))).stdout)
    # Before, the first field was read and no other: "no record carries a timestamp (3 with a time in a form smclass
    # cannot read, such as '3 hours ago')", no labels over time, exit 0.
    assert (numbers["timed"], numbers["first"], numbers["last"]) == (2, "2024-03-10T08:00:00Z", "2024-03-10T09:00:00Z")
    unread = "1 of 3 posts carry no timestamp (1 with a time in a form smclass cannot read, such as 'yesterday')"
    assert numbers["notes"][0].startswith(unread)


def test_report_says_how_many_times_name_no_zone_and_were_read_as_utc() -> None:
    rows = [result(1, created_at="2024-03-10 08:00"), result(2, created_at="202403100900"), result(3, created_at="2024-03-10T10:00+01:00")]
    numbers = json.loads(run("report", "--json", input=jsonl(*rows)).stdout)
    assert (numbers["timed"], numbers["first"], numbers["last"]) == (3, "2024-03-10T08:00:00Z", "2024-03-10T09:00:00Z")
    assert "2 of 3 posts carry a time with no time zone, such as '2024-03-10 08:00': read as UTC" in numbers["notes"]


def test_report_charts_dates_with_no_time_of_day_by_day_and_says_so() -> None:
    days = [result(1, date="2024-03-10"), result(2, date="2024-03-10"), result(3, date=20240311)]
    rows = [*days, result(4, created_at="2024-03-11T09:30:00Z")]
    numbers = json.loads(run("report", "--json", input=jsonl(*rows)).stdout)
    # Before, a span of a day was charted by hour, and every post of a sheet's Date column sat in the hour from midnight, exit 0.
    assert numbers["over_time"]["unit"] == "day"
    assert [(b["start"], b["Media"]) for b in numbers["over_time"]["buckets"]] == [("2024-03-10T00:00:00Z", 2), ("2024-03-11T00:00:00Z", 2)]
    assert (
        "3 of 4 posts carry a date with no time of day, such as '2024-03-10': labels over time are counted by day, "
        "and in the traces' windows these posts count as made at midnight UTC"
    ) in numbers["notes"]
    assert not any(is_day(seconds) for seconds in ("1710063000", 1710063000, "2024031009", "1710063000.5"))  # epoch numbers are no days


def test_report_reads_microsecond_timestamps() -> None:
    numbers = json.loads(run("report", "--json", input=jsonl(result(1, timestamp=1_700_000_000_000_000))).stdout)
    assert numbers["first"] == "2023-11-14T22:13:20Z" and numbers["timed"] == 1


def test_report_reads_the_dates_mongoexport_writes() -> None:
    # Relaxed, canonical and legacy extended JSON; before, their posts were said to carry no timestamp.
    dates = [{"$date": "2024-03-10T08:00:00Z"}, {"$date": {"$numberLong": "1710061200000"}}, {"$date": 1710064800000}]
    numbers = json.loads(run("report", "--json", input=jsonl(*[result(i, created_at=d) for i, d in enumerate(dates)])).stdout)
    assert (numbers["timed"], numbers["first"], numbers["last"]) == (3, "2024-03-10T08:00:00Z", "2024-03-10T10:00:00Z")
    assert parse_time({"$date": "1710064800"}) is None and parse_time({"$date": 1710064800000, "tz": 1}) is None
    assert parse_time({"$date": 10**400}) is parse_time({"$date": {"$numberLong": "9" * 5000}}) is None  # no crash on either


def test_report_reads_a_mongoexport_date_back_from_classify_csv_as_from_its_json_lines(small_model_path: Path) -> None:
    posts = jsonl({"id": 1, "text": "lunch with the team was great", "created_at": {"$date": "2024-03-10T08:00:00Z"}})
    for fmt in ("jsonl", "csv"):
        results = run("classify", "--keep-fields", "--format", fmt, "--model", str(small_model_path), "-q", input=posts).stdout
        numbers = json.loads(run("report", "--json", "-q", input=results).stdout)
        # Before, the CSV's '{"$date":"2024-03-10T08:00:00Z"}' was "a time in a form smclass cannot read", exit 0.
        assert (numbers["timed"], numbers["first"]) == (1, "2024-03-10T08:00:00Z"), fmt


# 4. --by names a field as --text-field does


def test_report_by_matches_the_field_name_without_regard_to_case() -> None:
    rows = [result(1, channel="news"), result(2, "Customer", channel="shop"), result(3, "Customer", channel="shop")]
    done = run("report", "--json", "--by", "CHANNEL", input=jsonl(*rows))
    assert done.exit_code == 0, done.stderr
    groups = json.loads(done.stdout)["groups"]
    assert groups["by"] == "CHANNEL"
    assert [(row["group"], row["posts"]) for row in groups["rows"]] == [("shop", 2), ("news", 1)]


def test_report_by_counts_each_groups_posts_with_no_label_so_its_columns_add_up() -> None:
    rows = [result(1, channel="shop"), result(2, None, None, channel="shop"), result(3, "Customer", channel="shop")]
    done = run("report", "--json", "--by", "channel", input=jsonl(*rows))
    assert done.exit_code == 0, done.stderr
    (row,) = json.loads(done.stdout)["groups"]["rows"]
    assert (row["posts"], row["Media"], row["Customer"], row["none"]) == (3, 1, 1, 1)
    assert row["posts"] == sum(value for key, value in row.items() if key not in ("group", "posts"))


def test_report_by_an_unknown_field_lists_the_fields_there_are() -> None:
    done = run("report", "--json", "--by", "nosuchfield", input=jsonl(result(1, author="ana")))
    assert done.exit_code == 2
    assert done.stdout == ""
    assert done.stderr.endswith(
        "Error: <stdin>: no field 'nosuchfield' in the records (fields: id, text, author, label, confidence, record); "
        "name one of them with --by\n"
    )


def test_report_by_a_field_that_only_a_later_file_or_later_records_hold_is_read_where_it_is(tmp_path: Path) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(jsonl(result(1), result(2)), encoding="utf-8")
    second.write_text(jsonl(result(3, channel="news"), *[result(i) for i in range(4, 105)], result(105, channel="shop")), encoding="utf-8")
    # Before, the first file's records decided: "no field 'channel' in the records", exit 2.
    done = run("report", str(first), str(second), "--json", "--by", "channel")
    assert done.exit_code == 0, done.stderr
    numbers = json.loads(done.stdout)
    assert [row["group"] for row in numbers["groups"]["rows"]] == ["news", "shop"]
    assert "103 of 105 posts have no value in 'channel': they are left out of the breakdown by it" in numbers["notes"]
    second.write_text(jsonl(*[result(i) for i in range(3, 105)], result(105, channel="shop")), encoding="utf-8")
    assert json.loads(run("report", str(second), "--json", "--by", "channel").stdout)["groups"]["count"] == 1  # past the first 100


def test_report_by_says_how_many_posts_have_no_value_in_the_field() -> None:
    done = run("report", "--json", "--by", "channel", input=jsonl(result(1, channel="news"), result(2)))
    numbers = json.loads(done.stdout)
    assert [row["group"] for row in numbers["groups"]["rows"]] == ["news"]
    note = "1 of 2 posts have no value in 'channel': they are left out of the breakdown by it"
    assert note in numbers["notes"] and note in done.stderr


# 6. Text drawn by matplotlib is text


def test_report_draws_dollar_signs_in_account_names_as_written(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    done = run("report", "-o", str(page), input=jsonl(result(1, author="deals$^$"), result(2, author="$ave $mart")))
    assert done.exit_code == 0, done.stderr
    text = page.read_text(encoding="utf-8")
    assert "deals$^$</text>" in text and "$ave $mart</text>" in text


def test_the_same_input_makes_the_same_page_on_another_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # matplotlib stamps an SVG with the day it was drawn (SOURCE_DATE_EPOCH, else now).
    posts = jsonl(*(result(i, author=f"user{i % 3}", created_at=f"2026-03-0{1 + i % 5}T10:00:00Z") for i in range(12)))
    pages = []
    for day in ("0", "1700000000"):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", day)
        page = tmp_path / f"report{day}.html"
        assert run("report", "-o", str(page), input=posts).exit_code == 0
        pages.append(page.read_text(encoding="utf-8"))
    assert "<svg" in pages[0]
    assert pages[0] == pages[1]


# 7 and 8. Where the report goes, and a report of nothing


def test_report_refuses_json_and_the_page_both_on_stdout() -> None:
    done = run("report", "--json", "-o", "-", input=jsonl(result(1)))
    assert done.exit_code == 2
    assert (done.stdout, done.stderr) == ("", "Error: --json and --output - both write to stdout: drop one\n")


def test_report_warns_when_the_page_goes_to_a_file_named_json(tmp_path: Path) -> None:
    # `--json -o report.json` had written the HTML page to report.json, saying only "wrote report.json (1 posts)".
    page = tmp_path / "report.json"
    done = run("report", "--json", "-o", str(page), input=jsonl(result(1)))
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["posts"] == 1
    warning = f"warning: {page} ends in .json, but --output takes the HTML page: --json writes the numbers to stdout (--json > FILE)\n"
    assert warning in done.stderr
    assert page.read_text().startswith("<!doctype html>")


def test_report_of_empty_stdin_says_it_is_empty() -> None:
    done = run("report", "--json", input="")
    assert done.exit_code == 0
    assert done.stderr == "<stdin>: is empty\n"
    assert json.loads(done.stdout)["posts"] == 0


def test_report_of_an_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    done = run("report", "--json", str(empty))
    assert done.exit_code == 0
    assert done.stderr == f"{empty}: is empty\n"


def test_report_says_how_many_posts_name_no_account_and_how_many_groups_it_leaves_out() -> None:
    posts = [{"id": i, "text": f"post {i}", "label": "Personal", "author": f"acct{i % 25:02d}"} for i in range(50)]
    posts += [{"id": 50, "text": "no account here", "label": "Media"}]
    numbers = json.loads(run("report", "--json", "-q", input=jsonl(*posts)).stdout)
    assert numbers["groups"]["count"] == 25 and len(numbers["groups"]["rows"]) == 20
    assert "1 of 51 posts name no account: they are left out of the breakdown by account" in numbers["notes"]
    assert "the breakdown by account shows the 20 largest of 25 groups" in numbers["notes"]


def test_a_links_fragment_is_no_hashtag_trace() -> None:
    posts = [
        {"id": i, "text": "see https://app.example/#settings", "label": "Emergent", "author": name, "created_at": f"2024-03-0{i}T10:00:00Z"}
        for i, name in enumerate(["ana", "ben", "cy"], 1)
    ]
    numbers = json.loads(run("report", "--json", "-q", "--window", "100", input=jsonl(*posts)).stdout)
    assert [trace["item"] for trace in numbers["emergent_traces"]] == ["https://app.example/#settings"]


def test_report_reads_an_account_object_back_from_classify_csv_as_from_its_json_lines(small_model_path: Path, tmp_path: Path) -> None:
    post = jsonl({"id": 1, "text": "lunch with the team was great", "user": {"screen_name": "ana"}})
    groups = []
    for fmt in ("jsonl", "csv"):
        results = run("classify", "--keep-fields", "--format", fmt, "--model", str(small_model_path), "-q", input=post).stdout
        groups.append(json.loads(run("report", "--json", "-q", input=results).stdout)["groups"]["rows"][0]["group"])
    assert groups == ["ana", "ana"]


def test_report_counts_as_classified_only_the_posts_with_text(small_model_path: Path) -> None:
    posts = jsonl({"id": 1, "text": "lunch with the team"}, {"id": 2, "text": ""})
    notes = json.loads(run("report", "--json", "-q", "--model", str(small_model_path), input=posts).stdout)["notes"]
    assert f"the posts carry no labels: classified 1 with the model {small_model_path}" in notes


def test_a_post_whose_words_look_like_json_stays_words_in_classify_csv(small_model_path: Path) -> None:
    post = jsonl({"id": 1, "text": '{"status": "ok"}', "user": {"screen_name": "ana"}})
    results = run("classify", "--keep-fields", "--format", "csv", "--model", str(small_model_path), "-q", input=post).stdout
    done = run("report", "--json", "-q", input=results)
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["groups"]["rows"][0]["group"] == "ana"


def test_report_refuses_hand_labels_after_classify_results_at_the_line_where_they_start(tmp_path: Path) -> None:
    predicted, hand = tmp_path / "pred.jsonl", tmp_path / "hand.jsonl"
    predicted.write_text(jsonl(result(1), result(2, "Personal", 0.7)), encoding="utf-8")
    hand.write_text(jsonl({"id": 3, "text": "a", "label": "Emergent"}, {"id": 4, "text": "b", "label": "Media"}), encoding="utf-8")
    done = run("report", "--json", str(predicted), str(hand))
    assert done.exit_code == 1
    assert done.stdout == ""
    assert done.stderr.endswith(
        f"Error: {hand}:1: label 'Emergent' given by hand (no classify result with its post kept), while the posts before it are "
        "classify's results: report them apart, so that hand labels and predictions are never counted together\n"
    )


def test_report_refuses_a_classify_result_among_hand_labels_in_one_file() -> None:
    posts = jsonl({"id": 1, "text": "a", "label": "Media"}, {"id": 2, "text": "b", "label": "Personal"}, result(3, "Customer", 0.8))
    done = run("report", "--json", input=posts)
    assert done.exit_code == 1
    assert done.stderr.endswith(
        "Error: <stdin>:3: a classify result (label 'Customer' beside a confidence), while the posts before it carry labels "
        "given by hand: report them apart, so that hand labels and predictions are never counted together\n"
    )


def test_the_page_draws_two_accounts_alike_in_their_first_40_characters_as_two_rows(tmp_path: Path) -> None:
    north, south = "relief_volunteers_of_the_river_district_north", "relief_volunteers_of_the_river_district_south"
    posts = jsonl(result(1, author=north), result(2, author=north), result(3, "Personal", author=south))
    page = tmp_path / "report.html"
    done = run("report", "-o", str(page), input=posts)
    assert done.exit_code == 0, done.stderr
    drawn = page.read_text(encoding="utf-8")
    # Each a row label of its own, where both had been cut to one name, their bars drawn on one row.
    assert drawn.count(">relief_volunteers_o…river_district_north<") == drawn.count(">relief_volunteers_o…river_district_south<") == 1


def test_report_refuses_classify_results_without_their_posts_and_names_keep_fields() -> None:
    done = run("report", "--json", input=jsonl({"id": 1, "label": "Media", "confidence": 0.9, "reason": None}))
    assert done.exit_code == 1
    assert done.stderr.endswith(
        "Error: <stdin>:1: a classify result without the post it labels: run classify with --keep-fields, so that report "
        "reads its text, time and account\n"
    )


def test_a_hand_sheet_with_a_confidence_column_of_its_own_is_no_classify_result(tmp_path: Path) -> None:
    # Every CSV row has every column: its label beside its confidence had passed for classify's, counted together with them.
    predicted = tmp_path / "pred.jsonl"
    predicted.write_text(jsonl(result(1), result(2, "Personal", 0.7)), encoding="utf-8")
    sheet = tmp_path / "hand.csv"
    sheet.write_text("id,text,label,confidence\n3,the depot reopens monday,Enterprise,0.9\n", encoding="utf-8")
    done = run("report", "--json", str(predicted), str(sheet))
    assert (done.exit_code, done.stdout) == (1, "")
    said = "label 'Enterprise' given by hand (no classify result with its post kept)"
    assert done.stderr.splitlines()[-1].startswith(f"Error: {sheet}:2: {said}")


def test_classify_results_without_their_posts_are_refused_whatever_columns_they_carry() -> None:
    # With --proba, the old "no text field found (fields: id, label, confidence, probabilities)" came back.
    line = {"id": 1, "label": "Media", "confidence": 0.8, "probabilities": {"Media": 0.8, "Personal": 0.2}}
    done = run("report", "--json", input=jsonl(line))
    assert done.exit_code == 1
    said = "a classify result without the post it labels: run classify with --keep-fields"
    assert done.stderr.splitlines()[-1].startswith(f"Error: <stdin>:1: {said}")


def test_an_account_object_under_a_capitalised_key_is_read_back_from_classifys_csv(tmp_path: Path, small_model_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    rows = [{"id": i, "text": f"#riverday clean up {i}", "User": {"screen_name": "ann", "followers_count": 10 + i}} for i in range(3)]
    posts.write_text(jsonl(*rows), encoding="utf-8")
    sheet = tmp_path / "kept.csv"
    made = run("classify", str(posts), "--keep-fields", "--format", "csv", "-o", str(sheet), "--model", str(small_model_path), "-q")
    assert made.exit_code == 0, made.stderr
    report = json.loads(run("report", "--json", str(sheet), "-q").stdout)
    assert [row["group"] for row in report["groups"]["rows"]] == ["ann"]
    assert report["emergent_traces"] == []


def test_report_stops_at_a_label_given_twice_as_train_does(tmp_path: Path) -> None:
    # The last of the two labels had been counted, exit 0.
    path = tmp_path / "hand.jsonl"
    rows = '{"id": 1, "text": "Sign the petition today", "label": "Emergent", "label": "Media"}\n'
    path.write_text(rows + jsonl({"id": 2, "text": "the ferry is late", "label": "Personal"}), encoding="utf-8")
    done = run("report", "--json", str(path), "-q")
    assert (done.exit_code, done.stdout, done.stderr) == (1, "", f"Error: {path}:1: 'label' is given twice in this record\n")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("Sun, 10 Mar 2024 08:00:00 GMT", 1710057600),  # RSS pubDate, e-mail Date
        ("10 Mar 2024 13:30:00 +0530", 1710057600),
        ("Sun, 10 Mar 2024 03:00 EST", 1710057600),
        ("2024-03-10 08:00:00 UTC", 1710057600),  # BigQuery
        ("2024-03-10T08:00:00z", 1710057600),
        ("Mon, 10 Mar 2024 08:00:00 GMT", None),  # 10 March 2024 was a Sunday: the weekday or the date is wrong
        ("10 Mar 2024 08:00:00 XYZ", None),
        ("10 Mar 24 08:00 +0000", 1710057600),  # two digits, as RFC 2822 reads them
        ("10 Mar 0024 08:00 +0000", None),  # the year 24, which had been read as 2024
        ("10 Mar 024 08:00 +0000", None),  # an obsolete three-digit year, which had been read as 2024 too
    ],
)
def test_rfc_2822_times_and_utc_named_as_a_word_are_read(value: str, seconds: int | None) -> None:
    # Before, each of these was "a time in a form smclass cannot read": its post left out of labels over time and trace windows.
    assert parse_time(value) == seconds


def test_an_email_date_naming_its_zone_in_a_comment_is_read() -> None:
    # 'Thu, 6 Apr 2000 09:19:00 -0700 (PDT)', as mbox exports and the Enron mails write Date:, had been "a time in a form
    # smclass cannot read": its post left out of labels over time. The offset says the moment; the comment only names it.
    assert parse_time("Sun, 10 Mar 2024 01:00:00 -0700 (PDT)") == 1710057600
    assert parse_time("Mon, 10 Mar 2024 01:00:00 -0700 (PDT)") is None  # the weekday is still checked


def test_names_the_charts_font_lacks_are_said_once_not_a_warning_a_character(tmp_path: Path) -> None:
    # Five Chinese account names had given eleven "warning: Glyph 38472 (...) missing from font(s) DejaVu Sans." lines.
    names = ["陈小明", "李华", "王芳芳", "张伟", "刘洋洋"]
    rows = [result(i, label, 0.9, author=name) for i, (name, label) in enumerate(zip(names, ["Media", "Personal"] * 3, strict=False))]
    page = tmp_path / "page.html"
    done = run("report", "-", "-o", str(page), input=jsonl(*rows))
    assert done.exit_code == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "Glyph" in line or "font lacks" in line]
    assert len(said) == 1 and said[0].startswith("warning: the charts' font lacks 11 characters of the names drawn (")
    assert all(name in page.read_text(encoding="utf-8") for name in names)


def test_control_characters_from_the_posts_never_reach_the_page_raw() -> None:
    # report -o - had sent an account name's ESC [2J (clear the screen) to the terminal as it was.
    authors = ["eve\x1b[2J\x9b", "bob", "amy"]
    rows = [result(i, "Personal", 0.9, author=name, text=f"coffee time \x07 #mornings{i}") for i, name in enumerate(authors)]
    done = run("report", "-", "-o", "-", input=jsonl(*rows))
    assert done.exit_code == 0, done.stderr
    assert not any((ord(c) < 32 and c not in "\t\n\r") or 0x7F <= ord(c) < 0xA0 for c in done.stdout)
    assert "eve\\x1b[2j\\x9b" in done.stdout  # accounts are read whatever their case
