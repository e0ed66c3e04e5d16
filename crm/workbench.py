"""The workbench (工作台): each user's start page. Apps register sections at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # lazily translated
    template: str  # rendered with {"section": ..., "items": ...}
    items: Callable  # (user, today) -> a short list of what is due today or overdue
    roles: frozenset[str] | None = None  # None: every role
    # (today) -> {user_id: number of items due today or overdue}, one grouped query
    agenda_counts: Callable[[date], dict[int, int]] | None = None
    url_name: str = ""
    order: int = 100


_sections: dict[str, Section] = {}


def register_section(section: Section) -> None:
    _sections[section.key] = section


def sections_for(role: str | None) -> list[Section]:
    return sorted(
        (s for s in _sections.values() if s.roles is None or role in s.roles),
        key=lambda s: (s.order, s.key),
    )


def all_sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))
