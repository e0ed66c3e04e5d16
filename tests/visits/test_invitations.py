"""Issue #14, finding 4 (and 11, part): an event's invitations are scoped by the clients
the user may see, on the event page and the API, and the API pages them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import make_client
from visits import services
from visits.models import Invitation


@pytest.fixture
def event_world(org):
    event = services.event_create(
        user=org.bm, kind="vip", title="VIP客户联谊会", place="营业部",
        starts_at=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    mine = [make_client(org.am, name=f"本人客户{i}", client_no=f"11000001{i:02d}",
                        phone=f"1380013{i:04d}") for i in range(3)]  # fmt: skip
    theirs = [make_client(org.am2, name=f"同事客户{i}", client_no=f"11000002{i:02d}",
                          phone=f"1390013{i:04d}") for i in range(60)]  # fmt: skip
    Invitation.objects.bulk_create([Invitation(event=event, client=c) for c in mine + theirs])
    return event, mine, theirs


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def all_pages(api, url) -> list[dict]:
    rows = []
    while url:
        body = api.get(url).json()
        rows += body["results"]
        url = body["next"]
    return rows


def test_account_manager_sees_only_invitations_of_own_clients_in_the_api(org, event_world):
    event, mine, _theirs = event_world
    url = reverse("api:event-invitations", args=[event.pk])
    rows = all_pages(api_as(org.am), url)
    assert sorted(r["client"] for r in rows) == sorted(c.pk for c in mine)
    everyone = all_pages(api_as(org.bm), url)
    assert len(everyone) == 63  # the branch manager sees the whole branch


def test_the_invitations_endpoint_is_paginated(org, event_world):
    event, _mine, _theirs = event_world
    url = reverse("api:event-invitations", args=[event.pk])
    first = api_as(org.bm).get(url).json()
    assert len(first["results"]) == 50 and first["next"]  # the project's page size
    small = api_as(org.bm).get(url, {"page_size": 10}).json()
    assert len(small["results"]) == 10


def test_event_page_lists_and_counts_only_own_clients(org, event_world, client):
    event, mine, theirs = event_world
    client.force_login(org.am)
    html = client.get(reverse("visits:event", args=[event.pk])).content.decode()
    assert all(c.name in html for c in mine)
    assert not any(c.name in html for c in theirs)
    client.force_login(org.bm)
    html = client.get(reverse("visits:event", args=[event.pk])).content.decode()
    assert theirs[0].name in html


def test_account_manager_cannot_change_a_colleagues_invitation(org, event_world, client):
    event, mine, theirs = event_world
    other = Invitation.objects.get(event=event, client=theirs[0])
    client.force_login(org.am)
    url = reverse("visits:event", args=[event.pk])
    response = client.post(url, {"invitation": other.pk, "status": "declined"})
    assert response.status_code == 404
    assert client.post(url, {"invitation": "x1", "status": "declined"}).status_code == 404
    other.refresh_from_db()
    assert other.status == "invited"
    own = Invitation.objects.get(event=event, client=mine[0])
    assert client.post(url, {"invitation": own.pk, "status": "accepted"}).status_code == 302
    own.refresh_from_db()
    assert own.status == "accepted"
    with pytest.raises(ValidationError):  # the service refuses it too
        services.invitation_update(user=org.am, invitation=other, status="declined")


def test_counts_on_the_event_page_are_per_visible_client(org, event_world):
    from visits.selectors import invitation_counts

    event, _mine, _theirs = event_world
    assert invitation_counts(event, org.am)["invited"] == 3
    assert invitation_counts(event, org.bm)["invited"] == 63


def test_event_page_is_paged_and_filtered_by_status(org, event_world, client):
    event, mine, _theirs = event_world
    Invitation.objects.filter(event=event, client=mine[0]).update(status="accepted")
    client.force_login(org.bm)
    url = reverse("visits:event", args=[event.pk])
    html = client.get(url).content.decode()
    assert html.count('id="inv-') == 50  # of 63
    assert "?page=2" in html
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('id="inv-') == 13
    accepted = client.get(url, {"status": "accepted"}).content.decode()
    assert accepted.count('id="inv-') == 1 and mine[0].name in accepted
    odd = client.get(url, {"status": "nonsense", "page": "x"})
    assert odd.status_code == 200 and odd.content.decode().count('id="inv-') == 50


def test_segment_invitation_choices_are_inline_check_boxes(org, event_world, client):
    event, _mine, _theirs = event_world
    client.force_login(org.bm)
    html = client.get(reverse("visits:event", args=[event.pk])).content.decode()
    check = '<input class="form-check-input" type="checkbox" name="tiers"'
    assert f'class="form-check form-check-inline">{check}' in html
    assert "form-check-input form-" not in html  # the list itself gets no input class
