"""Reads on a real streaming replica (crm/db.py): the module starts a hot standby of the
embedded PostgreSQL that holds the test database (pg_basebackup -R, a second postmaster on a
free loopback port: config.devstack.start_replica) and points the "replica" alias at it.

- a page marked @reads_from_replica reads the replica; its access checks read the primary;
- a request that writes reads its own write from the primary (the replica paused, so the
  write cannot have reached it);
- the replica stopped, or lagging beyond CRM_REPLICA_MAX_LAG: the same page reads the primary,
  and reads the replica again once it is back.

The tests are transactional: what they write is committed, so it streams to the replica.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import time
from types import SimpleNamespace

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.http import JsonResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views import View

from crm import db as replica_db
from crm.db import REPLICA_ALIAS, reads_from_replica, replica_reads, replica_status
from crm.models import Branch

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=[DEFAULT_DB_ALIAS, REPLICA_ALIAS]
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the replica did not catch up")
        time.sleep(0.05)


def _on(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def wait_replayed() -> None:
    """Until the replica has replayed everything the primary wrote so far."""
    lsn = _on(DEFAULT_DB_ALIAS, "SELECT pg_current_wal_lsn()::text")
    _wait(lambda: _on(REPLICA_ALIAS, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]))


def wait_streaming() -> None:
    def streaming():
        try:
            return _on(REPLICA_ALIAS, "SELECT count(*) FROM pg_stat_wal_receiver "
                                      "WHERE status = 'streaming'") == 1  # fmt: skip
        except Exception:
            connections[REPLICA_ALIAS].close()
            return False

    _wait(streaming)


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """A streaming replica of the test database, for this module only."""
    from config import devstack

    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    host = primary["HOST"] or primary["OPTIONS"].get("host", "")  # ?host=<socket folder>
    if not host.startswith("/"):
        pytest.skip("the replica is made from the embedded PostgreSQL (DATABASE_URL unset)")
    port = _free_port()
    target = devstack.LOCAL / f"replica-{os.getpid()}"
    devstack.stop_replica(target)  # what a killed run left
    with django_db_blocker.unblock():
        devstack.start_replica(target, port, host, int(primary["PORT"] or 5432))
    options = {k: v for k, v in primary["OPTIONS"].items() if k != "host"}
    options["options"] = options.get("options", "") + " -c default_transaction_read_only=on"
    options["connect_timeout"] = 2
    connections.settings[REPLICA_ALIAS] = {
        **primary, "HOST": "127.0.0.1", "PORT": str(port), "OPTIONS": options,
        # not flushed between transactional tests: the primary's flush streams to it
        "TEST": {**primary["TEST"], "MIRROR": DEFAULT_DB_ALIAS},
    }  # fmt: skip
    replica_db.forget_replica_status()

    def stop():
        connections[REPLICA_ALIAS].close()
        devstack.stop_replica(target, remove=False)

    def start():
        devstack.run_replica(target, port)
        wait_streaming()

    try:
        yield SimpleNamespace(port=port, target=target, stop=stop, start=start)
    finally:
        connections[REPLICA_ALIAS].close()
        with contextlib.suppress(AttributeError):
            del connections[REPLICA_ALIAS]
        del connections.settings[REPLICA_ALIAS]
        replica_db.forget_replica_status()
        devstack.stop_replica(target)


@pytest.fixture
def fresh(replica, settings):
    """Every read of the replica's health measures it again."""
    settings.CRM_REPLICA_CHECK_SECONDS = 0
    replica_db.forget_replica_status()
    wait_streaming()
    yield replica
    replica_db.forget_replica_status()


TABLE = re.compile(r'(?:FROM|JOIN) "(\w+)"')
ACCESS_CHECKS = {"auth_user", "crm_staffprofile", "crm_branch"}  # the user, role and branch


def tables(queries) -> set[str]:
    return {t for q in queries for t in TABLE.findall(q["sql"])}


def test_the_replica_is_a_streaming_standby_of_the_test_database(fresh, org):
    wait_replayed()
    assert _on(REPLICA_ALIAS, "SELECT pg_is_in_recovery()") is True
    assert _on(REPLICA_ALIAS, "SELECT current_database()") == connection.settings_dict["NAME"]
    assert _on(REPLICA_ALIAS, "SELECT count(*) FROM crm_branch") == 3
    status = replica_status()
    assert status.usable and status.lag == 0


def test_a_dashboard_reads_the_replica_and_checks_access_on_the_primary(fresh, org, client):
    wait_replayed()
    client.force_login(org.bm)
    with (
        CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
    ):
        response = client.get(reverse("crm:dashboard"))
    assert response.status_code == 200
    assert len(on_replica) > 5  # the figures
    # the user and the staff profile (the login and role checks): nothing else
    assert "auth_user" in tables(on_primary) <= ACCESS_CHECKS, tables(on_primary)
    assert tables(on_replica) - ACCESS_CHECKS, tables(on_replica)


