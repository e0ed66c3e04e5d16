"""Client, segment and retention measures for the dashboards."""

import hashlib
import itertools
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.db import read_connection
from crm.measures import (
    Breakdown,
    Measure,
    Trend,
    by_month,
    during,
    grouped,
    register_breakdown,
    register_source,
    register_trends,
)
from crm.workdays import SHANGHAI

from . import accounts as account_counts
from .models import TIER_ORDER, AccountSnapshot, Client, ClientMonth, LossReason, RetentionCase
from .services import snapshot_version
from .summary import BAND_SQL, scope_sql
from .summary import read as summary_read

GROUP = _("Clients and retention")


def _clients_list(filters):
    branch = f"&branch={filters.branch_code}" if filters.branch_code else ""
    return (reverse("clients:list") + f"?opened_after={filters.current.start}"
            f"&opened_before={filters.current.end}{branch}")  # fmt: skip


def _period_counts(index: int, period, *, pool: bool = True) -> dict:
    """The clients opened in the period, those of them converted from the pool and (with
    `pool`) the pool of potential clients at its end, counted."""
    opened = Q(opened_on__gte=period.start, opened_on__lte=period.end)
    counts = {
        f"new{index}": Count("id", filter=opened),
        f"converted{index}": Count("id", filter=opened & Q(created_at__date__lt=F("opened_on"))),
    }
    if pool:
        counts[f"pool{index}"] = Count(
            "id", filter=Q(client_no__isnull=True, created_at__date__lte=period.end)
        )
    return counts


def compute(filters):
    start, end = filters.previous.start, filters.current.end
    clients = filters.scope(Client.objects.all())
    cases = filters.scope(RetentionCase.objects.filter(during("closed_at", start, end)))
    snapshots = filters.scope(
        AccountSnapshot.objects.filter(date__gte=start, date__lte=end),
        branch="client__branch_id",
        person="client__owner_id",
    )
    out: dict = {"new_clients": {}, "conversion": {}, "retained": {},
                 "lost": {}, "assets": {}}  # fmt: skip
    tiers: dict = defaultdict(lambda: [0, 0])
    summary = summary_read(filters)
    if summary is None:
        per_period = {}
        for index, period in enumerate(filters.periods):
            per_period.update(_period_counts(index, period))
        # grouped by branch and tier: the branch figures add the tiers up, the tier
        # breakdown adds the branches up (one pass over the clients for both)
        accounts = Count("id", filter=Q(client_no__isnull=False))
        rows = list(clients.values("branch_id", "tier").annotate(
            assets=Sum("avg_assets"), accounts=accounts, **per_period
        ).order_by())  # fmt: skip
        by_tier = [(r["branch_id"], r["tier"], r["accounts"], r["assets"]) for r in rows]
        out["asset_curve"] = _asset_curve(filters)
    else:
        # the tiers and assets from the summary of the client master (as of its last
        # build, shown on the dashboard); the clients opened in the two periods live,
        # and the pool at each period's end: the pool now (clients.accounts) less the
        # potential clients created after it, all through their indexes
        out["as_of"], by_tier, bands = summary
        counted = account_counts.counts(filters, "potential")
        assert counted is not None  # the summary is read with the rollups on, as they are
        potentials: dict = defaultdict(int)
        for (branch, _tier), n in counted.items():
            potentials[branch] += n
        periods = Q()
        opened = {}
        for index, period in enumerate(filters.periods):
            periods |= Q(opened_on__gte=period.start, opened_on__lte=period.end)
            opened.update(_period_counts(index, period, pool=False))
            opened[f"later{index}"] = Count(
                "id", filter=Q(client_no__isnull=True, created_at__date__gt=period.end)
            )
        after = min(p.end for p in filters.periods) + timedelta(days=1)
        since = datetime.combine(after, time.min, tzinfo=SHANGHAI)
        created_since = Q(client_no__isnull=True, created_at__gte=since)
        found = {r["branch_id"]: r for r in (
            clients.filter(periods | created_since)
            .values("branch_id").annotate(**opened).order_by()
        )}  # fmt: skip
        rows = []
        # a branch with clients has its cells
        for branch in dict.fromkeys([*found, *potentials, *(b for b, *_r in by_tier)]):
            row = found.get(branch, {"branch_id": branch})
            for index in (0, 1):
                row[f"pool{index}"] = potentials.get(branch, 0) - row.get(f"later{index}", 0)
            rows.append(row)
        out["asset_curve"] = _curve_of(bands)
    for r in rows:
        for index in (0, 1):
            key = (index, r["branch_id"])
            new, converted, pool = (r.get(f"new{index}", 0), r.get(f"converted{index}", 0),
                                    r.get(f"pool{index}", 0))  # fmt: skip
            had_new, _den = out["new_clients"].get(key, (0, None))
            out["new_clients"][key] = (had_new + new, None)
            had_converted, had_both = out["conversion"].get(key, (0, 0))
            out["conversion"][key] = (had_converted + converted, had_both + converted + pool)
    for branch, tier, accounts, assets in by_tier:
        had_assets, _den = out["assets"].get((0, branch), (0, None))
        out["assets"][(0, branch)] = (had_assets + (assets or 0), None)
        tiers[tier][0] += accounts
        tiers[tier][1] += assets or 0
    figures = _snapshot_figures(filters, snapshots)
    out.update(commission=figures["commission"], pareto=figures["pareto"])
    out["by_tier"] = [
        [str(tier.label), tiers[tier.value][0], round(float(tiers[tier.value][1]), 2),
         round(float(figures["by_tier"].get(tier.value) or 0), 2)]
        for tier in reversed(TIER_ORDER)
    ]  # fmt: skip
    closed = grouped(
        cases,
        "closed_at",
        filters,
        retained=lambda p: Count("id", filter=p & Q(outcome="retained")),
        lost=lambda p: Count("id", filter=p & Q(outcome="lost")),
    )
    for key, v in closed.items():
        out["retained"][key] = (v["retained"], v["retained"] + v["lost"])
        out["lost"][key] = (v["lost"], None)
    return out


