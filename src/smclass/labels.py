"""The five post types: the one place where their names and definitions live."""

from __future__ import annotations

from typing import Final

# Anklam's four types of social media plus the proposed fifth, in the order the
# reference guidelines ask about them (stop at the first yes).
DEFINITIONS: Final[dict[str, str]] = {
    "Enterprise": (
        "people inside one organization working together on shared objectives: project "
        "updates, internal announcements, asking colleagues for help, sharing know-how at work"
    ),
    "Customer": (
        "a business listening to its customers and answering market needs: complaints, "
        "questions and praise to brands, support replies, product feedback, offers and "
        "launches aimed at customers"
    ),
    "Emergent": (
        "networked, community, purposeful use that binds networks, causes and events: "
        "movements, hashtag campaigns, petitions, fundraisers, mutual aid, crowdsourcing, "
        "community events and self-organizing groups"
    ),
    "Media": ("news, commentary and opinion sent out to an audience: headlines, reporting, punditry, analysis of public affairs"),
    "Personal": (
        "one person's self-directed learning, creating, sharing and network weaving: what I "
        "did, made, read or learned, life updates, personal reflections"
    ),
}

# Display and output order.
LABELS: Final[tuple[str, ...]] = ("Media", "Customer", "Enterprise", "Personal", "Emergent")

_ALIASES: Final[dict[str, str]] = {
    **{name.lower(): name for name in LABELS},
    **{f"{name.lower()} sm": name for name in LABELS},
    **{f"{name.lower()} social media": name for name in LABELS},
}


def normalize_label(value: object) -> str | None:
    """Return the canonical label for ``value`` (case-insensitive, "Media SM" accepted), or None."""
    if not isinstance(value, str):
        return None
    key = " ".join(value.replace("_", " ").replace("-", " ").split()).lower()
    return _ALIASES.get(key)
