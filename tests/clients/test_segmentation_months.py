"""The nightly segmentation reads whole months from ClientMonth once they are rolled up:
the same tiers, stages, RFM, churn scores and last trades as from every daily row."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from clients import segmentation
from clients.models import AccountSnapshot, Client, ClientMonth
from crm import rollups
from crm.models import RollupMonth
from tests.factories import make_client

FIELDS = ("stage", "tier", "tier_since", "avg_assets", "last_trade_on", "sleeping", "rfm_recency",
          "rfm_frequency", "rfm_monetary", "churn_score", "churn_reasons")  # fmt: skip


def _segments() -> dict:
    return {row[0]: row[1:] for row in Client.objects.order_by("pk").values_list("pk", *FIELDS)}


def _facts(org, seed: int, today: date) -> None:
    """Clients of every kind: trading every day or now and then, gone quiet months or
    years ago, liquidated, with no facts at all; facts over two years."""
    rng = random.Random(seed)
    rows = []
    for i in range(60):
        opened = today - timedelta(days=rng.choice([20, 400, 1500]))
        client = make_client(org.am, client_no=f"77{seed}{i:06d}", opened_on=opened)
        kind = i % 6
        if kind == 5:
            continue  # no facts
        first = today - timedelta(days=rng.choice([60, 300, 720]))
        last = today - timedelta(days=rng.choice([0, 0, 1, 45, 70, 200, 500]) if kind else 0)
        level = rng.choice([20_000, 300_000, 800_000, 4_000_000, 12_000_000])
        day = first
        while day <= last:
            if rng.random() < (0.9 if kind < 3 else 0.3):
                trades = (
                    rng.choice([0, 0, 1, 3]) if kind != 4 or day < last - timedelta(days=120) else 0
                )
                assets = Decimal(level * rng.uniform(0.2, 1.6)).quantize(Decimal("0.01"))
                liquid = kind == 3 and day > last - timedelta(days=30)
                cash = (assets if liquid else assets / 3).quantize(Decimal("0.01"))
                rows.append(AccountSnapshot(
                    client=client, date=day, total_assets=assets, cash=cash,
                    market_value=assets - cash, trade_count=trades,
                    net_inflow=Decimal(rng.randrange(-level, level // 2)) / 10,
                    trading_volume=Decimal(trades * rng.randrange(1000, 90_000)),
                    commission=Decimal(trades * rng.randrange(5, 300)) / 10,
                ))  # fmt: skip
            day += timedelta(days=rng.choice([1, 1, 1, 3]))
    AccountSnapshot.objects.bulk_create(rows, batch_size=5000)


def _roll_up(today: date, *, leave_out: tuple[int, ...] = ()) -> list[date]:
    """Every month with facts rolled up, but the months `leave_out` months ago: those are
    forgotten and their ClientMonth rows made wrong, so reading them would show."""
    this_month = today.replace(day=1)
    rollups.refresh(this_month - relativedelta(months=25), this_month, ["client_months"])
    left = [this_month - relativedelta(months=n) for n in leave_out]
    RollupMonth.objects.filter(source="client_months", month__in=left).delete()
    ClientMonth.objects.filter(month__in=left).update(
        assets_sum=0, commission=10**9, trading_volume=0, trade_count=999, last_trade_on=None
    )
    return left


@pytest.mark.parametrize(("seed", "leave_out"), [(1, ()), (2, ()), (3, (2, 7, 20))])
def test_months_give_what_the_days_give(org, settings, seed, leave_out):
    today = timezone.localdate()
    _facts(org, seed, today)
    left = _roll_up(today, leave_out=leave_out)
    rolled, unrolled = segmentation._months(today)
    assert len(rolled) == 25 - len(left) and unrolled == sorted(left)

    settings.CRM_ROLLUPS = False
    from_days = segmentation.run(today)
    by_days = _segments()
    settings.CRM_ROLLUPS = True
    from_months = segmentation.run(today)
    after = _segments()
    assert {k: (v, by_days[k]) for k, v in after.items() if v != by_days[k]} == {}
    assert from_months.written == 0  # nothing differs
    assert from_months.clients == from_days.clients == 60
    # and the other way round: from the months first, then the days change nothing
    Client.objects.update(segmented_at=None, tier="", stage="", churn_score=0)
    segmentation.run(today)
    settings.CRM_ROLLUPS = False
    assert segmentation.run(today).written == 0
    assert _segments() == by_days
    # the figures are not trivial: tiers, dormant and quiet clients, churn reasons
    assert len({v[1] for v in by_days.values()}) >= 3
    assert any(v[10] for v in by_days.values())
    assert any(v[4] and v[4] < today - timedelta(days=454) for v in by_days.values())


def test_the_months_read_only_the_days_left(org, settings):
    """With the months rolled up, the run reads this month's and the edge months' daily
    rows, not two years of them."""
    today = timezone.localdate()
    _facts(org, 4, today)
    _roll_up(today)
    facts = segmentation._facts_from_months(today, *segmentation._months(today), "true", "true")
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) WITH {facts} SELECT count(*) FROM fd",
                    {"today": today})  # fmt: skip
        plan = cur.fetchone()[0][0]["Plan"]

    def scanned(node) -> int:
        own = node.get("Actual Rows", 0) if "Relation Name" in node else 0
        return own + sum(scanned(child) for child in node.get("Plans", []))

    everything = AccountSnapshot.objects.count()
    assert scanned(plan) < everything * 0.6


def test_split_into_months_and_days():
    rolled = {date(2026, m, 1) for m in range(1, 12)}
    months, ranges = segmentation._split(date(2026, 3, 17), None, date(2026, 12, 1), rolled)
    assert months == [date(2026, m, 1) for m in range(4, 12)]
    assert ranges == [(date(2026, 3, 17), date(2026, 3, 31)), (date(2026, 12, 1), None)]
    months, ranges = segmentation._split(date(2026, 3, 17), date(2026, 9, 5), date(2026, 12, 1),
                                         rolled - {date(2026, 5, 1)})  # fmt: skip
    assert months == [date(2026, 4, 1), date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)]
    assert ranges == [(date(2026, 3, 17), date(2026, 3, 31)), (date(2026, 5, 1), date(2026, 5, 31)),
                      (date(2026, 9, 1), date(2026, 9, 5))]  # fmt: skip
    assert segmentation._split(date(2026, 12, 2), None, date(2026, 12, 1), rolled) == (
        [],
        [(date(2026, 12, 2), None)],
    )
