"""A branch manager sorts the churn list and compliance the access log, at 1440 and 390
px: a header sorts, the total shows, the access log's filters sit behind 筛选 on a
phone, and nothing is wider than the screen."""

from datetime import datetime

import pytest

from clients.models import Client
from crm import services
from crm.models import AccessLog
from crm.workdays import SHANGHAI
from tests.e2e.conftest import login
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NO_OVERFLOW = "document.body.scrollWidth <= document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [1440, 390])
def test_churn_list_and_access_log_sort_total_and_fit_the_screen(page, org, width):
    for i, score in enumerate([40, 90, 60]):
        c = make_client(org.am, name=f"客户{i}", client_no=f"110000000{i}")
        Client.objects.filter(pk=c.pk).update(churn_score=score, churn_reasons=["exit_request"])
        e = services.access_log_record(user=org.am, obj=c, field="id_number", action="reveal")
        AccessLog.objects.filter(pk=e.pk).update(
            occurred_at=datetime(2026, 3, 1 + i, 10, 0, tzinfo=SHANGHAI)
        )
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "bm")

    page.goto(page.base + "/clients/churn/")
    assert page.evaluate(NO_OVERFLOW), "churn list wider than the screen"
    assert page.locator(".list-total").inner_text() == "共 3 条"
    badges = lambda: page.locator("#churn-table tbody .badge").all_inner_texts()  # noqa: E731
    assert badges() == ["90", "60", "40"]  # highest risk first
    page.click("thead a.sort-link:has-text('风险')")
    page.wait_for_url("**ordering=-churn_score**")
    page.click("thead a.sort-link:has-text('风险')")
    page.wait_for_selector("th[aria-sort='ascending']")
    assert badges() == ["40", "60", "90"]
    assert page.evaluate(NO_OVERFLOW)

    page.goto(page.base + "/access-log/")
    assert page.evaluate(NO_OVERFLOW), "access log wider than the screen"
    assert page.locator(".list-total").inner_text() == "共 3 条"
    if width < 768:
        assert not page.locator("#filter-bar").is_visible()
        page.click(".filter-toggle")
        page.wait_for_selector("#filter-bar.show")
    assert page.locator("#id_user").is_visible()
    page.click("thead a.sort-link:has-text('时间')")
    page.wait_for_selector("th[aria-sort='descending']")
    page.click("thead a.sort-link:has-text('时间')")
    page.wait_for_selector("th[aria-sort='ascending']")
    cells = page.locator("#access-log tbody tr td:first-child").all_inner_texts()
    assert cells == sorted(cells) and cells[0].startswith("2026-03-01")
    assert page.evaluate(NO_OVERFLOW)
