"""The scoping base (crm/scoping.py): each declaration, on the models that use it.

The first tests read the rule a declaration yields (a Q, no database); the others put
rows in two branches and ask `visible_to` which ones each kind of user sees.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from callcenter.models import Callback
from clients.models import Client, RiskAssessment
from complaints.models import Complaint
from crm.models import AccessLog, Branch, ExportRequest, Notification, StaffProfile, Todo
from crm.scoping import Role, ScopedQuerySet
from tests.factories import UserFactory, make_client, make_staff
from visits.models import Consultation, Event, Invitation

BJ, SH = 3, 4  # branch ids of the staff below (no database needed)
ME = 7


def staff(role: str, branch_id: int = BJ) -> SimpleNamespace:
    return SimpleNamespace(role=role, branch_id=branch_id, sees_all_branches=False)


def rule(queryset: ScopedQuerySet, role: str) -> Q | None:
    return queryset.scope_rule(staff(role), ME)


# --- the rule each declaration yields ------------------------------------------------


def test_default_owner_roles_see_their_own_inside_their_branch():
    assert rule(Callback.objects.all(), Role.ACCOUNT_MANAGER) == (
        Q(assignee=ME) | Q(client__owner=ME)
    ) & Q(branch=BJ)
    assert rule(Callback.objects.all(), Role.ADVISOR) == rule(
        Callback.objects.all(), Role.ACCOUNT_MANAGER
    )


def test_every_other_role_sees_the_branch():
    for role in (Role.SERVICE_AGENT, Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.INTEGRATION):
        assert rule(Callback.objects.all(), role) == Q(branch=BJ)


def test_a_model_without_owner_is_branch_wide_for_every_role():
    for role in Role:
        assert rule(Event.objects.all(), role) == Q(branch=BJ)
        assert rule(StaffProfile.objects.all(), role) == Q(branch=BJ)


def test_the_branch_itself_is_reached_by_its_key():
    assert rule(Branch.objects.all(), Role.ACCOUNT_MANAGER) == Q(pk=BJ)


def test_owner_paths_by_role():
    clients = Client.objects.all()
    assert rule(clients, Role.ACCOUNT_MANAGER) == Q(owner=ME) & Q(branch=BJ)
    assert rule(clients, Role.ADVISOR) == (Q(advisor=ME) | Q(owner=ME)) & Q(branch=BJ)
    sheets = Consultation.objects.all()
    assert rule(sheets, Role.ACCOUNT_MANAGER) == (Q(filed_by=ME) | Q(client__owner=ME)) & Q(
        branch=BJ
    )
    assert rule(sheets, Role.ADVISOR) == (Q(advisor=ME) | Q(client__advisor=ME)) & Q(branch=BJ)


def test_complaints_of_a_handler_in_another_branch_stay_hidden():
    """The owner paths include the handler, but only inside the handler's branch."""
    assert rule(Complaint.objects.all(), Role.ACCOUNT_MANAGER) == (
        Q(client__owner=ME) | Q(handler=ME) | Q(first_responder=ME)
    ) & Q(branch=BJ)


def test_owner_outside_the_branch_and_branch_roles_that_also_own():
    requests = ExportRequest.objects.all()
    assert rule(requests, Role.BRANCH_MANAGER) == Q(branch=BJ) | Q(requested_by=ME)
    assert rule(requests, Role.COMPLIANCE) == Q(branch=BJ) | Q(requested_by=ME)
    for role in (Role.ACCOUNT_MANAGER, Role.SERVICE_AGENT, Role.INTEGRATION):
        assert rule(requests, role) == Q(requested_by=ME)


def test_branch_roles_that_do_not_own():
    todos = Todo.objects.all()
    assert rule(todos, Role.BRANCH_MANAGER) == Q(branch=BJ)
    assert rule(todos, Role.COMPLIANCE) == Q(branch=BJ)
    for role in (Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.SERVICE_AGENT, Role.INTEGRATION):
        assert rule(todos, role) == Q(assignee=ME) | Q(created_by=ME)


def test_a_role_with_neither_branch_nor_owner_sees_nothing():
    class OnlyManagers(ScopedQuerySet):
        scope_branch_roles = frozenset({Role.BRANCH_MANAGER})

    assert OnlyManagers(model=Todo).scope_rule(staff(Role.SERVICE_AGENT), ME) is None
    assert OnlyManagers(model=Todo).scope_rule(staff(Role.BRANCH_MANAGER), ME) == Q(branch=BJ)


# --- the rows each user sees ---------------------------------------------------------