def test_the_metrics_api_and_the_client_export_read_the_replica(fresh, org, api, client):
    wait_replayed()
    api.force_login(org.hq)
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        assert api.get("/api/v1/metrics/").status_code == 200
    assert len(on_replica) > 5
    client.force_login(org.bm)
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        response = client.get(reverse("clients:export"))
        assert response.status_code == 200
        b"".join(response.streaming_content)  # the rows are read as the CSV is sent
    assert "clients_client" in tables(on_replica)


@reads_from_replica
def rename(request, pk):
    """A marked view that writes halfway: what it reads after the write is the primary's."""
    before = Branch.objects.get(pk=pk)
    Branch.objects.filter(pk=pk).update(name="改名营业部")
    after = Branch.objects.get(pk=pk)
    return JsonResponse({"before": [before._state.db, before.name],
                         "after": [after._state.db, after.name]})  # fmt: skip


@reads_from_replica
class RenameView(View):
    def get(self, request, pk):
        return JsonResponse({"db": Branch.objects.get(pk=pk)._state.db})

    def post(self, request, pk):
        return JsonResponse({"db": Branch.objects.get(pk=pk)._state.db})


def test_a_request_that_writes_reads_its_own_write_from_the_primary(fresh, org):
    wait_replayed()
    _on(REPLICA_ALIAS, "SELECT pg_wal_replay_pause()")  # the write is not replayed
    try:
        request = RequestFactory().get("/")
        request.user = org.bm
        answer = json.loads(rename(request, org.bj.pk).content)
        assert answer == {"before": ["replica", "北京营业部"], "after": ["default", "改名营业部"]}
        assert Branch.objects.using(REPLICA_ALIAS).get(pk=org.bj.pk).name == "北京营业部"
    finally:
        _on(REPLICA_ALIAS, "SELECT pg_wal_replay_resume()")


def test_only_the_get_of_a_marked_view_reads_the_replica(fresh, org):
    wait_replayed()
    factory = RequestFactory()
    for method, alias in (("get", REPLICA_ALIAS), ("post", DEFAULT_DB_ALIAS)):
        request = getattr(factory, method)("/")
        request.user = org.bm
        response = RenameView.as_view()(request, pk=org.bj.pk)
        assert response.content.decode() == f'{{"db": "{alias}"}}', method


def test_raw_writes_and_transactions_keep_the_reads_on_the_primary(fresh, org):
    wait_replayed()

    def read():
        return Branch.objects.get(pk=org.bj.pk)._state.db

    with replica_reads():
        assert read() == REPLICA_ALIAS
        with transaction.atomic():  # a transaction on the primary reads the primary
            assert read() == DEFAULT_DB_ALIAS
        assert read() == REPLICA_ALIAS
        with connection.cursor() as cur:  # a raw write
            cur.execute("UPDATE crm_branch SET name = name WHERE id = %s", [org.bj.pk])
        assert read() == DEFAULT_DB_ALIAS
    with replica_reads():  # a new request starts on the replica again
        assert read() == REPLICA_ALIAS
        with transaction.atomic():  # a locking read is a write's first step
            locked = Branch.objects.select_for_update().get(pk=org.bj.pk)
            assert locked._state.db == DEFAULT_DB_ALIAS
        assert read() == DEFAULT_DB_ALIAS


def test_the_health_check_is_cached(replica, org, settings):
    settings.CRM_REPLICA_CHECK_SECONDS = 60
    replica_db.forget_replica_status()
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        for _ in range(5):
            with replica_reads():
                pass
    assert len(on_replica) == 1  # measured once for the five requests
    replica_db.forget_replica_status()


def test_a_stopped_replica_falls_back_to_the_primary(fresh, org, client):
    wait_replayed()
    client.force_login(org.bm)
    fresh.stop()
    try:
        started = time.monotonic()
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
            response = client.get(reverse("crm:dashboard"))
        assert response.status_code == 200
        assert time.monotonic() - started < 10
        status = replica_status()
        assert not status.usable and status.lag is None
        assert len(on_primary) > 5  # the figures, from the primary
    finally:
        fresh.start()
    with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
        assert client.get(reverse("crm:dashboard")).status_code == 200
    assert len(on_replica) > 5  # back on the replica once it answers


def test_a_replica_lagging_beyond_the_limit_falls_back_to_the_primary(fresh, org, settings, client):
    settings.CRM_REPLICA_MAX_LAG = 1
    wait_replayed()
    client.force_login(org.bm)
    _on(REPLICA_ALIAS, "SELECT pg_wal_replay_pause()")
    try:
        Branch.objects.filter(pk=org.sh.pk).update(name="上海分公司")  # streamed, not replayed
        time.sleep(1.5)
        status = replica_status()
        assert not status.usable and status.lag > 1
        with CaptureQueriesContext(connections[REPLICA_ALIAS]) as on_replica:
            assert client.get(reverse("crm:dashboard")).status_code == 200
        assert len(on_replica) == 1  # the lag measured, nothing else
    finally:
        _on(REPLICA_ALIAS, "SELECT pg_wal_replay_resume()")
    wait_replayed()
    status = replica_status()
    assert status.usable and status.lag == 0
    assert Branch.objects.using(REPLICA_ALIAS).get(pk=org.sh.pk).name == "上海分公司"
