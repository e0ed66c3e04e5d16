"""Per-client monthly account facts (`ClientMonth`) recomputed from the daily snapshots:
one set-based statement for a range of months (nightly, rebuild). Between two nights a
snapshot upsert (clients.services.snapshots) moves the months it writes by its rows'
differences with `moved_by`, which computes the average and turnover as this does."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import connection


def _average(assets: str, days: str) -> str:
    """The average daily assets, as `avg()` computes it (the same numeric division)."""
    return f"round({assets} / nullif({days}, 0), 2)"


def _turnover(volume: str, assets: str, days: str) -> str:
    """Trading volume over the unrounded average daily assets."""
    return f"round({volume} / nullif({assets} / nullif({days}, 0), 0), 4)"


_SELECT = f"""
    SELECT s.client_id, date_trunc('month', s.date)::date AS month, count(*),
           sum(s.total_assets), {_average("sum(s.total_assets)", "count(*)")},
           sum(s.trading_volume), sum(s.commission), sum(s.trade_count), sum(s.net_inflow),
           {_turnover("sum(s.trading_volume)", "sum(s.total_assets)", "count(*)")},
           max(s.date) FILTER (WHERE s.trade_count > 0)
    FROM clients_accountsnapshot s
"""
_COLUMNS = (
    "(client_id, month, days, assets_sum, avg_assets, trading_volume, commission, trade_count, "
    "net_inflow, turnover, last_trade_on)"
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


def moved_by(differences: str) -> str:
    """The upsert that moves the (client, month) rows by the rows of `differences` (a
    CTE of client_id, month, inserted, and the new minus the old total_assets,
    trading_volume, commission, trade_count and net_inflow of each snapshot written),
    in (client, month) order as the snapshots, and `traded_on` (the date of a row that now
    has trades, else NULL). The average and turnover come from the sums with the formulas
    `refresh` uses, so the two agree to the last digit. The last trade only moves
    forward here: a month whose last trade day lost its trades is put right by
    `recompute_last_trade`."""
    new_days = "count(*) FILTER (WHERE inserted)"
    days, assets = "(m.days + EXCLUDED.days)", "(m.assets_sum + EXCLUDED.assets_sum)"
    volume = "(m.trading_volume + EXCLUDED.trading_volume)"
    added = ", ".join(f"{c} = m.{c} + EXCLUDED.{c}"
                      for c in ("days", "assets_sum", "trading_volume", "commission",
                                "trade_count", "net_inflow"))  # fmt: skip
    return (
        f"INSERT INTO clients_clientmonth AS m {_COLUMNS} "
        f"SELECT client_id, month, {new_days}, sum(total_assets), "
        f"coalesce({_average('sum(total_assets)', new_days)}, 0), sum(trading_volume), "
        "sum(commission), sum(trade_count), sum(net_inflow), "
        f"{_turnover('sum(trading_volume)', 'sum(total_assets)', new_days)}, max(traded_on) "
        f"FROM {differences} GROUP BY client_id, month ORDER BY client_id, month "
        f"ON CONFLICT (client_id, month) DO UPDATE SET {added}, "
        f"avg_assets = coalesce({_average(assets, days)}, 0), "
        f"turnover = {_turnover(volume, assets, days)}, "
        "last_trade_on = greatest(m.last_trade_on, EXCLUDED.last_trade_on)"
    )


def recompute_last_trade(client_ids: list[int], months: list[date]) -> None:
    """The last trade of these (client, month) pairs read again from their snapshots: a
    correction took the trades off a day, which may have been the month's last."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE clients_clientmonth m SET last_trade_on = (SELECT max(s.date) "
            "FROM clients_accountsnapshot s WHERE s.client_id = m.client_id "
            "AND s.date >= m.month AND s.date < m.month + interval '1 month' "
            "AND s.trade_count > 0) "
            "FROM unnest(%s::bigint[], %s::date[]) AS k(client_id, month) "
            "WHERE m.client_id = k.client_id AND m.month = k.month",
            [client_ids, months],
        )
