"""Per-client monthly account facts (`ClientMonth`), from the daily snapshots: one
set-based statement for a range of months (nightly, rebuild); a snapshot upsert adds the
deltas of the rows it wrote to the (client, month) rows (`hold`, then `deltas`)."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import connection

_SELECT = """
    SELECT s.client_id, date_trunc('month', s.date)::date AS month, count(*),
           round(avg(s.total_assets), 2), sum(s.total_assets), sum(s.trading_volume),
           sum(s.commission),
           sum(s.trade_count), sum(s.net_inflow),
           round(sum(s.trading_volume) / nullif(avg(s.total_assets), 0), 4)
    FROM clients_accountsnapshot s
"""
_COLUMNS = (
    "(client_id, month, days, avg_assets, assets_sum, trading_volume, commission, trade_count, "
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


def hold(cur, source: str) -> None:
    """Before a snapshot upsert of the rows of `source` (a table with client_id and date):
    the (client, month) rows of those keys made where missing (from the facts already
    there, so a month stays exact even if its row was never made), then every one locked,
    in (client, month) order. Every writer of facts locks a month's row first, so while
    this transaction holds it no other call writes that month's facts: the upsert's
    statement reads their old values as they are, and the deltas add up (`deltas`)."""
    keys = f"(SELECT DISTINCT client_id, date_trunc('month', date)::date AS month FROM {source}) k"
    # a concurrent call making the same row first: ours conflicts and waits for it
    cur.execute(
        f"INSERT INTO clients_clientmonth {_COLUMNS} "
        "SELECT k.client_id, k.month, count(s.client_id), "
        "coalesce(round(avg(s.total_assets), 2), 0), "
        "coalesce(sum(s.total_assets), 0), coalesce(sum(s.trading_volume), 0), "
        "coalesce(sum(s.commission), 0), coalesce(sum(s.trade_count), 0), "
        "coalesce(sum(s.net_inflow), 0), "
        "round(sum(s.trading_volume) / nullif(avg(s.total_assets), 0), 4) "
        f"FROM {keys} LEFT JOIN clients_clientmonth m "
        "  ON m.client_id = k.client_id AND m.month = k.month "
        "LEFT JOIN clients_accountsnapshot s ON s.client_id = k.client_id "
        "  AND s.date >= k.month AND s.date < k.month + interval '1 month' "
        "WHERE m.id IS NULL GROUP BY 1, 2 ORDER BY 1, 2 "
        "ON CONFLICT (client_id, month) DO NOTHING"
    )
    cur.execute(
        "SELECT count(*) FROM (SELECT 1 FROM clients_clientmonth m "
        f"JOIN {keys} ON m.client_id = k.client_id AND m.month = k.month "
        "ORDER BY m.client_id, m.month FOR UPDATE OF m) locked"
    )


def deltas(up: str, old: str) -> str:
    """Two CTEs of the snapshot upsert's statement: `d`, the change of each (client,
    month) from the rows written (`up`: client_id, date and the new figures) and their
    values before (`old`, none for a new row: a new day), and `cm`, which adds them to
    the (client, month) rows `hold` locked. The average and turnover are derived from
    the sums as `refresh` computes them (avg(x) is sum(x) / count), so they stay exact."""
    summed = ("total_assets", "trading_volume", "commission", "trade_count", "net_inflow")
    changes = ", ".join(f"sum({up}.{c} - coalesce({old}.{c}, 0)) AS {c}" for c in summed)
    days, assets = "(m.days + d.days)", "(m.assets_sum + d.total_assets)"
    return (
        f"d AS (SELECT {up}.client_id, date_trunc('month', {up}.date)::date AS month, "
        f"count(*) AS written, count(*) FILTER (WHERE {old}.client_id IS NULL) AS days, "
        f"{changes} FROM {up} LEFT JOIN {old} "
        f"ON {old}.client_id = {up}.client_id AND {old}.date = {up}.date GROUP BY 1, 2), "
        f"cm AS (UPDATE clients_clientmonth m SET days = {days}, assets_sum = {assets}, "
        f"avg_assets = coalesce(round({assets} / nullif({days}, 0), 2), 0), "
        "trading_volume = m.trading_volume + d.trading_volume, "
        "commission = m.commission + d.commission, "
        "trade_count = m.trade_count + d.trade_count, "
        "net_inflow = m.net_inflow + d.net_inflow, "
        f"turnover = round((m.trading_volume + d.trading_volume) / "
        f"nullif({assets} / nullif({days}, 0), 0), 4) "
        "FROM d WHERE m.client_id = d.client_id AND m.month = d.month)"
    )