def _snapshot_figures(filters, snapshots) -> dict:
    """Commission figures: the heaviest sums, over account snapshots, so cached until
    snapshots are next stored (the version changes) or for an hour at most."""
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    key = f"dash:snapshots:{snapshot_version()}:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    months = _rolled_months(filters)
    if months is not None:
        found = _figures_from_months(filters, months)
        cache.set(key, found, 3600)
        return found
    cur, prev = filters.periods
    commission = {}
    rows = (
        snapshots.values(branch=F("client__branch_id"))
        .annotate(**{f"c{i}": Sum("commission", filter=Q(date__gte=p.start, date__lte=p.end))
                     for i, p in enumerate((cur, prev))})
        .order_by()
    )  # fmt: skip
    for r in rows:
        for index in (0, 1):
            commission[(index, r["branch"])] = (r[f"c{index}"] or 0, None)
    by_tier = dict(
        snapshots.filter(date__gte=cur.start, date__lte=cur.end)
        .values_list("client__tier")
        .annotate(Sum("commission"))
        .order_by()
    )
    found = {"commission": commission, "pareto": _pareto(filters), "by_tier": by_tier}
    cache.set(key, found, 3600)
    return found


def _rolled_months(filters) -> list[list] | None:
    """Each period's months when both periods are whole months all rolled up into
    `ClientMonth` (kept as every snapshot is stored, so this month too); else None."""
    from crm.measures import split_period
    from crm.rollups import rolled_months

    rolled = rolled_months(["client_months"])["client_months"]
    plans = [split_period(p, rolled, date.max) for p in filters.periods]
    if any(rest for _months, rest in plans):
        return None
    return [months for months, _rest in plans]


def _figures_from_months(filters, months: list[list]) -> dict:
    """The commission figures from the per-client monthly facts: 12 rows a client a year
    instead of 250 daily ones."""
    facts = filters.scope(ClientMonth.objects.filter(month__in=months[0] + months[1]),
                          branch="client__branch_id", person="client__owner_id")  # fmt: skip
    commission = {}
    rows = (
        facts.values(branch=F("client__branch_id"))
        .annotate(**{f"c{i}": Sum("commission", filter=Q(month__in=ms))
                     for i, ms in enumerate(months)})
        .order_by()
    )  # fmt: skip
    for r in rows:
        for index in (0, 1):
            commission[(index, r["branch"])] = (r[f"c{index}"] or 0, None)
    by_tier = dict(
        facts.filter(month__in=months[0])
        .values_list("client__tier")
        .annotate(Sum("commission"))
        .order_by()
    )
    return {"commission": commission, "pareto": _pareto(filters, months[0]),
            "by_tier": by_tier}  # fmt: skip


