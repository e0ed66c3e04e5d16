"""An account manager finds a client by the last 4 phone digits, edits the phone with a
reason and sees the change in the history."""

import pytest
from playwright.sync_api import expect

from clients.models import Client
from tests.e2e.conftest import login
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_find_by_phone_digits_edit_phone_and_see_history(page, org):
    target = make_client(
        org.am,
        name="赵明",
        client_no="1100000001",
        phone="13912345678",
        id_number="11010519491231002X",
    )
    make_client(org.am, name="钱亮", client_no="1100000002", phone="13700001111")
    login(page, "am")
    page.locator("nav a.dropdown-toggle", has_text="客户").first.click()
    page.click("nav a.dropdown-item[href='/clients/']")
    page.fill("#id_q", "5678")
    # expect() polls without eval(), which the Content-Security-Policy refuses
    expect(page.locator("#client-table tr[id^=client-]")).to_have_count(1)
    assert page.locator("#client-table").inner_text().count("139****5678") == 1
    page.click("#client-table >> text=赵明")
    page.wait_for_selector("h1:has-text('赵明')")
    assert page.locator("#reveal-phone").inner_text() == "139****5678"
    page.click("a:has-text('编辑')")
    page.fill("#id_phone", "13800009999")
    page.fill("#id_reason", "客户更换手机号")
    page.click("button:has-text('保存')")
    page.wait_for_selector("h1:has-text('赵明')")
    history = page.locator("#history").inner_text()
    assert "客户更换手机号" in history
    assert "139****5678" in history and "138****9999" in history
    assert Client.objects.get(pk=target.pk).phone == "13800009999"
    # revealing the phone is allowed for the owner and lands in the access log
    page.click("#reveal-phone + button")
    page.wait_for_selector("#reveal-phone:has-text('13800009999')")
