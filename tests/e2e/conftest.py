"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil

import pytest

# Playwright's sync API keeps an event loop running in this thread; the ORM calls the tests
# make to prepare data are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base = live_server.url
    # Anything the Content-Security-Policy blocks (an inline script or handler, a style
    # attribute) is logged by Chromium to the console: fail the test that hit it.
    page.csp_violations = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text),
    )
    yield page
    context.close()
    assert not page.csp_violations, page.csp_violations


def login(page, username, password="Test-pass-2026"):
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(page.base + "/")


def logout(page):
    page.click("#nav-user")  # the user menu holds the password, the language and 退出
    page.click("#nav-logout")
    page.wait_for_url("**/accounts/login/**")


def pick(page, selector, text, shown):
    """Choose in a client picker (crm.widgets.PickerInput): type `text` into the picker
    of the input `selector`, click the result that shows `shown`."""
    page.fill(f"{selector}-ts-control", text)
    page.wait_for_load_state("networkidle")  # the search of this text answered
    page.locator(".ts-dropdown .option", has_text=shown).first.click()
    assert shown in page.locator(".crm-picker .item").inner_text()
    page.keyboard.press("Tab")  # on to the next field: the dropdown closes


def pytest_terminal_summary(terminalreporter):
    """Where the role sweep (test_pages_by_role.py) saved its screenshots."""
    import sys

    sweep = sys.modules.get("tests.e2e.sweep")
    if sweep is not None and sweep.SAVED["screenshots"]:
        terminalreporter.write_line(
            f"{sweep.SAVED['screenshots']} page screenshots in {sweep.ARTIFACTS}/<role>/"
        )
