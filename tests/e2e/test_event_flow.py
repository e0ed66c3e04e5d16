"""An event with one seat: the account manager invites two clients with the picker (one a
potential client), both accept and the second waits; the first cancels and the second
moves up; at the door the service desk scans the second's pass and checks them in, and
the client's timeline shows the attendance."""

import pytest
from django.utils import timezone

from tests.e2e.conftest import login, logout, pick
from tests.factories import make_client
from visits import services
from visits.models import Invitation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def row(page, inv):
    return page.locator(f"#inv-{inv.pk}")


def test_capacity_one_the_second_waits_is_promoted_and_checked_in(page, org):
    first = make_client(org.am, name="周先生", client_no="1100000001", phone="13911110001")
    second = make_client(org.am, name="郑女士", phone="13911110002")  # a potential client
    event = services.event_create(user=org.bm, kind="education", title="基金定投讲座",
                                  starts_at=timezone.now(), place="三楼会议室",
                                  capacity=1)  # fmt: skip
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, "am")
    page.goto(page.base + event.get_absolute_url())
    for client, digits, name in ((first, "0001", "周先生"), (second, "0002", "郑女士")):
        pick(page, "#id_invite-client", digits, name)
        with page.expect_navigation():
            page.click("#invite-client")
        assert Invitation.objects.filter(event=event, client=client).exists()
    one = Invitation.objects.get(event=event, client=first)
    two = Invitation.objects.get(event=event, client=second)
    assert "潜在客户" in row(page, two).inner_text()

    # both accept: the one seat goes to the first, the second waits
    row(page, one).locator("select[name=status]").select_option("accepted")
    page.wait_for_function(f"document.querySelector('#inv-{one.pk} select').value === 'accepted'")
    page.wait_for_load_state("networkidle")
    row(page, two).locator("select[name=status]").select_option("accepted")
    row(page, two).locator(".invitation-note").wait_for()
    assert "候补" in row(page, two).inner_text()
    assert row(page, two).locator("select[name=status]").input_value() == "waiting"
    two.refresh_from_db()
    assert two.status == "waiting"

    # the first cancels: the second moves up
    with page.expect_navigation():  # the page shows the promotion: it reloads itself
        row(page, one).locator("select[name=status]").select_option("declined")
    assert row(page, two).locator("select[name=status]").input_value() == "accepted"
    assert "已占座位：1 / 1" in page.locator("#event-seats").inner_text()

    # the pass of the second: its QR code names the check-in link
    with page.expect_navigation():
        row(page, two).locator("a", has_text="入场码").click()
    assert page.locator("#event-pass svg").count() == 1
    check_in = page.locator("#check-in-link").get_attribute("href")
    logout(page)

    # at the door: the service desk opens the link and checks the invitee in
    page.set_viewport_size({"width": 390, "height": 844})  # a phone at the door
    login(page, "agent")
    page.goto(check_in)
    with page.expect_navigation():
        page.click("#check-in-button")
    page.locator("#checked-in").wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    two.refresh_from_db()
    assert two.status == "attended" and two.checked_in_by == org.agent
    # the client's timeline shows the investor education attended
    page.goto(page.base + second.get_absolute_url())
    page.locator("#section-timeline", has_text="参加投资者教育：基金定投讲座").wait_for()
