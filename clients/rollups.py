"""Per-client monthly account facts (`ClientMonth`), from the daily snapshots: one
set-based statement for a range of months (nightly, rebuild) or for the (client, month)
rows one snapshot upsert touched."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import connection

_SELECT = """
    SELECT s.client_id, date_trunc('month', s.date)::date AS month, count(*),
           round(avg(s.total_assets), 2), sum(s.trading_volume), sum(s.commission),
           sum(s.trade_count), sum(s.net_inflow),
           round(sum(s.trading_volume) / nullif(avg(s.total_assets), 0), 4)
    FROM clients_accountsnapshot s
"""
_COLUMNS = (
    "(client_id, month, days, avg_assets, trading_volume, commission, trade_count, net_inflow, "
    "turnover)"
)
_UPDATE = (
    "ON CONFLICT (client_id, month) DO UPDATE SET days = EXCLUDED.days, "
    "avg_assets = EXCLUDED.avg_assets, trading_volume = EXCLUDED.trading_volume, "
    "commission = EXCLUDED.commission, trade_count = EXCLUDED.trade_count, "
    "net_inflow = EXCLUDED.net_inflow, "
    "turnover = EXCLUDED.turnover"
)


def refresh(first: date, last: date, branch_ids: list[int] | None = None) -> int:
    """Recompute the months from `first` to `last` (first days) for every client, or for
    the clients of `branch_ids` (a chunk of the nightly job, crm/chunks.py)."""
    after = last + relativedelta(months=1)
    mine = (
        "AND (%(branches)s::bigint[] IS NULL OR {} IN (SELECT id FROM clients_client "
        "WHERE branch_id = ANY(%(branches)s::bigint[])))"
    )
    params = {"first": first, "after": after, "branches": branch_ids}
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM clients_clientmonth WHERE month >= %(first)s AND month < %(after)s "
            + mine.format("client_id"),
            params,
        )
        cur.execute(
            f"INSERT INTO clients_clientmonth {_COLUMNS} {_SELECT} "
            "WHERE s.date >= %(first)s AND s.date < %(after)s "
            + mine.format("s.client_id")
            + " GROUP BY 1, 2",
            params,
        )
        return cur.rowcount


def touched(keys: list[tuple[int, date]]) -> int:
    """Recompute the (client, month) rows of these (client id, snapshot date) keys in one
    upsert, in (client, month) order (two concurrent calls lock rows in the same order)."""
    if not keys:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO clients_clientmonth {_COLUMNS} {_SELECT} "
            "JOIN (SELECT DISTINCT k.client_id, date_trunc('month', k.day)::date AS month "
            "      FROM unnest(%s::bigint[], %s::date[]) AS k(client_id, day)) t "
            "  ON s.client_id = t.client_id AND s.date >= t.month "
            "     AND s.date < t.month + interval '1 month' "
            f"GROUP BY 1, 2 ORDER BY 1, 2 {_UPDATE}",
            [[c for c, _d in keys], [d for _c, d in keys]],
        )
        return cur.rowcount
