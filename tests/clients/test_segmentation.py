from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from clients import retention, segmentation
from clients.models import (
    AccountSnapshot,
    ChurnSignal,
    Client,
    RetentionCase,
    TierChange,
)
from crm.services import TransitionNotAllowed
from tests.factories import ComplaintFactory, make_client

TODAY = date(2026, 6, 15)


def month_end(months_ago: int) -> date:
    return TODAY.replace(day=1) - relativedelta(months=months_ago - 1) - timedelta(days=1)


def snap(client, day, assets, cash=None, market=None, trades=0, inflow=0, commission=0):
    cash = Decimal(assets) if cash is None else Decimal(cash)
    market = Decimal(assets) - cash if market is None else Decimal(market)
    values = {"total_assets": Decimal(assets), "cash": cash, "market_value": market,
              "trade_count": trades, "net_inflow": Decimal(inflow),
              "commission": Decimal(commission)}  # fmt: skip
    AccountSnapshot.objects.update_or_create(client=client, date=day, defaults=values)


def opened_client(org, no="1100000001", years=5, **extra):
    return make_client(org.am, client_no=no, opened_on=TODAY - relativedelta(years=years), **extra)


def refreshed(client):
    return Client.objects.get(pk=client.pk)


@pytest.mark.parametrize("missing", ["securities", "cash", "trade"])
def test_dormant_needs_all_three_conditions(org, missing):
    c = opened_client(org)
    old_trade = TODAY - relativedelta(years=4)
    snap(c, old_trade, 1000, trades=5 if missing != "trade" else 0)
    if missing == "trade":
        snap(c, TODAY - relativedelta(years=2), 80, cash=80, market=0, trades=1)
    snap(
        c,
        month_end(1),
        5000 if missing == "securities" else (500 if missing == "cash" else 80),
        cash=80 if missing != "cash" else 500,
        market=4920 if missing == "securities" else 0,
    )
    segmentation.run(TODAY)
    assert refreshed(c).stage != "dormant"


def test_dormant_when_all_three_hold(org):
    c = opened_client(org)
    snap(c, TODAY - relativedelta(years=4), 1000, trades=5)
    snap(c, month_end(1), 80, cash=80, market=0)
    segmentation.run(TODAY)
    assert refreshed(c).stage == "dormant"


def test_new_active_churned_and_the_potential_pool(org):
    new = make_client(org.am, client_no="1100000002", opened_on=TODAY - timedelta(days=30))
    active = opened_client(org, no="1100000003")
    closed = opened_client(org, no="1100000004")
    Client.objects.filter(pk=closed.pk).update(account_status="closed")
    potential = make_client(org.am, name="潜在")
    segmentation.run(TODAY)
    assert [refreshed(c).stage for c in (new, active, closed, potential)] == [
        "new",
        "active",
        "churned",
        "potential",
    ]
    pool = APIClient()
    pool.force_authenticate(org.am)
    ids = {c["id"] for c in pool.get("/api/v1/clients/", {"pool": "potential"}).json()["results"]}
    assert ids == {closed.pk, potential.pk}


def test_tier_hysteresis_upgrade_next_month_downgrade_after_three(org):
    c = opened_client(org)
    for m in (3, 2, 1):
        snap(c, month_end(m), 800_000)  # VIP line is 500,000
    segmentation.run(TODAY)
    assert refreshed(c).tier == "vip"
    snap(c, month_end(1), 200_000)  # one month below the line
    segmentation.run(TODAY)
    assert refreshed(c).tier == "vip"
    for m in (3, 2, 1):
        snap(c, month_end(m), 200_000)  # three months below
    segmentation.run(TODAY)
    assert refreshed(c).tier == "potential"
    snap(c, month_end(1), 4_000_000)  # one month above a higher line: upgrade at once
    segmentation.run(TODAY)
    assert refreshed(c).tier == "hnw"
    changes = list(TierChange.objects.filter(client=c).order_by("id")
                   .values_list("old_tier", "new_tier"))  # fmt: skip
    assert changes == [("", "vip"), ("vip", "potential"), ("potential", "hnw")]
    segmentation.run(TODAY)
    assert TierChange.objects.filter(client=c).count() == 3  # idempotent


def test_a_second_run_writes_only_the_clients_whose_figures_changed(org):
    """Unchanged clients are not written again (their rows and pages stay as they were);
    a client whose facts moved is, and every client is counted as segmented."""
    same, moved = opened_client(org), opened_client(org, no="1100000002")
    for m in (3, 2, 1):
        snap(same, month_end(m), 800_000, trades=2)
        snap(moved, month_end(m), 800_000, trades=2)
    first = segmentation.run(TODAY)
    assert (first.clients, first.written) == (2, 2)
    stamped = refreshed(same).segmented_at
    assert stamped is not None
    snap(moved, month_end(1), 4_000_000, trades=2)
    second = segmentation.run(TODAY)
    assert (second.clients, second.written, second.tier_changes) == (2, 1, 1)
    assert refreshed(same).segmented_at == stamped
    assert (refreshed(moved).tier, refreshed(moved).avg_assets) == ("hnw", Decimal("4000000.00"))
    third = segmentation.run(TODAY)
    assert (third.clients, third.written, third.tier_changes) == (2, 0, 0)


