"""What the sniffer reads an input as when its first lines could mislead it: JSON lines a strict
parser refuses, plain lines that open with a bracket, JSON lines under a preamble of comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smclass.cli import app

runner = CliRunner()


def classify(model: Path, *args: str, input: bytes | str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["classify", *args, "--model", str(model)], input=input)


def ids(output: str) -> list[object]:
    return [json.loads(line)["id"] for line in output.splitlines() if line.strip()]


# Raw control characters inside JSON strings (no JSON, strictly, but common from exporters)


def _tabbed(count: int) -> str:
    # Four lines in five hold a raw tab in their text: most of the sniffer's sample.
    return "".join(
        json.dumps({"id": f"p{i}", "text": f"Post {i} about the food bank drive"}).replace(" about", "\tabout" if i % 5 else " about")
        + "\n"
        for i in range(1, count + 1)
    )


def test_json_lines_with_raw_tabs_in_their_text_are_read_as_json_lines(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "tabs.jsonl"
    path.write_text(_tabbed(100))
    result = classify(small_model_path, str(path), "--keep-fields")
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [f"p{i}" for i in range(1, 101)]
    assert json.loads(result.stdout.splitlines()[0])["record"]["text"] == "Post 1\tabout the food bank drive"
    assert result.stderr == f"{path}: read as jsonl, text field 'text' (detected), id field 'id'\n"


def test_json_lines_with_raw_separators_in_their_text_are_read_from_stdin(small_model_path: Path) -> None:
    lines = [
        {"id": name, "text": f"first half{sep}second half"} for name, sep in (("ff", "\f"), ("vt", "\v"), ("ls", "\u2028"), ("nel", "\x85"))
    ]
    # json.dumps escapes them; written raw, as a sloppy exporter does.
    raw = "".join(json.dumps(line, ensure_ascii=False).replace("\\f", "\f").replace("\\u000b", "\v") + "\n" for line in lines)
    assert "\f" in raw and "\v" in raw
    result = classify(small_model_path, "-", "--keep-fields", input=raw.encode())
    assert result.exit_code == 0, result.stderr
    # Split at line feeds alone: the texts hold other line breaks.
    assert [json.loads(line)["record"]["text"] for line in result.stdout.split("\n")[:-1]] == [line["text"] for line in lines]


def test_a_result_holding_a_unicode_line_break_stays_one_line(small_model_path: Path) -> None:
    # orjson writes U+2028, U+2029 and U+0085 raw, as JSON allows: str.splitlines (and JavaScript's
    # regular expressions) split the line there, and neither half was JSON. An id may hold one too.
    texts = {"ls": "first\u2028second", "ps": "first\u2029second", "nel": "first\x85second", "nul\u2028": "a\x00b"}
    given = "".join(json.dumps({"id": name, "text": text}) + "\n" for name, text in texts.items())
    result = classify(small_model_path, "-", "--keep-fields", input=given)
    assert result.exit_code == 0, result.stderr
    assert "\u2028" not in result.stdout and "\u2029" not in result.stdout and "\x85" not in result.stdout
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["id"]: row["record"]["text"] for row in rows} == texts


def test_a_result_holding_a_c1_control_shows_it_escaped(small_model_path: Path) -> None:
    # JSON escapes the C0 controls (ESC as \u001b) but lets C1 ones be: U+009B opens a control
    # sequence as ESC [ does, so results printed to a terminal cleared it ("\x9b2J") or retitled it.
    texts = {"csi\x9b2J": "clear \x9b2J now", "osc": "title \x9d0;pwned\x9c here", "last\x9f": "\x80 first"}
    given = "".join(json.dumps({"id": name, "text": text}) + "\n" for name, text in texts.items())
    result = classify(small_model_path, "-", "--keep-fields", input=given)
    assert result.exit_code == 0, result.stderr
    assert not any("\x80" <= c <= "\x9f" for c in result.stdout)
    assert "\\u009b2J" in result.stdout
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {row["id"]: row["record"]["text"] for row in rows} == texts


def test_a_json_document_with_a_raw_tab_in_a_post_is_read(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text('[\n  {"id": 1, "text": "a\tb"},\n  {"id": 2, "text": "lost my bag"}\n]\n')
    result = classify(small_model_path, str(path), "--keep-fields")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["record"]["text"] for line in result.stdout.splitlines()] == ["a\tb", "lost my bag"]


def test_a_text_given_twice_is_still_found_in_a_line_with_a_raw_tab(small_model_path: Path) -> None:
    given = '{"id": "1", "text": "first\twords", "text": "other words"}\n{"id": "2", "text": "lost my bag"}\n'
    result = classify(small_model_path, "-", input=given)
    assert result.exit_code == 0, result.stderr
    first = json.loads(result.stdout.splitlines()[0])
    assert (first["label"], first["reason"]) == (None, "'text' is given twice in this record")


# Plain lines whose first line starts with a bracket, and JSON documents damaged early

_BRACKETED = {
    "update": ("[Update] the river bridge is closed until Friday", "expecting value at column 2"),
    "thread": ("[1/3] Thread about our community garden", "expecting ',' delimiter at column 3"),
    "draft": ("{Draft} my notes from the workshop today", "expecting property name enclosed in double quotes at column 2"),
}


@pytest.mark.parametrize("case", list(_BRACKETED))
@pytest.mark.parametrize("where", ["file", "stdin"])
def test_lines_whose_first_starts_with_a_bracket_are_a_doubt_not_a_json_document(
    small_model_path: Path, tmp_path: Path, case: str, where: str
) -> None:
    first, failure = _BRACKETED[case]
    text = first + "\n" + "".join(f"Post {i}: volunteers needed at the food bank\n" for i in range(40))
    path = tmp_path / "posts.txt"
    path.write_text(text)
    given = ("-",) if where == "stdin" else (str(path),)
    result = classify(small_model_path, *given, "--on-error", "skip", input=text if where == "stdin" else None)
    assert result.exit_code == 2
    assert result.stdout == ""
    shown = "<stdin>" if where == "stdin" else str(path)
    assert result.stderr == (
        f"Error: {shown}:1: cannot tell whether this is a damaged JSON document or text with a post on each line: its first line "
        f"({first!r}) starts like JSON but is none ({failure}): mend the JSON, or say --input-format lines to read every line as a post\n"
    )
    said = classify(small_model_path, *given, "--input-format", "lines", input=text if where == "stdin" else None)
    assert said.exit_code == 0, said.stderr
    assert ids(said.stdout) == list(range(1, 42))


def test_an_iphone_whatsapp_chat_in_a_date_form_not_read_is_said_to_look_like_one_not_damaged_json(small_model_path: Path) -> None:
    chat = "[13/4/23, 10:15:00 \u03c0.\u03bc.] Ana: lunch at the marina?\n[13/4/23, 2:15:00 \u03bc.\u03bc.] Ben: yes, at one\n"
    result = classify(small_model_path, "-", input=chat)
    assert result.exit_code == 2
    # Before: "cannot tell whether this is a damaged JSON document or text with a post on each line: ... mend the JSON, ...".
    assert result.stderr == (
        "Error: <stdin>:1: its first line ('[13/4/23, 10:15:00 \u03c0.\u03bc.] Ana: lunch at the marina?') starts as an iPhone's "
        "WhatsApp chat does, [date, time] and a sender, but in a form of date and time smclass does not read as a chat's: say "
        "--input-format lines to read every line as a post, its date and sender in its text\n"
    )


def test_a_lone_line_that_starts_with_a_bracket_is_a_doubt_too(small_model_path: Path) -> None:
    result = classify(small_model_path, "-", input="[PHOTO] sunset over the harbour\n")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: <stdin>:1: cannot tell whether this is a damaged JSON document or text with a post on each line"
    )


def test_a_file_named_json_whose_first_line_is_plainly_no_json_says_so_by_its_name(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text("[Update] the river bridge is closed until Friday\nVolunteers needed at the food bank\n")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}:1: named .json, but its first line is not JSON ('[Update] the river bridge is closed until Friday'): "
        "mend it, or say --input-format lines to read every line as a post\n"
    )


def test_a_json_array_damaged_after_its_first_post_on_the_first_line_is_still_read_as_json(small_model_path: Path, tmp_path: Path) -> None:
    path, rejects = tmp_path / "posts.txt", tmp_path / "rejects.txt"
    rest = '{"id": 2, "text": "lost my bag"}]\n'
    path.write_text('[{"id": 1, "text": "first post"} ' + rest)
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1]
    assert rejects.read_text() == rest


def test_a_json_array_damaged_with_more_after_it_than_a_reject_holds_stops_the_run_even_with_skip(
    small_model_path: Path, tmp_path: Path
) -> None:
    posts = [{"id": i, "text": f"post number {i} about the food bank"} for i in range(40_000)]
    path, rejects = tmp_path / "posts.json", tmp_path / "rejects.txt"
    damaged = '{"id": 3, "text": "bad" "x"}'
    path.write_text(json.dumps(posts[:3], indent=1)[:-2] + ",\n " + damaged + ",\n" + json.dumps(posts[4:], indent=1)[1:])
    result = classify(small_model_path, str(path), "--on-error", "skip", "--rejects", str(rejects))
    assert result.exit_code == 1
    assert ids(result.stdout) == [0, 1, 2]
    assert result.stderr.splitlines()[-1] == (
        f"Error: {path}:14: invalid JSON (expecting ',' delimiter at column 26): a JSON document cannot be read on past its damage, "
        "and the rest of it is over 1 MiB, more than one reject holds: mend it (or cut it at the damage) to read the posts after it"
    )
    assert not rejects.exists()


# JSON lines under a preamble of comments


def _commented(comments: int, objects: int) -> str:
    preamble = "".join(f"# scraped page {i} of the community forum\n" for i in range(1, comments + 1))
    return preamble + "".join(
        json.dumps({"id": f"p{i}", "text": f"Volunteers needed for the river cleanup, day {i}"}) + "\n" for i in range(1, objects + 1)
    )


@pytest.mark.parametrize("name", ["-", "scraped.log", "scraped.txt"])
def test_json_lines_under_a_preamble_of_comments_are_a_doubt_not_posts_of_markup(small_model_path: Path, tmp_path: Path, name: str) -> None:
    text = _commented(30, 40)
    path = tmp_path / name
    path.write_text(text)
    given = "-" if name == "-" else str(path)
    result = classify(small_model_path, given, input=text if name == "-" else None)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {'<stdin>' if name == '-' else path}:31: this line is a JSON object, as 20 of the first 50 lines are, where most "
        "others are no JSON (a preamble of comments?): cannot tell JSON lines from text with a post on each line: say "
        "--input-format jsonl (the lines that are not JSON then rejected) or --input-format lines to read every line as a post\n"
    )
    said = classify(small_model_path, given, "--input-format", "jsonl", "--on-error", "skip", input=text if name == "-" else None)
    assert said.exit_code == 0, said.stderr
    assert ids(said.stdout) == [f"p{i}" for i in range(1, 41)]


def test_one_json_object_among_posts_one_per_line_is_a_post(small_model_path: Path) -> None:
    text = (
        "My flight got cancelled again\n" + '{"note": "this line is json"}\n' + "".join(f"Volunteers needed, day {i}\n" for i in range(8))
    )
    result = classify(small_model_path, "-", input=text)
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == list(range(1, 11))


# A web page or an XML document: an export saved as HTML, or a feed


TELEGRAM_PAGE = """<!DOCTYPE html>
<html>
 <head>
  <meta charset="utf-8"/>
