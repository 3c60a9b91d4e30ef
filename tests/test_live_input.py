"""An input still being written (a pipe from a collector, `tail -f`) gets its results as its posts come."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smclass.errors import InputError
from smclass.reading.live import Pause, paced
from smclass.reading.records import Record
from smclass.reading.sniff import Partial, read_head

# Generous: a run starts in about a second; the point is that it does not wait for the end of the input.
WAIT = 30.0


def _classify_live(model: Path, *options: str, unbuffered: bool = False) -> subprocess.Popen[bytes]:
    """``smclass classify -`` with the test's model, its stdin, stdout and stderr pipes (``unbuffered``: a line read
    ahead into a buffer would hide from select)."""
    command = [sys.executable, "-m", "smclass", "classify", "-", "--model", str(model), *options]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0 if unbuffered else -1)


def _line_within(stream: object, seconds: float) -> bytes:
    fd = stream.fileno()  # type: ignore[attr-defined]
    ready, _, _ = select.select([fd], [], [], seconds)
    assert ready, "no result came while the input was still open"
    return stream.readline()  # type: ignore[attr-defined, no-any-return]


def test_each_post_of_a_live_pipe_is_classified_before_the_pipe_closes(small_model_path: Path) -> None:
    run = _classify_live(small_model_path, "-q")
    assert run.stdin is not None and run.stdout is not None
    try:
        run.stdin.write(b'{"id": 1, "text": "the team ships the release on friday"}\n')
        run.stdin.flush()
        assert json.loads(_line_within(run.stdout, WAIT))["id"] == 1
        run.stdin.write(b'{"id": 2, "text": "march with us on saturday"}\n')
        run.stdin.flush()
        assert json.loads(_line_within(run.stdout, WAIT))["id"] == 2
        run.stdin.close()
        assert run.wait(timeout=WAIT) == 0
        assert run.stdout.read() == b""
    finally:
        run.kill()


def test_every_post_of_a_first_burst_is_written_before_more_comes(small_model_path: Path) -> None:
    # Batches grow 1, 2, 4...: of five posts the last two waited for a sixth (forever, under tail -f).
    run = _classify_live(small_model_path, "-q", unbuffered=True)
    assert run.stdin is not None and run.stdout is not None
    try:
        run.stdin.write(b"".join(b'{"id": %d, "text": "post %d of the morning"}\n' % (i, i) for i in range(1, 6)))
        run.stdin.flush()
        assert [json.loads(_line_within(run.stdout, WAIT))["id"] for _ in range(5)] == [1, 2, 3, 4, 5]
        run.stdin.close()
        assert run.wait(timeout=WAIT) == 0
    finally:
        run.kill()


def test_a_live_csv_is_read_as_csv_from_its_header_alone(small_model_path: Path) -> None:
    run = _classify_live(small_model_path)
    assert run.stdin is not None and run.stdout is not None and run.stderr is not None
    try:
        run.stdin.write(b"id,text\n")
        run.stdin.flush()
        time.sleep(1)
        run.stdin.write(b"7,the bus was late again\n")
        run.stdin.flush()
        assert json.loads(_line_within(run.stdout, WAIT))["id"] == "7"
        run.stdin.close()
        assert run.wait(timeout=WAIT) == 0
        assert "<stdin>: read as csv, text field 'text' (detected), id field 'id'" in run.stderr.read().decode()
    finally:
        run.kill()


def test_the_head_of_a_pipe_stops_at_a_pause_after_a_whole_line() -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, b'{"id": 1}\n{"id": 2, "te')
    with os.fdopen(read_end, "rb") as stream:
        head = read_head(stream)
        os.close(write_end)
    assert (head, isinstance(head, Partial)) == (b'{"id": 1}\n{"id": 2, "te', True)


def test_a_pipe_that_pauses_after_a_line_of_a_byte_order_mark_alone_is_read_on() -> None:
    # Its head was the mark alone, blank: the input was "empty", its posts dropped, exit 0.
    import io

    from smclass.reading.inputs import read_stream

    first, later = b"\xef\xbb\xbf\n", b"the bus was late again\nsee you at noon\n"
    read_end, write_end = os.pipe()
    os.write(write_end, first)

    def rest() -> None:
        time.sleep(0.6)
        os.write(write_end, later)
        os.close(write_end)

    writer = threading.Thread(target=rest)
    writer.start()
    with os.fdopen(read_end, "rb", buffering=0) as stream:
        live = [(record.data, record.error) for record in read_stream(stream, "<stdin>")]
    writer.join()
    whole = [(record.data, record.error) for record in read_stream(io.BytesIO(first + later), "<stdin>")]
    assert live == whole and [data["text"] for data, _ in live] == ["", "the bus was late again", "see you at noon"]


def _records(count: int, then: Exception | None = None, gap: float = 0.0) -> Iterator[Record]:
    for number in range(1, count + 1):
        if gap and number > 1:
            time.sleep(gap)
        yield Record({"text": str(number)}, "pipe", number, number)
    if then is not None:
        raise then


def test_paced_records_keep_their_order_and_pause_only_when_none_come() -> None:
    steady = list(paced(_records(500)))
    assert [r.index for r in steady] == list(range(1, 501))
    slow = [("pause" if isinstance(r, Pause) else r.index) for r in paced(_records(3, gap=0.3), grace=0.05)]
    assert slow == [1, "pause", 2, "pause", 3]


def test_a_reading_error_comes_after_the_records_read_before_it() -> None:
    seen: list[int] = []
    with pytest.raises(InputError, match="bad line"):
        for record in paced(_records(5, then=InputError("bad line", source="pipe", line=6))):
            seen.append(record.index)
    assert seen == [1, 2, 3, 4, 5]


def test_reading_ahead_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from smclass.reading import live

    monkeypatch.setattr(live, "AHEAD_RECORDS", 10)
    made = [0]

    def counted() -> Iterator[Record]:
        for record in _records(100):
            made[0] = record.index
            yield record

    found = paced(counted())
    next(found)
    time.sleep(0.3)
    assert made[0] <= 12
    assert threading.active_count() >= 1
    assert [r.index for r in found if not isinstance(r, Pause)] == list(range(2, 101))


def test_a_live_document_that_pauses_after_its_opening_brace_is_read_as_a_document(small_model_path: Path) -> None:
    run = _classify_live(small_model_path)
    assert run.stdin is not None
    try:
        run.stdin.write(b"{\n")
        run.stdin.flush()
        time.sleep(1)
        page = b'  "data": [\n    {"id": "1", "text": "the council votes tonight"},\n'
        page += b'    {"id": "2", "text": "we ship friday"}\n  ],\n  "meta": {}\n}\n'
        out, err = run.communicate(page, timeout=WAIT)
    finally:
        run.kill()
    assert run.returncode == 0, err
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["1", "2"]
    assert b"read as X API v2 page (json)" in err


def test_stdin_is_live_by_the_stream_that_will_be_read_not_by_descriptor_0(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from smclass.reading.live import is_live_path

    # fd 0 a pipe, as under CI or a terminal, while sys.stdin is a buffer a test runner set.
    read_end, write_end = os.pipe()
    saved = os.dup(0)
    try:
        os.dup2(read_end, 0)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"text": "a whole input"}\n')))
        assert is_live_path("-") is False
        with open(read_end, "rb", closefd=False) as pipe:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(pipe))
            assert is_live_path("-") is True
    finally:
        os.dup2(saved, 0)
        for fd in (saved, read_end, write_end):
            os.close(fd)


PAUSED_FIRST = b'{"id": "a1", "description": "Proud dad, runner, coffee person"}\n'
PAUSED_REST = (
    b'{"id": "a2", "text": "Volunteers needed Saturday for the river cleanup", "description": "Proud dad, runner"}\n'
    b'{"id": "a3", "text": "Where is my", "full_text": "Where is my order, three weeks late, refund me now", "description": "Baker"}\n'
)


def test_a_live_inputs_later_records_are_read_as_a_plan_that_had_seen_them_reads_them(small_model_path: Path, tmp_path: Path) -> None:
    # Planned from the one record that came before the pipe paused, the bios were labelled in place of the posts.
    run = _classify_live(small_model_path, unbuffered=True)
    assert run.stdin is not None and run.stdout is not None and run.stderr is not None
    try:
        run.stdin.write(PAUSED_FIRST)
        run.stdin.flush()
        first = _line_within(run.stdout, WAIT)
        run.stdin.write(PAUSED_REST)
        run.stdin.close()
        assert run.wait(timeout=WAIT) == 0
        live = first + run.stdout.read()
        notes = run.stderr.read().decode()
    finally:
        run.kill()
    whole = tmp_path / "posts.jsonl"
    whole.write_bytes(PAUSED_FIRST + PAUSED_REST)
    command = [sys.executable, "-m", "smclass", "classify", str(whole), "--model", str(small_model_path), "-q"]
    from_file = subprocess.run(command, capture_output=True, check=True)
    assert live == from_file.stdout
    looked = "the 1 record the plan was chosen from, before the input paused,"
    assert f"<stdin>:2: holds 'text', which {looked} did not: from here on a record is read from 'text' where it holds text" in notes


@pytest.mark.parametrize(
    ("later", "field"),
    [
        # Nested, as X's v1.1 stream writes a long tweet; and after a record whose full_text is null.
        ([{"id": 3, "text": "cut…", "extended_tweet": {"full_text": "the whole tweet"}}], "extended_tweet.full_text"),
        ([{"id": 2, "text": "thanks", "full_text": None}, {"id": 3, "text": "cut…", "full_text": "the whole tweet"}], "full_text"),
    ],
)
def test_a_paused_plan_takes_up_a_fuller_field_nested_or_after_a_null_one(later: list[dict[str, Any]], field: str) -> None:
    from smclass.reading import paused
    from smclass.reading.fields import record_text
    from smclass.reading.plan import ReadOptions, plan_input

    first = [Record({"id": 1, "text": "good morning everyone"}, "<stdin>", 1, 1, None)]
    plan = plan_input(first, ReadOptions())
    rest = [Record(data, "<stdin>", i, i, None) for i, data in enumerate(later, 2)]
    notes: list[str] = []
    read = [record_text(record, plan.text)[0] for record in paused.checked(iter(rest), plan, first, notes.append)]
    assert read[-1] == "the whole tweet"
    assert plan.text.own_field == field
    assert len(notes) == 1 and notes[0].startswith(f"<stdin>:{len(later) + 1}: holds '{field}'")


def test_a_live_input_whose_next_line_tells_another_format_stops_there(small_model_path: Path) -> None:
    # Told from its first line alone, a plain line then a line of JSON had read as two plain posts, exit 0,
    # where the same bytes from a file are refused (as JSON lines, the first line no JSON).
    run = _classify_live(small_model_path, unbuffered=True)
    assert run.stdin is not None and run.stdout is not None and run.stderr is not None
    try:
        run.stdin.write(b"plain line about my dog\n")
        run.stdin.flush()
        first = json.loads(_line_within(run.stdout, WAIT))
        run.stdin.write(b'{"id": "x", "text": "json later"}\n')
        run.stdin.close()
        assert run.wait(timeout=WAIT) == 2
        rest = run.stdout.read()
        notes = run.stderr.read().decode()
    finally:
        run.kill()
    assert first["id"] == 1 and rest == b""
    told = "the format had been told from the first line, which came before the input paused: read as lines, its result written"
    assert f"Error: <stdin>:2: {told}; the first 2 lines read as jsonl (as a file of them is)" in notes


def test_a_live_input_is_planned_past_a_first_record_without_text_and_a_named_field_it_lacks() -> None:
    # Planned from the notice alone that came before the pause, the input had been refused: "no text field
    # found (fields: limit)", "no field 'text'", "no field 'id'", where a file of the same records is read.
    from smclass.reading.plan import ReadOptions
    from smclass.reading.posts import planned

    notice = Record({"limit": {"track": 5}}, "<stdin>", 1, 1, None)
    post = Record({"id": "2", "text": "the bus was late again"}, "<stdin>", 2, 2, None)
    unnamed = Record({"text": "see you at noon"}, "<stdin>", 1, 1, None)
    for came, options in [
        ([notice, post], ReadOptions()),
        ([notice, post], ReadOptions(text_field="text")),
        ([unnamed, post], ReadOptions(id_field="id")),
    ]:
        read = [
            (plan.text.field, plan.id_field, [record.line for record in records if not isinstance(record, Pause)])
            for plan, records in planned(iter([came[0], Pause({}, "<stdin>", None, 0), *came[1:]]), options)
        ]
        assert read == [("text", "id", [1, 2])]


def test_a_live_whatsapp_chat_gets_each_message_as_it_comes_with_its_stamp_as_written(small_model_path: Path) -> None:
    # Read twice to learn which number of its dates is the day, a live chat had given no result before its input ended.
    run = _classify_live(small_model_path, "--keep-fields", unbuffered=True)
    assert run.stdin is not None and run.stdout is not None and run.stderr is not None
    try:
        run.stdin.write(b"03/04/23, 10:15 - Ana: the ferry leaves at six\n13/04/23, 10:16 - Ben: see you at the pier\n")
        run.stdin.flush()
        first = json.loads(_line_within(run.stdout, WAIT))
        assert (first["id"], first["record"]["timestamp"], "time" in first["record"]) == (1, "03/04/23, 10:15", False)
        run.stdin.close()
        assert run.wait(timeout=WAIT) == 0
        assert b"a WhatsApp chat read as it comes: its messages keep their date and time as written" in run.stderr.read()
    finally:
        run.kill()
