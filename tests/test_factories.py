"""The factories build what the services build (tests/factories.py)."""

import pytest

from tests.factories import CallbackFactory, ClientFactory, ComplaintFactory, VisitPlanFactory


def test_a_client_without_an_owner_gets_an_account_manager_of_its_own(db):
    potential, opened = ClientFactory(), ClientFactory(client_no="1100000001")
    assert potential.stage == "potential" and opened.stage == "new"
    assert potential.owner.staff.role == "account_manager"
    assert potential.branch_id == potential.owner.staff.branch_id != opened.branch_id


@pytest.mark.parametrize("status", ["received", "acknowledged", "waiting", "resolved", "reviewed"])
def test_a_complaint_reaches_its_status_through_the_workflow(org, status):
    complaint = ComplaintFactory(client=ClientFactory(owner=org.am), user=org.agent, status=status)
    assert complaint.status == status and complaint.ticket_no
    assert complaint.branch_id == org.bj.pk


def test_a_visit_plan_is_approved_by_the_branch_manager(org):
    plan = VisitPlanFactory(client=ClientFactory(owner=org.am), status="approved")
    assert plan.status == "approved" and plan.owner == org.am and plan.decided_by == org.bm


def test_a_callback_is_in_its_clients_branch(org):
    callback = CallbackFactory(client=ClientFactory(owner=org.am_sh, client_no="3100000001"))
    assert callback.branch_id == org.sh.pk and callback.status == "open"
