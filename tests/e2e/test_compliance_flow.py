"""A callback completed with 代客操作 = 是 opens a compliance case; the branch's compliance
officer finds it on the workbench, investigates and concludes it; HQ sees it in the
trend. The account manager concerned never sees it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from callcenter import services
from callcenter.models import Callback
from compliance.models import ComplianceCase
from tests.e2e.conftest import login, logout
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_red_flag_callback_case_investigated_concluded_and_in_the_trend(page, org):
    client = make_client(org.am, name="钱先生", client_no="1100000001", phone="13911113333",
                         opened_on=timezone.localdate() - timedelta(days=5))  # fmt: skip
    services.generate_due_callbacks()
    callback = Callback.objects.get(client=client)
    # the agent calls and hears that the account manager traded for the client
    login(page, "agent")
    page.goto(page.base + callback.get_absolute_url())
    page.click("#claim")
    page.wait_for_selector("#registration-form")
    page.check("#id_identity_verified")
    page.check("input[name=trading_by_staff][value=yes]")
    page.check("input[name=risks_disclosed][value=yes]")
    page.check("input[name=discretionary_mandate][value=no]")
    page.select_option("#id_satisfaction", "4")
    page.click("#registration-form button[type=submit]")
    page.wait_for_url("**/callcenter/")
    case = ComplianceCase.objects.get()
    assert case.source_id == callback.pk and case.staff_concerned == org.am
    logout(page)

    # the account manager concerned: no menu entry, and the case page is refused
    login(page, "am")
    assert page.locator("#nav-compliance").count() == 0
    response = page.goto(page.base + f"/compliance/{case.pk}/")
    assert response.status in (403, 404)
    page.goto(page.base + "/")
    logout(page)

    # the compliance officer: the workbench shows the red flag; investigate, conclude
    login(page, "compliance")
    page.click(f"[data-case='{case.pk}'] a")
    page.wait_for_selector("#case-flags")
    assert "员工代客操作" in page.locator("#case-flags").inner_text()
    assert page.locator("#case-source a").get_attribute("href") == callback.get_absolute_url()
    page.click("#btn-investigate")
    page.click("#act-investigate button[type=submit]")
    page.wait_for_selector("#btn-conclude")
    assert page.locator("#case-status").inner_text() == "调查中"
    page.click("#btn-conclude")
    page.check("#act-conclude input[name=conclude-finding][value=substantiated]")
    page.fill("#act-conclude textarea[name=conclude-measures]", "约谈客户经理，已报总部合规部")
    page.check("#act-conclude input[name=conclude-reported_to_hq]")
    page.click("#act-conclude button[type=submit]")
    page.wait_for_selector("#case-finding")
    assert page.locator("#case-status").inner_text() == "已出结论"
    assert page.locator("#case-finding").inner_text() == "属实"
    case.refresh_from_db()
    assert case.status == "concluded" and case.reported_to_hq_at is not None
    logout(page)

    # HQ: the trend counts it, from the callback, substantiated, for the branch
    login(page, "hq")
    page.click("#nav-compliance-menu")
    page.click("#nav-compliance")
    page.click("#compliance-trend-link")
    page.wait_for_selector("#trend-by-source")
    assert page.locator("#trend-total").inner_text() == "1"
    callback_row = page.locator("#trend-by-source tr[data-source=callback] td").last
    assert callback_row.inner_text() == "1"
    substantiated = page.locator("#trend-by-finding tr[data-finding=substantiated] td").last
    assert substantiated.inner_text() == "1"
    assert "北京营业部" in page.locator("#trend-by-branch tr[data-branch=BJ01]").inner_text()
