"""The client 360 page in a browser at desk and phone widths: the frame comes first, then
the assets chart with the holdings, the timeline and the change history arrive through
HTMX; no console error, no CSP violation, nothing wider than the screen."""

import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from clients import services
from clients.models import AccountSnapshot, Client, Holding
from tests.e2e.conftest import login
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
# screenshots of each width, for a person to look at (outside the work tree by default)
ARTEFACTS = Path(os.environ.get("E2E_ARTEFACTS", Path(tempfile.gettempdir()) / "crm-e2e"))


def a_client_with_a_past(owner):
    c = make_client(
        owner, name="孙立", client_no="1100000007", id_number="11010519491231002X",
        address="北京市西城区金融大街1号",
    )  # fmt: skip
    AccountSnapshot.objects.bulk_create(
        AccountSnapshot(client=c, date=date(2025, 1, 31) + timedelta(days=30 * m),
                        total_assets=1_200_000 + 15_000 * m, cash=80_000,
                        market_value=1_120_000 + 15_000 * m, commission=120 + m)
        for m in range(12)
    )  # fmt: skip
    Holding.objects.create(
        client=c, date=date(2025, 12, 31), security_code="600519", security_name="贵州茅台",
        quantity=300, cost=1480, price=1520,
    )  # fmt: skip
    services.client_update(
        user=owner, client=Client.objects.get(pk=c.pk),
        data={"address": "北京市朝阳区建国路88号"}, reason="客户搬家",
    )  # fmt: skip
    return c


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_the_page_loads_its_three_parts(page, org, width, height):
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    c = a_client_with_a_past(org.am)
    page.set_viewport_size({"width": width, "height": height})
    login(page, "am")
    page.goto(page.base + c.get_absolute_url())
    expect(page.locator("h1")).to_contain_text("孙立")
    expect(page.locator("#key-figures")).to_contain_text("¥1,365,000.00")
    # the three parts replace their loading lines
    expect(page.locator("#holdings")).to_contain_text("贵州茅台")
    expect(page.locator("#timeline")).to_contain_text("档案变更")
    expect(page.locator("#history")).to_contain_text("客户搬家")
    expect(page.locator("[data-part-slot]")).to_have_count(0)
    expect(page.locator("#asset-chart[data-drawn]")).to_have_count(1)  # Chart.js drew it
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the {width}px screen"
    if width < 576:  # a phone: the header stacked, the section tabs there
        expect(page.locator(".client-jump")).to_be_visible()
        box_h1 = page.locator("#client-header h1").bounding_box()
        box_actions = page.locator(".client-actions").bounding_box()
        assert box_actions["y"] > box_h1["y"] + box_h1["height"] - 1  # below, not beside
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"client-page-{width}.png"), full_page=True)
    assert not errors, errors
    assert not failed, failed


def test_a_part_that_fails_says_so_and_keeps_its_link(page, org):
    c = a_client_with_a_past(org.am)
    login(page, "am")
    page.route("**/timeline/", lambda route: route.fulfill(status=500, body="boom"))
    page.goto(page.base + c.get_absolute_url())
    expect(page.locator("#history")).to_contain_text("客户搬家")
    slot = page.locator("#timeline-slot")
    expect(slot).to_contain_text("这一部分未能载入")
    expect(slot.locator("a")).to_have_attribute("href", f"/clients/{c.pk}/timeline/")
