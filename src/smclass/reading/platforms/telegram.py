"""Telegram Desktop "Export chat history" / "Export Telegram data" as JSON: ``result.json``.

A single chat is ``{"name", "type", "id", "messages": [...]}``; a whole account keeps its
chats under ``chats.list`` (and the ones it left under ``left_chats.list``). A message's
``text`` is a string, or a list of strings and entity objects (links, mentions, bold...)
whose ``text`` parts join into the message.
"""

from __future__ import annotations

from typing import Any

from smclass.reading.platforms.base import Shape, Unreadable

_CHAT_LISTS = ("chats", "left_chats")


def message_text(value: Any) -> str | None:
    """The words of a message: a string, or strings and entities joined in order."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [part if isinstance(part, str) else part.get("text") for part in value if isinstance(part, (str, dict))]
        return "".join(p for p in parts if isinstance(p, str))
    return None


def _poll_question(message: dict[str, Any]) -> str | None:
    """A poll's question: the words of a message whose ``text`` is empty. None when there is no poll."""
    poll = message.get("poll")
    question = poll.get("question") if isinstance(poll, dict) else None
    if isinstance(question, str):
        return question
    text = message.get("text")
    return text if isinstance(text, str) else None


def _chat_messages(chat: dict[str, Any]) -> list[Any]:
    chat_id = chat.get("id")
    out: list[Any] = []
    for message in chat.get("messages") or []:
        if not isinstance(message, dict):
            out.append(Unreadable("a Telegram message object", message))
            continue
        service = message.get("type") == "service"
        record: dict[str, Any] = {
            # Message ids count from 1 in every chat: the chat id makes them unique in an account export.
            "id": f"{chat_id}/{message.get('id')}",
            # A service message ("pinned a message", "joined the group") is Telegram's words, not a post.
            "text": None if service else message_text(message.get("text")) or _poll_question(message),
            "platform": "telegram",
            "chat": chat.get("name"),
            "date": message.get("date"),
        }
        if "date_unixtime" in message:
            # Its date is the exporting computer's local time, naming no zone; this is the moment itself (Telegram Desktop 3.x on).
            record["date_unixtime"] = message["date_unixtime"]
        author = message.get("actor") if service else message.get("from")
        if author is not None:
            record["from"] = author
        if service:
            record["action"] = message.get("action")
        out.append((record, message))
    return out


def _is_chat(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("messages"), list) and "id" in value and "type" in value


def is_chat(value: dict[str, Any]) -> bool:
    if not _is_chat(value) or not value["messages"]:
        return False
    # A Telegram message has an id, a type and a date; other lists of messages lack one of them. An
    # entry that is no object does not unmake the export: it is said to be no message, at its place.
    looked = [m for m in value["messages"][:5] if isinstance(m, dict)]
    return bool(looked) and all({"id", "type", "date"} <= m.keys() for m in looked)


def is_account(value: dict[str, Any]) -> bool:
    chats = value.get("chats")
    return isinstance(chats, dict) and isinstance(chats.get("list"), list) and ("personal_information" in value or "about" in chats)


def account(value: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for key in _CHAT_LISTS:
        section = value.get(key)
        chats = section.get("list") if isinstance(section, dict) else None
        for chat in chats or []:
            if _is_chat(chat):
                out.extend(_chat_messages(chat))
            elif not isinstance(chat, dict) or "messages" in chat:
                # A chat whose messages cannot be read is said so; one with no messages holds no posts.
                out.append(Unreadable("a Telegram chat object with a list of messages", chat))
    return out


SHAPES = [
    Shape("Telegram account export", is_account, account, whole=True),
    Shape("Telegram chat export", is_chat, _chat_messages, whole=True, each="messages"),
]
