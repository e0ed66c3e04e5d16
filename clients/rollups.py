"""Per-client monthly account facts (`ClientMonth`) recomputed from the daily snapshots:
one set-based statement for a range of months (nightly, rebuild). Between two nights a
snapshot upsert moves the months it writes by its rows' differences
(clients.services.snapshots), computing the average and turnover as this does."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import connection

_SELECT = """
    SELECT s.client_id, date_trunc('month', s.date)::date AS month, count(*),
           sum(s.total_assets), round(avg(s.total_assets), 2), sum(s.trading_volume),
           sum(s.commission), sum(s.trade_count), sum(s.net_inflow),
           round(sum(s.trading_volume) / nullif(avg(s.total_assets), 0), 4)
    FROM clients_accountsnapshot s
"""
_COLUMNS = (
    "(client_id, month, days, assets_sum, avg_assets, trading_volume, commission, trade_count, "
    "net_inflow, turnover)"
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
