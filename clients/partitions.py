"""Monthly partitions of the daily fact tables: account snapshots and holdings.

Both tables are PostgreSQL declarative partitions by range of `date`, one partition a
month (`clients_accountsnapshot_p202612`), plus a default partition (`..._default`) that
takes a row of a month with no partition yet, so no write ever fails for want of one.
Migration 0010 made them and the SQL function `clients_month_partition(table, month)`
that creates one month's partition, moving that month's rows out of the default first;
idempotent, and two callers at once wait on an advisory lock.

- **Ahead**: `ensure_ahead()` (Celery beat daily, `clients.tasks.ensure_partitions`)
  makes this month's and the next `CRM_PARTITIONS_AHEAD_MONTHS` ones, and splits out of
  the default partition any month found there (a late or an early fact), except a month
  already archived.
- **Pruned**: a query with a date range reads only the partitions of its months (the
  planner's partition pruning; tests/clients/test_partitions.py asserts the EXPLAIN).
- **Unique**: (client, date) and (client, date, security) hold the partition key, so
  they hold across partitions, and `ON CONFLICT (client_id, date)` works as before.
- **Detached for archive**: `manage.py detach_partition YYYY-MM` rolls the month up
  (`ClientMonth`, so dashboards and the client's history keep its figures), detaches
  its partitions and moves them to the `archive` schema, where a trigger refuses any
  DELETE or TRUNCATE: the facts are archived, never deleted (DOMAIN.md, record keeping);
  take them off the server with `pg_dump -t archive.<table>` if need be. Only months
  older than `CRM_PARTITIONS_ONLINE_MONTHS` (36 at least: a dormant account is one with
  no trade for three years, which segmentation reads from these facts) can go.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

TABLES = ("clients_accountsnapshot", "clients_holding")
ARCHIVE_SCHEMA = "archive"
ONLINE_MINIMUM_MONTHS = 36  # dormancy: no trade for 3 consecutive years (DOMAIN.md)


class PartitionError(Exception):
    """A month that may not be detached (too recent, or not a partition)."""


def month_of(day: date) -> date:
    return day.replace(day=1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def partitions(table: str) -> list[str]:
    """The partitions of `table`, default one included, by name."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY 1",
            [table],
        )
        return [name for (name,) in cur.fetchall()]


def ensure(first: date, last: date, tables: tuple[str, ...] = TABLES) -> list[str]:
    """Create the partitions of every month from `first` to `last` (any days of them)
    that are missing; returns the names created."""
    created = []
    month, end = month_of(first), month_of(last)
    with connection.cursor() as cur:
        while month <= end:
            for table in tables:
                cur.execute("SELECT clients_month_partition(%s, %s)", [table, month])
                if cur.fetchone()[0]:
                    created.append(partition_name(table, month))
            month += relativedelta(months=1)
    return created


def _archived(table: str) -> set[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname LIKE %s",
            [ARCHIVE_SCHEMA, f"{table}_p%"],
        )
        return {name for (name,) in cur.fetchall()}


def ensure_ahead(today: date | None = None) -> list[str]:
    """This month's partitions and the next CRM_PARTITIONS_AHEAD_MONTHS months', and the
    months found in a default partition split out of it (not an archived month: its late
    rows stay in the default one, in sight). Idempotent; returns the names created."""
    today = today or timezone.localdate()
    ahead = settings.CRM_PARTITIONS_AHEAD_MONTHS
    created = ensure(today, today + relativedelta(months=ahead))
    for table in TABLES:
        archived = _archived(table)
        with connection.cursor() as cur:
            cur.execute(f"SELECT DISTINCT date_trunc('month', \"date\")::date FROM {table}_default")
            months = [m for (m,) in cur.fetchall()]
        for month in months:
            if partition_name(table, month) not in archived:
                created += ensure(month, month, (table,))
    return created


def earliest_kept(today: date | None = None) -> date:
    """The first month that must stay online; every month before it may be detached."""
    today = today or timezone.localdate()
    months = max(settings.CRM_PARTITIONS_ONLINE_MONTHS, ONLINE_MINIMUM_MONTHS)
    return month_of(today) - relativedelta(months=months)


def detach(month: date, *, today: date | None = None) -> list[str]:
    """Archive a month's facts: roll the month up, detach its partitions of both tables
    and move them to the archive schema behind a no-delete trigger. Returns the archived
    tables' qualified names. Refuses a month still kept online or with no partition."""
    from . import rollups

    month = month_of(month)
    if month >= earliest_kept(today):
        raise PartitionError(
            f"{month:%Y-%m} is kept online: only months before {earliest_kept(today):%Y-%m} "
            f"may be detached (CRM_PARTITIONS_ONLINE_MONTHS, at least {ONLINE_MINIMUM_MONTHS})."
        )
    names = [(table, partition_name(table, month)) for table in TABLES]
    missing = [name for table, name in names if name not in partitions(table)]
    if len(missing) == len(names):
        raise PartitionError(f"{month:%Y-%m} has no partition to detach.")
    archived = []
    with transaction.atomic(), connection.cursor() as cur:
        rollups.refresh(month, month)  # the month's per-client figures stay online
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}")
        cur.execute("SELECT to_regproc('crm_refuse_delete')")
        guard = cur.fetchone()[0] is not None
        for table, name in names:
            if name in missing:
                continue
            cur.execute(f"ALTER TABLE {table} DETACH PARTITION {name}")
            cur.execute(f"ALTER TABLE {name} SET SCHEMA {ARCHIVE_SCHEMA}")
            qualified = f"{ARCHIVE_SCHEMA}.{name}"
            if guard:  # crm.retention's function: a regulated record is never deleted
                cur.execute(
                    f"CREATE TRIGGER crm_retention_guard BEFORE DELETE ON {qualified} "
                    "FOR EACH ROW EXECUTE FUNCTION crm_refuse_delete()"
                )
                cur.execute(
                    f"CREATE TRIGGER crm_retention_guard_truncate BEFORE TRUNCATE ON "
                    f"{qualified} FOR EACH STATEMENT EXECUTE FUNCTION crm_refuse_delete()"
                )
            archived.append(qualified)
    return archived
