"""Account snapshots and holdings partitioned by month (clients/partitions.py): a month's
query reads that month's partition only, partitions are made ahead and out of the
default one, the unique (client, date) rule holds across partitions, Django's primary
key keeps working, and an old month is detached into the archive, never deleted."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from clients import partitions, services
from clients.models import AccountSnapshot, ClientMonth, Holding
from clients.tasks import ensure_partitions
from tests.factories import make_client


def where(table: str, day: date) -> str:
    """The partition that holds the row of `day`."""
    with connection.cursor() as cur:
        cur.execute(f'SELECT tableoid::regclass::text FROM {table} WHERE "date" = %s', [day])
        return cur.fetchone()[0]


def test_a_months_query_reads_only_that_months_partition(org):
    partitions.ensure(date(2025, 9, 1), date(2025, 11, 1))
    client = make_client(org.am, client_no="1100000001")
    for day in (date(2025, 9, 30), date(2025, 10, 31), date(2025, 11, 28)):
        AccountSnapshot.objects.create(client=client, date=day, total_assets=1)
    plan = AccountSnapshot.objects.filter(
        date__gte=date(2025, 10, 1), date__lt=date(2025, 11, 1)
    ).explain()
    assert "clients_accountsnapshot_p202510" in plan
    assert "p202509" not in plan and "p202511" not in plan and "_default" not in plan
    # a client's series of two months: the two partitions, not the others
    plan = AccountSnapshot.objects.filter(client=client, date__gte=date(2025, 10, 1)).explain()
    assert "p202510" in plan and "p202511" in plan and "p202509" not in plan
    holdings = Holding.objects.filter(date=date(2025, 10, 31)).explain()
    assert "clients_holding_p202510" in holdings and "p202511" not in holdings


def test_a_call_reads_the_facts_it_replaces_from_its_own_months_partitions_only(org):
    """The upsert reads the facts already there (to move the months by the difference)
    from the partitions of the call's dates, not from every month: at 1.2 M monthly rows
    that read was a hash of the whole table, half of each call's time."""
    partitions.ensure(date(2025, 9, 1), date(2025, 11, 1))
    client = make_client(org.am, client_no="1100000001")
    for day in (date(2025, 9, 30), date(2025, 11, 28)):
        AccountSnapshot.objects.create(client=client, date=day, total_assets=1)
    plans = []

    def explain_the_upsert(execute, sql, params, many, context):
        if sql.startswith("WITH src"):
            context["cursor"].execute("EXPLAIN " + sql, params)
            plans.append("\n".join(line for (line,) in context["cursor"].fetchall()))
        return execute(sql, params, many, context)

    rows = [{"client_no": "1100000001", "date": d, "total_assets": "5"}
            for d in ("2025-10-30", "2025-10-31")]  # fmt: skip
    with connection.execute_wrapper(explain_the_upsert):
        result = services.snapshots_upsert(user=org.am, rows=rows)
    assert result.created == 2 and not result.errors
    (plan,) = plans
    assert "clients_accountsnapshot_p202510" in plan
    assert "p202509" not in plan and "p202511" not in plan and "_default" not in plan


def test_partitions_are_made_ahead_by_the_periodic_task_and_again_changes_nothing(db, settings):
    settings.CRM_PARTITIONS_AHEAD_MONTHS = 3
    created = partitions.ensure_ahead(date(2031, 5, 20))  # as if the task ran then
    months = ["203105", "203106", "203107", "203108"]
    assert created == [f"{t}_p{m}" for m in months for t in partitions.TABLES]
    for table in partitions.TABLES:
        names = partitions.partitions(table)
        assert {f"{table}_p{m}" for m in months} <= set(names)
        assert f"{table}_default" in names
    assert partitions.ensure_ahead(date(2031, 5, 20)) == []
    ensure_partitions.apply().get()  # today's months (the migration made them, if today)
    assert ensure_partitions.apply().get() == []


def test_a_row_of_a_month_without_partition_lands_in_the_default_and_is_split_out(org):
    client = make_client(org.am, client_no="1100000001")
    AccountSnapshot.objects.create(client=client, date=date(2019, 3, 15), total_assets=5)
    Holding.objects.create(client=client, date=date(2019, 3, 15), security_code="600519",
                           quantity=100)  # fmt: skip
    assert where("clients_accountsnapshot", date(2019, 3, 15)) == "clients_accountsnapshot_default"
    created = partitions.ensure_ahead()
    assert "clients_accountsnapshot_p201903" in created and "clients_holding_p201903" in created
    assert where("clients_accountsnapshot", date(2019, 3, 15)) == "clients_accountsnapshot_p201903"
    assert where("clients_holding", date(2019, 3, 15)) == "clients_holding_p201903"
    assert AccountSnapshot.objects.get(client=client).total_assets == 5


