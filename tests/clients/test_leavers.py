"""Clients of staff who left (离职人员客户待分配): the branch manager's list grouped by the
former owner, the reassignment from it, the workbench count, the churn signal."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from clients import segmentation
from clients.models import Client
from crm import services
from crm.workbench import panel, sections_for
from tests.factories import make_client, make_staff

URL = "/clients/leavers/"


@pytest.fixture
def left(org):
    """am (BJ01) left with two clients; am_sh (SH01) left with one; am2 stays."""
    a = make_client(org.am, client_no="1100000001", name="张三")
    b = make_client(org.am, client_no="1100000002", name="李四", phone="13800138001")
    kept = make_client(org.am2, client_no="1100000003", name="王五", phone="13800138002")
    sh = make_client(org.am_sh, client_no="3100000001", name="赵六", phone="13800138003")
    services.staff_deactivate(user=org.hq, staff=org.am.staff)
    services.staff_deactivate(user=org.hq, staff=org.am_sh.staff)
    return {"a": a, "b": b, "kept": kept, "sh": sh}


def test_branch_manager_sees_own_branch_leavers_grouped(org, left, client, query_baseline):
    client.force_login(org.bm)
    with query_baseline("clients:leavers"):
        response = client.get(URL)
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g["owner"] for g in groups] == [org.am]
    assert [c.client_no for c in groups[0]["clients"]] == ["1100000001", "1100000002"]
    assert response.context["total"] == 2
    page = response.content.decode()
    assert "离职人员客户待分配" in page and "3100000001" not in page and "1100000003" not in page
    # the new owner is picked among the branch's active account managers
    choices = list(groups[0]["form"].fields["owner"].queryset)
    assert choices == [org.am2]


def test_other_branch_leaver_is_404_and_account_managers_are_refused(org, left, client):
    client.force_login(org.bm)
    assert client.get(URL, {"owner": org.am_sh.pk}).status_code == 404
    assert client.get(URL, {"owner": "x"}).status_code == 404
    assert client.get(URL, {"owner": org.am.pk}).status_code == 200
    client.force_login(org.am2)
    assert client.get(URL).status_code == 403
    client.force_login(org.hq)
    owners = {g["owner"] for g in client.get(URL).context["groups"]}
    assert owners == {org.am, org.am_sh}


def test_reassigning_from_the_list_empties_it(org, left, client):
    client.force_login(org.bm)
    response = client.post(
        reverse("clients:reassign"),
        {"client": [left["a"].pk, left["b"].pk], "owner": org.am2.pk, "reason": "原客户经理离职",
         "next": URL},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == URL
    assert set(Client.objects.filter(owner=org.am2).values_list("client_no", flat=True)) == {
        "1100000001", "1100000002", "1100000003"
    }  # fmt: skip
    assert client.get(URL).context["groups"] == []
    # a leaver is never a new owner
    response = client.post(
        reverse("clients:reassign"),
        {"client": [left["kept"].pk], "owner": org.am.pk, "reason": "x", "next": URL},
    )
    assert Client.objects.get(pk=left["kept"].pk).owner == org.am2


def test_workbench_section_counts_for_the_branch_manager(org, left):
    from django.utils import timezone

    keys = [s.key for s in sections_for("branch_manager")]
    assert "leaver_clients" in keys
    assert "leaver_clients" not in [s.key for s in sections_for("account_manager")]
    section = next(s for s in sections_for("branch_manager") if s.key == "leaver_clients")
    shown = panel(section, org.bm, timezone.now(), timezone.localdate())
    assert shown.total == 2 and shown.link == URL
    assert {c.client_no for c in shown.items} == {"1100000001", "1100000002"}


def test_the_manager_left_signal_fires_at_the_nightly_run(org, left):
    segmentation.run(date(2026, 6, 15))
    assert "manager_left" in Client.objects.get(pk=left["a"].pk).churn_reasons
    assert "manager_left" not in Client.objects.get(pk=left["kept"].pk).churn_reasons


def test_the_notification_links_to_the_list(org, left):
    from crm.models import Notification

    note = Notification.objects.get(recipient=org.bm, kind="staff.left")
    assert note.url == URL and "名下 2 位客户待重新分配" in note.title
    sh_note = Notification.objects.get(recipient=org.bm_sh, kind="staff.left")
    assert "名下 1 位客户待重新分配" in sh_note.title


def test_a_second_branch_manager_is_told_too(org):
    bm2 = make_staff("bm2", org.bj, "branch_manager")
    make_client(org.am, client_no="1100000001")
    services.staff_deactivate(user=org.hq, staff=org.am.staff)
    from crm.models import Notification

    assert set(Notification.objects.filter(kind="staff.left").values_list(
        "recipient", flat=True)) == {org.bm.pk, bm2.pk}  # fmt: skip


def test_the_demo_has_a_leaver_waiting_for_reassignment(db):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from crm.models import Notification, StaffProfile

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: the same leaver, the same notification
    leaver = get_user_model().objects.get(username="am_bj_left")
    assert not leaver.is_active and leaver.staff.left_on is not None
    assert Client.objects.filter(owner=leaver).count() == 5
    bm = get_user_model().objects.get(username="bm_bj")
    assert Notification.objects.filter(recipient=bm, kind="staff.left").count() == 1
    numbers = StaffProfile.objects.exclude(user__username__startswith="sys_")
    assert not numbers.filter(staff_no="").exists()
    assert "manager_left" in Client.objects.filter(owner=leaver).first().churn_reasons
