# Account snapshots and holdings as PostgreSQL declarative partitions by month
# (clients/partitions.py says how they are kept). Plain SQL: Django has no partitioned
# tables. The model keeps `id` as its primary key field; in SQL the primary key is
# (id, date), because a unique rule of a partitioned table must hold its partition key;
# `id` still comes from one sequence, so it stays unique. The unique (client, date) rule
# (and (client, date, security) for holdings) holds the key and so holds across partitions.
# The index Django made for the client column goes: the unique rule starts with client_id.

import django.db.models.deletion
from django.db import migrations, models

# Creates <parent>_pYYYYMM for a month unless it exists, moving the month's rows out of
# <parent>_default first (PostgreSQL refuses to attach a partition whose rows sit in the
# default one). Idempotent; two callers at once wait on an advisory lock. Returns whether
# it created the partition.
ENSURE_FUNCTION = """
CREATE OR REPLACE FUNCTION clients_month_partition(parent text, month date)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    lo date := date_trunc('month', month)::date;
    hi date := (date_trunc('month', month) + interval '1 month')::date;
    part text := parent || '_p' || to_char(lo, 'YYYYMM');
    dflt text := parent || '_default';
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('clients_month_partition'), hashtext(part));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', part, parent);
    -- a CHECK of the range lets ATTACH skip scanning the new table
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK ("date" >= %L AND "date" < %L)',
                   part, part || '_range', lo, hi);
    IF to_regclass(dflt) IS NOT NULL THEN
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE "date" >= %L AND "date" < %L '
                       'RETURNING *) INSERT INTO %I SELECT * FROM moved', dflt, lo, hi, part);
    END IF;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   parent, part, lo, hi);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_range');
    RETURN true;
END $$;
"""

# Rebuilds one table as a partitioned one under the same name, keeping Django's names
# of its constraints and indexes; one partition per month that has rows, this month and
# the three ahead, and a default partition for anything else (a month the periodic job
# has not made yet is split out of it by that job).
PARTITION_TABLE = """
DO $$
DECLARE
    t text := '{table}';
    fk record;
    ix record;
    m date;
    seq_max bigint;
BEGIN
    SET CONSTRAINTS ALL IMMEDIATE;  -- no deferred check left on the table dropped below
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t, t || '_unpartitioned');
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS) PARTITION BY RANGE ("date")',
                   t || '_new', t || '_unpartitioned');
    EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', t || '_default', t || '_new');
    -- the unpartitioned table's constraints and indexes go with it; the new ones get
    -- their names once it is dropped
    CREATE TEMP TABLE _fks ON COMMIT DROP AS
        SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = (t || '_unpartitioned')::regclass AND contype = 'f';
    CREATE TEMP TABLE _ixs ON COMMIT DROP AS
        SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = (t || '_unpartitioned')::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
          AND pg_get_indexdef(i.oid) NOT LIKE '%(client_id)';
    EXECUTE format('SELECT max(id) FROM %I', t || '_unpartitioned') INTO seq_max;
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_new', t);
    FOR m IN EXECUTE format(
        'SELECT DISTINCT date_trunc(''month'', "date")::date FROM %I '
        'UNION SELECT (date_trunc(''month'', now()) + make_interval(months => k))::date '
        'FROM generate_series(0, 3) k ORDER BY 1', t || '_unpartitioned')
    LOOP
        PERFORM clients_month_partition(t, m);
    END LOOP;
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', t, t || '_unpartitioned');
    EXECUTE format('DROP TABLE %I', t || '_unpartitioned');
    EXECUTE format('CREATE SEQUENCE %I OWNED BY %I.id', t || '_id_seq', t);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id SET DEFAULT nextval(%L)', t, t || '_id_seq');
    IF seq_max IS NOT NULL THEN
        PERFORM setval(t || '_id_seq', seq_max);
    END IF;
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (id, "date")', t, t || '_pkey');
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I UNIQUE ({unique})', t, '{unique_name}');
    FOR fk IN SELECT * FROM _fks LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', t, fk.conname, fk.def);
    END LOOP;
    FOR ix IN SELECT * FROM _ixs LOOP
        EXECUTE replace(ix.def, t || '_unpartitioned ', t || ' ');
    END LOOP;
    DROP TABLE _fks;
    DROP TABLE _ixs;
    EXECUTE format('ANALYZE %I', t);
END $$;
"""

# Back to one plain table (the same names), should the migration be reversed.
UNPARTITION_TABLE = """
DO $$
DECLARE
    t text := '{table}';
    fk record;
    ix record;
BEGIN
    SET CONSTRAINTS ALL IMMEDIATE;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS)', t || '_plain', t);
    EXECUTE format('INSERT INTO %I SELECT * FROM %I', t || '_plain', t);
    CREATE TEMP TABLE _fks ON COMMIT DROP AS
        SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
        WHERE conrelid = t::regclass AND contype = 'f';
    CREATE TEMP TABLE _ixs ON COMMIT DROP AS
        SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = t::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id DROP DEFAULT', t || '_plain');
    EXECUTE format('DROP TABLE %I CASCADE', t);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_plain', t);
    EXECUTE format('ALTER TABLE %I ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY', t);
    EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), '
                   'COALESCE((SELECT max(id) FROM %I), 1))', t, t);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (id)', t, t || '_pkey');
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I UNIQUE ({unique})', t, '{unique_name}');
    FOR fk IN SELECT * FROM _fks LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', t, fk.conname, fk.def);
    END LOOP;
    FOR ix IN SELECT * FROM _ixs LOOP
        EXECUTE replace(ix.def, 'ON ONLY public.', 'ON ');
    END LOOP;
    EXECUTE format('CREATE INDEX %I ON %I (client_id)', t || '_client_id_idx', t);
    DROP TABLE _fks;
    DROP TABLE _ixs;
END $$;
"""

TABLES = [
    ("clients_accountsnapshot", "client_id, \"date\"", "snapshot_once_per_day"),
    ("clients_holding", "client_id, \"date\", security_code", "holding_once_per_day"),
]


def _sql(template: str, table: str, unique: str, unique_name: str) -> str:
    return (template.replace("{table}", table).replace("{unique}", unique)
            .replace("{unique_name}", unique_name))  # fmt: skip


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("clients", "0009_rollups"),
    ]

    operations = [
        # lists: each statement runs as it is (a string would be split at its semicolons)
        migrations.RunSQL([ENSURE_FUNCTION], ["DROP FUNCTION IF EXISTS clients_month_partition"]),
        *[
            migrations.SeparateDatabaseAndState(
                database_operations=[
                    migrations.RunSQL(
                        [_sql(PARTITION_TABLE, table, unique, name)],
                        [_sql(UNPARTITION_TABLE, table, unique, name)],
                    )
                ],
                state_operations=[
                    migrations.AlterField(
                        model_name=model,
                        name="client",
                        field=models.ForeignKey(
                            db_index=False,
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name=related,
                            to="clients.client",
                        ),
                    )
                ],
            )
            for (table, unique, name), model, related in zip(
                TABLES, ("accountsnapshot", "holding"), ("snapshots", "holdings"), strict=True
            )
        ],
    ]
