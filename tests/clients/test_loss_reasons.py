"""Loss reasons and the churn rate: a retention case closed as lost needs a reason from the
managed list (web and API); an account seen closed gets its day and a reason (the lost
case's, else "unknown"); the churn rate and the win-back rate per tier, with the reasons,
on the dashboard."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients import retention
from clients.measures import compute_churn
from clients.models import Client, LossReason, RetentionCase, Tier
from crm.measures import Filters, Period
from tests.factories import make_client

SEEDED = {"competitor_offer", "fees", "service", "moved_away", "market_losses", "personal",
          "unknown"}  # fmt: skip


def open_case(org, client):
    return RetentionCase.objects.create(client=client, branch=client.branch, owner=client.owner,
                                        score_at_open=80)  # fmt: skip


def test_the_list_is_seeded(db):
    assert set(LossReason.objects.values_list("code", flat=True)) >= SEEDED


def test_lost_needs_a_reason_from_the_list(org):
    c = make_client(org.am, client_no="1000000001")
    case = open_case(org, c)
    with pytest.raises(ValidationError) as error:
        retention.retention_case_close(user=org.am, case=case, outcome="lost")
    assert "loss_reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        retention.retention_case_close(user=org.am, case=case, outcome="lost", loss_reason="nope")
    case = retention.retention_case_close(user=org.am, case=case, outcome="lost",
                                          loss_reason="fees")  # fmt: skip
    assert case.loss_reason.code == "fees"
    # retained needs none (and keeps none)
    other = open_case(org, make_client(org.am, client_no="1000000002", phone="13800000002"))
    other = retention.retention_case_close(user=org.am, case=other, outcome="retained",
                                           loss_reason="fees")  # fmt: skip
    assert other.loss_reason is None


def test_the_api_and_the_page_take_the_reason(org, client):
    c = make_client(org.am, client_no="1000000001")
    case = open_case(org, c)
    api = APIClient()
    api.force_authenticate(org.am)
    url = reverse("api:retentioncase-close", args=[case.pk])
    assert api.post(url, {"outcome": "lost"}).status_code == 400
    data = api.post(url, {"outcome": "lost", "loss_reason": "competitor_offer"}).json()
    assert data["loss_reason"] == "competitor_offer"
    other = open_case(org, make_client(org.am, client_no="1000000002", phone="13800000002"))
    client.force_login(org.am)
    page = reverse("clients:retention-case", args=[other.pk])
    reason = LossReason.objects.get(code="moved_away")
    client.post(page, {"outcome": "lost", "loss_reason": reason.pk})
    assert RetentionCase.objects.get(pk=other.pk).loss_reason == reason


def test_a_closed_account_gets_its_day_and_reason(org):
    lost = make_client(org.am, client_no="1000000001")
    silent = make_client(org.am, client_no="1000000002", phone="13800000002")
    case = open_case(org, lost)
    retention.retention_case_close(user=org.am, case=case, outcome="lost", loss_reason="fees")
    Client.objects.filter(pk__in=[lost.pk, silent.pk]).update(account_status="closed")
    assert retention.closures_record(date(2026, 11, 20)) == 2
    assert retention.closures_record(date(2026, 11, 21)) == 0  # once
    lost.refresh_from_db()
    silent.refresh_from_db()
    assert (lost.closed_on, lost.loss_reason.code) == (date(2026, 11, 20), "fees")
    assert silent.loss_reason.code == "unknown"


def test_churn_and_win_back_rates_per_tier_with_reasons(org):
    today = timezone.localdate()
    start = today.replace(day=1)
    period = Period(start, today, "custom")
    long_ago = start - timedelta(days=400)
    vip = [make_client(org.am, client_no=f"10000000{i:02d}", phone=f"1380000{i:04d}",
                       opened_on=long_ago) for i in range(4)]  # fmt: skip
    mass = [make_client(org.am2, client_no=f"20000000{i:02d}", phone=f"1390000{i:04d}",
                        opened_on=long_ago) for i in range(2)]  # fmt: skip
    Client.objects.filter(pk__in=[c.pk for c in vip]).update(tier="vip")
    Client.objects.filter(pk__in=[c.pk for c in mass]).update(tier="mass")
    won = open_case(org, vip[1])
    retention.retention_case_close(user=org.am, case=won, outcome="retained")
    lost = open_case(org, vip[0])
    retention.retention_case_close(user=org.am, case=lost, outcome="lost",
                                   loss_reason="competitor_offer")  # fmt: skip
    Client.objects.filter(pk=vip[0].pk).update(account_status="closed")
    retention.closures_record(today)
    filters = Filters((org.bj.pk,), None, period, period)
    raw = compute_churn(filters)
    assert raw["churn_rate"][(0, org.bj.pk)] == (1, 6)  # one of six accounts open at the start
    by_tier = {line[0]: line[1:] for line in raw["churn_by_tier"]}
    assert by_tier[str(Tier.VIP.label)] == [4, 1, 25.0, 2, 1, 50.0]
    assert by_tier[str(Tier.MASS.label)] == [2, 0, 0.0, 0, 0, None]
    assert raw["loss_reasons"] == [["竞争对手优惠", 1, 1]]


def test_the_dashboard_shows_churn_by_tier_and_reasons(org, client):
    client.force_login(org.bm)
    html = client.get(reverse("crm:dashboard")).content.decode()
    assert 'id="breakdown-churn_tiers"' in html and 'id="breakdown-loss_reasons"' in html
