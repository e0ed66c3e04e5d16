"""Each role's workbench: every queue it owns, counted as its list counts it, most urgent
first, in a fixed number of queries whatever the data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from callcenter import selectors as callcenter_selectors
from callcenter.models import Callback, InspectionItem, InspectionRound
from clients.masking import mask_name
from complaints.models import Complaint
from crm import services
from tests.factories import CallbackFactory, ComplaintFactory, VisitPlanFactory, make_client
from visits import services as visit_services
from visits.models import ResearchRequest, VisitPlan, VisitRecord


def panels(html: str) -> dict[str, dict]:
    """section key -> {"total": int | None, "overdue": int} as the page shows them."""
    found = {}
    for key, total, overdue in re.findall(
        r'id="section-([a-z_]+)" data-total="(\d*)" data-overdue="(\d+)"', html
    ):
        found[key] = {"total": int(total) if total else None, "overdue": int(overdue)}
    return found


def order(html: str) -> list[str]:
    return re.findall(r'id="section-([a-z_]+)"', html)


def clients(org, n, seq=0):
    return [
        make_client(org.am, name=f"王{seq + i:03d}", client_no=f"31{seq + i:08d}",
                    phone=f"137{seq + i:08d}")
        for i in range(n)
    ]  # fmt: skip


def branch_world(org, n):
    """n of everything a branch's queues hold, some overdue."""
    now = timezone.now()
    cs = clients(org, n)
    for i, c in enumerate(cs):
        CallbackFactory(client=c, due_at=now - timedelta(hours=1 + i))  # pool, overdue
    CallbackFactory(
        client=cs[0], reason="periodic", assignee=org.agent, due_at=now + timedelta(days=2)
    )
    for i in range(n):
        ComplaintFactory(client=cs[i], status="acknowledged", category="major_economic",
                         claimed_compensation=1000 + i)  # fmt: skip
        ComplaintFactory(client=cs[i], status="resolved", user=org.agent)
    Complaint.objects.filter(status="acknowledged").update(
        resolution_due_at=now - timedelta(hours=1)
    )
    for c in cs:
        VisitPlanFactory(client=c, user=org.am, status="submitted")
        visit_services.consultation_file(
            user=org.am, client=c, advisor=org.advisor, question=f"是否适合加仓{c.name}？"
        )
        services.access_log_record(user=org.am, obj=c, field="phone")
        # a research request from a visit of the client, in the advisors' queue
        plan = VisitPlanFactory(client=c, user=org.am, status="approved", approver=org.bm,
                                planned_at=now - timedelta(hours=1))  # fmt: skip
        VisitPlan.objects.filter(pk=plan.pk).update(status="completed")
        record = VisitRecord.objects.create(plan=plan, presented="介绍", recorded_by=org.am)
        ResearchRequest.objects.create(record=record, client=c, branch_id=c.branch_id,
                                       asked_by=org.am, question="需要可转债产品")  # fmt: skip
    for i in range(n):
        services.export_request_create(user=org.am, kind="clients", params={},
                                       reason=f"年度回访核对联系方式{i}")  # fmt: skip
    done = CallbackFactory(client=cs[0], reason="annual_sample", status="completed",
                           completed_at=now,
                           completed_by=org.agent)  # fmt: skip
    r = InspectionRound.objects.create(branch=org.bj, period_start=now.date(),
                                       period_end=now.date(), created_by=org.hq)  # fmt: skip
    InspectionItem.objects.create(round=r, callback=done)
    return cs


ROLE_QUEUES = {
    "am": {"todos", "calls_wrap_up", "callbacks", "complaints", "complaints_review", "visits",
           "client_duties", "potential_contacts", "at_risk", "retention", "service_requests",
           "opinions_mine", "my_selfcheck", "education_suggested"},
    "advisor": {"todos", "consultations", "research", "complaints", "service_requests",
                "opinions_mine", "my_selfcheck", "education_suggested"},
    "agent": {"phone_lookup", "todos", "calls_wrap_up", "callbacks", "callback_pool", "complaints",
              "service_requests", "opinions_mine", "my_selfcheck"},
    "bm": {"todos", "export_decisions", "visit_approvals", "complaints", "complaints_overdue",
           "compensation", "complaints_review", "leaver_clients",
           "service_requests_overdue", "opinions_pending", "campaigns_awaiting", "my_selfcheck",
           "education_suggested"},
    "compliance": {"todos", "export_decisions", "complaints_overdue", "complaints_review",
                   "inspections", "reveal_review", "compliance_open", "compliance_red_flags",
                   "pro_approvals", "pro_reviews", "aml_high_due", "my_selfcheck",
                   "selfchecks_overdue"},
    "hq": {"todos", "export_decisions", "complaints_overdue", "compensation",
           "complaints_review", "inspections", "service_requests_overdue", "opinions_mine",
           "campaigns_awaiting", "compliance_open", "compliance_red_flags", "pro_approvals",
           "pro_reviews", "aml_high_due", "my_selfcheck", "selfchecks_overdue",
           "education_suggested"},
}  # fmt: skip


