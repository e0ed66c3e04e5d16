"""A branch manager turns on the second factor; the next login asks for the code."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import login, logout

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def code_from_key(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed by hand."""
    totp = TOTP(b32decode(key.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_branch_manager_enrols_and_logs_in_with_the_code(page, org):
    login(page, "bm")
    page.click("#nav-user")
    page.click("a[href='/accounts/two-factor/']")
    assert page.locator("#two-factor-qr svg").is_visible()
    key = page.inner_text("#two-factor-key")
    page.fill("#id_code", code_from_key(key))
    page.click("button[type=submit]:below(#two-factor-key)")
    page.wait_for_selector("#two-factor-on")
    assert TOTPDevice.objects.get(user=org.bm).confirmed
    logout(page)

    page.goto(page.base + "/accounts/login/?next=/clients/")
    page.fill("#id_username", "bm")
    page.fill("#id_password", "Test-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/two-factor/verify/**")
    assert page.locator("nav").count() == 0  # nothing to click before the code
    page.goto(page.base + "/")
    page.wait_for_url("**/accounts/two-factor/verify/**")  # still the code page

    page.fill("#id_code", "000000" if code_from_key(key) != "000000" else "111111")
    page.click("button:has-text('Verify'), button:has-text('验证')")
    page.wait_for_selector(".invalid-feedback")
    time.sleep(1.5)  # django-otp's wait after a wrong code
    # The code used to enrol may not be used again: the app's next one.
    page.fill("#id_code", code_from_key(key, steps_ahead=1))
    page.click("button:has-text('Verify'), button:has-text('验证')")
    page.wait_for_url(page.base + "/")
    assert page.locator("nav").get_by_text("工作台").first.is_visible()


def test_swagger_ui_and_the_admin_work_under_the_policy(page, org):
    org.hq.is_staff = True
    org.hq.save(update_fields=["is_staff"])
    login(page, "hq")
    page.goto(page.base + "/api/docs/")
    page.locator(".swagger-ui .info").get_by_text("Brokerage branch CRM API").first.wait_for()
    # Swagger UI renders the operations as they scroll into view: the first tag's is enough
    page.locator(".opblock-summary-path", has_text="/api/v1/access-logs/").first.wait_for()
    page.goto(page.base + "/admin/")
    page.wait_for_selector("#content-main")


def test_the_lockout_page_after_five_wrong_passwords(page, org, settings):
    settings.AXES_ENABLED = True
    for _ in range(5):
        page.goto(page.base + "/accounts/login/")
        page.fill("#id_username", "am")
        page.fill("#id_password", "wrong-password")
        page.click("button[type=submit]")
    page.wait_for_selector("#lockout")
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", "am")
    page.fill("#id_password", "Test-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("#lockout")
    assert "30" in page.inner_text("#lockout")
