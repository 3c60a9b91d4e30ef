"""TikTok "Download your data" in JSON: ``user_data.json`` (``user_data_tiktok.json`` in newer exports);
and the Research API's answers for videos and comments, saved whole.

The user's videos sit under ``Video.Videos.VideoList`` (``Post.Posts.VideoList`` in newer
exports), their comments under ``Comment.Comments.CommentsList``; everything else in the
file (likes, follows, logins, settings) is not the user's words and is left out.
"""

from __future__ import annotations

from typing import Any

from smclass.reading.platforms.base import Shape, Unreadable, nested

_VIDEO_TEXT = ("Desc", "Description", "Title", "desc", "description", "title")


def _videos(value: dict[str, Any]) -> list[Any]:
    for path in (("Post", "Posts", "VideoList"), ("Video", "Videos", "VideoList")):
        found = nested(value, *path)
        if isinstance(found, list):
            return found
    return []


def _comments(value: dict[str, Any]) -> list[Any]:
    for path in (("Comment", "Comments", "CommentsList"), ("Comment", "CommentsList")):
        found = nested(value, *path)
        if isinstance(found, list):
            return found
    return []


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((item[k] for k in keys if isinstance(item.get(k), str) and item[k].strip()), None)


def user_data(value: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    for number, video in enumerate(_videos(value), 1):
        if not isinstance(video, dict):
            out.append(Unreadable("a TikTok video object", video))
        else:
            link = _first(video, ("Link", "VideoLink", "link"))
            text = _first(video, _VIDEO_TEXT)
            record = {"id": link or f"video/{number}", "text": text, "platform": "tiktok", "kind": "video", "date": video.get("Date")}
            out.append((record, video))
    for number, comment in enumerate(_comments(value), 1):
        if not isinstance(comment, dict):
            out.append(Unreadable("a TikTok comment object", comment))
        else:
            text = comment.get("comment", comment.get("Comment"))
            date = comment.get("date", comment.get("Date"))
            # Comments carry no id of their own: their place in the list is the one that stays.
            out.append(({"id": f"comment/{number}", "text": text, "platform": "tiktok", "kind": "comment", "date": date}, comment))
    return out


def is_user_data(value: dict[str, Any]) -> bool:
    has_lists = bool(_videos(value)) or bool(_comments(value))
    return has_lists and any(key in value for key in ("Activity", "Your Activity", "Profile", "App Settings", "Video", "Post", "Comment"))


def research_video(value: dict[str, Any]) -> dict[str, Any]:
    """A Research API video: its ``video_description`` is the post's words."""
    out = {"id": value.get("id"), "text": value.get("video_description"), "platform": "tiktok"}
    for key in ("username", "create_time", "region_code", "hashtag_names"):
        if key in value:
            out["author" if key == "username" else key] = value[key]
    return out


def _research_list(value: dict[str, Any]) -> list[Any] | None:
    data = value.get("data")
    if not isinstance(data, dict) or not isinstance(value.get("error"), dict):
        return None
    found = next((data[key] for key in ("videos", "comments") if isinstance(data.get(key), list)), None)
    return found


def research_answer(value: dict[str, Any]) -> list[Any]:
    """``{"data": {"videos" | "comments": [...], "cursor", "has_more", ...}, "error": {...}}``, one post per entry."""
    entries = _research_list(value) or []
    return [
        (research_video(entry) if "video_description" in entry else {**entry, "platform": "tiktok"}, entry)
        if isinstance(entry, dict)
        else Unreadable("a TikTok Research API object", entry)
        for entry in entries
    ]


SHAPES = [
    Shape("TikTok user data", is_user_data, user_data, whole=True),
    Shape("TikTok Research API answer", lambda value: _research_list(value) is not None, research_answer, whole=True),
]
