"""report --by groups every one-value field, booleans too, and refuses a field that holds several values per post."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()


def jsonl(*rows: dict[str, Any]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def post(i: int, **fields: Any) -> dict[str, Any]:
    return {"id": i, "text": f"bake sale on saturday {i}", "label": "Personal", **fields}


def test_report_by_a_boolean_field_groups_true_and_false() -> None:
    done = runner.invoke(
        app, ["report", "--json", "--by", "verified"], input=jsonl(post(1, verified=True), post(2, verified=False), post(3, verified=True))
    )
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)
    assert [(row["group"], row["posts"]) for row in result["groups"]["rows"]] == [("true", 2), ("false", 1)]
    assert not any("no value" in note for note in result["notes"])


def test_report_by_a_field_holding_a_list_is_refused_where_it_first_does() -> None:
    done = runner.invoke(app, ["report", "--json", "--by", "team"], input=jsonl(post(1, team="north"), post(2, team=["north", "south"])))
    assert done.exit_code != 0
    assert done.stdout == ""
    assert done.stderr.endswith("Error: <stdin>:2: --by 'team' holds a list, not one value per post\n")


def test_report_by_a_field_holding_an_object_is_refused_not_called_missing() -> None:
    done = runner.invoke(app, ["report", "--json", "--by", "team"], input=jsonl(post(1, team={"name": "north"})))
    assert done.exit_code != 0
    assert "Error: <stdin>:1: --by 'team' holds an object, not one value per post\n" in done.stderr
    assert "no value" not in done.stderr


def test_report_by_a_nested_scalar_still_groups_and_a_null_is_still_no_value() -> None:
    rows = [post(1, team={"name": "north"}), post(2, team={"name": "north"}), post(3, team={"name": None})]
    done = runner.invoke(app, ["report", "--json", "--by", "team.name"], input=jsonl(*rows))
    assert done.exit_code == 0, done.stderr
    result = json.loads(done.stdout)
    assert [(row["group"], row["posts"]) for row in result["groups"]["rows"]] == [("north", 2)]
    assert "1 of 3 posts have no value in 'team.name'" in done.stderr