@pytest.fixture
def rows(org):
    """In BJ and in SH: an event, a client of each account manager, a callback."""
    now = timezone.now()
    ns = SimpleNamespace()
    ns.event_bj = Event.objects.create(
        branch=org.bj, kind="education", title="BJ", starts_at=now, place="A", created_by=org.bm
    )
    ns.event_sh = Event.objects.create(
        branch=org.sh, kind="education", title="SH", starts_at=now, place="B", created_by=org.bm_sh
    )
    ns.mine = make_client(org.am, name="甲", phone="13800138001")
    ns.theirs = make_client(org.am2, name="乙", phone="13800138002")
    ns.advised = make_client(org.am2, name="丙", phone="13800138003")
    Client.objects.filter(pk=ns.advised.pk).update(advisor=org.advisor)
    ns.sh_client = make_client(org.am_sh, name="丁", phone="13800138004")
    ns.callback_theirs = Callback.objects.create(  # assigned to am2, for am's client
        client=ns.mine, branch=org.bj, reason="periodic", due_at=now, assignee=org.am2
    )
    ns.callback_pool = Callback.objects.create(
        client=ns.theirs, branch=org.bj, reason="periodic", due_at=now
    )
    ns.callback_sh = Callback.objects.create(
        client=ns.sh_client, branch=org.sh, reason="periodic", due_at=now
    )
    return ns