def _pareto(filters, months: list | None = None) -> dict:
    """Share of the period's commission brought by the top 20% of clients (current only);
    `months`: the period's months, read from the per-client monthly facts."""
    where, scope = scope_sql(filters, "c")
    if months is None:
        facts, during_sql = "clients_accountsnapshot", "s.date BETWEEN %s AND %s"
        params: list = [filters.current.start, filters.current.end, *scope]
    else:
        facts, during_sql = "clients_clientmonth", "s.month = ANY(%s)"
        params = [list(months), *scope]
    sql = f"""
        WITH v AS (
            SELECT c.branch_id, s.client_id, sum(s.commission) AS commission
            FROM {facts} s JOIN clients_client c ON c.id = s.client_id
            WHERE {during_sql} {where}
            GROUP BY c.branch_id, s.client_id
        ), r AS (
            SELECT branch_id, commission,
                   percent_rank() OVER (PARTITION BY branch_id ORDER BY commission DESC) AS pr
            FROM v
        )
        SELECT branch_id, sum(commission) FILTER (WHERE pr < 0.2), sum(commission) FROM r
        GROUP BY branch_id
    """
    with read_connection().cursor() as cur:  # the replica on a marked page (crm/db.py)
        cur.execute(sql, params)
        return {(0, b): (top or 0, total) for b, top, total in cur.fetchall()}


def _asset_curve(filters) -> list[list]:
    """The Pareto curve of assets: [share of clients %, share of their assets %], clients
    ranked by average daily assets, richest first. One grouped query without a sort:
    clients fall into logarithmic asset bands (20 a decade, clients.summary); the curve
    is exact at each band's edge and straight within a band."""
    where, params = scope_sql(filters, "c")
    sql = f"""
        SELECT {BAND_SQL} AS band, count(*), sum(greatest(coalesce(c.avg_assets, 0), 0))
        FROM clients_client c
        WHERE c.client_no IS NOT NULL {where}
        GROUP BY band ORDER BY band DESC
    """
    with read_connection().cursor() as cur:
        cur.execute(sql, params)
        return _curve_of(cur.fetchall())


def _curve_of(bands: list) -> list[list]:
    """The curve of (band, clients, assets) rows, richest band first."""
    clients = sum(n for _b, n, _s in bands)
    assets = sum(float(total or 0) for _b, _n, total in bands)
    if not clients or not assets:
        return []
    curve, seen, held = [[0.0, 0.0]], 0, 0.0
    for _band, n, total in bands:
        seen += n
        held += float(total or 0)
        curve.append([round(100 * seen / clients, 1), round(100 * held / assets, 1)])
    return curve


def share_at(curve: list[list], x: float) -> float | None:
    """The share of assets held by the richest `x` per cent of clients, read off the curve
    (straight between its points)."""
    for (x0, y0), (x1, y1) in itertools.pairwise(curve):
        if x0 <= x <= x1:
            return round(y0 + (y1 - y0) * (x - x0) / (x1 - x0), 1) if x1 > x0 else y1
    return None


def _curve_summary(curve: list[list]) -> str:
    top = share_at(curve, 20)
    if top is None:
        return str(_("No client holds assets in this scope."))
    return str(_("The top 20%% of clients hold %(share)s%% of the assets.") % {"share": top})


def _new_clients_trend(filters):
    period = filters.current
    qs = filters.scope(Client.objects.filter(opened_on__gte=period.start,
                                             opened_on__lte=period.end))  # fmt: skip
    months = by_month(qs, "opened_on", period, timestamp=False, n=Count("id"))
    return {"new_clients": {m: (v["n"], None) for m, v in months.items()}}


