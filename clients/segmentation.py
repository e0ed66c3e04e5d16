"""The nightly segmentation: lifecycle stage, value tier with hysteresis, RFM quintiles,
churn-risk score with reasons, and retention cases, for every client in set-based SQL.

One UPDATE ... FROM (facts) statement recomputes every client from its account facts:
each whole month before this one that is rolled up from the monthly rollup
(`ClientMonth`), and only the days left from the daily snapshots (this month, the part
months at the edges of the 30-, 90-, 365- and 455-day windows, a month not rolled up);
from every daily row with `CRM_ROLLUPS=false`. Tier changes are written as history in
the same statement; retention cases are opened (one open case per client, a partial
unique index) and closed in two more; the dashboards' summary of the client master
(clients.summary) is rebuilt in the same transaction. Running it twice gives the same
result, and it can be run by hand (`manage.py run_segmentation`, or the admin action on
tier rules).

Other apps add churn signals without being imported here: `register_churn_source("code",
sql)` with an SQL query returning a `client_id` column (complaints registers recent
complaints; the call center will register negative callbacks).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import accounts as account_counts
from .models import TIER_ORDER, ChurnSignal, Tier, TierRule
from .summary import rebuild as summary_rebuild

logger = logging.getLogger(__name__)

SNAPSHOTS = "clients_accountsnapshot"
ROLLUP = "client_months"  # the rollup of ClientMonth (clients.measures)

# DOMAIN.md defaults: on monthly average daily assets.
DEFAULT_TIERS = [
    (Tier.MASS, Decimal(0)),
    (Tier.POTENTIAL, Decimal(100_000)),
    (Tier.VIP, Decimal(500_000)),
    (Tier.HIGH_NET_WORTH, Decimal(3_000_000)),
    (Tier.ULTRA, Decimal(10_000_000)),
]
# the tiers' order in the queues at equal deadlines (TierRule.queue_priority): richest first
DEFAULT_QUEUE_PRIORITY = {Tier.ULTRA: 1, Tier.HIGH_NET_WORTH: 2, Tier.VIP: 3, Tier.POTENTIAL: 4,
                          Tier.MASS: 5}  # fmt: skip
DEFAULT_SIGNALS = [
    ("exit_request", "转托管、销户申请或更换存管银行", 60),
    ("outflow", "30天内净流出≥资产的30%", 35),
    ("liquidation", "清仓并转出资金", 35),
    ("inactivity", "90天未交易（与其以往习惯不符）", 20),
    ("complaint", "近90天有投诉", 20),
    ("negative_callback", "回访中表达不满", 20),
    ("manager_left", "客户经理已离职", 15),
]
REASON_LABELS = {
    "exit_request": _("transfer-out, closing request or bank change"),
    "outflow": _("net outflow of 30 percent or more in 30 days"),
    "liquidation": _("holdings sold and cash withdrawn"),
    "inactivity": _("no trade for 90 days, unlike before"),
    "complaint": _("a complaint in the last 90 days"),
    "negative_callback": _("dissatisfied in a callback"),
    "manager_left": _("the account manager left"),
}

_sources: dict[str, str] = {}


def register_churn_source(code: str, sql: str) -> None:
    """`sql` returns the `client_id`s for which the signal `code` is present."""
    _sources[code] = sql


def ensure_defaults() -> None:
    if not TierRule.objects.exists():
        TierRule.objects.bulk_create([
            TierRule(tier=t, min_avg_assets=a, queue_priority=DEFAULT_QUEUE_PRIORITY[t])
            for t, a in DEFAULT_TIERS
        ])  # fmt: skip
    existing = set(ChurnSignal.objects.values_list("code", flat=True))
    ChurnSignal.objects.bulk_create(
        [ChurnSignal(code=c, name=n, weight=w) for c, n, w in DEFAULT_SIGNALS if c not in existing]
    )


@dataclass
class RunResult:
    clients: int = 0
    written: int = 0  # the clients whose figures changed (the others are not written)
    tier_changes: int = 0
    cases_opened: int = 0
    cases_closed: int = 0
    summary_rows: int = 0
    seconds: float = 0.0


def _tier_rank_sql(prefix: str, rules: list[TierRule], params: list) -> str:
    """SQL giving the rank (0 = mass) of the tier a month's figures reach."""
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    whens = []
    for rule in sorted(rules, key=lambda r: rank[r.tier], reverse=True):
        conditions = [f"{prefix}a >= %s"]
        params.append(rule.min_avg_assets)
        if rule.min_commission is not None:
            conditions.append(f"{prefix}c >= %s")
            params.append(rule.min_commission)
        if rule.min_volume is not None:
            conditions.append(f"{prefix}v >= %s")
            params.append(rule.min_volume)
        whens.append(f"WHEN {' OR '.join(conditions)} THEN {rank[rule.tier]}")
    return f"(CASE WHEN {prefix}a IS NULL THEN NULL {' '.join(whens)} ELSE 0 END)"


