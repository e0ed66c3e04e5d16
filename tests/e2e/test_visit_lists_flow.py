"""The visit plans and the callback queue on the shared table base at 1440 and 390 px:
a header sorts, the total shows, a column is hidden and stays hidden, nothing is wider
than the screen."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import login
from tests.factories import CallbackFactory, VisitPlanFactory, make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NO_OVERFLOW = "document.body.scrollWidth <= document.documentElement.clientWidth"


def plan_ids(page) -> list[str]:
    return page.locator("tbody tr[id^='plan-']").evaluate_all("rows => rows.map(r => r.id)")


@pytest.mark.parametrize("width", [1440, 390])
def test_visit_plans_and_callback_queue_sort_total_columns(page, org, width):
    now = timezone.now()
    plans = [
        VisitPlanFactory(
            user=org.am,
            client=make_client(org.am, client_no=f"110000000{i}", name=f"客户{i}"),
            planned_at=now + timedelta(days=days),
        )
        for i, days in enumerate((3, 1, 2))
    ]
    for i, hours in enumerate((1, 5, 3)):
        CallbackFactory(
            client=make_client(org.am, client_no=f"120000000{i}", phone=f"1390000000{i}"),
            due_at=now - timedelta(hours=hours),
        )
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "am")

    page.goto(page.base + "/visits/")
    assert page.evaluate(NO_OVERFLOW), "visit list wider than the screen"
    assert page.locator(".list-total").inner_text() == "共 3 条"
    latest_first = [f"plan-{p.pk}" for p in (plans[0], plans[2], plans[1])]
    assert plan_ids(page) == latest_first
    page.click("thead a.sort-link:has-text('计划时间')")
    page.wait_for_url("**ordering=planned_at**")
    page.wait_for_selector("th[aria-sort='ascending']")
    assert plan_ids(page) == latest_first[::-1]

    page.click("button:has-text('列')")
    page.uncheck("#col-visit_plans-owner")
    with page.expect_navigation():
        page.click(".column-menu button[type=submit]:not([name])")
    assert "客户经理" not in page.locator("thead").inner_text()
    page.goto(page.base + "/visits/")
    assert "客户经理" not in page.locator("thead").inner_text()
    assert page.evaluate(NO_OVERFLOW)

    page.context.clear_cookies()
    login(page, "agent")
    page.goto(page.base + "/callcenter/?tab=pool")
    assert page.evaluate(NO_OVERFLOW), "callback queue wider than the screen"
    assert page.locator(".list-total").inner_text() == "共 3 条"
    page.click("thead a.sort-link:has-text('期限')")
    page.wait_for_url("**ordering=due_at**")
    page.wait_for_selector("th[aria-sort='ascending']")
    assert "tab=pool" in page.url and page.locator("tbody tr[id^='callback-']").count() == 3
    page.click("thead a.sort-link:has-text('期限')")
    page.wait_for_selector("th[aria-sort='descending']")
    assert page.evaluate(NO_OVERFLOW)