def compute_churn(filters):
    """Churn rate per period (accounts closed in it / accounts open at its start) and, for
    the current period, by tier with the win-back rate of the retention cases closed,
    and the loss reasons: three grouped queries."""
    clients = filters.scope(Client.objects.filter(client_no__isnull=False))
    open_now = account_counts.counts(filters, "open")
    rows = (_churn_live(filters, clients) if open_now is None
            else _churn_counted(filters, clients, open_now))  # fmt: skip
    # a group with no account open at either start and none closed says nothing (the
    # counted form has no row for it: its accounts were all closed before)
    rows = [r for r in rows if any(r[f"{k}{i}"] for k in ("base", "lost") for i in (0, 1))]
    out: dict = {"churn_rate": {}}
    tiers: dict = defaultdict(lambda: [0, 0, 0, 0])  # base, lost, cases won, cases closed
    for r in rows:
        for index in (0, 1):
            key = (index, r["branch_id"])
            lost, base = out["churn_rate"].get(key, (0, 0))
            out["churn_rate"][key] = (lost + r[f"lost{index}"], base + r[f"base{index}"])
        tiers[r["tier"]][0] += r["base0"]
        tiers[r["tier"]][1] += r["lost0"]
    current = filters.current
    cases = filters.scope(
        RetentionCase.objects.filter(during("closed_at", current.start, current.end))
    )
    for r in (
        cases.values("client__tier")
        .annotate(
            won=Count("id", filter=Q(outcome="retained")),
            closed=Count("id", filter=Q(outcome__in=["retained", "lost"])),
        )
        .order_by()
    ):
        tiers[r["client__tier"]][2] += r["won"]
        tiers[r["client__tier"]][3] += r["closed"]

    def rate(num, den):
        return round(100 * num / den, 1) if den else None

    out["churn_by_tier"] = [
        [str(tier.label) if tier else str(_("No tier")), t[0], t[1], rate(t[1], t[0]), t[3],
         t[2], rate(t[2], t[3])]
        for tier in [*reversed(TIER_ORDER), ""] if (t := tiers.get(tier.value if tier else ""))
    ]  # fmt: skip
    reasons: dict = defaultdict(lambda: [0, 0])
    for r in (
        clients.filter(closed_on__gte=current.start, closed_on__lte=current.end)
        .values("loss_reason_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        reasons[r["loss_reason_id"]][0] += r["n"]
    for r in (
        cases.filter(outcome="lost").values("loss_reason_id").annotate(n=Count("id")).order_by()
    ):
        reasons[r["loss_reason_id"]][1] += r["n"]
    names = dict(LossReason.objects.values_list("id", "name")) if reasons else {}
    out["loss_reasons"] = sorted(
        ([names.get(k, str(_("Not recorded"))), v[0], v[1]] for k, v in reasons.items()),
        key=lambda line: -(line[1] + line[2]),
    )
    return out


def _churn_live(filters, clients) -> list[dict]:
    """Accounts open at each period's start and closed in it, per branch and tier,
    counted over every account (index-only: every column is in client_accounts_idx)."""
    per_period = {}
    for index, period in enumerate(filters.periods):
        base = (Q(opened_on__isnull=True) | Q(opened_on__lt=period.start)) & (
            Q(closed_on__isnull=True) | Q(closed_on__gte=period.start)
        )
        per_period[f"base{index}"] = Count("branch_id", filter=base)
        per_period[f"lost{index}"] = Count(
            "branch_id", filter=base & Q(closed_on__gte=period.start, closed_on__lte=period.end)
        )
    return list(clients.values("branch_id", "tier").annotate(**per_period).order_by())


def _churn_counted(filters, clients, open_now: dict) -> list[dict]:
    """The same figures from the accounts open now (clients.accounts) and the accounts
    opened or closed since the earlier start: open at a start = open now - opened since
    (and still open) + closed since (and opened before it)."""
    first = min(p.start for p in filters.periods)
    per_period = {}
    for index, period in enumerate(filters.periods):
        before = Q(opened_on__isnull=True) | Q(opened_on__lt=period.start)
        per_period[f"opened{index}"] = Count(
            "branch_id", filter=Q(closed_on__isnull=True, opened_on__gte=period.start)
        )
        per_period[f"closed{index}"] = Count(
            "branch_id", filter=before & Q(closed_on__gte=period.start)
        )
        per_period[f"lost{index}"] = Count(
            "branch_id",
            filter=before & Q(closed_on__gte=period.start, closed_on__lte=period.end),
        )
    since = clients.filter(Q(closed_on__isnull=True, opened_on__gte=first)
                           | Q(closed_on__gte=first))  # fmt: skip
    grouped_since = since.values("branch_id", "tier").annotate(**per_period).order_by()
    moved = {(r["branch_id"], r["tier"]): r for r in grouped_since}
    rows = []
    for branch, tier in sorted(set(open_now) | set(moved)):
        r = moved.get((branch, tier), {})
        row = {"branch_id": branch, "tier": tier}
        for i in (0, 1):
            row[f"base{i}"] = (open_now.get((branch, tier), 0) - r.get(f"opened{i}", 0)
                               + r.get(f"closed{i}", 0))  # fmt: skip
            row[f"lost{i}"] = r.get(f"lost{i}", 0)
        rows.append(row)
    return rows


def register():
    from crm.rollups import register_rollup

    from . import rollups

    register_rollup("client_months", rollups.refresh)
    register_trends(
        "clients",
        _new_clients_trend,
        [Trend("new_clients", _("New clients (accounts opened)"), "count")],
    )
    register_breakdown(Breakdown(
        "asset_curve", "clients", _("Asset concentration (Pareto curve)"),
        [_("Share of clients (richest first)"), _("Share of assets")],
        ["percent", "percent"], lambda raw: raw.get("asset_curve", []),
        chart="pareto", summary=_curve_summary,
    ))  # fmt: skip
    register_breakdown(Breakdown(
        "tiers", "clients", _("Clients, assets and commission by tier"),
        [_("Tier"), _("Clients"), _("Average daily assets last month (yuan)"),
         _("Commission in the period (yuan)")],
        ["count", "yuan", "yuan"], lambda raw: raw["by_tier"],
    ))  # fmt: skip
    register_breakdown(Breakdown(
        "churn_tiers", "churn", _("Churn and win-back by tier"),
        [_("Tier"), _("Accounts at the start"), _("Accounts closed"), _("Churn rate"),
         _("Retention cases closed"), _("Won back"), _("Win-back rate")],
        ["count", "count", "percent", "count", "count", "percent"],
        lambda raw: raw.get("churn_by_tier", []),
    ))  # fmt: skip
    register_breakdown(Breakdown(
        "loss_reasons", "churn", _("Loss reasons"),
        [_("Reason"), _("Accounts closed"), _("Retention cases lost")], ["count", "count"],
        lambda raw: raw.get("loss_reasons", []),
    ))  # fmt: skip
    register_source("churn", compute_churn, [
        Measure("churn_rate", _("Churn rate (accounts closed / open at the start)"), GROUP,
                "percent", higher_is_better=False,
                drill=lambda f: reverse("clients:retention-board") + "?status=closed"),
    ])  # fmt: skip
    register_source("clients", compute, [
        Measure("new_clients", _("New clients (accounts opened)"), GROUP, "count",
                drill=_clients_list),
        Measure("conversion", _("Potential clients converted"), GROUP, "percent",
                drill=lambda f: reverse("clients:list") + "?pool=potential"),
        Measure("retained", _("Win-back rate of closed retention cases"), GROUP, "percent",
                drill=lambda f: reverse("clients:retention-board") + "?status=closed"),
        Measure("lost", _("Clients lost (retention cases)"), GROUP, "count",
                higher_is_better=False,
                drill=lambda f: reverse("clients:retention-board") + "?status=closed"),
        Measure("assets", _("Average daily assets last month (yuan)"), GROUP, "yuan",
                drill=lambda f: reverse("clients:segments")),
        Measure("commission", _("Commission in the period (yuan)"), GROUP, "yuan",
                drill=lambda f: reverse("clients:segments")),
        Measure("pareto", _("Commission share of the top 20 percent of clients"), GROUP, "percent",
                higher_is_better=False, drill=lambda f: reverse("clients:segments")),
    ])  # fmt: skip
