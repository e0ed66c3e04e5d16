"""The visit calendar in a browser: FullCalendar draws the feed's items (month, week and
the phone's list), a click opens the visit plan, no CSP violation or console error, no
horizontal overflow at 1440 and 390 px; the working-day grid and the printable complaint
record at both widths too."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from crm.workdays import SHANGHAI
from tests.complaints.helpers import receive
from tests.e2e.conftest import login
from tests.factories import VisitPlanFactory, make_client
from visits.models import Event

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = [(1440, 900), (390, 844)]


def no_overflow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("document.documentElement.clientWidth")
    assert width <= viewport, f"{width} px wide in a {viewport} px viewport"


def watch_errors(page):
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def next_wednesday_10am():
    today = timezone.localdate()
    day = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("width, height", WIDTHS)
def test_visit_calendar_month_week_and_phone_list(page, org, tmp_path, width, height):
    when = next_wednesday_10am()
    client = make_client(org.am, name="吴先生", client_no="1100000001")
    plan = VisitPlanFactory(client=client, planned_at=when, status="submitted")
    Event.objects.create(branch=org.bj, kind="education", title="基金定投讲座",
                         starts_at=when + timedelta(hours=4), place="多功能厅",
                         created_by=org.bm)  # fmt: skip
    errors = watch_errors(page)
    page.set_viewport_size({"width": width, "height": height})
    login(page, "am")
    page.goto(page.base + "/")
    if width < 992:
        page.click(".navbar-toggler")
    page.click("nav >> text=拜访")
    page.click("nav >> text=拜访日历")
    page.wait_for_url("**/visits/calendar/")
    page.goto(page.base + f"/visits/calendar/?date={when.date().isoformat()}")
    item = page.locator(f"[data-item='visit-{plan.pk}']").first
    item.wait_for()
    calendar = page.locator("#visit-calendar")
    text = calendar.inner_text()
    assert "吴先生 · 上门拜访 · 已提交" in text  # the state in words, not colour only
    assert "基金定投讲座" in text
    if width < 768:
        assert page.locator(".fc-list").count() == 1  # phones open on the week's list
    else:
        assert page.locator(".fc-dayGridMonth-view").count() == 1
        assert "cal-visit-submitted" in item.get_attribute("class")
        page.click(".fc-timeGridWeek-button")
        page.locator(f".fc-timeGridWeek-view [data-item='visit-{plan.pk}']").wait_for()
    no_overflow(page)
    page.screenshot(path=tmp_path / f"visit-calendar-{width}.png", full_page=True)
    page.locator(f"[data-item='visit-{plan.pk}'] a, a[data-item='visit-{plan.pk}']").first.click()
    page.wait_for_url(f"**{plan.get_absolute_url()}")
    assert not errors, errors


@pytest.mark.parametrize("width, height", WIDTHS)
def test_working_day_grid_and_printable_record(page, org, tmp_path, width, height):
    errors = watch_errors(page)
    page.set_viewport_size({"width": width, "height": height})
    complaint = receive(org, status="reviewed", reviewer=org.bm)
    # its own schedule: a live-server test before this one may have flushed the seeded one
    from crm.models import Holiday

    Holiday.objects.update_or_create(
        date=date(2025, 10, 1), defaults={"kind": Holiday.Kind.HOLIDAY, "name": "国庆节"}
    )
    Holiday.objects.update_or_create(
        date=date(2025, 10, 11), defaults={"kind": Holiday.Kind.WORKDAY, "name": "国庆节"}
    )
    login(page, "bm")
    page.goto(page.base + "/calendar/?year=2025&month=10")
    page.locator("#month-grid td[data-date='2025-10-01'].wd-holiday").wait_for()
    assert page.locator("#month-grid td.wd-workday").count() >= 1
    no_overflow(page)
    page.click("#month-grid a[rel=next]")
    page.wait_for_url("**month=11")
    page.select_option("select[name=month]", "2")  # data-autosubmit
    page.wait_for_url("**month=2")
    page.goto(page.base + complaint.get_absolute_url())
    page.click("#record-buttons >> text=打印档案")
    page.locator("#record-steps").wait_for()
    assert page.locator("nav.navbar").count() == 0
    assert complaint.ticket_no in page.locator("h1").inner_text()
    no_overflow(page)
    page.emulate_media(media="print")
    assert not page.locator(".no-print").first.is_visible()
    page.screenshot(path=tmp_path / f"complaint-record-{width}.png", full_page=True)
    assert not errors, errors
