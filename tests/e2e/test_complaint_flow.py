"""A service agent takes a complaint during a call; after its deadline the branch manager
sees it escalate; it is resolved, reviewed by someone else and closed."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from complaints.models import Complaint, Status
from crm import sla
from tests.e2e.conftest import login, logout, pick
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def act(page, action, fields=None):
    page.click(f"button[data-bs-target='#act-{action}']")
    # wait for the collapse to finish opening: a click during its animation can miss
    page.wait_for_selector(f"#act-{action}.collapse.show")
    for name, value in (fields or {}).items():
        page.fill(f"#act-{action} [name='{action}-{name}']", value)
    with page.expect_navigation():  # the POST and its redirect back to the page
        page.click(f"#act-{action} button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_complaint_taken_escalated_resolved_reviewed_closed(page, org):
    client = make_client(org.am, name="孙女士", client_no="1100000001", phone="13955556666")
    login(page, "agent")
    page.click("nav a[href='/complaints/']")
    page.click("a[href='/complaints/new/']")
    pick(page, "#id_client", "6666", "孙**")  # the name masked for a service agent
    page.select_option("#id_topic", "fees")
    page.select_option("#id_severity", "4")
    page.fill("#id_description", "客户来电称佣金扣收高于约定费率")
    page.click("form button[type=submit]")
    page.wait_for_selector("#first-responder")
    complaint = Complaint.objects.get()
    assert complaint.client == client and complaint.first_responder == org.agent
    logout(page)

    later = timezone.now() + timedelta(days=12)
    with time_machine.travel(later, tick=True):
        sla.scan()  # the periodic scan, run by hand at the moved time
        login(page, "bm")
        page.click("a[title='通知']")
        assert complaint.ticket_no in page.locator("main").inner_text()
        page.goto(page.base + "/complaints/?overdue=true")
        page.wait_for_selector(f"#complaint-{complaint.pk}.table-danger")
        logout(page)

        login(page, "agent")
        page.goto(page.base + complaint.get_absolute_url())
        act(page, "acknowledge")
        act(page, "investigate")
        act(page, "resolve", {"resolution": "按约定费率退还多收佣金", "feedback": "已书面函复客户"})
        assert Complaint.objects.get().status == Status.RESOLVED
        assert page.locator("button[data-bs-target='#act-review']").count() == 0  # the handler
        logout(page)

        login(page, "bm")
        page.goto(page.base + complaint.get_absolute_url())
        act(page, "review", {"note": "处理合规，客户认可"})
        act(page, "close")
        complaint.refresh_from_db()
        assert complaint.status == Status.CLOSED and complaint.reviewer == org.bm
        assert page.locator("#actions").count() == 1  # only reopen remains
        for step in ("receive", "acknowledge", "investigate", "resolve", "review", "close"):
            assert page.locator(f"#complaint-timeline li[data-action='{step}']").count() == 1
