"""Dates and numbers bounded once (crm.bounds), and one bad row stored before the bounds
isolated: the findings of issue #14 (1 and part of 11), each as a plain test."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from complaints.models import Complaint
from complaints.services import CLOCKS
from crm import sla
from crm.models import Reminder
from crm.tasks import sla_recompute_deadlines, sla_scan
from tests.complaints.helpers import receive
from visits.models import Event

OUT_OF_RANGE_ZH = "请输入 1901 年至 2999 年之间的日期。"


def intake(**extra) -> dict:
    return {"channel": "phone", "category": "general", "severity": 2, "topic": "fees",
            "description": "佣金收取有误", "complainant_name": "张三", **extra}  # fmt: skip


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_the_intake_refuses_a_received_time_out_of_range(client, org, moment):
    client.force_login(org.agent)
    with override("zh-hans"):
        response = client.post(reverse("complaints:intake"), intake(received_at=moment))
    assert response.status_code == 400
    assert OUT_OF_RANGE_ZH in response.content.decode()
    assert not Complaint.objects.exists()
    ok = client.post(reverse("complaints:intake"), intake(received_at="2026-11-30T09:30"))
    assert ok.status_code == 302 and Complaint.objects.count() == 1


def event_form(**extra) -> dict:
    return {"kind": "salon", "title": "投资者教育", "place": "三楼会议室",
            "starts_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("starts_at", "0001-01-01T00:00", OUT_OF_RANGE_ZH),
        ("starts_at", "9999-12-31T23:59", OUT_OF_RANGE_ZH),
        ("capacity", "2147483648", "确保该值小于或等于"),
        ("capacity", "100001", "确保该值小于或等于"),
    ],
)
def test_the_event_form_refuses_out_of_range_values(client, org, field, value, message):
    client.force_login(org.bm)
    with override("zh-hans"):
        response = client.post(reverse("visits:events"), event_form(**{field: value}))
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_the_access_log_until_9999_answers_without_a_500(client, api, org):
    client.force_login(org.bm)
    page = client.get(reverse("crm:access-log"), {"until": "9999-12-31", "since": "0001-01-01"})
    assert page.status_code == 200
    api.force_authenticate(org.bm)
    response = api.get("/api/v1/access-logs/", {"until": "9999-12-31"})
    assert response.status_code == 400 and "until" in response.json()


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "2147483648"])
def test_the_visit_calendar_ignores_a_week_out_of_range(client, org, week):
    client.force_login(org.am)
    assert client.get(reverse("visits:list"), {"week": week}).status_code == 200
    assert client.get(reverse("visits:quota"), {"day": week}).status_code == 200


# --- One bad row stored before the bounds ------------------------------------------------
def store_out_of_range(complaint) -> None:
    """What the intake stored for `0001-01-01T00:00` (and a deadline past the year 9999)."""
    dues = {c.due: "0001-12-31 15:54:17+00 BC" for c in CLOCKS}
    dues[CLOCKS[-1].due] = "10000-01-01 00:00:00+00"
    columns = ", ".join(f"{name} = %s" for name in ["received_at", *dues])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE complaints_complaint SET {columns} WHERE id = %s",
            ["0001-12-31 15:54:17+00 BC", *dues.values(), complaint.pk],
        )


@pytest.fixture
def bad_complaint(org):
    bad = receive(org, seq=1)
    store_out_of_range(bad)
    return bad


def test_pages_and_the_api_survive_a_bad_row(client, api, org, bad_complaint):
    good = receive(org, seq=2)
    for user in (org.agent, org.bm, org.am, org.hq):
        client.force_login(user)
        for url in (reverse("complaints:desk"), reverse("crm:workbench"),
                    reverse("complaints:detail", args=[bad_complaint.pk])):  # fmt: skip
            response = client.get(url)
            assert response.status_code in (200, 404), (user, url, response.status_code)
        api.force_authenticate(user)
        listed = api.get("/api/v1/complaints/")
        assert listed.status_code == 200, (user, listed.status_code)
    assert client.get(reverse("complaints:detail", args=[good.pk])).status_code == 200
    # read at the edge Python can hold, as psycopg2 reads PostgreSQL's -infinity
    bad_complaint.refresh_from_db()
    assert bad_complaint.received_at.year == 1
    assert getattr(bad_complaint, CLOCKS[-1].due).year == 9999


def test_the_sla_scan_and_the_recompute_skip_a_bad_row_and_log_it(org, bad_complaint, caplog):
    good = receive(org, seq=2)
    Complaint.objects.filter(pk=good.pk).update(
        **{c.due: timezone.now() - timedelta(days=1) for c in CLOCKS}
    )
    with caplog.at_level(logging.WARNING, logger="crm.bounds"):
        assert sla_scan.apply().get() > 0
        sla_recompute_deadlines.apply().get()
    reminded = set(Reminder.objects.values_list("object_id", flat=True))
    assert good.pk in reminded and bad_complaint.pk not in reminded
    logged = [r.getMessage() for r in caplog.records if r.name == "crm.bounds"]
    assert any("sla scan complaint." in m and str(bad_complaint.pk) in m for m in logged)
    assert any("recompute" in m and str(bad_complaint.pk) in m for m in logged)
    # the recompute left the bad row as it was (someone corrects it), the good one updated
    bad_complaint.refresh_from_db()
    assert bad_complaint.received_at.year == 1
    assert sla.scan() == 0  # and a second scan sends nothing twice


# --- Found by the web form fuzz test (tests/security/test_fuzz_forms.py) ------------------
def test_a_visit_record_longer_than_its_columns_is_a_form_error(client, org):
    from tests.visits.test_visits import new_plan
    from visits import services as visit_services

    plan = new_plan(org, planned_at=timezone.now() - timedelta(hours=1))
    visit_services.visit_plan_submit(user=org.am, plan=plan)
    visit_services.visit_plan_approve(user=org.bm, plan=plan)
    client.force_login(org.am)
    url = reverse("visits:action", args=[plan.pk, "complete"])
    response = client.post(url, {"presented": "资产配置方案", "investment_direction": "长" * 201})
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.status == "approved"


def test_a_branch_or_an_item_that_is_not_a_number_is_refused(client, org):
    client.force_login(org.hq)
    response = client.post(reverse("callcenter:inspections"), {
        "branch": "0001-01-01", "period_start": "2026-11-01", "period_end": "2026-11-30",
    })  # fmt: skip
    assert response.status_code == 400


def test_a_nul_character_in_a_posted_form_is_a_400(client, org):
    client.force_login(org.hq)
    response = client.post(
        reverse("callcenter:policies"), "reason=a%00b&title=x&body=y",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert response.status_code == 400
