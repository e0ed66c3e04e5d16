"""The dashboard a manager reads at a glance: last full month by default, KPI tiles that
drill to lists with the same totals, 12-month trends, the Pareto curve of assets, HQ's
ranking of branches, and the complaint analysis showing 0% (not —) where 0% is meant."""

import itertools
import re
from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from callcenter.models import Callback
from clients.models import Client
from crm.dashboard import filters_from, period_from, ranking
from crm.measures import Filters, Period, compute_rows, compute_trends
from crm.workdays import SHANGHAI
from tests.crm.test_dashboard import at, complaint, month
from tests.factories import make_client

NOVEMBER = {"period": "month", "year": 2025, "value": 11}


def test_opens_on_the_last_full_month_on_the_first_of_a_month(org, rf):
    with time_machine.travel(datetime(2025, 12, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        assert period_from({}, default="last_month") == Period.month(2025, 11)
        request = rf.get("/dashboard/")
        request.user = org.bm
        filters = filters_from(request, {})
        assert filters.current == Period.month(2025, 11)
        assert filters.previous == Period.month(2025, 10)
        # the picker still works: a chosen month, or this month when no number is given
        assert period_from({"period": "month", "value": "12"}, default="last_month") == (
            Period.month(2025, 12)
        )
        assert period_from({"period": "month"}, default="last_month") == Period.month(2025, 12)
        assert period_from({"period": "quarter", "value": "3"}, default="last_month") == (
            Period.quarter(2025, 3)
        )
    with time_machine.travel(datetime(2026, 1, 1, 9, tzinfo=SHANGHAI), tick=False):
        assert period_from({}, default="last_month") == Period.month(2025, 12)  # across a year


def test_dashboard_page_opens_on_last_month(org, client):
    complaint(org, at(2025, 11, 3, 9))
    client.force_login(org.bm)
    with time_machine.travel(datetime(2025, 12, 1, 9, tzinfo=SHANGHAI), tick=False):
        html = client.get(reverse("crm:dashboard")).content.decode()
    assert "2025-11-01 – 2025-11-30" in html and "2025-10-01 – 2025-10-31" in html
    assert re.search(r'id="value" name="value"[^>]*value="11"', html)
    tile = re.search(r'id="kpi-complaints_received".*?</div>\s*</div>\s*</div>', html, re.S)
    assert tile and ">1</a>" in tile.group(0)
    assert "较上期" in tile.group(0) and "▲" in tile.group(0) and "+1" in tile.group(0)
    assert "变差" in tile.group(0)  # more complaints is worse: said in words, not colour only


def test_tile_shows_target_and_whether_it_is_met(org, client):
    client.force_login(org.bm)
    html = client.get(reverse("crm:dashboard"), NOVEMBER).content.decode()
    tile = re.search(r'id="kpi-csi".*?kpi-change', html, re.S).group(0)
    assert "目标 90.0%" in tile and "暂无数据" in tile  # nothing rated: no verdict


def test_trends_count_per_month_and_rates(org):
    complaint(org, at(2025, 1, 31, 23, 59))  # January in Shanghai
    complaint(org, at(2025, 2, 1, 0, 1))
    complaint(org, at(2025, 11, 3, 9))
    complaint(org, at(2025, 11, 4, 9))
    make_client(org.am, client_no="1100000201", opened_on=date(2025, 6, 2))
    make_client(org.am, client_no="1100000202", opened_on=date(2025, 6, 30))
    make_client(org.am, client_no="1100000203", opened_on=date(2024, 11, 30))  # too early
    months, trends = compute_trends(month((org.bj.pk,)))
    assert months[0] == date(2024, 12, 1) and months[-1] == date(2025, 11, 1)
    assert len(months) == 12
    lines = {t.key: values for t, values in trends}
    assert lines["complaints_received"] == [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    assert lines["new_clients"][6] == 2 and sum(lines["new_clients"]) == 2
    # no complaint resolved or breached yet: the rate is undefined (None), not 0
    assert lines["complaint_sla_resolution"] == [None] * 12
    from complaints.models import Complaint

    Complaint.objects.filter(received_at__gte=at(2025, 11, 1)).update(resolution_met=False)
    Complaint.objects.filter(received_at__gte=at(2025, 11, 4)).update(resolution_met=True)
    _months, trends = compute_trends(month((org.bj.pk,)))
    lines = {t.key: values for t, values in trends}
    assert lines["complaint_sla_resolution"][-1] == 50.0
    # another branch sees none of it
    _months, trends = compute_trends(month((org.sh.pk,)))
    assert sum(v for t, values in trends if t.unit == "count" for v in values) == 0


def test_callback_completion_trend(org):
    from callcenter import services as callback_services

    for i in range(2):
        make_client(org.am, client_no=f"110000030{i}", phone=f"1390000030{i}",
                    opened_on=date(2025, 10, 20))  # fmt: skip
    with time_machine.travel(at(2025, 11, 5, 9), tick=False):
        callback_services.generate_due_callbacks()
    Callback.objects.update(due_at=at(2025, 10, 10, 9))
    first = Callback.objects.order_by("id").first()
    Callback.objects.filter(pk=first.pk).update(status="completed")
    _months, trends = compute_trends(month((org.bj.pk,)))
    lines = {t.key: values for t, values in trends}
    assert lines["callback_completion"][-2] == 50.0  # October: 1 of 2
    assert lines["callback_completion"][-1] is None  # nothing due in November


def test_pareto_curve_of_assets(org, client):
    for i in range(10):
        c = make_client(org.am, client_no=f"11000004{i:02d}", opened_on=date(2024, 1, 6))
        Client.objects.filter(pk=c.pk).update(avg_assets=(i + 1) * 1000)
    potential = make_client(org.am, name="潜在")  # no account: not in the curve
    Client.objects.filter(pk=potential.pk).update(avg_assets=10**9)
    raws: dict = {}
    compute_rows(month((org.bj.pk,)), raws=raws)
    curve = raws["clients"]["asset_curve"]
    assert curve[0] == [0.0, 0.0] and curve[-1] == [100.0, 100.0]
    points = dict(curve)
    assert points[10.0] == round(100 * 10 / 55, 1)  # the richest tenth
    assert points[20.0] == round(100 * 19 / 55, 1)  # each client in a band of their own here
    assert len(curve) == 11
    assert [x for x, _y in curve] == sorted(x for x, _y in curve)
    assert all(b >= a for (_x, a), (_z, b) in itertools.pairwise(curve))
    client.force_login(org.bm)
    html = client.get(reverse("crm:dashboard"), NOVEMBER).content.decode()
    assert "breakdown-asset_curve" in html
    assert "前 20% 的客户持有 34.5% 的资产" in html
    assert 'id="data-asset_curve"' in html  # the chart's data; the table is its text form


def test_pareto_curve_reads_between_band_edges():
    from clients.measures import share_at

    curve = [[0.0, 0.0], [10.0, 50.0], [30.0, 70.0], [100.0, 100.0]]
    assert share_at(curve, 20) == 60.0 and share_at(curve, 10) == 50.0
    assert share_at(curve, 100) == 100.0 and share_at([[0.0, 0.0]], 20) is None


def test_tier_mix_has_a_title_and_a_table(org, client):
    c = make_client(org.am, client_no="1100000501", opened_on=date(2024, 1, 6))
    Client.objects.filter(pk=c.pk).update(tier="vip", avg_assets=600_000)
    client.force_login(org.bm)
    html = client.get(reverse("crm:dashboard"), NOVEMBER).content.decode()
    card = re.search(r'id="breakdown-tiers".*?</details>', html, re.S).group(0)
    assert 'data-title="各层级占比"' in card and "¥60.00万" in card
    assert 'id="rates-chart"' not in html  # the old 14-bar chart of rates is gone


def test_hq_ranks_branches_and_each_row_drills_to_the_branch(org, client):
    complaint(org, at(2025, 11, 3, 9))
    sh = make_client(org.am_sh, name="上海", client_no="3100000001")
    complaint(org, at(2025, 11, 3, 9, 5), client=sh, user=org.agent_sh)
    complaint(org, at(2025, 11, 3, 9, 6), client=sh, user=org.agent_sh)
    rows = compute_rows(month())
    branches = [org.sh, org.bj]
    _chosen, key, lines = ranking(rows, branches, "complaints_received")
    assert key == "complaints_received"
    assert [line.branch.code for line in lines] == ["BJ01", "SH01"]  # fewer is better
    assert [line.rank for line in lines] == [1, 2]
    _c, key, lines = ranking(rows, branches, "nonsense")
    assert key == "commission"  # the default order
    client.force_login(org.hq)
    html = client.get(reverse("crm:dashboard"),
                      {**NOVEMBER, "rank": "complaints_received"}).content.decode()  # fmt: skip
    assert html.index('id="rank-BJ01"') < html.index('id="rank-SH01"')
    row = re.search(r'id="rank-SH01".*?</tr>', html, re.S).group(0)
    assert "branch=SH01" in row and ">2</td>" in row
    branch_page = client.get(reverse("crm:dashboard"), {**NOVEMBER, "branch": "SH01"})
    page = branch_page.content.decode()
    assert 'id="branch-ranking"' not in page  # one branch: its own dashboard
    tile = re.search(r'id="kpi-complaints_received".*?</a>', page, re.S).group(0)
    assert ">2</a>" in tile and "branch=SH01" in tile


def _tile_link(html, key):
    found = re.search(rf'id="kpi-{key}".*?href="([^"]+)"', html, re.S)
    return found.group(1).replace("&amp;", "&")


def test_tiles_drill_to_lists_with_the_same_totals(org, client):
    for i in range(3):
        complaint(org, at(2025, 11, 3 + i, 9))
    complaint(org, at(2025, 10, 30, 9))  # the previous month: not in the tile
    for i in range(2):
        make_client(org.am, client_no=f"110000060{i}", opened_on=date(2025, 11, 10 + i))
    make_client(org.am, client_no="1100000610", opened_on=date(2025, 12, 1))
    for user in (org.bm, org.hq):
        client.force_login(user)
        html = client.get(reverse("crm:dashboard"), NOVEMBER).content.decode()
        desk = client.get(_tile_link(html, "complaints_received")).content.decode()
        assert len(set(re.findall(r'id="complaint-(\d+)"', desk))) == 3
        clients = client.get(_tile_link(html, "new_clients")).content.decode()
        assert len(set(re.findall(r'id="client-(\d+)"', clients))) == 2
    client.force_login(org.hq)  # one branch chosen: the desk shows that branch only
    html = client.get(reverse("crm:dashboard"), {**NOVEMBER, "branch": "SH01"}).content.decode()
    desk = client.get(_tile_link(html, "complaints_received")).content.decode()
    assert re.findall(r'id="complaint-(\d+)"', desk) == []


def test_personal_page_shows_own_tiles(org, client):
    complaint(org, at(2025, 11, 3, 9))
    client.force_login(org.agent)
    html = client.get(reverse("crm:my-dashboard"), NOVEMBER).content.decode()
    assert 'id="kpi-complaints_received"' in html and 'id="branch-ranking"' not in html
    client.force_login(org.am)
    html = client.get(reverse("crm:my-dashboard"), NOVEMBER).content.decode()
    tile = re.search(r'id="kpi-complaints_received".*?</a>', html, re.S).group(0)
    assert ">0</a>" in tile  # not the branch's complaint


def test_complaint_analysis_shows_zero_not_a_dash(org, client):
    from complaints.models import Complaint

    first = complaint(org, at(2025, 11, 3, 9))
    Complaint.objects.filter(pk=first.pk).update(
        resolution_met=False, resolved_at=at(2025, 11, 3, 15)
    )  # resolved the same day: 0 working days, but after the limit in this test
    client.force_login(org.bm)
    html = client.get(reverse("complaints:analysis"), NOVEMBER).content.decode()
    assert re.search(r'id="sla-rate-resolution">0\.0%<', html)
    assert re.search(r'id="sla-rate-acknowledge">—<', html)  # nothing met or breached yet
    assert "0.0 个工作日" in html or "0.0 工作日" in html


def test_filters_carry_the_chosen_branch_code(org, rf):
    request = rf.get("/dashboard/")
    request.user = org.hq
    filters = filters_from(request, {**NOVEMBER, "branch": "SH01"})
    assert filters.branch_ids == (org.sh.pk,) and filters.branch_code == "SH01"
    assert isinstance(filters, Filters)


@pytest.mark.parametrize(
    "who, dashboard, mine",
    [("bm", 200, 200), ("compliance", 200, 200), ("hq", 200, 200), ("am", 403, 200),
     ("agent", 403, 200), ("advisor", 403, 200)],
)  # fmt: skip
def test_each_role_reaches_what_it_may(org, client, who, dashboard, mine):
    client.force_login(getattr(org, who))
    assert client.get(reverse("crm:dashboard"), NOVEMBER).status_code == dashboard
    assert client.get(reverse("crm:report"), NOVEMBER).status_code == dashboard
    assert client.get(reverse("crm:my-dashboard"), NOVEMBER).status_code == mine


def test_a_branch_manager_never_sees_another_branch_through_the_tiles(org, client):
    sh = make_client(org.am_sh, name="上海", client_no="3100000009")
    complaint(org, at(2025, 11, 3, 9, 5), client=sh, user=org.agent_sh)
    client.force_login(org.bm)
    html = client.get(reverse("crm:dashboard"), {**NOVEMBER, "branch": "SH01"}).content.decode()
    tile = re.search(r'id="kpi-complaints_received".*?</a>', html, re.S).group(0)
    assert ">0</a>" in tile and "branch=SH01" not in tile
    assert 'id="branch-ranking"' not in html


def test_resolution_tile_drills_to_the_analysis_of_the_same_period(org, client):
    from complaints.models import Complaint

    first = complaint(org, at(2025, 11, 3, 9))
    complaint(org, at(2025, 11, 4, 9))
    Complaint.objects.filter(pk=first.pk).update(resolution_met=True)
    Complaint.objects.exclude(pk=first.pk).update(resolution_met=False)
    client.force_login(org.bm)
    html = client.get(reverse("crm:dashboard"), NOVEMBER).content.decode()
    tile = re.search(r'id="kpi-complaint_sla_resolution".*?</a>', html, re.S).group(0)
    assert ">50.0%</a>" in tile
    link = _tile_link(html, "complaint_sla_resolution")
    assert "period=month&year=2025&value=11" in link
    analysis = client.get(link).content.decode()
    assert re.search(r'id="sla-rate-resolution">50\.0%<', analysis)