def run(today: date | None = None, branch_ids: list[int] | None = None) -> RunResult:
    """Every client, or those of `branch_ids` (a chunk of the nightly job, crm/chunks.py:
    the quintiles rank within a branch, so the chunks together equal one whole run)."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    ensure_defaults()
    rules = list(TierRule.objects.all())
    weights = {s.code: s.weight for s in ChurnSignal.objects.filter(is_active=True)}
    threshold = settings.CRM_CHURN_CASE_THRESHOLD
    params: list = []

    rank_m1 = _tier_rank_sql("f.m1", rules, params)
    rank_m2 = _tier_rank_sql("f.m2", rules, params)
    rank_m3 = _tier_rank_sql("f.m3", rules, params)
    tiers_array = "ARRAY[" + ",".join(f"'{t}'" for t in TIER_ORDER) + "]"

    def signal(code: str, condition: str) -> tuple[str, str]:
        weight = weights.get(code, 0)
        return (f"(CASE WHEN {condition} THEN {int(weight)} ELSE 0 END)",
                f"CASE WHEN {condition} AND {int(weight)} > 0 THEN '{code}' END")  # fmt: skip

    signals = [
        signal("exit_request", "c.exit_signal <> ''"),
        signal("outflow", "f.inflow30 < 0 AND -f.inflow30 >= 0.3 * (l.total_assets - f.inflow30)"),
        signal("liquidation", "l.market_value = 0 AND p.market_value > 0 "
                              "AND l.total_assets < 0.5 * p.total_assets"),
        signal("inactivity", "COALESCE(f.trades90, 0) = 0 AND COALESCE(f.trades_before, 0) >= 3"),
        signal("manager_left", "NOT u.is_active"),
    ]  # fmt: skip
    for code, sql in _sources.items():
        signals.append(signal(code, f"c.id IN (SELECT client_id FROM ({sql}) AS src_{code})"))
    score_sql = "LEAST(100, " + " + ".join(s for s, _r in signals) + ")"
    reasons_sql = "ARRAY_REMOVE(ARRAY[" + ", ".join(r for _s, r in signals) + "]::varchar[], NULL)"

    # the facts of the chunk's clients only (every client's in a whole run)
    in_branches = (
        "(%(branches)s::bigint[] IS NULL OR {column} IN (SELECT id FROM clients_client "
        "WHERE branch_id = ANY(%(branches)s::bigint[])))"
    )
    facts_of = in_branches.format(column="s.client_id")
    latest_of = in_branches.format(column="client_id")
    if settings.CRM_ROLLUPS:
        facts = _facts_from_months(today, *_months(today), facts_of, latest_of)
    else:
        facts = _facts_from_days(facts_of, latest_of)
    sql = f"""
    WITH {facts}, x AS (
        SELECT c.id, c.tier AS old_tier, c.opened_on,
            array_position({tiers_array}::varchar[], NULLIF(c.tier, '')) - 1 AS cur,
            {rank_m1} AS r1,
            {rank_m2} AS r2,
            {rank_m3} AS r3,
            f.m1a, f.last_trade,
            CASE
                WHEN c.account_status = 'closed' THEN 'churned'
                WHEN l.market_value = 0 AND l.cash <= %(dormant_cash)s
                     AND COALESCE(f.last_trade, c.opened_on) < %(dormant_since)s
                     AND c.opened_on < %(dormant_since)s THEN 'dormant'
                WHEN c.opened_on >= %(new_since)s THEN 'new'
                ELSE 'active'
            END AS stage,
            -- ties in client order: the same facts give the same quintile every night
            -- (a tie split by the plan's row order moved clients between quintiles)
            ntile(5) OVER (PARTITION BY c.branch_id
                           ORDER BY COALESCE(f.last_trade, DATE '1900-01-01'), c.id) AS rr,
            ntile(5) OVER (PARTITION BY c.branch_id ORDER BY COALESCE(f.trades12, 0), c.id) AS rf,
            ntile(5) OVER (PARTITION BY c.branch_id
                           ORDER BY COALESCE(f.commission12, 0), c.id) AS rm,
            CASE WHEN c.account_status = 'closed' THEN 0 ELSE {score_sql} END AS score,
            CASE WHEN c.account_status = 'closed' THEN ARRAY[]::varchar[]
                 ELSE {reasons_sql} END AS reasons
        FROM clients_client c
        JOIN auth_user u ON u.id = c.owner_id
        LEFT JOIN f ON f.client_id = c.id
        LEFT JOIN l ON l.client_id = c.id
        LEFT JOIN p ON p.client_id = c.id
        WHERE c.client_no IS NOT NULL
          AND (%(branches)s::bigint[] IS NULL OR c.branch_id = ANY(%(branches)s::bigint[]))
    ), y AS (
        SELECT x.*,
            CASE
                WHEN r1 IS NULL THEN cur
                WHEN cur IS NULL OR r1 > cur THEN r1
                WHEN r1 < cur AND r2 < cur AND r3 < cur THEN GREATEST(r1, r2, r3)
                ELSE cur
            END AS new_rank
        FROM x
    ), seg AS (
        SELECT y.*, COALESCE(({tiers_array}::varchar[])[y.new_rank + 1], '') AS new_tier,
            y.stage IN ('new', 'active')
            AND COALESCE(y.last_trade, y.opened_on) < %(sleeping_since)s AS sleeping
        FROM y
    ), changed AS (
        UPDATE clients_client c SET
            stage = seg.stage,
            tier = seg.new_tier,
            tier_since = CASE WHEN seg.new_tier IS DISTINCT FROM c.tier THEN %(today)s::date
                              ELSE c.tier_since END,
            avg_assets = seg.m1a,
            last_trade_on = seg.last_trade,
            sleeping = seg.sleeping,
            rfm_recency = seg.rr, rfm_frequency = seg.rf, rfm_monetary = seg.rm,
            churn_score = seg.score, churn_reasons = seg.reasons,
            segmented_at = %(now)s
        FROM seg WHERE c.id = seg.id
          -- a client whose figures are the same is not written again: most rows stay
          -- as they were from one night to the next, and an unwritten row keeps its
          -- page all-visible, so the dashboards' counts stay index-only scans
          AND (c.stage, c.tier, c.avg_assets, c.last_trade_on, c.sleeping, c.rfm_recency,
               c.rfm_frequency, c.rfm_monetary, c.churn_score, c.churn_reasons,
               c.segmented_at IS NULL)
              IS DISTINCT FROM
              (seg.stage, seg.new_tier, round(seg.m1a, 2), seg.last_trade, seg.sleeping,
               seg.rr, seg.rf, seg.rm, seg.score, seg.reasons, false)
        RETURNING c.id, seg.old_tier, c.tier, seg.m1a
    ), history AS (
        INSERT INTO clients_tierchange (client_id, changed_on, old_tier, new_tier, avg_assets)
        SELECT id, %(today)s::date, COALESCE(old_tier, ''), tier, m1a FROM changed
        WHERE tier <> '' AND tier IS DISTINCT FROM old_tier
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM seg), (SELECT count(*) FROM history),
           (SELECT count(*) FROM changed)
    """
    named = {
        "today": today,
        "now": timezone.now(),
        "dormant_cash": settings.CRM_DORMANT_MAX_CASH,
        "dormant_since": today - relativedelta(years=settings.CRM_DORMANT_YEARS),
        "new_since": today - timedelta(days=settings.CRM_NEW_CLIENT_DAYS),
        "sleeping_since": today - timedelta(days=settings.CRM_SLEEPING_DAYS),
        "branches": branch_ids,
    }
    # the tier rules' positional parameters become named ones (psycopg2 takes one style)
    for i, value in enumerate(params):
        named[f"t{i}"] = value
    counter = iter(range(len(params)))
    sql = _number_placeholders(sql, counter)
    result = RunResult()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, named)
        result.clients, result.tier_changes, result.written = cur.fetchone()
        result.cases_opened, result.cases_closed = _retention(cur, threshold, branch_ids)
        # the dashboards' summary of the tiers and assets just written (clients.summary)
        result.summary_rows = summary_rebuild(branch_ids)
        # the day's +1/-1 rows of the account counts added up (clients.accounts)
        account_counts.compact(branch_ids)
    result.seconds = time.perf_counter() - started
    logger.info("segmentation: %s", result)
    return result


def _facts_from_days(facts_of: str, latest_of: str) -> str:
    """The CTEs f (a client's figures), l (the latest snapshot) and p (the latest 60 days
    ago) from every daily row: when a month they need was never rolled up."""
    return f"""bounds AS (
        SELECT date_trunc('month', %(today)s::date)::date AS m0
    ), f AS (
        SELECT s.client_id,
            avg(s.total_assets) FILTER (WHERE s.date >= b.m0 - interval '1 month'
                                        AND s.date < b.m0) AS m1a,
            avg(s.total_assets) FILTER (WHERE s.date >= b.m0 - interval '2 month'
                                        AND s.date < b.m0 - interval '1 month') AS m2a,
            avg(s.total_assets) FILTER (WHERE s.date >= b.m0 - interval '3 month'
                                        AND s.date < b.m0 - interval '2 month') AS m3a,
            sum(s.commission) FILTER (WHERE s.date >= b.m0 - interval '1 month'
                                      AND s.date < b.m0) AS m1c,
            sum(s.commission) FILTER (WHERE s.date >= b.m0 - interval '2 month'
                                      AND s.date < b.m0 - interval '1 month') AS m2c,
            sum(s.commission) FILTER (WHERE s.date >= b.m0 - interval '3 month'
                                      AND s.date < b.m0 - interval '2 month') AS m3c,
            sum(s.trading_volume) FILTER (WHERE s.date >= b.m0 - interval '1 month'
                                          AND s.date < b.m0) AS m1v,
            sum(s.trading_volume) FILTER (WHERE s.date >= b.m0 - interval '2 month'
                                          AND s.date < b.m0 - interval '1 month') AS m2v,
            sum(s.trading_volume) FILTER (WHERE s.date >= b.m0 - interval '3 month'
                                          AND s.date < b.m0 - interval '2 month') AS m3v,
            sum(s.trade_count) FILTER (WHERE s.date > %(today)s::date - 365) AS trades12,
            sum(s.commission) FILTER (WHERE s.date > %(today)s::date - 365) AS commission12,
            max(s.date) FILTER (WHERE s.trade_count > 0) AS last_trade,
            sum(s.net_inflow) FILTER (WHERE s.date > %(today)s::date - 30) AS inflow30,
            sum(s.trade_count) FILTER (WHERE s.date > %(today)s::date - 90) AS trades90,
            sum(s.trade_count) FILTER (WHERE s.date > %(today)s::date - 455
                                       AND s.date <= %(today)s::date - 90) AS trades_before
        FROM clients_accountsnapshot s CROSS JOIN bounds b
        WHERE {facts_of}
        GROUP BY s.client_id
    ), l AS (
        SELECT DISTINCT ON (client_id) client_id, total_assets, cash, market_value
        FROM clients_accountsnapshot WHERE {latest_of}
        ORDER BY client_id, date DESC
    ), p AS (
        SELECT DISTINCT ON (client_id) client_id, total_assets, market_value
        FROM clients_accountsnapshot WHERE date <= %(today)s::date - 60
          AND {latest_of}
        ORDER BY client_id, date DESC
    )"""


def _months(today: date) -> tuple[set[date], list[date]]:
    """The months before this one whose per-client figures (`ClientMonth`) may be read
    (rolled up), and those not rolled up that hold facts (a month's partition with rows,
    or rows in the default one): their days are read instead."""
    from crm.models import RollupMonth

    from .partitions import month_of, partitions

    this_month = month_of(today)
    rolled = set(RollupMonth.objects.filter(source=ROLLUP, month__lt=this_month)
                 .values_list("month", flat=True))  # fmt: skip
    unrolled: set[date] = set()
    with connection.cursor() as cur:
        for name in partitions(SNAPSHOTS):
            if name.endswith("_default"):
                cur.execute(f"SELECT DISTINCT date_trunc('month', date)::date FROM {name} "
                            "WHERE date < %s", [this_month])  # fmt: skip
                unrolled |= {m for (m,) in cur.fetchall() if m not in rolled}
                continue
            month = date(int(name[-6:-2]), int(name[-2:]), 1)
            if month < this_month and month not in rolled:
                cur.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")
                if cur.fetchone()[0]:
                    unrolled.add(month)
    return rolled, sorted(unrolled)


def _split(first: date, last: date | None, this_month: date, rolled: set[date]):
    """The days from `first` to `last` (None: no end) as the whole rolled-up months among
    them and the date ranges left, read from the daily rows."""
    from .partitions import month_of

    months: list[date] = []
    ranges: list[tuple[date, date | None]] = []
    month = month_of(first)
    while month < this_month and (last is None or month <= last):
        end = month + relativedelta(months=1) - timedelta(days=1)
        if first <= month and (last is None or end <= last) and month in rolled:
            months.append(month)
        else:
            ranges.append((max(first, month), end if last is None else min(end, last)))
        month += relativedelta(months=1)
    if month >= this_month and (last is None or month <= last):
        ranges.append((max(first, month), last))
    merged: list[tuple[date, date | None]] = []
    for lo, hi in ranges:
        if merged and merged[-1][1] is not None and merged[-1][1] + timedelta(days=1) == lo:
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return months, merged


def _days_in(ranges, column: str = "s.date") -> str:
    """SQL true for a date in one of the ranges (dates from the code, never from input)."""
    if not ranges:
        return "false"
    parts = [f"{column} >= DATE '{lo.isoformat()}'"
             + (f" AND {column} <= DATE '{hi.isoformat()}'" if hi is not None else "")
             for lo, hi in ranges]  # fmt: skip
    return "(" + " OR ".join(f"({p})" for p in parts) + ")"


def _months_in(months: list[date]) -> str:
    if not months:
        return "false"
    return "m.month IN (" + ", ".join(f"DATE '{m.isoformat()}'" for m in months) + ")"


def _facts_from_months(
    today: date, rolled: set[date], unrolled: list[date], facts_of: str, latest_of: str
) -> str:
    """The same CTEs as `_facts_from_days`, equal to them, reading each whole month before
    this one from `ClientMonth` and only the days left from the daily rows: this month,
    and the part months at a window's edge (the 30, 90, 365 and 90-455 days). The latest
    snapshot and the one 60 days ago read two months of rows, then go back a client at a
    time for the few with none there."""
    from .partitions import month_of

    this_month = month_of(today)
    windows = {  # name: (aggregate, column, first day, last day or None), as in the days'
        "trades12": ("sum", "trade_count", today - timedelta(days=364), None),
        "commission12": ("sum", "commission", today - timedelta(days=364), None),
        "inflow30": ("sum", "net_inflow", today - timedelta(days=29), None),
        "trades90": ("sum", "trade_count", today - timedelta(days=89), None),
        "trades_before": ("sum", "trade_count", today - timedelta(days=454),
                          today - timedelta(days=90)),
    }  # fmt: skip
    daily, monthly, combined, read = [], [], [], []
    for name, (_agg, column, first, last) in windows.items():
        months, ranges = _split(first, last, this_month, rolled)
        read += ranges
        daily.append(f"sum(s.{column}) FILTER (WHERE {_days_in(ranges)}) AS {name}")
        monthly.append(f"sum(m.{column}) FILTER (WHERE {_months_in(months)}) AS {name}")
        combined.append(f"coalesce(fd.{name}, 0) + coalesce(fm.{name}, 0) AS {name}")
    for i in (1, 2, 3):  # the three months of the tiers
        month = this_month - relativedelta(months=i)
        if month in rolled:
            where = _months_in([month])
            monthly += [f"sum(m.assets_sum) FILTER (WHERE {where}) / "
                        f"nullif(sum(m.days) FILTER (WHERE {where}), 0) AS m{i}a",
                        f"sum(m.commission) FILTER (WHERE {where}) AS m{i}c",
                        f"sum(m.trading_volume) FILTER (WHERE {where}) AS m{i}v"]  # fmt: skip
            combined += [f"fm.m{i}a", f"fm.m{i}c", f"fm.m{i}v"]
        else:
            ranges = [(month, month + relativedelta(months=1) - timedelta(days=1))]
            read += ranges
            where = _days_in(ranges)
            daily += [f"avg(s.total_assets) FILTER (WHERE {where}) AS m{i}a",
                      f"sum(s.commission) FILTER (WHERE {where}) AS m{i}c",
                      f"sum(s.trading_volume) FILTER (WHERE {where}) AS m{i}v"]  # fmt: skip
            combined += [f"fd.m{i}a", f"fd.m{i}c", f"fd.m{i}v"]
    read.append((this_month, None))  # this month's trades: the last trade
    start = f"DATE '{this_month.isoformat()}'"
    daily.append(f"max(s.date) FILTER (WHERE s.trade_count > 0 AND s.date >= {start}) "
                 "AS last_trade")  # fmt: skip
    # else the latest of: the months not rolled up (their days), the rolled-up months of
    # the windows, and, for a client with no trade in those, the older rolled-up months
    month_ranges = [(m, m + relativedelta(months=1) - timedelta(days=1)) for m in unrolled]
    read += month_ranges
    daily.append(f"max(s.date) FILTER (WHERE s.trade_count > 0 AND {_days_in(month_ranges)}) "
                 "AS last_trade_unrolled")  # fmt: skip
    earliest_month = month_of(today - timedelta(days=454))
    earliest = f"DATE '{earliest_month.isoformat()}'"
    window_rolled = [m for m in sorted(rolled) if m >= earliest_month]
    monthly.append(f"max(m.last_trade_on) FILTER (WHERE {_months_in(window_rolled)}) "
                   "AS last_trade")  # fmt: skip
    older_unrolled = [m for m in unrolled if m < earliest_month]
    not_unrolled = (f" AND NOT ({_months_in(older_unrolled).replace('m.month', 'o.month')})"
                    if older_unrolled else "")  # fmt: skip
    combined.append(
        "coalesce(fd.last_trade, greatest(fd.last_trade_unrolled, fm.last_trade, "
        "CASE WHEN fm.last_trade IS NULL THEN (SELECT max(o.last_trade_on) "
        f"FROM clients_clientmonth o WHERE o.client_id = c.id AND o.month < {earliest}"
        f"{not_unrolled}) END)) AS last_trade"
    )
    months_of = facts_of.replace("s.client_id", "m.client_id")
    recent = f"DATE '{(this_month - relativedelta(months=1)).isoformat()}'"
    before = today - timedelta(days=60)
    before_recent = f"DATE '{(month_of(before) - relativedelta(months=1)).isoformat()}'"
    clients_of = latest_of.replace("client_id", "c.id")
    return f"""fd AS (
        SELECT s.client_id, {", ".join(daily)}
        FROM clients_accountsnapshot s
        WHERE {_days_in(read)} AND {facts_of}
        GROUP BY s.client_id
    ), fm AS (
        SELECT m.client_id, {", ".join(monthly)}
        FROM clients_clientmonth m
        WHERE m.month >= {earliest} AND m.month < {start} AND {months_of}
        GROUP BY m.client_id
    ), f AS MATERIALIZED (
        SELECT c.id AS client_id, {", ".join(combined)}
        FROM clients_client c
        LEFT JOIN fd ON fd.client_id = c.id LEFT JOIN fm ON fm.client_id = c.id
        WHERE c.client_no IS NOT NULL AND {clients_of}
    ), l_recent AS (
        SELECT DISTINCT ON (client_id) client_id, total_assets, cash, market_value
        FROM clients_accountsnapshot WHERE date >= {recent} AND {latest_of}
        ORDER BY client_id, date DESC
    ), l AS (
        SELECT * FROM l_recent
        UNION ALL
        SELECT c.id, a.total_assets, a.cash, a.market_value
        FROM clients_client c CROSS JOIN LATERAL (
            SELECT total_assets, cash, market_value FROM clients_accountsnapshot
            WHERE client_id = c.id AND date < {recent} ORDER BY date DESC LIMIT 1) a
        WHERE c.client_no IS NOT NULL AND {clients_of}
          AND NOT EXISTS (SELECT 1 FROM l_recent r WHERE r.client_id = c.id)
    ), p_recent AS (
        SELECT DISTINCT ON (client_id) client_id, total_assets, market_value
        FROM clients_accountsnapshot
        WHERE date >= {before_recent} AND date <= DATE '{before.isoformat()}' AND {latest_of}
        ORDER BY client_id, date DESC
    ), p AS (
        SELECT * FROM p_recent
        UNION ALL
        SELECT c.id, a.total_assets, a.market_value
        FROM clients_client c CROSS JOIN LATERAL (
            SELECT total_assets, market_value FROM clients_accountsnapshot
            WHERE client_id = c.id AND date < {before_recent} ORDER BY date DESC LIMIT 1) a
        WHERE c.client_no IS NOT NULL AND {clients_of}
          AND NOT EXISTS (SELECT 1 FROM p_recent r WHERE r.client_id = c.id)
    )"""


def _number_placeholders(sql: str, counter) -> str:
    """Turn the positional `%s` of the tier rules into named `%(tN)s` parameters."""
    out, i = [], 0
    while True:
        j = sql.find("%s", i)
        if j < 0:
            out.append(sql[i:])
            return "".join(out)
        out.append(sql[i:j] + f"%(t{next(counter)})s")
        i = j + 2


def _retention(cur, threshold: int, branch_ids: list[int] | None = None) -> tuple[int, int]:
    """Open one case per client at or above the threshold; close cases whose risk fell
    below it (or whose account was closed: lost). Retention never blocks an exit."""
    cur.execute(
        """
        UPDATE clients_retentioncase r SET status = 'closed', closed_at = now(),
            outcome = CASE WHEN c.account_status = 'closed' THEN 'lost' ELSE 'risk_fell' END,
            assets_at_close = c.avg_assets
        FROM clients_client c
        WHERE r.client_id = c.id AND r.status = 'open'
          AND (c.churn_score < %s OR c.account_status = 'closed')
          AND (%s::bigint[] IS NULL OR c.branch_id = ANY(%s::bigint[]))
        """,
        [threshold, branch_ids, branch_ids],
    )
    closed = cur.rowcount
    cur.execute(
        """
        INSERT INTO clients_retentioncase (client_id, branch_id, owner_id, status, opened_at,
            score_at_open, reasons, outcome, note)
        SELECT c.id, c.branch_id, c.owner_id, 'open', now(), c.churn_score, c.churn_reasons,
               '', ''
        FROM clients_client c
        WHERE c.churn_score >= %s AND c.account_status <> 'closed'
          AND (%s::bigint[] IS NULL OR c.branch_id = ANY(%s::bigint[]))
        ON CONFLICT DO NOTHING
        RETURNING owner_id
        """,
        [threshold, branch_ids, branch_ids],
    )
    owners: dict[int, int] = {}
    for (owner_id,) in cur.fetchall():
        owners[owner_id] = owners.get(owner_id, 0) + 1
    if owners:
        from django.urls import reverse

        from crm.models import Notification
        from crm.services import notifications_deliver

        url = reverse("clients:retention-board")
        notifications_deliver([
            Notification(recipient_id=owner, level=Notification.Level.WARNING, url=url,
                         title=str(_("%(n)d clients at risk of leaving: retention cases "
                                     "opened") % {"n": n}))
            for owner, n in owners.items()
        ])  # fmt: skip
    return sum(owners.values()), closed


def reason_labels(codes: list[str]) -> list[str]:
    return [str(REASON_LABELS.get(c, c)) for c in codes]