def test_churn_reasons_and_weights(org):
    c = opened_client(org)
    snap(c, month_end(3), 1_000_000, cash=100_000, trades=10)
    snap(c, month_end(2), 1_000_000, cash=100_000, trades=10)
    snap(c, TODAY - timedelta(days=5), 300_000, cash=300_000, market=0, inflow=-700_000)
    Client.objects.filter(pk=c.pk).update(exit_signal="transfer_out")
    segmentation.run(TODAY)
    c = refreshed(c)
    assert set(c.churn_reasons) == {"exit_request", "outflow", "liquidation"}
    assert c.churn_score == 100  # capped
    ChurnSignal.objects.filter(code__in=["outflow", "liquidation"]).update(is_active=False)
    Client.objects.filter(pk=c.pk).update(exit_signal="")
    segmentation.run(TODAY)
    assert refreshed(c).churn_reasons == [] and refreshed(c).churn_score == 0


def test_inactivity_against_own_habit_and_manager_left(org):
    habit = opened_client(org, no="1100000005")
    for m in range(4, 13):
        snap(habit, month_end(m), 50_000, trades=3)
    snap(habit, month_end(1), 50_000, trades=0)
    never = opened_client(org, no="1100000006")
    snap(never, month_end(1), 50_000, trades=0)
    org.am.is_active = False
    org.am.save()
    segmentation.run(TODAY)
    assert set(refreshed(habit).churn_reasons) == {"inactivity", "manager_left"}
    assert refreshed(never).churn_reasons == ["manager_left"]


def test_complaint_raises_churn_risk(org):
    c = opened_client(org)
    ComplaintFactory(client=c, user=org.agent, topic="fees", description="收费")
    segmentation.run(TODAY)
    assert "complaint" in refreshed(c).churn_reasons


def test_retention_case_opened_once_and_closed_when_risk_falls(org):
    c = opened_client(org)
    Client.objects.filter(pk=c.pk).update(exit_signal="closing")
    for _ in range(3):
        segmentation.run(TODAY)
    assert RetentionCase.objects.filter(client=c).count() == 1
    case = RetentionCase.objects.get(client=c)
    assert case.status == "open" and case.owner == org.am and case.reasons == ["exit_request"]
    Client.objects.filter(pk=c.pk).update(exit_signal="")
    segmentation.run(TODAY)
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "risk_fell")
    Client.objects.filter(pk=c.pk).update(exit_signal="closing")
    segmentation.run(TODAY)
    assert RetentionCase.objects.filter(client=c, status="open").count() == 1


def test_retention_actions_and_outcome(org):
    c = opened_client(org)
    Client.objects.filter(pk=c.pk).update(exit_signal="transfer_out")
    segmentation.run(TODAY)
    case = RetentionCase.objects.get()
    retention.retention_action_add(user=org.am, case=case, kind="call", note="客户同意再考虑")
    with pytest.raises(ValidationError):
        retention.retention_action_add(user=org.am, case=case, kind="bribe", note="x")
    case = retention.retention_case_close(user=org.am, case=case, outcome="retained")
    assert case.outcome == "retained"
    with pytest.raises(TransitionNotAllowed):
        retention.retention_case_close(user=org.am, case=case, outcome="lost")
    Client.objects.filter(pk=c.pk).update(exit_signal="")
    segmentation.run(TODAY)
    assert retention.held(RetentionCase.objects.get()) is True


def test_retention_api_and_scoping(org):
    c = opened_client(org)
    other = make_client(org.am_sh, client_no="3100000001", opened_on=TODAY - relativedelta(years=5))
    Client.objects.filter(pk__in=[c.pk, other.pk]).update(exit_signal="closing")
    segmentation.run(TODAY)
    api = APIClient()
    api.force_authenticate(org.am)
    cases = api.get("/api/v1/retention-cases/").json()["results"]
    assert [x["client"] for x in cases] == [c.pk]
    sh_case = RetentionCase.objects.get(client=other)
    assert api.get(f"/api/v1/retention-cases/{sh_case.pk}/").status_code == 404
    mine = cases[0]["id"]
    ok = api.post(f"/api/v1/retention-cases/{mine}/actions/", {"kind": "visit", "note": "上门"})
    assert ok.status_code == 200 and ok.json()["actions"][0]["kind"] == "visit"
    assert api.post(f"/api/v1/retention-cases/{mine}/close/", {"outcome": "x"}).status_code == 400
    assert (
        api.post(
            f"/api/v1/retention-cases/{mine}/close/", {"outcome": "lost", "loss_reason": "fees"}
        ).json()["status"]
        == "closed"
    )
    assert (
        api.post(
            f"/api/v1/retention-cases/{mine}/close/", {"outcome": "lost", "loss_reason": "fees"}
        ).status_code
        == 409
    )
    risky = api.get("/api/v1/clients/", {"churn_min": 50}).json()["results"]
    assert [x["id"] for x in risky] == [c.pk] and risky[0]["churn_reasons"] == ["exit_request"]


@pytest.mark.parametrize("n", [3, 40])
def test_overview_query_count_does_not_grow(client, org, query_baseline, n):
    for i in range(n):
        c = opened_client(org, no=f"11{i:08d}")
        snap(c, month_end(1), 100_000 * (i + 1), trades=i, commission=i)
    segmentation.run(TODAY)
    client.force_login(org.bm)
    with query_baseline("clients:segments"):
        response = client.get(reverse("clients:segments"))
    assert response.status_code == 200 and "rfm" in response.content.decode()
    for url in ("clients:churn", "clients:retention-board"):
        with query_baseline(url):
            assert client.get(reverse(url)).status_code == 200
    for user in (org.am, org.advisor):  # branch-wide figures: not for their own clients' roles
        client.force_login(user)
        assert client.get(reverse("clients:segments")).status_code == 403
