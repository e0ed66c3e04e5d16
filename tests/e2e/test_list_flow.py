"""A branch manager works the client list and the complaint desk at 1440 and 390 px:
the filters behind 筛选 on a phone, a header sorts, the total shows, a column is hidden
and stays hidden, and nothing is wider than the screen."""

import pytest

from tests.e2e.conftest import login
from tests.factories import ComplaintFactory, make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NO_OVERFLOW = "document.body.scrollWidth <= document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [1440, 390])
def test_lists_sort_total_columns_and_fit_the_screen(page, org, width):
    for i in range(3):
        made = make_client(org.am, name=f"客户{i}", client_no=f"110000000{i}")
        ComplaintFactory(client=made, severity=i + 2)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, "bm")

    page.goto(page.base + "/clients/")
    assert page.evaluate(NO_OVERFLOW), "client list wider than the screen"
    assert page.locator(".list-total").inner_text() == "共 3 条"
    filters = page.locator("#filter-bar")
    if width < 768:
        assert not filters.is_visible()  # the first thing on a phone is the list
        page.click(".filter-toggle")
        page.wait_for_selector("#filter-bar.show")
        assert page.locator("#id_stage").is_visible()
        assert page.evaluate(NO_OVERFLOW)
    else:
        assert page.locator(".filter-toggle").is_hidden() and filters.is_visible()

    # sort by name through the header (HTMX), then back the other way
    page.click("thead a.sort-link:has-text('名称')")
    page.wait_for_url("**ordering=name**")
    page.wait_for_selector("th[aria-sort='ascending']")
    names = page.locator("tbody td a[href^='/clients/']").all_inner_texts()
    assert names == ["客户0", "客户1", "客户2"]
    page.click("thead a.sort-link:has-text('名称')")
    page.wait_for_selector("th[aria-sort='descending']")
    assert page.locator("tbody td a[href^='/clients/']").all_inner_texts() == names[::-1]

    # hide the phone column; it stays hidden on the next visit
    page.click("button:has-text('列')")
    page.uncheck("#col-clients-phone")
    with page.expect_navigation():
        page.click(".column-menu button[type=submit]:not([name])")
    assert "手机号码" not in page.locator("thead").inner_text()
    page.goto(page.base + "/clients/")
    assert "手机号码" not in page.locator("thead").inner_text()
    assert page.locator("#reassign-form.action-bar").is_visible()
    assert page.evaluate(NO_OVERFLOW)

    page.goto(page.base + "/complaints/")
    assert page.evaluate(NO_OVERFLOW), "desk wider than the screen"
    assert page.locator(".list-total").inner_text() == "共 3 条"
    # headers stay on one line (the desk had one character per line at 390 px)
    heights = page.eval_on_selector_all("thead th", "ths => ths.map(th => th.clientHeight)")
    assert max(heights) < 48, heights
    if width < 768:
        page.click(".filter-toggle")
        page.wait_for_selector("#filter-bar.show")
    page.click("#id_status-menu")
    assert page.locator(".check-menu input[name=status]").count() >= 4
    page.click("thead a.sort-link:has-text('严重程度')")
    page.wait_for_selector("th[aria-sort='descending']")
    badges = page.locator("tbody .badge").all_inner_texts()
    assert [b for b in badges if b.isdigit()] == ["4", "3", "2"]
    assert page.evaluate(NO_OVERFLOW)
