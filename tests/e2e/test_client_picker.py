"""The client picker at desk and phone widths: two letters of the pinyin initials, the
last 4 digits of the phone, a pick, a submitted visit plan (crm.widgets.PickerInput)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.conftest import login, pick
from tests.factories import make_client
from visits.models import VisitPlan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("width", [1440, 390])
def test_an_account_manager_picks_a_client_by_initials_and_plans_a_visit(page, org, width):
    page.set_viewport_size({"width": width, "height": 900})
    wanted = make_client(org.am, name="吴先生", client_no="1100000001", phone="13900005678")
    make_client(org.am, name="王建国", client_no="1100000002", phone="13800001234")
    make_client(org.am_sh, name="吴小姐", client_no="3100000001")  # another branch's
    login(page, "am")
    page.goto(page.base + "/visits/new/")
    page.fill("#id_client-ts-control", "w")
    assert "请至少输入 2 个字母或数字" in page.locator(".ts-dropdown").inner_text()
    page.fill("#id_client-ts-control", "wx")
    options = page.locator(".ts-dropdown .option")
    options.first.wait_for()
    assert options.all_inner_texts() == ["吴先生 · 139****5678 · 北京营业部"]  # not 吴小姐
    page.fill("#id_client-ts-control", "")
    pick(page, "#id_client", "5678", "吴先生")
    assert page.input_value("#id_client") == f"id:{wanted.pk}"
    page.fill(
        "#id_planned_at", (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.fill("#id_place", "客户公司会议室")
    page.fill("#id_purpose", "介绍资产配置服务")
    with page.expect_navigation():
        page.click("button[name=save]")
    assert page.locator("#plan-status").count(), page.locator("main").inner_text()
    assert VisitPlan.objects.get().client == wanted
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_without_the_picker_a_typed_name_that_matches_nobody_is_a_clear_error(page, org):
    make_client(org.am, name="吴先生", client_no="1100000001")
    login(page, "am")
    page.route("**/tom-select.base.min.js", lambda route: route.abort())  # no picker
    page.goto(page.base + "/visits/new/")
    page.fill("#id_client", "李四")
    page.fill(
        "#id_planned_at", (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.click("button[name=save]")
    page.wait_for_selector(".invalid-feedback")
    assert "没有找到该客户" in page.locator("main").inner_text()
    assert page.locator(".invalid-feedback").count() == 3  # client, place, purpose at once
    assert not VisitPlan.objects.exists()
