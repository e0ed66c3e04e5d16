"""Issue #21 item 3: the callback queue, the complaint desk and the service desk sort by
deadline, then by tier (high net worth first at equal deadlines, as HQ orders the tiers
in TierRule.queue_priority), and show the tier; the same number of queries as before."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter import selectors as callcenter_selectors
from clients.models import Client, TierRule
from clients.segmentation import ensure_defaults
from complaints.models import Complaint
from servicedesk.models import ServiceRequest
from tests.complaints.helpers import receive as receive_complaint
from tests.factories import CallbackFactory, make_client
from tests.servicedesk.helpers import receive as receive_request

TIERS = ["mass", "hnw", "", "vip"]  # "" : not yet tiered


@pytest.fixture
def tiered(org):
    ensure_defaults()  # the default tier rules: ultra 1, hnw 2, vip 3, potential 4, mass 5
    clients = []
    for seq, tier in enumerate(TIERS, start=1):
        c = make_client(org.am, name=f"客户{seq}", client_no=f"11{seq:08d}",
                        phone=f"1380013{seq:04d}")  # fmt: skip
        Client.objects.filter(pk=c.pk).update(tier=tier)
        clients.append(c)
    return clients


def row_ids(html: str, prefix: str) -> list[int]:
    return [int(n) for n in re.findall(rf'<tr[^>]* id="{prefix}-(\d+)"', html)]


def expected(objs, tiers=TIERS):
    rank = {"hnw": 2, "vip": 3, "mass": 5, "": 99}
    return [o.pk for o, _t in sorted(zip(objs, tiers, strict=True), key=lambda p: rank[p[1]])]


def test_callback_queue_puts_the_higher_tier_first_at_equal_deadlines(client, org, tiered,
                                                                      query_baseline):  # fmt: skip
    due = timezone.now() - timedelta(hours=1)
    callbacks = [CallbackFactory(client=c, due_at=due) for c in tiered]
    earlier = CallbackFactory(
        client=make_client(org.am, client_no="1190000001"), due_at=due - timedelta(hours=1)
    )  # fmt: skip (the deadline first)
    order = [cb.pk for cb in callcenter_selectors.queue(org.bm, "pool", timezone.now())]
    assert order == [earlier.pk, *expected(callbacks)]
    client.force_login(org.agent)
    with query_baseline("callcenter:queue?tab=pool"):
        html = client.get(reverse("callcenter:queue"), {"tab": "pool"}).content.decode()
    assert row_ids(html, "callback") == order
    assert "tier-badge tier-hnw" in html  # the tier is shown
    api = APIClient()
    api.force_authenticate(org.bm)
    rows = api.get("/api/v1/callbacks/", {"status": "open"}).json()["results"]
    assert [r["id"] for r in rows] == order


def test_hq_reorders_the_tiers(org, tiered):
    due = timezone.now() - timedelta(hours=1)
    callbacks = [CallbackFactory(client=c, due_at=due) for c in tiered]
    TierRule.objects.filter(tier="mass").update(queue_priority=1)
    order = [cb.pk for cb in callcenter_selectors.queue(org.bm, "pool", timezone.now())]
    assert order[0] == callbacks[0].pk  # mass first now
    TierRule.objects.update(queue_priority=3)  # all equal: the tie-break is off (then by id)
    order = [cb.pk for cb in callcenter_selectors.queue(org.bm, "pool", timezone.now())]
    assert order == [callbacks[0].pk, callbacks[1].pk, callbacks[3].pk, callbacks[2].pk]


def test_complaint_desk_tie_break(client, org, tiered, query_baseline):
    complaints = [receive_complaint(org, client=c) for c in tiered]
    due = timezone.now() + timedelta(days=3)
    Complaint.objects.update(resolution_due_at=due)
    client.force_login(org.bm)
    with query_baseline("complaints:desk"):
        html = client.get(reverse("complaints:desk")).content.decode()
    assert row_ids(html, "complaint") == expected(complaints)
    assert "tier-badge tier-vip" in html
    asc = client.get(reverse("complaints:desk"), {"ordering": "resolution_due_at"})
    assert row_ids(asc.content.decode(), "complaint") == expected(complaints)
    api = APIClient()
    api.force_authenticate(org.bm)
    rows = api.get("/api/v1/complaints/", {"open": "true"}).json()["results"]
    assert [r["id"] for r in rows] == expected(complaints)  # the desk and the API alike


def test_service_desk_tie_break(client, org, tiered, query_baseline):
    requests = [receive_request(org, client=c) for c in tiered]
    ServiceRequest.objects.update(due_at=timezone.now() + timedelta(hours=2))
    client.force_login(org.agent)
    with query_baseline("servicedesk:desk"):
        html = client.get(reverse("servicedesk:desk")).content.decode()
    assert row_ids(html, "service-request") == expected(requests)
    assert "tier-badge tier-hnw" in html
