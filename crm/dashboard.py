"""The manager dashboard frame: apps register panels with `crm` at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    key: str
    title: str  # lazily translated
    template: str  # rendered with the panel's context plus {"panel": ...}
    context: Callable  # (request, scope) -> dict; a fixed number of queries
    roles: frozenset[str]
    order: int = 100
    width: int = 6  # Bootstrap columns out of 12


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.key] = panel


def panels_for(role: str | None) -> list[Panel]:
    return sorted((p for p in _panels.values() if role in p.roles), key=lambda p: (p.order, p.key))


def panel_metrics(request, scope, key: str | None = None) -> dict:
    """The numbers behind each panel the user's role sees (for `GET /api/v1/metrics/`)."""
    from .models import staff_of

    staff = staff_of(request.user)
    role = staff.role if staff else None
    out = {}
    for panel in _panels.values():
        if (role in panel.roles or role == "integration") and (key is None or panel.key == key):
            out[panel.key] = panel.context(request, scope)
    return out
