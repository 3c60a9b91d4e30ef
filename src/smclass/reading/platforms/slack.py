"""Slack workspace exports (a folder or a zip): ``channels.json``, ``users.json`` and one folder per channel of days."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from smclass.errors import InputError
from smclass.reading.records import Record, json_kind

# Slack writes these itself ("<@U2> has joined the channel", "set the channel purpose"):
# no one's post. A bot's message, a file shared with words, a reply sent to the channel are.
SYSTEM_SUBTYPES = frozenset(
    {
        *(
            f"{kind}_{event}"
            for kind in ("channel", "group")
            for event in ("join", "leave", "purpose", "topic", "name", "archive", "unarchive")
        ),
        "bot_add",
        "bot_remove",
        "bot_enable",
        "bot_disable",
        "pinned_item",
        "unpinned_item",
        "reminder_add",
        "reminder_delete",
        "tombstone",
        "sh_room_created",
        "huddle_thread",
        "channel_canvas_updated",
        "channel_convert_to_private",
        "channel_posting_permissions",
        "app_conversation_join",
    }
)
# Slack's markup in a message's text: <https://...|label>, <@U123>, <#C123|general>, <!here>.
_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


def _is_day(name: str) -> bool:
    channel, _, day = name.partition("/")
    return bool(channel) and _DAY.match(day) is not None


def is_attachment(name: str) -> bool:
    """A file that an export tool saved beside the messages (slackdump: ``C123/attachments/``, ``__uploads/``)."""
    parts = name.split("/")
    return len(parts) > 2 and (parts[1] == "attachments" or parts[0] == "__uploads")


def is_export(names: set[str]) -> bool:
    """Whether these member names (relative to the export's top) are a Slack export: a channel or user
    list at the top beside channel folders of days (day files at the top are someone's daily dumps)."""
    return ("channels.json" in names or "users.json" in names) and any(_is_day(n) for n in names)


def foreign(names: list[str]) -> list[str]:
    """The members no Slack export holds: read as part of one, they would be passed over unread.

    A channel's folder may hold more than its days (``canvas_in_the_conversation.json``, a
    system's ``desktop.ini``): those are the export's, passed over with a note (see :func:`extras`).
    """
    return [n for n in names if not (_is_day(n) or is_attachment(n) or ("/" not in n and n.endswith(".json")) or n.count("/") == 1)]


def extras(names: list[str]) -> list[str]:
    """Files in a channel's folder that hold no day of messages."""
    return [n for n in names if n.count("/") == 1 and not _is_day(n)]


def _users(load: Callable[[str], Any], names: set[str]) -> dict[str, str]:
    if "users.json" not in names:
        return {}
    users = load("users.json")
    if not isinstance(users, list):
        return {}
    return {u["id"]: u.get("name") or u["id"] for u in users if isinstance(u, dict) and "id" in u}


def plain_text(text: str, users: dict[str, str], channels: dict[str, str]) -> str:
    """A message's text as it reads in Slack: links, mentions and channels as words, ``&amp;`` as ``&``.

    Left as it was, the markup would be taken for HTML tags downstream and its words lost.
    """

    def word(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return f"@{label or users.get(target[1:], target[1:])}"
        if target.startswith("#"):
            return f"#{label or channels.get(target[1:], target[1:])}"
        if target.startswith("!"):
            # <!here>, <!channel>; a user group or a date carries the words to show as its label.
            return label or f"@{target[1:]}"
        if not label or label == target.split(":", 1)[-1].removeprefix("//").removesuffix("/"):
            return target
        return f"{label} ({target})"

    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], _MARKUP.sub(word, text))


def _channels(load: Callable[[str], Any], names: set[str]) -> dict[str, str]:
    if "channels.json" not in names:
        return {}
    channels = load("channels.json")
    if not isinstance(channels, list):
        return {}
    return {str(c["id"]): str(c["name"]) for c in channels if isinstance(c, dict) and "id" in c and isinstance(c.get("name"), str)}


def records(members: list[str], read_bytes: Callable[[str], bytes], locate: Callable[[str], str]) -> Iterator[Record]:
    """One record per message, id from the channel and ``ts``; ``members`` in reading order (see :func:`folders.contents`).

    ``read_bytes`` reads a member by its name in the export; ``locate`` names it in messages.
    """

    def load(name: str) -> Any:
        try:
            return json.loads(read_bytes(name).decode("utf-8-sig"))
        except (ValueError, RecursionError) as exc:
            raise InputError(f"invalid JSON ({exc})", source=locate(name)) from None

    names = set(members)
    stray = foreign(members)
    if stray:
        raise InputError(
            "this folder looks like a Slack export (a channel or user list beside channel folders of days), "
            "but this file is no part of one: give the export and the other files separately",
            source=locate(stray[0]),
        )
    users = _users(load, names)
    channels = _channels(load, names)
    # In the order given, which is a folder's reading order: days by date, channels as every folder's files are.
    days = [m for m in members if _is_day(m)]
    index = 0
    for member in days:
        channel = member.rsplit("/", 2)[-2]
        messages = load(member)
        if not isinstance(messages, list):
            raise InputError("expected a JSON array of Slack messages", source=locate(member))
        for message in messages:
            index += 1
            problem = None if isinstance(message, dict) else f"expected a Slack message object, got {json_kind(message)}"
            if problem is None and not isinstance(message.get("ts"), str):
                # ts is a message's id in Slack; without it every such message would share "channel/None".
                problem = "a Slack message without its ts (timestamp id)"
            if problem is not None:
                # Counted and reported like any unreadable record, never dropped unseen.
                error = InputError(problem, source=locate(member))
                yield Record({}, locate(member), None, index, None, error, shape="Slack export", original=message)
                continue
            text, subtype = message.get("text"), message.get("subtype")
            system = isinstance(subtype, str) and subtype in SYSTEM_SUBTYPES
            record = {
                "id": f"{channel}/{message.get('ts')}",
                "text": None if system else plain_text(text, users, channels) if isinstance(text, str) else text,
                "platform": "slack",
                "channel": channel,
                "user": users.get(str(message.get("user")), message.get("user")),
                "ts": message.get("ts"),
            }
            if message.get("subtype"):
                record["subtype"] = message["subtype"]
            # --keep-fields and the rejects file carry the message as Slack wrote it, not this view of it.
            yield Record(record, locate(member), None, index, None, shape="Slack export", original=message)
