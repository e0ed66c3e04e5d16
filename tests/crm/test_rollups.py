"""Monthly rollups (crm/rollups.py): the rollups equal a recomputation from the facts, and
every dashboard figure is the same read from them as computed from the facts."""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clients.models import AccountSnapshot, Client, ClientMonth
from clients.services import snapshots_upsert
from crm import rollups
from crm.management.commands.seed_demo import Command as Seed
from crm.measures import Filters, Period, compute_breakdowns, compute_rows, compute_trends
from crm.models import Branch, MonthlyFigure, RollupMonth, StaffProfile
from tests.bench import generate

pytestmark = pytest.mark.django_db


def _scatter(seed: int) -> None:
    """Random facts: every date of the generated rows moved by a random number of days
    (within the past 24 months), statuses, satisfaction and clocks shuffled."""
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [seed / 1000])
        shift = "make_interval(days => (random() * 700)::int, secs => (random() * 86400)::int)"
        cur.execute(
            f"UPDATE callcenter_callback SET due_at = now() - {shift}, "
            "completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE now() - "
            f"{shift} END, status = CASE WHEN random() < 0.15 THEN 'cancelled' ELSE status END"
        )
        cur.execute("UPDATE callcenter_registrationform SET satisfaction = 1 + (random() * 4)::int")
        cur.execute(
            f"UPDATE complaints_complaint SET received_at = now() - {shift}, "
            f"closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE now() - {shift} END, "
            "resolution_met = CASE WHEN random() < 0.3 THEN NULL ELSE random() < 0.6 END, "
            "satisfaction = CASE WHEN random() < 0.4 THEN NULL ELSE 1 + (random() * 4)::int END"
        )
        cur.execute(
            "UPDATE complaints_complaint SET resolved_at = received_at + "
            "make_interval(days => (random() * 40)::int) WHERE resolved_at IS NOT NULL"
        )
        cur.execute(
            "UPDATE servicedesk_servicerequest r SET received_at = v.at, "
            "resolved_at = CASE WHEN r.resolved_at IS NULL THEN NULL ELSE v.at + "
            "make_interval(hours => (random() * 200)::int) END, "
            "first_contact_resolved = random() < 0.3 "
            f"FROM (SELECT id, now() - {shift} AS at FROM servicedesk_servicerequest) v "
            "WHERE v.id = r.id"
        )
        cur.execute(
            f"UPDATE callcenter_call SET started_at = now() - {shift}, "
            "duration = (random() * 900)::int, repeat_contact = random() < 0.2"
        )
        cur.execute(
            f"UPDATE visits_visitplan SET planned_at = now() - {shift}, status = (ARRAY["
            "'completed', 'approved', 'cancelled', 'submitted'])[1 + (random() * 3)::int]"
        )
        cur.execute(
            f"UPDATE visits_consultation SET answered_at = CASE WHEN random() < 0.2 THEN NULL "
            f"ELSE now() - {shift} END, answered_in_time = random() < 0.7"
        )
        cur.execute(f"UPDATE visits_event SET starts_at = now() - {shift}")


@pytest.fixture
def facts(db):
    """A small bench data set (5 branches, 100 staff) with its facts over two years."""
    Seed().seed_kernel()
    generate.ensure_staff()
    report: dict = {}
    generate.generate(400, 14, report)
    generate.generate_complaints(60, 90, report)
    generate.generate_callcenter(900, 600, report)
    generate.generate_service_requests(400, report)
    generate.generate_visits(300, report)
    _consultations_and_events()


def _consultations_and_events() -> None:
    """Consultation sheets and event invitations of the clients (the bench set has none),
    their dates and outcomes set by `_scatter`."""
    from visits.models import Consultation, Event, Invitation

    clients = list(Client.objects.exclude(client_no=None).order_by("id")[:160])
    now = timezone.now()
    Consultation.objects.bulk_create(
        Consultation(client=c, branch_id=c.branch_id, filed_by_id=c.owner_id,
                     advisor_id=c.owner_id, question="配置建议", due_at=now, answered_at=now,
                     status="answered")
        for c in clients[:120]
    )  # fmt: skip
    kinds = [Event.Kind.EDUCATION, Event.Kind.VIP_GATHERING]
    events = Event.objects.bulk_create(
        Event(branch_id=c.branch_id, kind=kinds[i % 2], title="投资者教育", starts_at=now,
              place="营业部", created_by_id=c.owner_id)
        for i, c in enumerate(clients[:24])
    )  # fmt: skip
    statuses = ["attended", "no_show", "accepted", "declined", "invited"]
    Invitation.objects.bulk_create(
        Invitation(event=events[i % len(events)], client=c, status=statuses[i % 5])
        for i, c in enumerate(clients)
    )  # fmt: skip


