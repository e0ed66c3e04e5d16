"""The workbench at a desk and on a phone: every queue counted, `/` to find a client, `?`
for the shortcuts, and a flood of notifications read one group at a time."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Notification
from tests.e2e.conftest import login
from tests.factories import CallbackFactory, make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = [1440, 390]


def no_horizontal_overflow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    client = page.evaluate("document.documentElement.clientWidth")
    assert width <= client, f"{width}px wide in a {client}px window"


@pytest.mark.parametrize("width", WIDTHS)
def test_agent_workbench_search_and_shortcuts(page, org, width):
    page.set_viewport_size({"width": width, "height": 900})
    now = timezone.now()
    clients = [
        make_client(org.am, name=f"李{i:02d}", client_no=f"41{i:08d}", phone=f"1360000{i:04d}")
        for i in range(4)
    ]
    for i, c in enumerate(clients):
        CallbackFactory(client=c, due_at=now - timedelta(hours=i + 1))
    login(page, "agent")
    pool = page.locator("#section-callback_pool")
    expect(pool.locator(".section-total")).to_have_text("4")
    expect(pool.locator(".section-overdue")).to_contain_text("4")
    expect(page.locator("#section-phone_lookup")).to_contain_text("登记投诉")
    chips = page.locator("#workbench-queues a")
    expect(chips.first).to_have_attribute("data-queue", "callback_pool")  # overdue first
    no_horizontal_overflow(page)

    # "?" opens the dialog, Esc closes it
    page.locator("h1").click()
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-modal")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("键盘快捷键")
    expect(dialog).to_be_focused()  # shown: Bootstrap focuses it once the fade is over
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # "/" focuses the navbar search from any page; typed "?" stays in the field
    page.keyboard.press("/")
    search = page.locator("#global-search")
    expect(search).to_be_focused()
    page.keyboard.type("?")
    expect(dialog).to_be_hidden()
    search.fill(clients[2].phone[-4:])
    search.press("Enter")
    page.wait_for_url("**/clients/?q=0002")
    expect(page.locator("main")).to_contain_text("李*")  # an agent sees names masked

    # the phone look-up box on the workbench finds by the whole number too
    page.goto(page.base + "/")
    page.fill("#phone-lookup-q", clients[1].phone)
    page.locator("#phone-lookup button").click()
    page.wait_for_url(f"**/clients/?q={clients[1].phone}")
    page.keyboard.press("Escape")


@pytest.mark.parametrize("width", WIDTHS)
def test_manager_reads_a_flood_of_notifications_by_group(page, org, width):
    page.set_viewport_size({"width": width, "height": 900})
    Notification.objects.bulk_create(
        [Notification(recipient=org.bm, title=f"已超时并升级：客户{i:03d}的风险测评到期",
                      url="/clients/", level="danger",
                      kind="client.risk_reassessment:escalation") for i in range(37)]
        + [Notification(recipient=org.bm, title="待审批拜访计划：王先生", url="/visits/")]
    )  # fmt: skip
    login(page, "bm")
    badge = page.locator("#unread-badge")
    expect(badge).to_contain_text("38")
    page.goto(page.base + "/notifications/")  # on a phone the bell is in the menu
    groups = page.locator(".notification-group")
    expect(groups).to_have_count(2)
    risk = groups.filter(has_text="风险测评到期重测")
    expect(risk).to_contain_text("37 条已超时并升级")
    no_horizontal_overflow(page)
    risk.locator("[data-expand]").click()
    expect(risk.locator("[id^=notification-]")).to_have_count(20)
    risk.locator(".notification-more a").click()
    expect(risk.locator("[id^=notification-]")).to_have_count(37)
    no_horizontal_overflow(page)
    risk.locator("button:has-text('本组标为已读')").click()
    expect(groups).to_have_count(1)
    expect(badge).to_contain_text("1")
    assert Notification.objects.filter(recipient=org.bm, read_at__isnull=True).count() == 1
    page.click("#read-all-form button")
    expect(page.locator("#notification-groups")).to_contain_text("暂无未读通知")
    expect(badge).to_be_hidden()
