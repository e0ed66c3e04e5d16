"""The dashboards: each measure on a small hand-made data set with known answers."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from callcenter import services as callback_services
from callcenter.models import Callback
from clients.models import AccountSnapshot, Client
from complaints import services as complaint_services
from crm.dashboard import period_from
from crm.measures import Filters, Period, compute_rows
from crm.workdays import SHANGHAI
from tests.factories import ComplaintFactory, make_client


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def rows(filters):
    return {r.measure.key: r for r in compute_rows(filters)}


def month(branch_ids=None, person_ids=None, year=2025, m=11):
    current = Period.month(year, m)
    return Filters(branch_ids, person_ids, current, current.previous())


def complaint(org, when, client=None, user=None, **extra):
    client = client or make_client(org.am, client_no=f"11{int(when.timestamp()) % 10**8:08d}")
    with time_machine.travel(when, tick=False):
        return ComplaintFactory(
            client=client,
            user=user or org.agent,
            topic="fees",
            description="x",
            received_at=when,
            **extra,
        )


def test_periods():
    assert Period.month(2025, 3).previous() == Period.month(2025, 2)
    assert Period.quarter(2025, 1).previous() == Period.quarter(2024, 4)
    assert Period.year(2025).previous() == Period.year(2024)
    custom = Period(datetime(2025, 1, 10).date(), datetime(2025, 1, 19).date())
    assert (custom.previous().start.day, custom.previous().end.day) == (31, 9)
    assert period_from({"period": "quarter", "year": "2025", "value": "4"}).start.month == 10
    assert period_from({"period": "nonsense", "year": "x"}).kind == "month"


def test_month_boundary_at_midnight_shanghai(org):
    complaint(org, at(2025, 10, 31, 23, 59))
    complaint(org, at(2025, 11, 1, 0, 0))
    complaint(org, at(2025, 11, 30, 23, 59, 59))
    r = rows(month((org.bj.pk,)))["complaints_received"]
    assert (r.current, r.previous, r.change) == (2, 1, 1)


def test_complaint_sla_resolution_and_satisfaction(org):
    on_time = complaint(org, at(2025, 11, 3, 9))
    late = complaint(org, at(2025, 11, 4, 9))
    with time_machine.travel(at(2025, 11, 3, 9, 10), tick=False):
        on_time = complaint_services.complaint_acknowledge(user=org.agent, complaint=on_time)
        on_time = complaint_services.complaint_resolve(
            user=org.agent, complaint=on_time, resolution="r", feedback="f"
        )
    with time_machine.travel(at(2025, 11, 25, 9), tick=False):
        late = complaint_services.complaint_acknowledge(user=org.agent, complaint=late)
        late = complaint_services.complaint_resolve(
            user=org.agent, complaint=late, resolution="r", feedback="f"
        )
        late = complaint_services.complaint_review(
            user=org.bm, complaint=late, note="ok", satisfaction=3
        )
        complaint_services.complaint_close(user=org.bm, complaint=late)
    r = rows(month((org.bj.pk,)))
    assert r["complaint_sla_resolution"].current == 50.0
    assert r["complaint_sla_first_response"].current == 50.0  # one answered at once, one late
    assert r["complaint_resolution_days"].current == 7.5  # 0 and 15 working days
    assert r["complaint_satisfaction"].current == 3.0


def test_callback_measures_and_csi(org):
    clients = [
        make_client(
            org.am,
            client_no=f"110000000{i}",
            phone=f"1390000000{i}",
            opened_on=datetime(2025, 10, 20).date(),
        )
        for i in range(4)
    ]
    with time_machine.travel(at(2025, 11, 5, 9), tick=False):
        callback_services.generate_due_callbacks()
    Callback.objects.update(due_at=at(2025, 11, 10, 9))
    cbs = list(Callback.objects.order_by("id"))
    with time_machine.travel(at(2025, 11, 6, 10), tick=False):
        for cb, satisfaction in zip(cbs[:3], (5, 4, 2), strict=True):
            callback_services.callback_claim(user=org.agent, callback=cb)
            callback_services.callback_complete(
                user=org.agent,
                callback=cb,
                identity_verified=True,
                trading_by_staff="no",
                risks_disclosed="yes",
                discretionary_mandate="no",
                satisfaction=satisfaction,
            )
        callback_services.callback_claim(user=org.agent, callback=cbs[3])
        callback_services.callback_fail(user=org.agent, callback=cbs[3], outcome="wrong_number")
    r = rows(month((org.bj.pk,)))
    assert r["callback_completion"].current == 75.0  # 3 of 4 due in November
    assert r["callback_reach"].current == 75.0  # 3 reached, 1 unreachable
    assert r["csi"].current == pytest.approx(66.7)  # 2 of 3 rated 4 or 5
    assert r["csi"].measure.target == 90
    assert len(clients) == 4


def test_client_measures(org):
    potential = make_client(org.am, name="潜在")
    Client.objects.filter(pk=potential.pk).update(created_at=at(2025, 10, 1, 9))
    with time_machine.travel(at(2025, 11, 2, 9), tick=False):
        from clients import services as client_services

        converted = make_client(org.am, name="转化", grade="A")
    Client.objects.filter(pk=converted.pk).update(created_at=at(2025, 9, 1, 9))
    with time_machine.travel(at(2025, 11, 7, 9), tick=False):
        client_services.client_open_account(
            user=org.am,
            client=converted,
            client_no="1100000077",
            opened_on=datetime(2025, 11, 5).date(),
        )
        make_client(org.am, client_no="1100000078", opened_on=datetime(2025, 11, 6).date())
    for c, commission in ((converted, 100), (potential, 0)):
        if c.pk == converted.pk:
            AccountSnapshot.objects.create(
                client=c,
                date=datetime(2025, 11, 30).date(),
                total_assets=1000,
                commission=Decimal(commission),
            )
    r = rows(month((org.bj.pk,)))
    assert r["new_clients"].current == 2
    assert r["conversion"].current == 50.0  # one converted, one still potential
    assert r["commission"].current == 100


def test_commission_cache_refreshes_when_snapshots_are_stored(
    org, django_capture_on_commit_callbacks
):
    from clients.services import snapshots_upsert

    c = make_client(org.am, client_no="1100000091", opened_on=datetime(2025, 1, 6).date())
    row = {"client_no": c.client_no, "date": "2025-11-28", "total_assets": "1000",
           "commission": "40"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        snapshots_upsert(user=org.am, rows=[row])
    assert rows(month((org.bj.pk,)))["commission"].current == 40
    AccountSnapshot.objects.filter(client=c).update(commission=99)  # behind the service's back
    assert rows(month((org.bj.pk,)))["commission"].current == 40  # cached
    with django_capture_on_commit_callbacks(execute=True):
        snapshots_upsert(user=org.am, rows=[{**row, "commission": "70"}])
    assert rows(month((org.bj.pk,)))["commission"].current == 70


def test_tier_breakdown(org, client):
    vip = make_client(org.am, client_no="1100000095", opened_on=datetime(2024, 1, 6).date())
    mass = make_client(org.am, client_no="1100000096", opened_on=datetime(2024, 1, 6).date())
    Client.objects.filter(pk=vip.pk).update(tier="vip", avg_assets=600_000)
    Client.objects.filter(pk=mass.pk).update(tier="mass", avg_assets=1_000)
    AccountSnapshot.objects.create(
        client=vip,
        date=datetime(2025, 11, 20).date(),
        total_assets=600_000,
        commission=Decimal("80"),
    )
    AccountSnapshot.objects.create(
        client=vip,
        date=datetime(2025, 10, 20).date(),
        total_assets=600_000,
        commission=Decimal("500"),
    )  # before
    sh = make_client(org.am_sh, client_no="3100000095", opened_on=datetime(2024, 1, 6).date())
    Client.objects.filter(pk=sh.pk).update(tier="vip", avg_assets=9_000_000)
    raws: dict = {}
    compute_rows(month((org.bj.pk,)), raws=raws)
    lines = {line[0]: line[1:] for line in raws["clients"]["by_tier"]}
    from clients.models import Tier

    assert lines[str(Tier.VIP.label)] == [1, 600_000, 80]
    assert lines[str(Tier.MASS.label)] == [1, 1_000, 0]
    client.force_login(org.bm)
    html = client.get(reverse("crm:dashboard"), {"period": "month", "year": 2025, "value": 11})
    assert "breakdown-tiers" in html.content.decode()


def test_scoping_branch_manager_never_sees_another_branch(org, client):
    complaint(org, at(2025, 11, 3, 9))
    sh = make_client(org.am_sh, name="上海", client_no="3100000001")
    complaint(org, at(2025, 11, 3, 9, 5), client=sh, user=org.agent_sh)
    complaint(org, at(2025, 11, 3, 9, 6), client=sh, user=org.agent_sh)
    api = APIClient()
    api.force_authenticate(org.bm)
    params = {"period": "month", "year": 2025, "value": 11}
    data = {m["key"]: m for m in api.get("/api/v1/metrics/", params).json()["measures"]}
    assert data["complaints_received"]["current"] == 1
    other = api.get("/api/v1/metrics/", {**params, "branch": "SH01"})
    assert other.status_code == 400  # another branch's figures: refused
    api.force_authenticate(org.hq)
    data = {m["key"]: m for m in api.get("/api/v1/metrics/", params).json()["measures"]}
    assert data["complaints_received"]["current"] == 3
    assert data["complaints_received"]["by_branch"] == {str(org.bj.pk): 1, str(org.sh.pk): 2}
    sh_only = {m["key"]: m for m in api.get("/api/v1/metrics/", {**params, "branch": "SH01"})
               .json()["measures"]}  # fmt: skip
    assert sh_only["complaints_received"]["current"] == 2
    assert api.get("/api/v1/metrics/", {"branch": "NOPE"}).status_code == 400
    client.force_login(org.hq)
    html = client.get(reverse("crm:dashboard"), params).content.decode()
    assert "branch-ranking" in html


def test_person_and_team_filters(org):
    complaint(org, at(2025, 11, 3, 9))
    from crm.models import StaffProfile

    StaffProfile.objects.filter(user=org.agent).update(team="客服一组")
    assert rows(month((org.bj.pk,), (org.agent.pk,)))["complaints_received"].current == 1
    assert rows(month((org.bj.pk,), (org.am2.pk,)))["complaints_received"].current == 0


def test_exports(org, client):
    complaint(org, at(2025, 11, 3, 9))
    client.force_login(org.bm)
    params = {"period": "month", "year": 2025, "value": 11}
    body = client.get(reverse("crm:dashboard"), {**params, "export": "csv"}).content.decode()
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert table[0][:4] == ["指标", "类别", "单位", "本期"]
    received = next(row for row in table if row[0] == "收到投诉数")
    assert float(received[3]) == 1
    xlsx = client.get(reverse("crm:dashboard"), {**params, "export": "xlsx"})
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.title == "指标" and sheet.cell(1, 1).value == "指标"
    assert sheet.cell(2, 3).value in ("个数", "%", "天", "得分", "元")
    report = client.get(reverse("crm:report"), params).content.decode()
    assert "data-print" in report and "收到投诉数" in report  # static/crm/app.js prints


@pytest.mark.parametrize("n", [2, 30])
def test_dashboard_query_count_is_fixed(client, org, query_baseline, n):
    for i in range(n):
        complaint(org, at(2025, 11, 3, 9) + timedelta(minutes=i))
    client.force_login(org.bm)
    with query_baseline("crm:dashboard?period=month (branch manager)"):
        assert (
            client.get(
                reverse("crm:dashboard"), {"period": "month", "year": 2025, "value": 11}
            ).status_code
            == 200
        )
    client.force_login(org.hq)
    with query_baseline("crm:dashboard (hq)"):
        assert client.get(reverse("crm:dashboard")).status_code == 200


def test_metrics_api_gives_staff_below_managers_their_own_figures(org):
    complaint(org, at(2025, 11, 3, 9))  # received by the agent
    params = {"period": "month", "year": 2025, "value": 11}
    api = APIClient()

    def received(user, **extra):
        api.force_authenticate(user)
        measures = api.get("/api/v1/metrics/", {**params, **extra}).json()["measures"]
        return {m["key"]: m for m in measures}["complaints_received"]["current"]

    assert received(org.bm) == 1 and received(org.compliance) == 1  # the branch
    assert received(org.agent) == 1  # their own
    assert received(org.am) == 0 and received(org.am, person="agent") == 0  # not the branch
    assert received(org.advisor) == 0


def test_personal_page_for_every_role(org, client):
    complaint(org, at(2025, 11, 3, 9))
    client.force_login(org.agent)
    html = client.get(
        reverse("crm:my-dashboard"), {"period": "month", "year": 2025, "value": 11}
    ).content.decode()
    assert "measure-complaints_received" in html
    client.force_login(org.am)
    assert client.get(reverse("crm:dashboard")).status_code == 403


def test_dashboard_figures_are_kept_a_minute_per_scope(client, org, settings, query_baseline):
    settings.CRM_DASHBOARD_CACHE_SECONDS = 60
    complaint(org, at(2025, 11, 3, 9))
    params = {"period": "month", "year": 2025, "value": 11}
    client.force_login(org.bm)
    first = client.get(reverse("crm:dashboard"), params)
    with query_baseline("crm:dashboard (cached)"):  # session, user, branches: no measure query
        again = client.get(reverse("crm:dashboard"), params)
    assert again.status_code == first.status_code == 200
    # the same figures from the cache; another branch's manager gets its own, never these
    api = APIClient()
    api.force_authenticate(org.bm)
    mine = {m["key"]: m for m in api.get("/api/v1/metrics/", params).json()["measures"]}
    assert mine["complaints_received"]["current"] == 1
    api.force_authenticate(org.bm_sh)
    other = {m["key"]: m for m in api.get("/api/v1/metrics/", params).json()["measures"]}
    assert other["complaints_received"]["current"] == 0
