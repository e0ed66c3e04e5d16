"""Open accounts and potential clients on any day, exact, without counting every client.

`AccountCount` holds the open accounts and the potential clients per branch, account
manager and tier as they are now, kept by triggers on the client master (migration
0016). The accounts open at the start of a period (the churn rate's denominator) are
those open now, less those opened since, plus those closed since; the pool at the end of
a period is the pool now less those created since. Both corrections read only the
clients opened, closed or created since, through their indexes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from .summary import scope_sql


def counts(filters, kind: str) -> dict | None:
    """{(branch id, tier): number now} of the open accounts (`kind` "open") or of the
    potential clients ("potential") in the dashboard's scope; None when `CRM_ROLLUPS` is
    off (count the clients)."""
    if not settings.CRM_ROLLUPS:
        return None
    from crm.db import read_connection

    where, params = scope_sql(filters, "a")
    with read_connection().cursor() as cur:
        cur.execute(
            "SELECT a.branch_id, a.tier, sum(a.n) FROM clients_accountcount a "
            f"WHERE a.kind = %s{where} GROUP BY 1, 2 HAVING sum(a.n) <> 0",
            [kind, *params],
        )
        return {(branch, tier): int(n) for branch, tier, n in cur.fetchall()}


def compact(branch_ids: list[int] | None = None) -> int:
    """Add the rows of these branches (every branch: None) up into one per key, in one
    statement (rows the triggers add meanwhile are kept as they are). Returns the rows
    left."""
    with connection.cursor() as cur:
        cur.execute(
            "WITH gone AS (DELETE FROM clients_accountcount WHERE %(b)s::bigint[] IS NULL "
            "OR branch_id = ANY(%(b)s::bigint[]) RETURNING branch_id, owner_id, tier, kind, n) "
            "INSERT INTO clients_accountcount (branch_id, owner_id, tier, kind, n) "
            "SELECT branch_id, owner_id, tier, kind, sum(n) FROM gone "
            "GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0",
            {"b": branch_ids},
        )
        return cur.rowcount
