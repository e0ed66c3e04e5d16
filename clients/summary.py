"""The client master summed for the dashboards (`ClientSummary`): clients and average
daily assets per branch, account manager, tier, asset band and account or potential
client. Rebuilt set-based for a chunk of branches by the nightly segmentation (in its
transaction, right after it wrote the tiers and assets), and on demand by
`manage.py run_segmentation`; the dashboards read it instead of scanning every client,
showing when it was built (clients.measures)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

BANDS_PER_DECADE = 20  # asset bands ~12% wide: the Pareto curve is exact at every band's edge

# The band of a client on `clients_client c`, as the live curve computes it. The logarithm
# is taken of a float: of a numeric, PostgreSQL computes it to full precision, 20x slower.
BAND_SQL = f"floor(log(greatest(coalesce(c.avg_assets, 0), 1)::float8) * {BANDS_PER_DECADE})"


def rebuild(branch_ids: list[int] | None = None) -> int:
    """Replace the summary rows of these branches (every branch: None) with one grouped
    pass over their clients, and record them as built now. Returns the rows written."""
    params = {"branches": branch_ids, "now": timezone.now()}
    mine = "(%(branches)s::bigint[] IS NULL OR {} = ANY(%(branches)s::bigint[]))"
    with connection.cursor() as cur:
        cur.execute("DELETE FROM clients_clientsummary WHERE " + mine.format("branch_id"), params)
        cur.execute(
            "INSERT INTO clients_clientsummary (branch_id, owner_id, tier, band, is_account, "
            "clients, assets, positive_assets) "
            f"SELECT c.branch_id, c.owner_id, c.tier, {BAND_SQL}::integer, "
            "c.client_no IS NOT NULL, count(*), sum(c.avg_assets), "
            "sum(greatest(coalesce(c.avg_assets, 0), 0)) "
            "FROM clients_client c WHERE " + mine.format("c.branch_id") + " "
            "GROUP BY 1, 2, 3, 4, 5",
            params,
        )
        written = cur.rowcount
        cur.execute(
            "INSERT INTO clients_clientsummarybuilt (branch_id, built_at) "
            "SELECT b.id, %(now)s FROM crm_branch b WHERE " + mine.format("b.id") + " "
            "ON CONFLICT (branch_id) DO UPDATE SET built_at = EXCLUDED.built_at",
            params,
        )
    return written


def scope_sql(filters, alias: str) -> tuple[str, list]:
    """The dashboard's branch and person filters as SQL on `alias`: a client
    (`clients_client`) or a summary row, both of which name branch_id and owner_id."""
    where, params = "", []
    if filters.branch_ids is not None:
        where += f" AND {alias}.branch_id = ANY(%s)"
        params.append(list(filters.branch_ids))
    if filters.person_ids is not None:
        where += f" AND {alias}.owner_id = ANY(%s)"
        params.append(list(filters.person_ids))
    return where, params


def read(filters) -> tuple[datetime, list[tuple], list[tuple]] | None:
    """The summary for the dashboard's scope: (built at, [(branch id, tier, accounts,
    assets)], [(band, accounts, positive assets)] richest band first), or None when a
    branch of the scope was never built (or `CRM_ROLLUPS` is off): read it live."""
    if not settings.CRM_ROLLUPS:
        return None
    from crm.db import read_connection

    branches = "WHERE b.id = ANY(%s)" if filters.branch_ids is not None else ""
    where, params = scope_sql(filters, "s")
    with read_connection().cursor() as cur:
        cur.execute(
            "SELECT count(*) FILTER (WHERE s.built_at IS NULL), min(s.built_at) "
            "FROM crm_branch b LEFT JOIN clients_clientsummarybuilt s ON s.branch_id = b.id "
            + branches,
            [list(filters.branch_ids)] if filters.branch_ids is not None else [],
        )
        missing, built_at = cur.fetchone()
        if missing or built_at is None:
            return None
        # one pass: by (branch, tier) for the branch figures and the tier mix, by band
        # (accounts only) for the curve
        cur.execute(
            "SELECT GROUPING(s.band), s.branch_id, s.tier, s.band, "
            "sum(s.clients) FILTER (WHERE s.is_account), sum(s.assets), "
            "sum(s.positive_assets) FILTER (WHERE s.is_account) "
            "FROM clients_clientsummary s WHERE true" + where + " "
            "GROUP BY GROUPING SETS ((s.branch_id, s.tier), (s.band)) "
            "ORDER BY s.band DESC NULLS LAST",
            params,
        )
        tiers, bands = [], []
        for by_tier, branch, tier, band, accounts, assets, positive in cur.fetchall():
            if by_tier:
                tiers.append((branch, tier, int(accounts or 0), assets))
            elif accounts:
                bands.append((band, int(accounts), positive))
    return built_at, tiers, bands
