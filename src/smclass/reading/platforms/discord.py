"""DiscordChatExporter JSON: one channel per file, ``guild``, ``channel`` and ``messages``."""

from __future__ import annotations

import re
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
# A channel's folder is c and its id; the messages folder holds them and index.json. Named so, and
# only so: any folder with a channel.json beside a messages.csv is not a package.
_CHANNEL = re.compile(r"(?:(?:.*/)?messages/)?c[0-9]+", re.IGNORECASE)


def _folder(name: str) -> str:
    return name.rpartition("/")[0]


def _channels(names: Iterable[str]) -> set[str]:
    """The channel folders among the names: c<id>/ holding a channel.json (or the top, given one channel's folder)."""
    found = {_folder(n) for n in names if n.rpartition("/")[2] == "channel.json"}
    return {folder for folder in found if folder == "" or _CHANNEL.fullmatch(folder)}


def message_files(names: Iterable[str]) -> list[str]:
    """The members that hold messages, in the order given: a messages file beside its channel.json."""
    names = list(names)
    channels = _channels(names)
    return [n for n in names if n.rpartition("/")[2] in _MESSAGE_FILES and _folder(n) in channels]


def is_package(names: set[str]) -> bool:
    """Whether these member names (relative to the top) hold a Discord data package's channel folder."""
    return bool(message_files(names))


# The package's folders about the account rather than its posts (capitalised in newer packages),
# beside its messages folder at the top.
_ACCOUNT_FOLDERS = frozenset({"account", "activity", "activities", "ads", "programs", "servers", "support_tickets"})


def package_parts(names: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """A package's files that hold no messages, counted by where they are (``account/``, the channel
    descriptions), and the files found in it that are none of its own, in order."""
    names = list(names)
    channels = _channels(names)
    root = _root(channels)
    inside = [name.removeprefix(root) if name.startswith(root) else None for name in names]
    whole = any(n is not None and n.partition("/")[0].lower() == "messages" for n in inside)
    known: dict[str, int] = {}
    other: list[str] = []
    for name, inner in zip(names, inside, strict=True):
        if inner is None:
            other.append(name)
            continue
        top, _, rest = inner.partition("/")
        base = name.rpartition("/")[2]
        if whole and rest and top.lower() in _ACCOUNT_FOLDERS:
            part = f"{top}/"
        elif (base == "channel.json" and _folder(name) in channels) or (base == "index.json" and _is_index(_folder(inner), whole)):
            part = "channel.json and index.json"
        else:
            other.append(name)
            continue
        known[part] = known.get(part, 0) + 1
    return known, other


def _root(channels: set[str]) -> str:
    """Where the package starts: the folder above its messages/ folder (``package/`` in a folder that
    holds the unzipped package, or a zip made of that folder), else the top."""
    roots = {folder[: folder.lower().rfind("messages/")] for folder in channels if "messages/" in folder.lower()}
    return roots.pop() if len(roots) == 1 else ""


def _is_index(folder: str, whole: bool) -> bool:
    # messages/index.json of the whole package, or index.json of its messages folder given alone.
    return folder.lower() == "messages" if whole else folder == ""
