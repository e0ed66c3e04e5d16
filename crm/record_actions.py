"""Buttons that an app above offers on another app's record page, without that app
knowing it (the kernel holds the list; the page asks for its kind's buttons).

    register_record_action(RecordAction(
        kind="complaint", label=_("Open a compliance case"), roles={Role.COMPLIANCE, Role.HQ},
        url=lambda obj: f"{reverse('compliance:create')}?source=complaint&source_id={obj.pk}",
        icon="bi-shield-exclamation"))

and the complaint's page: `{% record_actions "complaint" complaint %}` (crm_tags), which
renders the buttons of that kind whose roles include the user's (and whose `when(obj)`
holds), as links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import staff_of


@dataclass(frozen=True)
class RecordAction:
    kind: str  # the record kind the page names ("complaint", "callback", "visit_record")
    key: str  # unique per kind, the button's id: `record-action-<key>`
    label: Any  # lazily translated
    roles: frozenset[str]
    url: Callable[[Any], str]
    icon: str = ""
    when: Callable[[Any], bool] | None = None


_actions: dict[str, list[RecordAction]] = {}


def register_record_action(action: RecordAction) -> None:
    listed = _actions.setdefault(action.kind, [])
    if all(a.key != action.key for a in listed):
        listed.append(action)


def record_actions_for(user, kind: str, obj) -> list[tuple[RecordAction, str]]:
    """The buttons of `kind` that `user` gets on `obj`'s page: (action, its URL)."""
    staff = staff_of(user)
    if staff is None:
        return []
    return [
        (a, a.url(obj))
        for a in _actions.get(kind, [])
        if staff.role in a.roles and (a.when is None or a.when(obj))
    ]
