"""The workbench (工作台): each user's start page. Apps register sections at start-up.

A section is one queue its roles own. Declared with `queryset`, the one selector gives
both what the section lists and its counts (two queries: the first rows, and one
aggregate for the total and the overdue), and the link opens the list filtered the same
way (`url_name` plus `url_query`), so the workbench and the queue always agree. The
sections are shown in order of urgency: those with overdue items first, then those with
anything in them, then the empty ones, each group in its declared `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # lazily translated
    template: str  # rendered with {"section": ..., "items": ...}
    # (user, today) -> a short list of what is due today or overdue (sections without counts)
    items: Callable | None = None
    roles: frozenset[str] | None = None  # None: every role
    # (today) -> {user_id: number of items due today or overdue}, one grouped query
    agenda_counts: Callable[[date], dict[int, int]] | None = None
    url_name: str = ""
    order: int = 100
    # (user, now) -> the queue's queryset, ordered: the items and the counts come from it
    queryset: Callable | None = None
    due_field: str = ""  # an item is overdue when this is before now
    # the list's own filter for this queue: "tab=pool", or (user, today) -> str
    url_query: str | Callable = ""
    limit: int = 8
    empty: str = ""  # lazily translated: what is empty, said in words
    extra: dict = field(default_factory=dict)  # handed to the template as `extra`

    def link(self, user=None, today: date | None = None) -> str:
        if not self.url_name:
            return ""
        url = reverse(self.url_name)
        query = self.url_query(user, today) if callable(self.url_query) else self.url_query
        return f"{url}?{query}" if query else url


@dataclass
class Panel:
    """One section as the workbench shows it to one user."""

    section: Section
    items: list
    total: int | None  # None: the section does not count
    overdue: int = 0
    link: str = ""

    @property
    def urgency(self) -> tuple[int, int]:
        if self.section.queryset is None and self.section.items is None:
            return (-1, self.section.order)  # a tool (a look-up box), always on top
        if self.overdue:
            return (0, self.section.order)
        if self.total is None or self.total or self.items:
            return (1, self.section.order)
        return (2, self.section.order)


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


def section_counts(section: Section, user, now: datetime) -> tuple[int, int]:
    """(total, overdue) of a counted section, in one query: the same rows it lists."""
    qs = section.queryset(user, now).order_by()
    counts = {"total": Count("pk")}
    if section.due_field:
        field = qs.model._meta.get_field(section.due_field)
        limit = now if isinstance(field, models.DateTimeField) else timezone.localdate(now)
        counts["overdue"] = Count("pk", filter=Q(**{f"{section.due_field}__lt": limit}))
    row = qs.aggregate(**counts)
    return row["total"], row.get("overdue") or 0


def panel(section: Section, user, now: datetime, today: date) -> Panel:
    link = section.link(user, today)
    if section.queryset is None:
        items = list(section.items(user, today)) if section.items else []
        return Panel(section=section, items=items, total=None, link=link)
    total, overdue = section_counts(section, user, now)
    items = list(section.queryset(user, now)[: section.limit])  # a fixed two queries
    return Panel(section=section, items=items, total=total, overdue=overdue, link=link)


def panels_for(user, role: str | None, now: datetime, today: date) -> list[Panel]:
    """The user's sections, counted, in order of urgency."""
    panels = [panel(s, user, now, today) for s in sections_for(role)]
    return sorted(panels, key=lambda p: p.urgency)