def seen(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def test_nobody_without_an_active_staff_profile_sees_anything(org, rows):
    inactive = make_staff("gone", org.bj, "branch_manager")
    inactive.is_active = False
    inactive.save()
    for user in (None, AnonymousUser(), UserFactory(username="nobody"), inactive):
        for model in (Branch, StaffProfile, Client, Callback, Event, Todo, AccessLog):
            assert not model.objects.visible_to(user).exists(), (user, model)


def test_a_superuser_without_profile_acts_as_headquarters(org, rows):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    AccessLog.objects.create(user=org.am, branch=org.bj, action="reveal", field="phone")
    AccessLog.objects.create(user=org.am_sh, branch=org.sh, action="reveal", field="phone")
    assert seen(Event.objects.visible_to(root)) == {rows.event_bj.pk, rows.event_sh.pk}
    assert AccessLog.objects.visible_to(root).count() == 2


def test_headquarters_and_its_integrations_see_every_branch(org, rows):
    everything = seen(Callback.objects.all())
    assert seen(Callback.objects.visible_to(org.hq)) == everything
    assert seen(Callback.objects.visible_to(org.integration)) == everything
    assert seen(Callback.objects.visible_to(org.integration_bj)) == {
        rows.callback_theirs.pk,
        rows.callback_pool.pk,
    }


def test_a_model_with_no_owner(org, rows):
    for user in (org.am, org.advisor, org.agent, org.bm, org.compliance):
        assert seen(Event.objects.visible_to(user)) == {rows.event_bj.pk}
    assert seen(Event.objects.visible_to(org.am_sh)) == {rows.event_sh.pk}


def test_an_owner_reached_through_two_hops(org, rows):
    """A callback belongs to its assignee and to its client's account manager."""
    assert seen(Callback.objects.visible_to(org.am)) == {rows.callback_theirs.pk}
    # am2: assigned to the first, and account manager of the second's client
    assert seen(Callback.objects.visible_to(org.am2)) == {
        rows.callback_theirs.pk,
        rows.callback_pool.pk,
    }
    assert not Callback.objects.visible_to(org.am_sh).filter(branch=org.bj).exists()
    assert seen(Callback.objects.visible_to(org.agent)) == {
        rows.callback_theirs.pk,
        rows.callback_pool.pk,
    }


def test_owner_paths_by_role_and_only_inside_the_branch(org, rows):
    assert seen(Client.objects.visible_to(org.am)) == {rows.mine.pk}
    assert seen(Client.objects.visible_to(org.advisor)) == {rows.advised.pk}
    # an account manager named on a client of another branch does not see it
    Client.objects.filter(pk=rows.sh_client.pk).update(owner=org.am)
    assert seen(Client.objects.visible_to(org.am)) == {rows.mine.pk}
    assert seen(Client.objects.visible_to(org.bm_sh)) == {rows.sh_client.pk}


def test_via_a_foreign_key(org, rows):
    """A risk assessment follows its client; an invitation needs its event and client."""
    today = timezone.localdate()
    for client in (rows.mine, rows.theirs, rows.sh_client):
        RiskAssessment.objects.create(
            client=client,
            assessed_on=today,
            score=50,
            risk_level="C3",
            valid_until=today + timedelta(days=730),
            recorded_by=org.bm,
        )
    assert set(RiskAssessment.objects.visible_to(org.am).values_list("client", flat=True)) == {
        rows.mine.pk
    }
    assert RiskAssessment.objects.visible_to(org.hq).count() == 3
    assert not RiskAssessment.objects.visible_to(AnonymousUser()).exists()

    mine = Invitation.objects.create(event=rows.event_bj, client=rows.mine)
    Invitation.objects.create(event=rows.event_bj, client=rows.theirs)
    Invitation.objects.create(event=rows.event_sh, client=rows.mine)  # event of SH
    assert seen(Invitation.objects.visible_to(org.am)) == {mine.pk}
    assert len(seen(Invitation.objects.visible_to(org.bm))) == 2
    assert len(seen(Invitation.objects.visible_to(org.hq))) == 3


def test_only_the_declared_roles_see_anything(org):
    here = AccessLog.objects.create(user=org.am, branch=org.bj, action="reveal", field="phone")
    there = AccessLog.objects.create(user=org.am_sh, branch=org.sh, action="reveal", field="phone")
    for user in (org.am, org.advisor, org.agent, org.integration, org.integration_bj):
        assert not AccessLog.objects.visible_to(user).exists()
    assert seen(AccessLog.objects.visible_to(org.bm)) == {here.pk}
    assert seen(AccessLog.objects.visible_to(org.compliance)) == {here.pk}
    assert seen(AccessLog.objects.visible_to(org.hq)) == {here.pk, there.pk}


def test_owners_outside_their_branch(org):
    def request(user, branch):
        return ExportRequest.objects.create(
            kind="clients", reason="audit", branch=branch, requested_by=user
        )

    mine_elsewhere = request(org.am, org.sh)
    bm_elsewhere = request(org.bm, org.sh)
    colleague = request(org.am2, org.bj)
    assert seen(ExportRequest.objects.visible_to(org.am)) == {mine_elsewhere.pk}
    assert seen(ExportRequest.objects.visible_to(org.bm)) == {bm_elsewhere.pk, colleague.pk}
    assert not ExportRequest.objects.visible_to(org.agent).exists()

    due = timezone.now() + timedelta(days=1)
    given = Todo.objects.create(
        branch=org.sh, title="t", assignee=org.agent, created_by=org.bm_sh, due_at=due
    )
    written = Todo.objects.create(
        branch=org.sh, title="t", assignee=org.am_sh, created_by=org.bm, due_at=due
    )
    assert seen(Todo.objects.visible_to(org.agent)) == {given.pk}
    # a branch manager sees the branch's to-dos, not one they wrote for another branch
    assert written.pk not in seen(Todo.objects.visible_to(org.bm))
    assert seen(Todo.objects.visible_to(org.bm_sh)) == {given.pk, written.pk}


def test_a_recipient_sees_their_own_whoever_they_are(org):
    inactive = make_staff("gone", org.bj, "account_manager")
    inactive.is_active = False
    inactive.save()
    nobody = UserFactory(username="nobody")
    users = (org.am, org.hq, inactive, nobody)
    notes = {user.pk: Notification.objects.create(recipient=user, title="x").pk for user in users}
    for user in users:
        assert seen(Notification.objects.visible_to(user)) == {notes[user.pk]}
    assert not Notification.objects.visible_to(AnonymousUser()).exists()


def test_the_rows_naming_a_user_are_those_they_see_that_name_them(org, rows):
    """`naming(user, path)` leaves the rule's other owner paths out of the SQL; it must
    still give exactly `visible_to(user).filter(path=user)`, for every role, a path that
    is an owner path and one that is not, a row of another branch naming the user."""
    from visits.models import VisitPlan

    now = timezone.now()

    def plan(client, branch, owner):
        return VisitPlan.objects.create(
            client=client, branch=branch, owner=owner, kind="door_to_door", planned_at=now,
            place="营业部", status="approved",
        )  # fmt: skip

    plan(rows.mine, org.bj, org.am)
    plan(rows.mine, org.bj, org.am2)  # for am's client: am sees it, it does not name am
    plan(rows.sh_client, org.sh, org.am)  # am named in another branch: not seen
    plan(rows.advised, org.bj, org.advisor)
    people = [org.am, org.am2, org.advisor, org.agent, org.bm, org.compliance, org.hq,
              org.am_sh, org.integration, org.integration_bj]  # fmt: skip
    cases = [(VisitPlan, "owner"), (Callback, "assignee"), (Client, "owner"),
             (Client, "advisor"), (Event, "created_by")]  # fmt: skip
    named_any = False
    for model, path in cases:
        for user in people:
            expected = seen(model.objects.visible_to(user).filter(**{path: user.pk}))
            assert seen(model.objects.naming(user, path)) == expected, (model, path, user)
            named_any |= bool(expected)
    assert named_any
    assert seen(VisitPlan.objects.naming(org.am, "owner")) == {
        p.pk for p in VisitPlan.objects.filter(owner=org.am, branch=org.bj)
    }
    assert not VisitPlan.objects.naming(AnonymousUser(), "owner").exists()
    assert "clients_client" not in str(VisitPlan.objects.naming(org.am, "owner").query)
