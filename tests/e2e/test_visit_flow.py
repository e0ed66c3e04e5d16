"""An account manager plans a visit, the branch manager approves it, the account manager
records it, and the client's 360 page shows it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.e2e.conftest import login, logout
from tests.factories import make_client
from visits.models import VisitPlan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_plan_approve_record_and_see_it_on_the_client_page(page, org, request):
    client = make_client(org.am, name="吴先生", client_no="1100000001")
    login(page, "am")
    page.goto(page.base + client.get_absolute_url())
    page.click(f"a[href='/visits/new/?client={client.pk}']")
    assert page.input_value("#id_client") == f"id:{client.pk}"  # the picker, prefilled
    assert "吴先生" in page.locator(".crm-picker .item").inner_text()
    planned = timezone.localtime() + timedelta(hours=2)
    page.fill("#id_planned_at", planned.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "客户公司会议室")
    page.fill("#id_purpose", "介绍资产配置服务")
    page.click("button[name=submit]")
    page.wait_for_selector("#plan-status")
    plan = VisitPlan.objects.get()
    assert plan.status == "submitted"
    logout(page)

    login(page, "bm")
    page.click(f"#section-visit_approvals a[href='{plan.get_absolute_url()}']")
    page.click("#plan-actions form[action$='/approve/'] button")
    page.wait_for_selector("#plan-status")
    plan.refresh_from_db()
    assert plan.status == "approved"
    logout(page)

    login(page, "am")
    page.goto(page.base + plan.get_absolute_url())
    page.fill("#record-form #id_presented", "介绍了红利策略与债券组合")
    page.click("#record-form button[type=submit]")  # before the planned time: refused
    assert "只能在拜访发生后登记" in page.locator("#record-form").inner_text()
    logout(page)

    traveller = time_machine.travel(planned + timedelta(hours=1), tick=True)
    traveller.start()
    request.addfinalizer(traveller.stop)
    login(page, "am")
    page.goto(page.base + plan.get_absolute_url())
    page.fill("#record-form #id_presented", "介绍了红利策略与债券组合")
    page.fill("#record-form #id_investment_direction", "红利低波")
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("#visit-record")
    page.goto(page.base + client.get_absolute_url())
    timeline = page.locator("#timeline").inner_text()
    assert "介绍了红利策略与债券组合" in timeline
    assert "红利低波" in page.locator("main").inner_text()  # preferences updated
