"""The open accounts and potential clients kept by triggers on the client master
(clients.accounts, `AccountCount`): equal to a count of the clients after writes of every
kind (ORM saves, bulk inserts, updates of a set, raw SQL, deletes), added up nightly
without changing a sum, and the churn rate and the pool read from them equal to a count
over every client."""

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from clients import accounts, summary
from clients.models import AccountCount, Client
from crm.measures import Filters, Period, compute_breakdowns, compute_rows
from crm.models import Branch, Role, StaffProfile
from tests.factories import make_client

pytestmark = pytest.mark.django_db


def _counted() -> Counter:
    out: Counter = Counter()
    for row in AccountCount.objects.values("branch_id", "owner_id", "tier", "kind").annotate(
        n=Sum("n")
    ):
        if row["n"]:
            out[(row["branch_id"], row["owner_id"], row["tier"], row["kind"])] = row["n"]
    return out


def _live() -> Counter:
    out: Counter = Counter()
    for c in Client.objects.all():
        if c.client_no is None:
            out[(c.branch_id, c.owner_id, c.tier, "potential")] += 1
        elif c.closed_on is None:
            out[(c.branch_id, c.owner_id, c.tier, "open")] += 1
    return out


def test_the_counts_follow_every_kind_of_write_and_compaction_keeps_them(org):
    rng = random.Random(7)
    owners = [org.am, org.am2, org.am_sh] if hasattr(org, "am2") else [org.am, org.am_sh]
    made = [make_client(owners[i % len(owners)], client_no=f"11000000{i:02d}", name=f"客户{i}")
            for i in range(12)]  # fmt: skip
    made.append(make_client(org.am, client_no=None, name="潜在客户"))
    Client.objects.bulk_create(  # one INSERT of several rows
        Client(name=f"批量{i}", branch=org.bj, owner=org.am, client_no=f"12000000{i:02d}",
               tier=rng.choice(["", "vip", "gold"]))
        for i in range(6)
    )  # fmt: skip
    assert _counted() == _live()
    today = timezone.localdate()
    ids = list(Client.objects.values_list("id", flat=True))
    for step in range(40):
        chosen = rng.sample(ids, 3)
        kind = step % 6
        qs = Client.objects.filter(id__in=chosen)
        if kind == 0:
            qs.update(tier=rng.choice(["", "vip", "gold", "silver"]))
        elif kind == 1:
            qs.update(closed_on=today - timedelta(days=rng.randint(0, 40)))
        elif kind == 2:
            qs.update(closed_on=None)
        elif kind == 3:
            owner = rng.choice(owners)
            qs.update(owner=owner, branch=owner.staff.branch)
        elif kind == 4:
            qs.filter(id=chosen[0]).update(
                client_no=None, opened_on=None, closed_on=None, stage="potential"
            )
        else:
            client = Client.objects.get(id=chosen[0])
            client.tier = "vip"
            client.save()
        assert _counted() == _live(), step
    with connection.cursor() as cur:  # a statement no Python sees
        cur.execute("UPDATE clients_client SET tier = 'gold' WHERE id = %s", [ids[0]])
        cur.execute("DELETE FROM clients_client WHERE id = %s", [made[-1].pk])
    assert _counted() == _live()
    rows_before = AccountCount.objects.count()
    left = accounts.compact()
    assert left == AccountCount.objects.count() < rows_before
    assert _counted() == _live()
    assert accounts.compact([org.bj.pk]) == AccountCount.objects.filter(branch=org.bj).count()
    assert _counted() == _live()


@pytest.fixture
def master(segmented):
    """A small bench data set, segmented, then opening, closing and creation dates
    scattered over two years and some accounts turned back into potential clients."""
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.17)")
        cur.execute(
            "UPDATE clients_client SET opened_on = CASE WHEN random() < 0.05 THEN NULL "
            "ELSE %s - (random() * 700)::int END, "
            "created_at = now() - make_interval(days => (random() * 700)::int), "
            "tier = (ARRAY['', 'vip', 'gold', 'silver'])[1 + (random() * 3)::int]",
            [today],
        )
        cur.execute(
            "UPDATE clients_client SET closed_on = opened_on + (random() * 300)::int "
            "WHERE random() < 0.25 AND opened_on IS NOT NULL"
        )
        cur.execute(
            "UPDATE clients_client SET client_no = NULL, stage = 'potential', opened_on = NULL, "
            "closed_on = NULL "
            "WHERE id IN (SELECT id FROM clients_client ORDER BY random() LIMIT 40)"
        )
    summary.rebuild()


def _churn_and_pool(filters):
    raws: dict = {}
    keys = {"churn_rate", "new_clients", "conversion"}
    rows = [(r.measure.key, r.current, r.previous, sorted(r.by_branch.items()))
            for r in compute_rows(filters, keys=keys, raws=raws)]  # fmt: skip
    breakdowns = [(b.key, lines) for b, lines in compute_breakdowns(filters, raws)
                  if b.key == "churn_tiers"]  # fmt: skip
    return rows, breakdowns


def test_churn_and_pool_from_the_counts_equal_a_count_of_every_client(master, settings):
    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    bj = Branch.objects.get(code="BJ01").pk
    person = StaffProfile.objects.filter(branch_id=bj, role=Role.ACCOUNT_MANAGER).first()
    periods = [Period.month(last.year, last.month), Period.year(today.year),
               Period.year(today.year - 1), Period(today - timedelta(days=300), today),
               Period(today + timedelta(days=3), today + timedelta(days=40))]  # fmt: skip
    checked = 0
    for period in periods:
        for branches, people in ((None, None), ((bj,), None), ((bj,), (person.user_id,))):
            filters = Filters(branches, people, period, period.previous())
            settings.CRM_ROLLUPS = True
            counted = _churn_and_pool(filters)
            settings.CRM_ROLLUPS = False
            assert counted == _churn_and_pool(filters), filters
            checked += 1
    assert checked == 15
    settings.CRM_ROLLUPS = True
    churn = next(r for r in compute_rows(Filters(None, None, periods[1], periods[1].previous()),
                                         keys={"churn_rate"}))  # fmt: skip
    assert churn.current  # closures in the year: the comparison above is not of zeros


def test_the_churn_rate_does_not_count_every_account(master, settings):
    """From the counts, the churn rate reads the accounts opened or closed since the
    period began (an index range), not all of them."""
    settings.CRM_ROLLUPS = True
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    period = Period.month(last.year, last.month)
    from django.test.utils import CaptureQueriesContext

    from clients.measures import compute_churn

    with CaptureQueriesContext(connection) as ctx:
        compute_churn(Filters(None, None, period, period.previous()))
    statements = [q["sql"] for q in ctx.captured_queries]
    assert any("clients_accountcount" in s for s in statements)
    (accounts_read,) = [s for s in statements
                        if s.startswith('SELECT "clients_client"."branch_id" AS "branch_id", '
                                        '"clients_client"."tier"')]  # fmt: skip
    where = accounts_read.split(" WHERE ", 1)[1]
    assert '"clients_client"."opened_on" >=' in where and '"clients_client"."closed_on" >=' in where
