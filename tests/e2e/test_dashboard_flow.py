"""A branch manager opens the dashboard, changes the period, clicks a number and lands on
the matching list."""

from datetime import datetime

import pytest
import time_machine

from crm.workdays import SHANGHAI
from tests.e2e.conftest import login
from tests.factories import ComplaintFactory, make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_manager_changes_period_and_drills_into_complaints(page, org):
    client = make_client(org.am, client_no="1100000001")
    when = datetime(2025, 11, 3, 9, tzinfo=SHANGHAI)
    with time_machine.travel(when, tick=False):
        complaint = ComplaintFactory(
            client=client, user=org.agent, topic="fees", description="收费疑问", received_at=when
        )
    login(page, "bm")
    page.click("nav a[href='/dashboard/']")
    page.wait_for_selector("#period-form")
    page.fill("#year", "2025")
    page.fill("#value", "11")
    page.click("#apply-period")
    page.wait_for_selector("#period-label:has-text('2025-11-01')")
    cell = page.locator("#measure-complaints_received a.measure-link")
    assert cell.inner_text() == "1"
    cell.click()
    page.wait_for_selector(f"#complaint-{complaint.pk}")
    assert "received_after=2025-11-01" in page.url
    assert page.locator("tr[id^=complaint-]").count() == 1
