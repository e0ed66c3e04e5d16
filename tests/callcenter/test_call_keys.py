"""Calls are keyed by the system (or person) that posts them: a re-post of another
system's call id never reaches that call, and a re-post never moves a call."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter.models import Call
from tests.factories import make_client, make_staff

START, END = "2025-11-03T10:00:00+08:00", "2025-11-03T10:03:20+08:00"


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def payload(call_id, phone, **extra):
    return {"call_id": call_id, "direction": "inbound", "phone": phone,
            "started_at": START, "ended_at": END, "notes": "原始", **extra}  # fmt: skip


@pytest.fixture
def clients(org):
    opened = timezone.localdate() - timedelta(days=400)
    bj = make_client(org.am, client_no="1100000801", phone="13900000801", opened_on=opened)
    sh = make_client(org.am_sh, client_no="3100000802", phone="13900000802", opened_on=opened)
    return bj, sh


def test_another_branch_system_reposting_an_id_gets_its_own_call(org, clients):
    bj_client, sh_client = clients
    sys_sh = make_staff("sys_sh", org.sh, "integration")
    first = api(sys_sh).post("/api/v1/calls/", payload("X-1", sh_client.phone), format="json")
    assert first.status_code == 201 and first.json()["client"] == sh_client.pk

    repost = api(org.integration_bj).post(
        "/api/v1/calls/", payload("X-1", bj_client.phone, notes="覆盖"), format="json"
    )
    assert repost.status_code == 201  # a new call of its own, not "200: this id exists"
    sh_call = Call.objects.get(posted_by=sys_sh, call_id="X-1")
    assert (sh_call.branch, sh_call.client, sh_call.notes) == (org.sh, sh_client, "原始")
    bj_call = Call.objects.get(posted_by=org.integration_bj, call_id="X-1")
    assert (bj_call.branch, bj_call.client) == (org.bj, bj_client)


def test_staff_reposting_a_telephony_id_cannot_overwrite_it(org, clients):
    bj_client, _sh = clients
    api(org.integration_bj).post("/api/v1/calls/", payload("D-1", bj_client.phone), format="json")
    answer = api(org.am2).post(
        "/api/v1/calls/", payload("D-1", "13000000000", notes="同事改写"), format="json"
    )
    assert answer.status_code == 201
    original = Call.objects.get(posted_by=org.integration_bj, call_id="D-1")
    assert (original.client, original.phone, original.notes) == (bj_client, bj_client.phone, "原始")


def test_staff_cannot_post_calls_for_clients_they_cannot_see(org, clients):
    bj_client, _sh = clients  # owned by am, not am2
    answer = api(org.am2).post("/api/v1/calls/", payload("P-1", bj_client.phone), format="json")
    assert answer.status_code == 201 and answer.json()["client"] is None


def test_a_repost_completes_the_call_but_never_moves_it(org, clients):
    bj_client, sh_client = clients
    telephony = api(org.integration)  # HQ: sees both branches
    telephony.post("/api/v1/calls/", payload("M-1", bj_client.phone, ended_at=None), format="json")
    again = telephony.post(
        "/api/v1/calls/",
        payload("M-1", sh_client.phone, started_at="2025-11-03T09:00:00+08:00", notes="已结束"),
        format="json",
    )
    assert again.status_code == 200
    call = Call.objects.get(call_id="M-1")
    assert (call.branch, call.client, call.phone) == (org.bj, bj_client, bj_client.phone)
    assert call.notes == "已结束" and call.duration == 200  # from the stored start


def test_a_repost_ending_before_the_stored_start_is_refused(org, clients):
    bj_client, _sh = clients
    telephony = api(org.integration_bj)
    telephony.post("/api/v1/calls/", payload("E-1", bj_client.phone, ended_at=None), format="json")
    bad = telephony.post(
        "/api/v1/calls/",
        payload("E-1", bj_client.phone, started_at="2025-11-03T08:00:00+08:00",
                ended_at="2025-11-03T09:00:00+08:00"),
        format="json",
    )  # fmt: skip
    assert bad.status_code == 400 and "ended_at" in bad.json()
    assert Call.objects.get(call_id="E-1").ended_at is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_call_posted_twice_at_once_is_stored_once(org, clients):
    bj_client, _sh = clients
    answers = []
    barrier = threading.Barrier(4)

    def post():
        barrier.wait()
        try:
            answers.append(
                api(org.integration_bj)
                .post("/api/v1/calls/", payload("C-1", bj_client.phone), format="json")
                .status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 200, 200, 201]
    assert Call.objects.filter(call_id="C-1").count() == 1
