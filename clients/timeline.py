"""The client timeline: apps register providers; the 360 page and the API merge them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time

from django.utils.translation import gettext_lazy as _

from crm.workdays import SHANGHAI

KIND_LABELS = {
    "change": _("Profile change"),
    "risk_assessment": _("Risk assessment"),
    "visit": _("Visit"),
    "call": _("Call"),
    "callback": _("Callback"),
    "complaint": _("Complaint"),
    "service_request": _("Service request"),
    "event": _("Event"),
    "consultation": _("Consultation"),
    "retention": _("Retention"),
    "tier": _("Tier"),
}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # "change", "risk_assessment", "visit", "call", "callback", "complaint", ...
    title: str
    detail: str = ""
    url: str = ""

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    def as_dict(self) -> dict:
        return asdict(self)


# provider(client, limit) -> list[Entry]; each provider runs a fixed number of queries.
_providers: dict[str, Callable] = {}


def register_provider(kind: str, provider: Callable) -> None:
    _providers[kind] = provider


def client_timeline(client, limit: int = 50) -> list[Entry]:
    entries: list[Entry] = []
    for provider in _providers.values():
        entries.extend(provider(client, limit))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def at_start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)