def test_the_unique_client_and_date_rule_holds_across_partitions(org):
    client = make_client(org.am, client_no="1100000001")
    partitions.ensure(date(2024, 1, 1), date(2024, 2, 1))
    AccountSnapshot.objects.create(client=client, date=date(2024, 1, 31), total_assets=1)
    AccountSnapshot.objects.create(client=client, date=date(2024, 2, 29), total_assets=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountSnapshot.objects.create(client=client, date=date(2024, 1, 31), total_assets=2)
    # a row kept in the default partition, then its month's partition made: still one
    AccountSnapshot.objects.create(client=client, date=date(2018, 6, 30), total_assets=3)
    partitions.ensure(date(2018, 6, 1), date(2018, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountSnapshot.objects.create(client=client, date=date(2018, 6, 30), total_assets=4)
    # the bulk upsert (ON CONFLICT (client_id, date)) over three partitions, twice
    rows = [{"client_no": "1100000001", "date": d, "total_assets": "7"}
            for d in ("2018-06-30", "2024-01-31", "2024-02-29", "2017-01-31")]  # fmt: skip
    first = services.snapshots_upsert(user=org.am, rows=rows)
    second = services.snapshots_upsert(user=org.am, rows=rows)
    assert (first.created, first.updated, second.unchanged) == (1, 3, 4)
    assert AccountSnapshot.objects.filter(client=client).count() == 4
    holding = {"client": client, "date": date(2024, 1, 31), "security_code": "600519",
               "quantity": 1}  # fmt: skip
    Holding.objects.create(**holding)
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.create(**holding)


def test_the_model_keeps_its_id_primary_key(org):
    """Django sees `id` as the primary key; the table's is (id, date), ids still unique."""
    client = make_client(org.am, client_no="1100000001")
    a = AccountSnapshot.objects.create(client=client, date=date(2025, 10, 31), total_assets=1)
    b = AccountSnapshot.objects.create(client=client, date=date(2021, 10, 29), total_assets=2)
    assert a.pk and b.pk and a.pk != b.pk
    assert AccountSnapshot.objects.get(pk=b.pk).total_assets == 2
    a.total_assets = 9
    a.save()
    assert AccountSnapshot.objects.get(pk=a.pk).total_assets == 9
    b.delete()
    assert list(AccountSnapshot.objects.values_list("pk", flat=True)) == [a.pk]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'clients_accountsnapshot'::regclass AND contype = 'p'"
        )
        assert cur.fetchone()[0] == "PRIMARY KEY (id, date)"


def test_an_old_month_is_detached_into_the_archive_never_deleted(org, settings):
    settings.CRM_PARTITIONS_ONLINE_MONTHS = 36
    client = make_client(org.am, client_no="1100000001")
    partitions.ensure(date(2020, 1, 1), date(2020, 1, 1))
    AccountSnapshot.objects.create(client=client, date=date(2020, 1, 22), total_assets=100,
                                   commission=3)  # fmt: skip
    AccountSnapshot.objects.create(client=client, date=date(2020, 1, 23), total_assets=300)
    call_command("detach_partition", "2020-01")
    assert not AccountSnapshot.objects.filter(date__year=2020).exists()
    assert "clients_accountsnapshot_p202001" not in partitions.partitions("clients_accountsnapshot")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM archive.clients_accountsnapshot_p202001")
        assert cur.fetchone()[0] == 2
    # its monthly figures stay: rolled up before it went
    month = ClientMonth.objects.get(client=client, month=date(2020, 1, 1))
    assert (month.days, month.avg_assets, month.commission) == (2, 200, 3)
    # the archive refuses a delete (the retention trigger, installed after migrate)
    with (
        pytest.raises(Exception, match="archived, never deleted"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("DELETE FROM archive.clients_accountsnapshot_p202001")
    # a late fact of the archived month stays in the default partition, in sight
    AccountSnapshot.objects.create(client=client, date=date(2020, 1, 24), total_assets=1)
    assert "clients_accountsnapshot_p202001" not in partitions.ensure_ahead()
    assert where("clients_accountsnapshot", date(2020, 1, 24)) == "clients_accountsnapshot_default"


def test_a_month_kept_online_cannot_be_detached(db, settings):
    settings.CRM_PARTITIONS_ONLINE_MONTHS = 12  # never less than 36 months all the same
    kept = partitions.earliest_kept(date(2026, 12, 2))
    assert kept == date(2023, 12, 1)
    with pytest.raises(partitions.PartitionError, match="kept online"):
        partitions.detach(date(2024, 1, 1), today=date(2026, 12, 2))
    with pytest.raises(CommandError, match="no partition"):
        call_command("detach_partition", "1999-01")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("detach_partition", "2020-13")


def test_the_migration_moves_the_rows_and_can_be_reversed(org):
    """Back to 0009 (one plain table each, the rows kept) and forward again."""
    from django.db.migrations.executor import MigrationExecutor

    client = make_client(org.am, client_no="1100000001")
    AccountSnapshot.objects.create(client=client, date=date(2025, 10, 31), total_assets=1)
    AccountSnapshot.objects.create(client=client, date=date(2016, 2, 29), total_assets=2)
    Holding.objects.create(client=client, date=date(2025, 10, 31), security_code="1",
                           quantity=1)  # fmt: skip
    # The migration alone, back and forth (later migrations of other tables stay applied;
    # the test's transaction rolls the DDL back afterwards).
    loader = MigrationExecutor(connection).loader
    migration = loader.get_migration("clients", "0010_partition_facts_by_month")
    with connection.schema_editor() as editor:
        migration.unapply(loader.project_state(("clients", "0010_partition_facts_by_month")),
                          editor)  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE relname = 'clients_accountsnapshot'")
        assert cur.fetchone()[0] == "r"
        cur.execute("SELECT count(*) FROM clients_accountsnapshot")
        assert cur.fetchone()[0] == 2
    with connection.schema_editor() as editor:
        migration.apply(loader.project_state(("clients", "0009_rollups")), editor)
    assert where("clients_accountsnapshot", date(2016, 2, 29)) == "clients_accountsnapshot_p201602"
    assert where("clients_holding", date(2025, 10, 31)) == "clients_holding_p202510"
    made = AccountSnapshot.objects.create(client=client, date=date(2025, 11, 3), total_assets=3)
    assert made.pk > max(AccountSnapshot.objects.exclude(pk=made.pk).values_list("pk", flat=True))
