"""crm.workflow: a workflow's table answers which steps the state and the user allow."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from crm.services import TransitionNotAllowed
from crm.workflow import Action, UnknownAction, Workflow


@dataclass
class Staff:
    role: str


@dataclass
class User:
    pk: int
    staff: Staff
    is_authenticated: bool = True
    is_active: bool = True


@dataclass
class Ticket:
    status: str
    owner_id: int = 1

    def get_status_display(self) -> str:
        return self.status.upper()


def is_owner(user, ticket) -> bool:
    return ticket.owner_id == user.pk


TICKET = Workflow(
    model_label="ticket",
    state_field="status",
    services="tests.crm.test_workflow",
    service_prefix="ticket_",
    refusal="'%(action)s' is not possible while the ticket is %(status)s.",
    roles={"agent", "manager"},
    actions=[
        Action("start", "Start", sources=["new"], target="open"),
        Action("close", "Close", sources=["open"], target="closed", when=is_owner),
        Action("approve", "Approve", sources=["open"], roles={"manager"}),
        Action("note", "Note", sources=["new", "open"], web=False, api=False),
        Action("reopen", "Reopen", sources=["closed"], target="open", api=False,
               form="tests.crm.test_workflow.Ticket", fields=["reason"], required=["reason"]),
    ],
)  # fmt: skip


def ticket_start(*, user, ticket):
    return "started"


AGENT = User(pk=1, staff=Staff("agent"))
OTHER_AGENT = User(pk=2, staff=Staff("agent"))
MANAGER = User(pk=3, staff=Staff("manager"))
CLERK = User(pk=4, staff=Staff("clerk"))


def test_check_returns_the_action_its_state_allows():
    action = TICKET.check("start", Ticket("new"))
    assert action.name == "start" and action.target == "open"


def test_check_refuses_with_the_workflows_message():
    with pytest.raises(TransitionNotAllowed) as exc:
        TICKET.check("close", Ticket("new"))
    assert str(exc.value) == "'Close' is not possible while the ticket is NEW."


def test_allowed_follows_state_roles_and_predicates():
    assert [a.name for a in TICKET.allowed(AGENT, Ticket("new"))] == ["start", "note"]
    assert [a.name for a in TICKET.allowed(AGENT, Ticket("open"))] == ["close", "note"]
    # the predicate: only the owner closes
    assert [a.name for a in TICKET.allowed(OTHER_AGENT, Ticket("open"))] == ["note"]
    # the action's own roles replace the workflow's
    assert [a.name for a in TICKET.allowed(MANAGER, Ticket("open", owner_id=3))] == [
        "close", "approve", "note",
    ]  # fmt: skip
    # a role outside the workflow's roles takes nothing
    assert TICKET.allowed(CLERK, Ticket("new")) == []
    assert TICKET.may(AGENT, "reopen", Ticket("closed"))
    assert not TICKET.may(AGENT, "reopen", Ticket("open"))


def test_no_staff_profile_takes_nothing():
    nobody = User(pk=9, staff=Staff("agent"), is_authenticated=False)
    assert TICKET.allowed(nobody, Ticket("new")) == []
    assert TICKET.allowed(None, Ticket("new")) == []


def test_unknown_action():
    with pytest.raises(UnknownAction):
        TICKET["delete"]
    with pytest.raises(UnknownAction):
        TICKET.check("delete", Ticket("new"))
    with pytest.raises(UnknownAction):
        TICKET.may(AGENT, "delete", Ticket("new"))
    assert "delete" not in TICKET and "start" in TICKET


def test_lookups_url_pattern_labels_and_services():
    assert TICKET.names == ["start", "close", "approve", "note", "reopen"]
    assert TICKET.url_pattern() == "start|close|approve|reopen"  # `note` has no URL
    assert [a.name for a in TICKET.api_actions] == ["start", "close", "approve"]
    assert TICKET.labels["reopen"] == "Reopen"
    assert TICKET.service("start") is ticket_start
    assert TICKET["reopen"].form_class() is Ticket
    assert TICKET["start"].form_class() is None and TICKET["start"].serializer_class() is None
    assert Action("approve_all", "x", sources=[]).url_name == "approve-all"
    assert TICKET["reopen"].sources == frozenset({"closed"})


def test_a_table_that_contradicts_itself_is_refused():
    with pytest.raises(ValueError, match="twice"):
        Workflow(model_label="t", state_field="status", services="x", service_prefix="t_",
                 refusal="", actions=[Action("a", "A", sources=[]),
                                      Action("a", "A", sources=[])])  # fmt: skip
    with pytest.raises(ValueError, match="required"):
        Action("a", "A", sources=[], fields=["note"], required=["reason"])
