"""Workflows declared once: one table of actions per workflow.

A workflow is a model, the field that holds its state, and a table of actions. Each
`Action` says

- `name`: the action in URLs (`/complaints/<pk>/<name>/`), API routes (`<name>/`, with
  `-` for `_`), timeline events and service names;
- `label`: what the button says (a lazy translation);
- `sources`: the states it may start from; `target`: the state it leads to (None: the
  state stays, or the service decides, as when resuming a paused complaint);
- who may take it: `roles` (staff roles; None: the workflow's `roles`, and None there
  too: any member of staff) and `when`, a predicate `when(user, obj)` for what roles
  cannot say (only the owner, not the handler, only major complaints);
- `form`: the dotted path of its web form (None: a plain button); `serializer`: the
  dotted path of its API body serializer (None: no body); `fields`: the body fields
  its service takes (empty: all validated fields); `required`: the body fields the API
  requires although the serializer does not;
- `web` / `api`: whether it has a URL and a button / an API `@action` (a step taken
  only by other code, such as linking a complaint to a client, has neither);
- `done`: the feedback the page gives once the step is taken, naming what happened
  ("已受理。", "已提交复核。"); every web action declares one (`done_message` falls back
  to "<label>: done." only for steps taken by code).

Each action's service is `<services module>.<service prefix><name>`, e.g.
`complaints.services.complaint_acknowledge`: adding an action is one entry in the table
plus its service function.

    COMPLAINT = Workflow(
        model_label="complaint", state_field="status", services="complaints.services",
        service_prefix="complaint_", roles=WORKER_ROLES,
        refusal=gettext_lazy("'%(action)s' is not possible while the complaint is %(status)s."),
        actions=[Action("close", gettext_lazy("Close and archive"),
                        sources={Status.REVIEWED}, target=Status.CLOSED, ...)],
    )
    COMPLAINT.check("close", locked)    # the Action, or TransitionNotAllowed (HTTP 409)
    COMPLAINT.allowed(user, complaint)  # the actions `user` may take now: the buttons
    COMPLAINT.url_pattern()             # "respond|acknowledge|...": the URL's choices
    COMPLAINT["close"].label, COMPLAINT.labels, COMPLAINT.service("close")

The services stay the single write path: they lock the row, call `check` and apply the
step; `allowed` decides what the pages offer. Forms, serializers and services are named
by dotted path, so that the table (imported by the services) imports neither forms nor
the API.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from crm.models import staff_of
from crm.services import TransitionNotAllowed, check_version

Label = str | Promise
Predicate = Callable[[Any, Any], bool]  # when(user, obj) -> may the user take it now


class UnknownAction(LookupError):
    """An action name that the workflow does not declare."""


@dataclass(frozen=True)
class Action:
    name: str
    label: Label
    sources: Collection[str]  # stored as a frozenset
    target: str | None = None
    roles: Collection[str] | None = None  # stored as a frozenset
    when: Predicate | None = None
    form: str | None = None
    serializer: str | None = None
    fields: Collection[str] = ()  # stored as a tuple
    required: Collection[str] = ()  # stored as a tuple
    web: bool = True
    api: bool = True
    done: Label | None = None

    def __post_init__(self) -> None:
        # frozen: normalised through object.__setattr__, as dataclasses do themselves
        object.__setattr__(self, "sources", frozenset(self.sources))
        if self.roles is not None:
            object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "required", tuple(self.required))
        unknown = set(self.required) - set(self.fields)
        if self.fields and unknown:
            raise ValueError(f"{self.name}: required {sorted(unknown)} are not in its fields")

    @property
    def url_name(self) -> str:
        """The action's part of an API route: `approve_compensation` → `approve-compensation`."""
        return self.name.replace("_", "-")

    @property
    def done_message(self) -> str:
        """What the page says once the step is taken."""
        if self.done:
            return str(self.done)
        return gettext("%(action)s: done.") % {"action": self.label}

    def form_class(self) -> Any:
        """The web form class (imported on first use), or None for a plain button."""
        return import_string(self.form) if self.form else None

    def serializer_class(self) -> Any:
        """The API body serializer class, or None when the action takes no body."""
        return import_string(self.serializer) if self.serializer else None