def _figures(filters):
    """Every figure the dashboard shows for these filters, as displayed values."""
    raws: dict = {}
    rows = [(r.measure.key, r.current, r.previous, sorted(r.by_branch.items()))
            for r in compute_rows(filters, raws=raws)]  # fmt: skip
    trends = [(t.key, values) for t, values in compute_trends(filters)[1]]
    breakdowns = [(b.key, lines) for b, lines in compute_breakdowns(filters, raws)]
    return rows, trends, breakdowns


def _assert_same(with_rollups, without, filters) -> None:
    parts = zip(("measures", "trends", "breakdowns"), zip(with_rollups, without, strict=True),
                strict=True)  # fmt: skip
    for part, (a, b) in parts:
        for x, y in zip(a, b, strict=True):
            assert x == y, (part, filters)


def _cases():
    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    bj = Branch.objects.get(code="BJ01").pk
    team = tuple(
        StaffProfile.objects.filter(branch_id=bj, team="1组").values_list("user_id", flat=True)
    )
    periods = [
        Period.month(last.year, last.month),
        Period.year(today.year),
        Period.year(today.year - 1),
        Period.quarter(last.year, (last.month - 1) // 3 + 1),
        Period(today - timedelta(days=200), today - timedelta(days=20)),  # not whole months
    ]
    for period in periods:
        for branches, people in ((None, None), ((bj,), None), ((bj,), team)):
            yield Filters(branches, people, period, period.previous())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dashboard_figures_are_identical_with_and_without_rollups(facts, settings, seed):
    _scatter(seed)
    today = timezone.localdate()
    rollups.refresh(date(today.year - 2, today.month, 1), today)
    assert MonthlyFigure.objects.exists()
    for filters in _cases():
        settings.CRM_ROLLUPS = True
        with_rollups = _figures(filters)
        settings.CRM_ROLLUPS = False
        without = _figures(filters)
        _assert_same(with_rollups, without, filters)


def _recomputed_figures(source: str) -> dict:
    """The rollup of a source recomputed into a scratch copy, to compare with the table."""
    return {
        (f.key, f.month, f.branch_id, f.person_id, f.other_person_id): (f.num, f.den)
        for f in MonthlyFigure.objects.filter(source=source)
    }


def test_nightly_refresh_is_idempotent_and_equals_a_rebuild(facts):
    _scatter(7)
    today = timezone.localdate()
    call_command("rebuild_rollups", "--from", f"{today.year - 2}-{today.month:02d}")
    before = {s: _recomputed_figures(s) for s in rollups.rollup_keys()}
    months_before = RollupMonth.objects.count()
    rollups.nightly()
    rollups.nightly()
    assert {s: _recomputed_figures(s) for s in rollups.rollup_keys()} == before
    assert RollupMonth.objects.count() == months_before
    assert set(RollupMonth.objects.values_list("source", flat=True)) >= {
        "callbacks", "calls", "complaints", "servicedesk", "client_months"
    }  # fmt: skip


def test_a_closed_month_not_rolled_up_is_computed_from_the_facts(facts, settings):
    """A rollup never shows less than the facts: a month not recorded is read live."""
    _scatter(11)
    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    filters = next(_cases())
    settings.CRM_ROLLUPS = False
    live = _figures(filters)
    settings.CRM_ROLLUPS = True
    _assert_same(_figures(filters), live, filters)  # nothing rolled up yet
    rollups.refresh(last, last)
    assert RollupMonth.objects.filter(month=last.replace(day=1)).exists()
    _assert_same(_figures(filters), live, filters)


def _client_months_from_snapshots() -> dict:
    """ClientMonth recomputed in Python from every snapshot row."""
    by_key: dict = defaultdict(list)
    for s in AccountSnapshot.objects.all():
        by_key[(s.client_id, s.date.replace(day=1))].append(s)
    out = {}
    for key, snaps in by_key.items():
        assets = sum(s.total_assets for s in snaps)
        mean = assets / len(snaps)
        volume = sum(s.trading_volume for s in snaps)
        turnover = (volume / mean).quantize(Decimal("0.0001"), ROUND_HALF_UP) if mean else None
        out[key] = (len(snaps), assets, mean.quantize(Decimal("0.01"), ROUND_HALF_UP), volume,
                    sum(s.commission for s in snaps), sum(s.trade_count for s in snaps),
                    sum(s.net_inflow for s in snaps), turnover,
                    max((s.date for s in snaps if s.trade_count), default=None))  # fmt: skip
    return out


def _client_months() -> dict:
    return {
        (m.client_id, m.month): (m.days, m.assets_sum, m.avg_assets, m.trading_volume,
                                 m.commission, m.trade_count, m.net_inflow, m.turnover,
                                 m.last_trade_on)
        for m in ClientMonth.objects.all()
    }  # fmt: skip


@pytest.mark.parametrize("seed", [5, 6])
def test_client_months_follow_every_snapshot_upsert(org, seed):
    """Random snapshot calls (overlapping keys, values changed, rows sent again): after
    each, the per-client months equal a recomputation from every snapshot."""
    rng = random.Random(seed)
    numbers = [f"31{seed}{i:07d}" for i in range(6)]
    for number in numbers:
        Client.objects.create(
            name="月度", client_no=number, branch=org.bj, owner=org.am, opened_on=date(2025, 1, 2)
        )
    days = [date(2025, 9, 1) + timedelta(days=rng.randrange(120)) for _ in range(25)]
    for _call in range(6):
        rows = [
            {"client_no": rng.choice(numbers), "date": rng.choice(days).isoformat(),
             "total_assets": str(rng.choice([0, rng.randrange(0, 10**7) / 100])),
             "trading_volume": str(rng.randrange(0, 10**6)),
             "commission": str(rng.randrange(0, 900)),
             "net_inflow": str(rng.randrange(-10**6, 10**6) / 100),
             "trade_count": rng.randrange(0, 30)}
            for _ in range(rng.randrange(1, 30))
        ]  # fmt: skip
        snapshots_upsert(user=org.am, rows=rows)
        assert _client_months() == _client_months_from_snapshots()
    before = _client_months()
    rollups.refresh(date(2025, 9, 1), date(2026, 1, 1), ["client_months"])
    assert _client_months() == before  # the nightly recomputation agrees


def test_commission_figures_read_from_client_months_are_the_same(org, settings):
    rng = random.Random(9)
    for i in range(8):
        Client.objects.create(name="佣金", client_no=f"3190000{i:03d}", branch=org.bj,
                              owner=org.am, opened_on=date(2025, 1, 2))  # fmt: skip
    rows = [
        {"client_no": f"3190000{rng.randrange(8):03d}",
         "date": (date(2025, 9, 1) + timedelta(days=d)).isoformat(),
         "total_assets": str(rng.randrange(10**4, 10**8) / 100),
         "commission": str(rng.randrange(900))}
        for d in range(0, 90, 3)
    ]  # fmt: skip
    snapshots_upsert(user=org.am, rows=rows)
    rollups.refresh(date(2025, 9, 1), date(2025, 11, 1), ["client_months"])
    for period in (Period.month(2025, 10), Period.quarter(2025, 4), Period.year(2025)):
        filters = Filters((org.bj.pk,), None, period, period.previous())
        settings.CRM_ROLLUPS = True
        with_rollups = _figures(filters)
        settings.CRM_ROLLUPS = False
        assert with_rollups == _figures(filters)


def test_dashboard_query_count_is_fixed_when_read_from_rollups(facts, client, query_baseline):
    today = timezone.localdate()
    rollups.refresh(date(today.year - 2, today.month, 1), today)
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="hq_admin"))
    client.get(reverse("crm:dashboard"))  # the rolled-up months, cached
    with query_baseline("crm:dashboard (hq, rollups)"):
        assert client.get(reverse("crm:dashboard")).status_code == 200
    client.force_login(get_user_model().objects.get(username="bm_bj"))
    with query_baseline("crm:dashboard?period=year (branch manager, rollups)"):
        assert client.get(reverse("crm:dashboard") + "?period=year").status_code == 200


def test_the_nightly_task_rolls_up_last_and_this_month(org):
    from crm.tasks import refresh_rollups

    today = timezone.localdate()
    last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    done = refresh_rollups()
    assert set(done) == set(rollups.rollup_keys())
    months = set(RollupMonth.objects.values_list("source", "month"))
    assert months == {(k, m) for k in rollups.rollup_keys() for m in (last, today.replace(day=1))}
    refresh_rollups()  # again: the same months, nothing added
    assert set(RollupMonth.objects.values_list("source", "month")) == months
