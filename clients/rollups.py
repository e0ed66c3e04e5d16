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


def refresh(first: date, last: date) -> int:
    """Recompute the months from `first` to `last` (first days) for every client."""
    after = last + relativedelta(months=1)
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM clients_clientmonth WHERE month >= %s AND month < %s", [first, after]
        )
        cur.execute(
            f"INSERT INTO clients_clientmonth {_COLUMNS} {_SELECT} "
            "WHERE s.date >= %s AND s.date < %s GROUP BY 1, 2",
            [first, after],
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
