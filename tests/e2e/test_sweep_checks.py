"""The role sweep's checks catch what they are for (tests/e2e/sweep.py): the text checks
on their own, then every check of `Sweep.visit` on a page built to break each one."""

import pytest

from tests.e2e.sweep import (
    Finding,
    Sweep,
    latin_words,
    login_names,
    unseparated_amounts,
)
from tests.e2e.test_pages_by_role import exempt, known_reason


def test_latin_words_outside_the_acronyms():
    assert latin_words("导出 CSV 与 Excel，VIP 客户，风险 C1") == []
    assert latin_words("状态 open，Level 3，R 值") == ["Level", "open"]


def test_amounts_without_thousands_separators():
    text = "资产 ¥784557.02，¥1,234.00，收入 15233012元，3,897,097,977 元，共 12 元"
    assert unseparated_amounts(text, []) == ["15233012元", "¥784557.02"]
    cells = [("资产（元）", "784557.02"), ("资产（元）", "784,557.02"), ("资产（元）", "1200")]
    assert unseparated_amounts("", cells) == ["资产（元）: 784557.02"]


def test_login_names_as_words():
    assert login_names("经办人 am2 · 王测试", ["am", "am2", "bm"]) == ["am2"]
    assert login_names("am@example.com", ["am"]) == []


def test_known_and_exempt_findings(monkeypatch):
    from tests.e2e import test_pages_by_role

    monkeypatch.setitem(test_pages_by_role.KNOWN, ("*", "/clients/", "login"), "a reason")
    assert known_reason("hq", Finding("/clients/", "login", "am")) is not None
    assert known_reason("hq", Finding("/clients/", "http", "500 /clients/")) is None
    assert known_reason("hq", Finding("/visits/", "login", "am")) is None
    assert exempt(Finding("/api/docs/", "latin", "GET"))
    assert not exempt(Finding("/api/docs/", "http", "500 /api/schema/"))


PLANTED = """<!doctype html><html lang="zh-hans"><head><title>测试</title></head><body>
<main><h1>回访</h1><p>经办人 am2，资产 ¥784557.02，状态 open。</p>
<select aria-label="语言"><option lang="en">English</option></select>
<div class="wide">宽</div><img src="/missing.png" alt="缺">
<script src="/boom.js"></script><script>document.title = "inline";</script>
<button></button></main>
<style>.wide { width: 2000px; }</style></body></html>"""
POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self'"


@pytest.mark.browser
def test_each_check_of_a_visit_catches_its_fault(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.route(
        "**/planted/",
        lambda route: route.fulfill(
            status=200,
            body=PLANTED,
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": POLICY},
        ),
    )
    page.route("**/missing.png", lambda route: route.fulfill(status=404, body="no"))
    page.route(
        "**/boom.js",
        lambda route: route.fulfill(body='console.error("boom")', content_type="text/javascript"),
    )
    sweep = Sweep(page, "http://sweep.test", usernames=["am2"], own_username="bm", shots=tmp_path)
    try:
        findings = sweep.visit("/planted/", 1440, "planted")
    finally:
        context.close()
    checks: dict[str, str] = {}
    for f in findings:
        checks[f.check] = checks.get(f.check, "") + f.detail + "\n"
    assert set(checks) == {"overflow", "latin", "money", "login", "axe", "http", "csp", "console"}
    assert checks["latin"] == "am open\n"  # "English" is marked lang="en"
    assert "784557.02" in checks["money"] and checks["login"] == "am2\n"
    assert "404 /missing.png" in checks["http"] and "button-name" in checks["axe"]
    assert "boom" in checks["console"] and "inline script" in checks["csp"]
    assert (tmp_path / "planted-1440.png").exists()
