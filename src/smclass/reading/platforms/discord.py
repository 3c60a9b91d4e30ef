"""DiscordChatExporter JSON: one channel per file, ``guild``, ``channel`` and ``messages``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from smclass.reading.platforms.base import Shape, Unreadable

# Discord writes these itself ("pinned a message", "joined the server"): no one's post.
_SYSTEM_KINDS = frozenset(
    {
        "RecipientAdd",
        "RecipientRemove",
        "Call",
        "ChannelNameChange",
        "ChannelIconChange",
        "ChannelPinnedMessage",
        "GuildMemberJoin",
        "ThreadCreated",
    }
)


def _name(value: Any) -> Any:
    return value.get("name") if isinstance(value, dict) else None


def channel(value: dict[str, Any]) -> list[Any]:
    guild, chan = _name(value.get("guild")), _name(value.get("channel"))
    out: list[Any] = []
    for message in value["messages"]:
        if not isinstance(message, dict):
            out.append(Unreadable("a Discord message object", message))
            continue
        kind = message.get("type") if isinstance(message.get("type"), str) else None
        author = message["author"] if isinstance(message.get("author"), dict) else {}
        record: dict[str, Any] = {
            "id": message.get("id"),
            "text": None if kind in _SYSTEM_KINDS else message.get("content"),
            "platform": "discord",
            "guild": guild,
            "channel": chan,
            "author": author.get("nickname") or author.get("name"),
            "timestamp": message.get("timestamp"),
        }
        if kind not in (None, "Default"):
            record["kind"] = kind
        out.append((record, message))
    return out


def is_channel(value: dict[str, Any]) -> bool:
    return isinstance(value.get("guild"), dict) and isinstance(value.get("channel"), dict) and isinstance(value.get("messages"), list)


SHAPES = [Shape("DiscordChatExporter channel", is_channel, channel, whole=True, each="messages")]


# Discord's own data package ("Request all of my Data"), a folder or a zip: messages/index.json
# names the channels, and each channel's folder (messages/c<id>/) holds channel.json, which
# describes the channel and holds no post, beside its messages: messages.csv in older packages,
# messages.json in newer ones (both ID, Timestamp, Contents, Attachments). The rest of the
# package (account/, activity/, servers/) is about the account, not its posts.
_MESSAGE_FILES = ("messages.csv", "messages.json")


def _folder(name: str) -> str:
    return name.rpartition("/")[0]


def message_files(names: Iterable[str]) -> list[str]:
    """The members that hold messages, in the order given: a messages file beside its channel.json."""
    names = list(names)
    channels = {_folder(n) for n in names if n.rpartition("/")[2] == "channel.json"}
    return [n for n in names if n.rpartition("/")[2] in _MESSAGE_FILES and _folder(n) in channels]


def is_package(names: set[str]) -> bool:
    """Whether these member names (relative to the top) hold a Discord data package's channel folder."""
    return bool(message_files(names))


# The package's folders about the account rather than its posts (capitalised in newer packages).
_ACCOUNT_FOLDERS = frozenset({"account", "activity", "activities", "ads", "programs", "servers", "support_tickets"})


def package_parts(names: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """A package's files that hold no messages, counted by where they are (``account/``, the channel
    descriptions), and the files found in it that are none of its own, in order."""
    known: dict[str, int] = {}
    other: list[str] = []
    for name in names:
        top, _, rest = name.partition("/")
        base = name.rpartition("/")[2]
        if rest and top.lower() in _ACCOUNT_FOLDERS:
            part = f"{top}/"
        elif base in ("channel.json", "index.json"):
            part = "channel.json and index.json"
        else:
            other.append(name)
            continue
        known[part] = known.get(part, 0) + 1
    return known, other
