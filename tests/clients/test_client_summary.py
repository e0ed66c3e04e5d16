"""The dashboards' summary of the client master (clients.summary): the tier mix, assets and
asset curve read from it equal the live computation over every client; the nightly
segmentation rebuilds it per chunk of branches; the dashboard says as of when."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clients import summary
from clients.models import Client, ClientSummary, ClientSummaryBuilt, Stage
from clients.segmentation import run as segmentation_run
from crm.measures import Filters, Period, compute_breakdowns, compute_rows
from crm.models import Branch, StaffProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def master(segmented):
    """A small bench data set, segmented, then assets and statuses scattered: clients
    without assets, with negative assets, potential clients, accounts opened this and last
    month and last year, a few closed."""
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute(
            "UPDATE clients_client SET avg_assets = CASE WHEN random() < 0.1 THEN NULL "
            "WHEN random() < 0.05 THEN -1000 * random() ELSE avg_assets * (0.5 + random()) END, "
            "opened_on = %s - (random() * 500)::int, "
            "created_at = now() - make_interval(days => (random() * 600)::int)",
            [today],
        )
        cur.execute(
            "UPDATE clients_client SET client_no = NULL, stage = 'potential' "
            "WHERE id IN (SELECT id FROM clients_client ORDER BY id DESC LIMIT 30)"
        )
        # closed last month, whatever the day (the loss reasons are then looked up: a
        # fixed number of queries)
        cur.execute(
            "UPDATE clients_client SET closed_on = %s, account_status = 'closed', "
            "opened_on = least(opened_on, %s) WHERE client_no IS NOT NULL AND id %% 17 = 0",
            [today.replace(day=1) - timedelta(days=10), today.replace(day=1) - timedelta(days=40)],
        )
    summary.rebuild()


def _figures(filters):
    raws: dict = {}
    rows = [(r.measure.key, r.current, r.previous, sorted(r.by_branch.items()))
            for r in compute_rows(filters, raws=raws)]  # fmt: skip
    breakdowns = [(b.key, lines) for b, lines in compute_breakdowns(filters, raws)]
    return rows, breakdowns, raws["clients"].get("as_of")


def _cases():
    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    bj = Branch.objects.get(code="BJ01").pk
    person = StaffProfile.objects.filter(branch_id=bj, role="account_manager").first().user_id
    team = tuple(
        StaffProfile.objects.filter(branch_id=bj, team="1组").values_list("user_id", flat=True)
    )
    for period in (Period.month(last.year, last.month), Period.year(today.year),
                   Period(today - timedelta(days=200), today - timedelta(days=20))):  # fmt: skip
        for branches, people in ((None, None), ((bj,), None), ((bj,), (person,)),
                                 ((bj,), team), (None, (person,))):  # fmt: skip
            yield Filters(branches, people, period, period.previous())


def test_dashboard_figures_from_the_summary_equal_the_live_ones(master, settings):
    assert ClientSummary.objects.exists()
    assert Client.objects.filter(client_no__isnull=True).count() == 30
    for filters in _cases():
        settings.CRM_ROLLUPS = True
        rows, breakdowns, as_of = _figures(filters)
        settings.CRM_ROLLUPS = False
        live_rows, live_breakdowns, live_as_of = _figures(filters)
        assert as_of is not None and live_as_of is None, filters
        assert rows == live_rows, filters
        assert breakdowns == live_breakdowns, filters
        if filters.person_ids is None:
            assert len(dict(breakdowns)["asset_curve"]) > 2


def _live(branch) -> tuple:
    """A branch's clients and assets summed from the client master itself."""
    clients = Client.objects.filter(branch=branch)
    return clients.count(), sum((c.avg_assets or 0) for c in clients)


def _summed(branch) -> tuple:
    rows = ClientSummary.objects.filter(branch=branch)
    return sum(r.clients for r in rows), sum((r.assets or 0) for r in rows)


def test_a_segmentation_chunk_rebuilds_its_branches_only(master):
    bj = Branch.objects.get(code="BJ01")
    other = Branch.objects.exclude(pk=bj.pk).filter(clients__isnull=False).distinct().first()
    before = dict(ClientSummaryBuilt.objects.values_list("branch_id", "built_at"))
    summed = _summed(other)
    changed = Client.objects.filter(branch=other).order_by("id").first()
    Client.objects.filter(pk=changed.pk).update(avg_assets=123_456)  # after the build
    result = segmentation_run(branch_ids=[bj.pk])  # recomputes the assets from the facts
    assert result.summary_rows == ClientSummary.objects.filter(branch=bj).count() > 0
    after = dict(ClientSummaryBuilt.objects.values_list("branch_id", "built_at"))
    assert after[bj.pk] > before[bj.pk]
    assert after[other.pk] == before[other.pk]
    assert _summed(bj) == _live(bj)
    assert _summed(other) == summed != _live(other)  # as of its last build
    segmentation_run(branch_ids=[other.pk])
    assert _summed(other) == _live(other)


def test_the_dashboard_says_as_of_when_and_a_branch_never_built_is_live(master, client):
    bj = Branch.objects.get(code="BJ01")
    client.force_login(get_user_model().objects.get(username="bm_bj"))
    html = client.get(reverse("crm:dashboard")).content.decode()
    built = timezone.localtime(ClientSummaryBuilt.objects.get(branch=bj).built_at)
    assert "breakdown-as-of" in html
    assert built.strftime("%Y-%m-%d %H:%M") in html
    # a client opened after the build counts among the new clients at once (live), and in
    # the tier mix and the assets from the next build on
    owner = StaffProfile.objects.filter(branch=bj, role="account_manager").first().user
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    filters = Filters((bj.pk,), None, Period.month(last_month.year, last_month.month),
                      Period.month(last_month.year, last_month.month).previous())  # fmt: skip
    before = {r.measure.key: r.current for r in compute_rows(filters)}
    Client.objects.create(name="新客户", client_no="9000000001", branch=bj, owner=owner,
                          stage=Stage.ACTIVE, tier="vip", avg_assets=1_000_000,
                          opened_on=last_month)  # fmt: skip
    now = {r.measure.key: r.current for r in compute_rows(filters)}
    assert now["new_clients"] == before["new_clients"] + 1
    assert now["assets"] == before["assets"]  # as of the build, which the page says
    summary.rebuild([bj.pk])
    rebuilt = {r.measure.key: r.current for r in compute_rows(filters)}
    assert rebuilt["assets"] == before["assets"] + 1_000_000
    # a branch never built (e.g. added after the last night) is read live, without a date
    ClientSummaryBuilt.objects.filter(branch=bj).delete()
    html = client.get(reverse("crm:dashboard")).content.decode()
    assert "breakdown-as-of" not in html


def test_dashboard_query_count_with_the_summary(master, client, query_baseline):
    client.force_login(get_user_model().objects.get(username="hq_admin"))
    client.get(reverse("crm:dashboard"))
    with query_baseline("crm:dashboard (hq, client summary)"):
        assert client.get(reverse("crm:dashboard")).status_code == 200
    client.force_login(get_user_model().objects.get(username="bm_bj"))
    client.get(reverse("crm:dashboard"))
    with query_baseline("crm:dashboard (branch manager, client summary)"):
        assert client.get(reverse("crm:dashboard")).status_code == 200
