"""A branch manager opens the dashboard, changes the period, clicks a number and lands on
the matching list."""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from clients.models import Client
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


@pytest.mark.parametrize("width", [1440, 390])
def test_manager_reads_last_month_at_a_glance(page, org, width, tmp_path):
    """Opened with no parameters, the dashboard shows the last full month: tiles with the
    change against the month before, the trends and the Pareto curve drawn by Chart.js, no
    horizontal overflow; a tile drills to the desk listing exactly what it counted."""
    from django.utils import timezone

    today = timezone.localdate()
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    when = datetime(last.year, last.month, 2, 10, tzinfo=SHANGHAI)
    for i in range(2):
        c = make_client(org.am, client_no=f"110000010{i}", opened_on=date(2024, 1, 5))
        Client.objects.filter(pk=c.pk).update(avg_assets=(i + 1) * 100_000)
        with time_machine.travel(when, tick=False):
            ComplaintFactory(client=c, user=org.agent, topic="fees", description="收费疑问",
                             received_at=when)  # fmt: skip
    errors: list = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "bm")
    page.goto(page.base + "/dashboard/")
    page.wait_for_selector("#kpi-complaints_received")
    assert f"{last:%Y-%m-%d}" in page.inner_text("#period-label")
    tile = page.locator("#kpi-complaints_received")
    assert tile.locator(".kpi-value").inner_text() == "2"
    assert "较上期" in tile.inner_text()
    page.wait_for_function(
        "() => ['trend-counts', 'trend-rates'].every(id => Chart.getChart(id))"
        " && Chart.getChart(document.querySelector('#breakdown-asset_curve canvas'))"
        " && Chart.getChart(document.querySelector('#breakdown-tiers canvas'))"
    )
    title = page.evaluate(
        "() => Chart.getChart(document.querySelector('#breakdown-tiers canvas'))"
        ".options.plugins.title.text"
    )
    assert title == "各层级占比"
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the {width}px screen"
    page.screenshot(path=tmp_path / f"dashboard-{width}.png", full_page=True)
    tile.locator("a.kpi-link").click()
    page.wait_for_selector("tr[id^=complaint-]")
    assert page.locator("tr[id^=complaint-]").count() == 2
    assert not errors, errors