<title>Exported Data</title>
 </head>
 <body>
  <div class="text">
Trail map is up, meet at the car park at seven
  </div>
 </body>
</html>
"""


@pytest.mark.parametrize(
    ("name", "page", "what", "line"),
    [
        ("messages.html", TELEGRAM_PAGE, "an HTML page", 1),
        ("your_posts_1.html", '\n<html><head><meta charset="utf-8"/></head><body><div>our garden</div></body></html>\n', "an HTML page", 2),
        ("feed.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<rss><channel><title>News</title></channel></rss>\n', "an XML document", 1),
        (
            "page.htm",
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"\n  "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
            "<html><body><p>our garden</p></body></html>\n",
            "an HTML page",
            1,
        ),
    ],
)
def test_an_html_page_or_an_xml_document_is_refused_not_read_a_line_at_a_time(
    small_model_path: Path, tmp_path: Path, name: str, page: str, what: str, line: int
) -> None:
    # Telegram Desktop's default export, Meta's HTML download: every line of markup (<!DOCTYPE html>,
    # </div>) had been a post with a label, exit 0.
    path = tmp_path / name
    path.write_text(page)
    result = classify(small_model_path, str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}:{line}: {what}, not posts: read one post per line, its markup would be labelled as posts: export the posts "
        "as JSON or CSV (a platform's export offers JSON beside HTML), or say --input-format lines to read every line as a post\n"
    )
    # Said so, it is read a line at a time.
    assert classify(small_model_path, str(path), "--input-format", "lines").exit_code == 0


def test_posts_one_per_line_that_start_with_a_tag_are_read(small_model_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("<html> tags were the first thing I learned\n<?xml is what the file starts with, said my teacher\n")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 2]


@pytest.mark.parametrize(
    "first",
    [
        "<!DOCTYPE html> goes first on every page, they said",
        '<?xml version="1.0"?> at the top of every file, why?',
        "<html> tags are hard to learn",
    ],
)
def test_posts_that_start_with_a_page_s_first_tag_and_go_on_in_words_are_read(small_model_path: Path, tmp_path: Path, first: str) -> None:
    # A page's first line is markup alone; these had been refused as an HTML page or an XML document, exit 1,
    # the <html> one as soon as a later post named a <body> tag.
    path = tmp_path / "notes.txt"
    path.write_text(f"{first}\nAlways close your <body> tag before the footer\nthe new phone is great\n")
    result = classify(small_model_path, str(path))
    assert result.exit_code == 0, result.stderr
    assert ids(result.stdout) == [1, 2, 3]


def test_classify_s_own_table_output_is_refused_not_read_as_posts(small_model_path: Path, tmp_path: Path) -> None:
    # Read back one post per line, the header, the rule and each row of results had been labelled as posts, exit 0.
    posts = tmp_path / "posts.jsonl"
    posts.write_text('{"id": "a1", "text": "our bake sale raised 300 for the shelter"}\n{"id": "a2", "text": "team standup moves to 10"}\n')
    table = tmp_path / "labels.txt"
    assert classify(small_model_path, str(posts), "--format", "table", "--proba", "-o", str(table)).exit_code == 0
    result = classify(small_model_path, str(table))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {table}:1: the output of smclass classify --format table, not posts: ")
    # Said so, it is read a line at a time; a post that starts with those words is read as one.
    assert classify(small_model_path, str(table), "--input-format", "lines").exit_code == 0
    result = classify(small_model_path, "-", input="id label confidence: three words I keep typing\nthe new phone is great\n")
    assert ids(result.stdout) == [1, 2]