@dataclass(frozen=True)
class Workflow:
    model_label: str  # for messages, e.g. "complaint"
    state_field: str
    services: str  # the module of the services, e.g. "complaints.services"
    service_prefix: str  # e.g. "complaint_": the service of `close` is complaint_close
    refusal: Label  # "%(action)s" / "%(status)s": the step the current state refuses
    actions: Sequence[Action]  # stored as a tuple
    roles: Collection[str] | None = None  # who may take an action without its own roles
    _by_name: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", tuple(self.actions))
        if self.roles is not None:
            object.__setattr__(self, "roles", frozenset(self.roles))
        by_name = {a.name: a for a in self.actions}
        if len(by_name) != len(self.actions):
            raise ValueError(f"{self.model_label}: an action is declared twice")
        object.__setattr__(self, "_by_name", by_name)

    # --- Look-up -----------------------------------------------------------------------
    def __getitem__(self, name: str) -> Action:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownAction(f"{self.model_label} has no action {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.actions]

    @property
    def labels(self) -> dict[str, Label]:
        return {a.name: a.label for a in self.actions}

    @property
    def web_actions(self) -> list[Action]:
        return [a for a in self.actions if a.web]

    @property
    def api_actions(self) -> list[Action]:
        return [a for a in self.actions if a.api]

    def url_pattern(self) -> str:
        """The alternatives of the `<action>` part of the web URL: `submit|approve|...`."""
        return "|".join(a.name for a in self.web_actions)

    def service(self, name: str) -> Callable[..., Any]:
        """The service function that takes the step `name`."""
        action = self[name]
        return import_string(f"{self.services}.{self.service_prefix}{action.name}")

    # --- Rules -------------------------------------------------------------------------
    def check(self, name: str, obj: Any) -> Action:
        """The action, if `obj`'s current state allows it; else TransitionNotAllowed with
        the workflow's message (HTTP 409). Call it on the row locked for the change."""
        action = self[name]
        if getattr(obj, self.state_field) not in action.sources:
            status = getattr(obj, f"get_{self.state_field}_display")()
            raise TransitionNotAllowed(
                str(self.refusal) % {"action": action.label, "status": status}
            )
        return action

    def take(
        self, name: str, obj: Any, *, stale: str, version: int | None = None,
        change: Callable[[Any, Any], None] | None = None,
        record: Callable[[Any, str], None] | None = None,
    ) -> Any:  # fmt: skip
        """Take the step `name` on `obj`, the one way every service of a workflow does it:
        lock the row, refuse a stale `version` (412, message `stale`) and a state that does
        not allow the step (409), apply `change(locked, now)` and the step's target state,
        bump the row's version, save, then `record(locked, state_before)` (the step's event
        line). Returns the saved row."""
        with transaction.atomic():
            locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
            check_version(locked, version, stale)
            action = self.check(name, locked)
            before = getattr(locked, self.state_field)
            if change is not None:
                change(locked, timezone.now())
            if action.target is not None:
                setattr(locked, self.state_field, action.target)
            locked.version += 1
            locked.save()
            if record is not None:
                record(locked, before)
        return locked

    def may(self, user: Any, name: str, obj: Any) -> bool:
        """May `user` take the step `name` on `obj` now (state, role and predicate)?"""
        action = self[name]
        if getattr(obj, self.state_field) not in action.sources:
            return False
        staff = staff_of(user)
        if staff is None:
            return False
        roles = action.roles if action.roles is not None else self.roles
        if roles is not None and staff.role not in roles:
            return False
        return action.when is None or bool(action.when(user, obj))

    def allowed(self, user: Any, obj: Any) -> list[Action]:
        """The actions `user` may take on `obj` now, in the order of the table."""
        return [a for a in self.actions if self.may(user, a.name, obj)]
