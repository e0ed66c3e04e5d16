"""Staff scorecards: the figures against a hand-computed example (volume, turnover,
weighted score, rank ties), targets and the cap, the weights' validation, history kept
after a weight change, scoping (own line / branch / every branch; web and API), the
nightly task, the export, fixed query counts."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from clients.models import ClientMonth
from crm.models import Role
from crm.workdays import SHANGHAI
from scorecards import services, tasks
from scorecards.measures import DEFAULT_WEIGHTS, KEYS
from scorecards.models import ScorecardLine, ScorecardPeriod
from tests.factories import make_client, make_staff

OCT = date(2026, 10, 1)
AS_OF = date(2026, 11, 15)  # October is over: computed now, it is final


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def weights(**chosen):
    return {k: chosen.get(k, 0) for k in KEYS}


def month_of(client, month, *, volume, assets, commission=0, inflow=0):
    return ClientMonth.objects.create(
        client=client, month=month, days=20, avg_assets=Decimal(assets),
        trading_volume=Decimal(volume), commission=Decimal(commission), trade_count=5,
        net_inflow=Decimal(inflow),
    )  # fmt: skip


@pytest.fixture
def world(org):
    """BJ01: am (volume 3,000,000 on assets 1,000,000: turnover 3), am2 (1,500,000 on
    250,000: turnover 6), am3 (nothing); SH01: am_sh."""
    am3 = make_staff("am3", org.bj, Role.ACCOUNT_MANAGER)
    a = make_client(org.am, client_no="1000000001", phone="13800000001")
    b = make_client(org.am2, client_no="1000000002", phone="13800000002")
    s = make_client(org.am_sh, client_no="1000000003", phone="13800000003")
    month_of(a, OCT, volume="3000000", assets="1000000", commission="900", inflow="50000")
    month_of(b, OCT, volume="1500000", assets="250000", commission="450")
    month_of(s, OCT, volume="100000", assets="100000")
    org.am3 = am3
    return org


def line(person, kind="month", start=OCT):
    return ScorecardLine.objects.get(person=person, kind=kind, start=start, level="person")


# --- The hand-computed example ----------------------------------------------------------------
def test_volume_turnover_weighted_score_and_tied_ranks(world):
    """Volume 50, turnover 50, no targets (against the branch's best):
    am: volume 3.0M = best → 50; turnover 3 of best 6 → 25; score 75.
    am2: volume 1.5M of 3.0M → 25; turnover 6 = best → 50; score 75.
    am3: nothing → 0. Ranks 1, 1, 3 (ties share a rank)."""
    services.weights_save(user=world.bm, branch=world.bj,
                          weights=weights(volume=50, turnover=50), targets={})  # fmt: skip
    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
    am, am2, am3 = line(world.am), line(world.am2), line(world.am3)
    assert am.volume == Decimal("3000000.00") and am.assets == Decimal("1000000.00")
    assert am.turnover == Decimal("3.0000") and am2.turnover == Decimal("6.0000")
    assert am.commission == Decimal("900.00") and am.net_inflow == Decimal("50000.00")
    assert am.points["volume"] == 50 and am.points["turnover"] == 25
    assert am2.points["volume"] == 25 and am2.points["turnover"] == 50
    assert (am.score, am2.score, am3.score) == (Decimal("75.00"), Decimal("75.00"), Decimal(0))
    assert (am.rank, am2.rank, am3.rank) == (1, 1, 3) and am.ranked == 3
    assert am.clients == 1 and am3.turnover is None
    # the branch line adds its people up; HQ compares the branches
    bj = ScorecardLine.objects.get(level="branch", branch=world.bj, kind="month", start=OCT)
    assert bj.volume == Decimal("4500000.00") and bj.turnover == Decimal("3.6000")
    sh = ScorecardLine.objects.get(level="branch", branch=world.sh, kind="month", start=OCT)
    assert (bj.rank, sh.rank) == (1, 2)
    # SH01 set nothing: HQ's built-in default weights
    assert ScorecardPeriod.objects.get(branch=world.sh, kind="month", start=OCT).weights == (
        DEFAULT_WEIGHTS
    )


def test_targets_and_the_cap(world):
    """Volume target 2,000,000: am 3.0M is 150 %, capped at 120 %: 50 × 1.2 = 60; am2 1.5M
    is 75 %: 37.5. Turnover target 4: am 3/4: 37.5; am2 6/4, capped: 60. Both 97.5."""
    services.weights_save(user=world.bm, branch=world.bj, weights=weights(volume=50, turnover=50),
                          targets={"volume": "2000000", "turnover": "4"})  # fmt: skip
    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
    am, am2 = line(world.am), line(world.am2)
    assert am.points == {**dict.fromkeys(KEYS, 0.0), "volume": 60.0, "turnover": 37.5}
    assert am2.points["volume"] == 37.5 and am2.points["turnover"] == 60.0
    assert (am.score, am2.score) == (Decimal("97.50"), Decimal("97.50"))


def test_a_quarter_averages_the_assets_of_its_months(world):
    a = world.am.owned_clients.get()
    month_of(a, date(2026, 11, 1), volume="1000000", assets="3000000")
    services.scorecards_compute(kind="quarter", start=OCT, as_of=date(2026, 11, 30))
    q = line(world.am, "quarter", OCT)
    # October and November counted so far: (1.0M + 3.0M) / 2 months; volume 4.0M
    assert q.assets == Decimal("2000000.00") and q.volume == Decimal("4000000.00")
    assert q.turnover == Decimal("2.0000")
    assert ScorecardPeriod.objects.filter(kind="quarter", final=False).exists()


# --- Weights ---------------------------------------------------------------------------------
def test_weights_must_add_up_to_100_and_belong_to_the_setter(world):
    with pytest.raises(ValidationError, match="100"):
        services.weights_save(user=world.bm, branch=world.bj, weights=weights(volume=90),
                              targets={})  # fmt: skip
    with pytest.raises(ValidationError):
        services.weights_save(user=world.bm, branch=world.bj, weights=weights(volume=100),
                              targets={"volume": "-1"})  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.weights_save(user=world.bm, branch=world.sh, weights=weights(volume=100),
                              targets={})  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.weights_save(user=world.am, branch=world.bj, weights=weights(volume=100),
                              targets={})  # fmt: skip
    # HQ's default applies to a branch without its own
    services.weights_save(user=world.hq, branch=None, weights=weights(volume=100), targets={})
    assert services.weights_for(world.sh.pk)[0]["volume"] == 100


def test_weights_page(world, client):
    client.force_login(world.bm)
    page = client.get(reverse("scorecards:weights"))
    assert page.status_code == 200 and 'id="weights-form"' in page.content.decode()
    data = {f"w_{k}": 0 for k in KEYS} | {"w_volume": 60, "w_csi": 30}
    bad = client.post(reverse("scorecards:weights"), data)
    assert bad.status_code == 400 and "100" in bad.content.decode()
    data["w_csi"] = 40
    data["t_csi"] = "90"
    assert client.post(reverse("scorecards:weights"), data).status_code == 302
    assert services.weights_for(world.bj.pk) == (weights(volume=60, csi=40), {"csi": "90"})
    client.force_login(world.am)
    assert client.get(reverse("scorecards:weights")).status_code == 403


# --- History ---------------------------------------------------------------------------------
def test_history_is_unchanged_after_a_weight_change(world):
    services.weights_save(user=world.bm, branch=world.bj,
                          weights=weights(volume=50, turnover=50), targets={})  # fmt: skip
    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
    before = {p: (line(p).score, line(p).rank) for p in (world.am, world.am2, world.am3)}
    services.weights_save(user=world.bm, branch=world.bj, weights=weights(volume=100), targets={})
    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)  # recomputed: kept
    after = {p: (line(p).score, line(p).rank) for p in (world.am, world.am2, world.am3)}
    assert after == before
    period = ScorecardPeriod.objects.get(branch=world.bj, kind="month", start=OCT)
    assert period.final and period.weights == weights(volume=50, turnover=50)
    # a period still running takes the new weights
    a = world.am.owned_clients.get()
    month_of(a, date(2026, 11, 1), volume="100", assets="100")
    services.scorecards_compute(kind="month", start=date(2026, 11, 1), as_of=AS_OF)
    nov = ScorecardPeriod.objects.get(branch=world.bj, kind="month", start=date(2026, 11, 1))
    assert not nov.final and nov.weights == weights(volume=100)
    assert line(world.am, start=date(2026, 11, 1)).score == Decimal("100.00")


def test_the_nightly_task_computes_yesterdays_month_and_quarter(world, time_machine):
    time_machine.move_to(datetime(2026, 11, 1, 3, 0, tzinfo=SHANGHAI))
    tasks.nightly()
    assert line(world.am).rank in (1, 2)
    assert ScorecardPeriod.objects.get(branch=world.bj, kind="month", start=OCT).final
    assert ScorecardPeriod.objects.get(branch=world.bj, kind="quarter", start=OCT).final is False
    tasks.nightly()  # idempotent: the lines replaced, not added
    assert ScorecardLine.objects.filter(person=world.am, kind="month").count() == 1


# --- Service measures ------------------------------------------------------------------------
def test_service_measures_from_quota_visits_complaints_and_retention(world):
    from clients.models import RetentionCase
    from visits.models import QuotaLog

    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
    assert line(world.am).quota_met == Decimal("0.0")  # 22 working days, none met
    # one day met (5 contacts, 2 patrols) of the month's working days
    day = date(2026, 10, 9)  # a Friday, a working day
    for kind, n in (("contact", 5), ("patrol", 2)):
        for _i in range(n):
            QuotaLog.objects.create(user=world.am, branch=world.bj, day=day, kind=kind)
    client = world.am.owned_clients.get()
    RetentionCase.objects.create(client=client, branch=world.bj, owner=world.am, status="closed",
                                 outcome="retained", score_at_open=80,
                                 closed_at=datetime(2026, 10, 20, 10, tzinfo=SHANGHAI))  # fmt: skip
    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
    am = line(world.am)
    assert am.retention_won == 1
    assert Decimal(0) < am.quota_met < Decimal(10)


# --- Scoping ---------------------------------------------------------------------------------
def test_each_sees_their_own_the_branch_its_branch_hq_every_branch(world, client):
    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
    url = reverse("api:scorecard-list")
    mine = api_for(world.am).get(url).json()["results"]
    assert {r["person"] for r in mine} == {world.am.pk} and len(mine) == 1
    branch = api_for(world.bm).get(url, {"level": "person"}).json()["results"]
    assert {r["person"] for r in branch} == {world.am.pk, world.am2.pk, world.am3.pk}
    assert {r["branch"] for r in api_for(world.compliance).get(url).json()["results"]} == {"BJ01"}
    every = api_for(world.hq).get(url, {"level": "branch"}).json()["results"]
    assert [r["branch"] for r in every] == ["BJ01", "SH01"]
    assert api_for(world.hq).get(url, {"branch": "SH01", "level": "person"}).json()["count"] == 1
    assert api_for(world.bm).get(url, {"person": world.am_sh.pk}).json()["count"] == 0
    assert api_for(world.agent).get(url).json()["count"] == 0  # no scorecard of their own
    # the pages: the ranking for the branch roles only; my scorecard for everyone
    client.force_login(world.am)
    assert client.get(reverse("scorecards:ranking")).status_code == 403
    html = client.get(reverse("scorecards:mine")).content.decode()
    assert 'id="rank-month"' in html
    client.force_login(world.bm)
    html = client.get(reverse("scorecards:ranking")).content.decode()
    assert html.count('<tr id="line-') == 3
    client.force_login(world.bm_sh)
    html = client.get(reverse("scorecards:ranking")).content.decode()
    assert html.count('<tr id="line-') == 1
    client.force_login(world.agent)
    assert 'id="no-scorecard"' in client.get(reverse("scorecards:mine")).content.decode()


def test_excel_export_of_the_ranking(world, client):
    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
    client.force_login(world.bm)
    response = client.get(reverse("scorecards:ranking"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    csv = b"".join(client.get(reverse("scorecards:ranking"), {"export": "csv"}).streaming_content)
    assert csv.decode("utf-8-sig").count("\n") == 4  # the header and three people


# --- Query counts ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 30])
def test_ranking_page_and_api_query_counts_are_fixed(org, client, query_baseline, n):
    for i in range(n):
        am = make_staff(f"amx{i}", org.bj, Role.ACCOUNT_MANAGER, last_name="王",
                        first_name=f"经理{i}")  # fmt: skip
        c = make_client(am, client_no=f"20000000{i:02d}", phone=f"1370000{i:04d}")
        month_of(c, OCT, volume=str(1000 * (i + 1)), assets="1000")
    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
    client.force_login(org.bm)
    with query_baseline("scorecards:ranking"):
        html = client.get(reverse("scorecards:ranking")).content.decode()
    assert html.count('<tr id="line-') == min(n + 2, 25)  # with am and am2
    with query_baseline("api:scorecard-list"):
        data = api_for(org.bm).get(reverse("api:scorecard-list"), {"level": "person"}).json()
    assert data["count"] == n + 2
    client.force_login(org.am)
    with query_baseline("scorecards:mine"):
        assert client.get(reverse("scorecards:mine")).status_code == 200


def test_compute_query_count_does_not_grow_with_the_staff(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)  # the calendar cached
    counts = []
    for size in (2, 20):
        for i in range(size):
            am = make_staff(f"amy{size}-{i}", org.bj if i % 2 else org.sh, Role.ACCOUNT_MANAGER)
            c = make_client(
                am, client_no=f"3{size:02d}00000{i:02d}", phone=f"136{size:02d}00{i:04d}"
            )
            month_of(c, OCT, volume="1000", assets="1000")
        with CaptureQueriesContext(connection) as queries:
            services.scorecards_compute(kind="month", start=OCT, as_of=AS_OF)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20


def test_the_demo_seeder_runs_twice(world):
    import io

    from scorecards import demo
    from scorecards.models import ScorecardWeights

    for _run in (1, 2):
        demo.seed({"bm_bj": world.bm}, io.StringIO())
    assert ScorecardWeights.objects.get(branch=world.bj).weights["volume"] == 40
    assert ScorecardLine.objects.filter(kind="quarter").exists()
