"""Every page of each role's menu, and one detail page of each kind, at 1440 and 390 px.

Per role and width (one browser, one context each, pages opened one after another) the
test signs in, scrapes the navbar menu (so a new menu entry is swept with no change here),
adds one detail page of each kind from the access matrix's world (tests/security/world.py)
and runs the checks of tests/e2e/sweep.py on each: no 4xx/5xx of the page or its
subresources, no console error or CSP violation, no horizontal overflow, no Latin words
outside the acronyms, no amount without thousands separators, no login name, and no
critical or serious axe-core violation. A full-page screenshot of each page is saved to
test-artifacts/screenshots/<role>/<page>-<width>.png.

A finding listed in KNOWN turns the test into an expected failure (xfail, not strict)
with its reason; any other finding fails it, naming the role, page, width and check.
"""

from __future__ import annotations

import fnmatch

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.e2e.sweep import ARTIFACTS, Sweep
from tests.roles import ADV, AGENT, AM, BM, COMP, HQ, STAFF_ROLES

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = {1440: 900, 390: 844}  # width -> height (a desktop, a phone)

# One detail page of each kind: (URL name, world kind). The object is the one the world
# gives the role (tests/security/world.py); a page the role may not open (403/404, as the
# access matrix expects) is left out.
DETAILS = [
    ("clients:detail", "client"),
    ("clients:retention-case", "retentioncase"),
    ("clients:import-status", "importjob"),
    ("complaints:detail", "complaint:resolved"),
    ("servicedesk:detail", "servicerequest:in_progress"),
    ("visits:detail", "visitplan:submitted"),
    ("visits:consultation", "consultation:answered"),
    ("visits:event", "event"),
    ("callcenter:callback", "callback:held"),  # the registration form, for those who hold it
    ("callcenter:inspection", "inspection"),
    ("crm:todo-detail", "todo"),
    ("knowledge:article", "article"),
    ("products:detail", "product"),
    ("compliance:detail", "compliancecase:concluded"),
]

# Known findings: (role or "*", path pattern (fnmatch, query string included), check) ->
# reason, each an xfail with its reason. Empty: every page of every role passes every check.
KNOWN: dict[tuple[str, str, str], str] = {}

# Pages that are not zh-hans pages by nature: the checks that do not apply to them.
EXEMPT: dict[str, tuple[set[str], str]] = {
    "/api/docs/": (
        {"lang", "latin", "axe"},
        "Swagger UI (drf-spectacular-sidecar): the API reference for integrators, in the"
        " API's own names; its markup and <html> are the library's",
    ),
}


def exempt(finding) -> bool:
    checks, _reason = EXEMPT.get(finding.path, (set(), ""))
    return finding.check in checks


def known_reason(role: str, finding) -> str | None:
    for (who, pattern, check), reason in KNOWN.items():
        if who in ("*", role) and check == finding.check and fnmatch.fnmatch(finding.path, pattern):
            return reason
    return None


@pytest.fixture
def world(transactional_db):
    from tests.security.world import build_world

    built = build_world()
    yield built
    from django.core.files.storage import default_storage

    for name in built.files:
        default_storage.delete(name)


def detail_pages(world, role: str) -> list[tuple[str, str]]:
    """(path, screenshot name) of the detail pages the role may open."""
    probe = Client(raise_request_exception=False)
    probe.force_login(world.users[role])
    pages = []
    for name, kind in DETAILS:
        path = reverse(name, args=[world.obj(kind, role).pk])
        if probe.get(path).status_code not in (403, 404):
            pages.append((path, "detail-" + kind.replace(":", "-")))
    return pages


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", [AM, AGENT, ADV, BM, COMP, HQ])
def test_every_page_of_the_role(browser, live_server, world, role, width):
    assert set(STAFF_ROLES) == {AM, AGENT, ADV, BM, COMP, HQ}
    user = world.users[role]
    session = Client()
    session.force_login(user)
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": width, "height": WIDTHS[width]},
    )
    context.set_default_timeout(15000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    usernames = [u.username for u in world.users.values()]
    sweep = Sweep(
        page,
        live_server.url,
        usernames=usernames,
        own_username=user.username,
        shots=ARTIFACTS / role,
    )
    for old in (ARTIFACTS / role).glob(f"*-{width}.png"):
        old.unlink()
    try:
        findings = sweep.visit("/", width)
        pages = [(p, None) for p in sweep.menu_links() if p != "/"] + detail_pages(world, role)
        for path, name in pages:
            findings += sweep.visit(path, width, name)
    finally:
        context.close()
    spent = ", ".join(f"{k} {v:.1f}s" for k, v in sweep.timings.items())
    print(f"\n{role} {width}px: {len(pages) + 1} pages; {spent}")
    findings = [f for f in findings if not exempt(f)]
    unknown = [f for f in findings if known_reason(role, f) is None]
    assert not unknown, f"{role} at {width}px: {len(unknown)} finding(s)\n" + "\n".join(
        map(str, unknown)
    )
    if findings:
        reasons = sorted({f"{f} ({known_reason(role, f)})" for f in findings})
        pytest.xfail("known: " + "; ".join(reasons))


def test_the_callback_registration_form_is_usable_at_390_px(browser, live_server, world):
    """A service agent on a phone: every check and radio a thumb-sized target with its
    words beside it, the page no wider than the screen, the form filled by tapping the
    words and saved with one full-width button."""
    from callcenter.models import Callback

    agent = world.users[AGENT]
    callback = world.obj("callback:held", AGENT)
    session = Client()
    session.force_login(agent)
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844}
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + reverse("callcenter:callback", args=[callback.pk]))
        form = page.locator("#registration-form")
        assert page.evaluate(
            "() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
        )
        for box in form.locator(".form-check-input").all():
            size = box.bounding_box()
            assert size["width"] >= 20 and size["height"] >= 20, size
        # A check's words are on its line, not above it.
        check = form.locator("#id_identity_verified").bounding_box()
        words = form.locator("label[for=id_identity_verified]").bounding_box()
        assert words["x"] > check["x"] and abs(words["y"] - check["y"]) < check["height"]
        # The 是/否 questions are groups named by their question.
        legend = form.locator("fieldset:has(#id_trading_by_staff) legend").inner_text()
        assert "代客操作" in legend
        form.locator("label[for=id_identity_verified]").click()
        for name in ("trading_by_staff", "risks_disclosed", "discretionary_mandate"):
            form.locator(f"label[for=id_{name}_1]").click()  # 否
            assert form.locator(f"#id_{name}_1").is_checked()
        page.select_option("#id_satisfaction", "4")
        submit = form.locator("button[type=submit]").bounding_box()
        assert submit["width"] >= 0.9 * form.bounding_box()["width"] - 40
        form.locator("button[type=submit]").click()
        page.wait_for_url("**/callcenter/")
    finally:
        context.close()
    assert Callback.objects.get(pk=callback.pk).status == Callback.Status.COMPLETED