@pytest.mark.parametrize("n", [2, 12])
@pytest.mark.parametrize("role", sorted(ROLE_QUEUES))
def test_each_role_sees_every_queue_in_fixed_queries(client, org, query_baseline, role, n):
    branch_world(org, n)
    client.force_login(getattr(org, role))
    with query_baseline(f"crm:workbench:{role}"):
        response = client.get(reverse("crm:workbench"))
    assert response.status_code == 200
    html = response.content.decode()
    found = panels(html)
    assert set(found) == ROLE_QUEUES[role]
    # every queue is counted (the look-up box is a tool, not a queue)
    assert all(p["total"] is not None for k, p in found.items() if k != "phone_lookup")


def test_branch_manager_counts_and_links(client, org):
    branch_world(org, 3)
    client.force_login(org.bm)
    html = client.get("/").content.decode()
    found = panels(html)
    assert found["export_decisions"]["total"] == 3
    assert found["compensation"] == {"total": 3, "overdue": 3}
    assert found["complaints_overdue"] == {"total": 3, "overdue": 3}
    assert found["complaints_review"]["total"] == 3
    assert found["visit_approvals"]["total"] == 3
    # overdue queues first, then the waiting ones, the empty ones last
    keys = order(html)
    assert keys.index("compensation") < keys.index("export_decisions") < keys.index("todos")
    assert 'href="/complaints/?overdue=true"' in html
    assert "/complaints/?category=major_economic&amp;status=acknowledged" in html
    assert client.get("/complaints/", {"overdue": "true"}).status_code == 200


def test_agent_pool_count_is_the_queue_count(client, org):
    cs = branch_world(org, 30)
    client.force_login(org.agent)
    html = client.get("/").content.decode()
    found = panels(html)
    pool = callcenter_selectors.queue(org.agent, "pool", timezone.now())
    assert found["callback_pool"]["total"] == pool.count() == 30
    assert found["callback_pool"]["overdue"] == 30
    assert (
        "公共池待回访" in html and "暂无" not in html.split('id="section-callback_pool"')[1][:600]
    )
    assert mask_name(cs[0].name) in html and cs[0].name not in html  # masked for an agent
    assert 'href="/callcenter/?tab=pool"' in html
    queue_page = client.get("/callcenter/", {"tab": "pool"}).content.decode()
    assert queue_page.count('href="/callcenter/callbacks/') >= 25  # one page of the 30
    # the phone look-up searches the client list; the complaint button opens the intake
    assert 'id="phone-lookup"' in html and 'action="/clients/"' in html
    assert "登记投诉" in html and reverse("complaints:intake") in html
    lookup = client.get("/clients/", {"q": cs[3].phone[-4:]}).content.decode()
    assert mask_name(cs[3].name) in lookup


def test_advisor_queue_shows_the_question(client, org):
    branch_world(org, 2)
    client.force_login(org.advisor)
    html = client.get("/").content.decode()
    assert panels(html)["consultations"]["total"] == 2
    assert "是否适合加仓" in html
    assert 'href="/visits/consultations/?status=open"' in html


def test_compliance_sees_its_queues_not_an_empty_panel(client, org):
    branch_world(org, 2)
    client.force_login(org.compliance)
    found = panels(client.get("/").content.decode())
    assert found["reveal_review"]["total"] == 2
    assert found["export_decisions"]["total"] == 2
    assert found["complaints_overdue"]["total"] == 2
    assert found["inspections"]["total"] == 1


def test_empty_queues_say_what_is_empty(client, org):
    client.force_login(org.compliance)
    html = client.get("/").content.decode()
    assert "暂无超过办结时限的投诉。" in html and "暂无等待您审批的明文导出。" in html
    assert all(p["total"] == 0 for p in panels(html).values())


def test_other_branches_do_not_count(client, org):
    branch_world(org, 2)
    client.force_login(org.bm_sh)
    found = panels(client.get("/").content.decode())
    assert found["compensation"]["total"] == 0 and found["export_decisions"]["total"] == 0
    client.force_login(org.agent_sh)
    assert panels(client.get("/").content.decode())["callback_pool"]["total"] == 0
    assert Callback.objects.count() > 0
