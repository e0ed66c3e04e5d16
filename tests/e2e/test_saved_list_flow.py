"""Issue #21 item 4: a branch manager filters the client list, saves the filters as a
shared list, and invites the list to an event; an account manager inviting the same list
invites only their own clients."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import Client, SavedClientFilter
from tests.e2e.conftest import login, logout
from tests.factories import make_client
from visits import services as visit_services
from visits.models import Invitation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_save_a_client_filter_and_invite_it_to_an_event(page, org):
    mine = make_client(org.am, name="两融甲", client_no="1100000001", phone="13911110001",
                       tags=["两融"], address="北京市朝阳区")  # fmt: skip
    theirs = make_client(org.am2, name="两融乙", client_no="1100000002", phone="13911110002",
                         tags=["两融"], address="北京市海淀区")  # fmt: skip
    make_client(org.am, name="其他丙", client_no="1100000003", phone="13911110003",
                tags=["基金定投"], address="北京市东城区")  # fmt: skip
    Client.objects.update(preferred_channel="phone")
    event = visit_services.event_create(
        user=org.bm, kind="exchange", title="两融交流会", place="营业部三楼",
        starts_at=timezone.now() + timedelta(days=5),
    )  # fmt: skip

    login(page, "bm")
    page.goto(page.base + "/clients/?tags=两融&province=11")
    page.wait_for_selector("#save-list-form")
    page.fill("#save-list-form input[name=name]", "北京两融客户")
    page.check("#save-list-form input[name=shared]")
    page.click("#save-list")
    page.wait_for_url(re.compile(r".*/clients/\?saved=\d+$"))
    saved = SavedClientFilter.objects.get(name="北京两融客户")
    assert saved.shared and saved.owner == org.bm
    rows = page.locator("#client-table tbody tr")
    assert rows.count() == 2  # the list page shows the saved list's clients
    page.click("#saved-lists-menu")
    assert (
        page.locator("#saved-lists-bar .dropdown-item.active")
        .inner_text()
        .startswith("北京两融客户")
    )

    page.goto(page.base + event.get_absolute_url())
    page.select_option("#invite-saved-list-form select[name=saved]", str(saved.pk))
    page.click("#invite-saved-list")
    page.wait_for_selector(".alert-success")
    assert set(Invitation.objects.filter(event=event).values_list("client_id", flat=True)) == {
        mine.pk, theirs.pk,
    }  # fmt: skip
    assert page.locator("#invitations tbody tr").count() == 2
    logout(page)

    # the account manager's run of the same shared list: only their own clients
    Invitation.objects.filter(event=event).delete()
    login(page, "am")
    page.goto(page.base + event.get_absolute_url())
    page.select_option("#invite-saved-list-form select[name=saved]", str(saved.pk))
    page.click("#invite-saved-list")
    page.wait_for_selector(".alert-success")
    assert list(Invitation.objects.filter(event=event).values_list("client_id", flat=True)) == [
        mine.pk
    ]
