"""A Celery worker killed in the middle of a task: the task runs again to completion, and
no reminder or callback is sent twice.

Real worker processes on the test database and the test Redis broker. To kill a worker
*in the middle* of a task, the test holds a table lock the task needs halfway: the worker
has written part of its work in its (uncommitted) transaction and waits; the test
SIGKILLs it there, releases the lock, and watches the task run again.

Two ways a worker dies:
- a pool process is killed (the OOM killer, a segfault): the main process sees it and,
  with `acks_late` and `reject_on_worker_lost`, puts the message back at once;
- the whole worker is killed (the machine, the container): the message stays in Redis
  unacknowledged and goes back to the queue once older than the transport's
  `visibility_timeout` (1 hour in production, 1 s for the second worker here), when a
  worker starts or sweeps.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import psutil
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from callcenter.models import Callback
from callcenter.services import generate_due_callbacks
from callcenter.tasks import generate_callbacks
from config.celery import app
from crm import sla
from crm.models import Notification, Reminder, Todo
from crm.tasks import sla_scan
from tests.factories import make_client
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUEUE = "faults"
BASE_DIR = Path(settings.BASE_DIR)


def database_url(application_name: str) -> str:
    """The test database, for another process; its connections carry the given name."""
    db = connection.settings_dict
    options = {**db["OPTIONS"], "application_name": application_name}
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    host = f"{db['HOST']}:{db['PORT']}" if db["HOST"] else ""
    return f"postgres://{credentials}@{host}/{db['NAME']}?{urlencode(options)}"


class Worker:
    def __init__(self, name: str, tmp_path: Path, *, pool: str = "solo", **env) -> None:
        self.name = name
        self.log = tmp_path / f"{name}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUE,
            "-n", f"{name}@%h", "--pool", pool, "--concurrency", "1", "--without-gossip",
            "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
        ]  # fmt: skip
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(name),
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            **env,
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
            )

    def pool_process(self) -> psutil.Process:
        children = []
        assert wait_for(lambda: children.extend(psutil.Process(self.process.pid).children())
                        or children, 10)  # fmt: skip
        return children[0]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def sessions(application_name: str, *, waiting: bool = False) -> list[str]:
    """The current query of each database session of the named worker."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name = %s"
            + (" AND wait_event_type = 'Lock'" if waiting else ""),
            [application_name],
        )
        return [row[0] for row in cur.fetchall()]


class TableLock:
    """Another session holding a lock on a table until released."""

    def __init__(self, table: str, mode: str) -> None:
        self.raw = connection.get_new_connection(connection.get_connection_params())
        with self.raw.cursor() as cur:
            cur.execute(f"LOCK TABLE {table} IN {mode} MODE")

    def release(self) -> None:
        if not self.raw.closed:
            self.raw.rollback()
            self.raw.close()


@pytest.fixture
def broker():
    """Publish for real to the test broker, on a queue of this test's own."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(QUEUE, "unacked", "unacked_index")
    yield app
    app.conf.task_always_eager = saved


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(name, **kwargs):
        started.append(Worker(name, tmp_path, **kwargs))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def table_lock():
    locks: list[TableLock] = []
    yield lambda table, mode: locks.append(TableLock(table, mode)) or locks[-1]
    for lock in locks:
        lock.release()


def kill_mid_task(worker: Worker, lock: TableLock, process, blocked_in: str) -> None:
    """Wait until the worker's task blocks on the lock in the statement `blocked_in`,
    SIGKILL `process` there, release the lock."""
    waiting: list[str] = []
    assert wait_for(lambda: waiting.extend(sessions(worker.name, waiting=True)) or waiting, 30), (
        worker.output()
    )
    assert blocked_in in waiting[0]
    if callable(process):  # the pool process as it is now that the task runs in it
        process = process()
    process.send_signal(signal.SIGKILL)
    lock.release()
    # The killed process's database session ends, rolled back, once it notices its
    # client is gone: at its next read, after the lock is granted.
    assert wait_for(lambda: not sessions(worker.name), 10), "a killed worker's session lives on"


def test_whole_worker_killed_during_the_sla_scan(org, broker, workers, table_lock):
    overdue = timezone.now() - timedelta(minutes=5)
    for i in range(3):
        Todo.objects.create(
            branch=org.bj,
            title=f"逾期的待办{i}",
            assignee=org.am,
            created_by=org.bm,
            due_at=overdue,
        )
    # the scan claims the reminders, then blocks writing the notifications
    lock = table_lock("crm_notification", "SHARE ROW EXCLUSIVE")
    first = workers("faults-w1")
    sla_scan.apply_async(queue=QUEUE)
    kill_mid_task(first, lock, first.process, blocked_in='INSERT INTO "crm_notification"')
    first.process.wait(timeout=5)
    assert Reminder.objects.count() == 0  # the claims died with the transaction
    assert Notification.objects.count() == 0

    # A new worker takes the unacknowledged message back and runs the scan again.
    workers("faults-w2", CELERY_VISIBILITY_TIMEOUT="1")
    assert wait_for(lambda: Notification.objects.count() == 6, 30)
    time.sleep(1.0)  # leave a duplicate the time to appear
    # per to-do: the breach to the assignee and the first escalation to the branch manager
    assert Reminder.objects.count() == 6
    assert Notification.objects.filter(recipient=org.am).count() == 3
    assert Notification.objects.filter(recipient=org.bm).count() == 3
    assert sla.scan() == 0  # the same as a clean run: nothing left to send
    assert Notification.objects.values("recipient", "url").distinct().count() == 6
    with app.connection_for_write() as conn:  # acknowledged: nothing left to redeliver
        assert conn.default_channel.client.hlen("unacked") == 0


def test_pool_process_killed_during_callback_generation(org, broker, workers, table_lock):
    today = timezone.localdate()
    for i in range(4):
        make_client(org.am, client_no=f"110000000{i}", opened_on=today - timedelta(days=10))
    make_client(org.am, client_no="1100000009", opened_on=date(today.year - 2, 6, 1))
    # statements 1 and 2 (new accounts, annual sample) insert, statement 3 reads the
    # policies and blocks: killed with the first callbacks written but not committed
    lock = table_lock("callcenter_callbackpolicy", "ACCESS EXCLUSIVE")
    worker = workers("faults-w3", pool="prefork")
    generate_callbacks.apply_async(queue=QUEUE)
    # looked up once the task blocks: under load the pool may replace a child before that
    kill_mid_task(worker, lock, worker.pool_process, blocked_in="callcenter_callbackpolicy")
    # the main process puts the message back at once and a new pool process runs it
    assert wait_for(lambda: "WorkerLostError" in worker.output(), 10), worker.output()
    assert wait_for(lambda: "succeeded" in worker.output(), 30), worker.output()
    counts = {reason: Callback.objects.filter(reason=reason).count()
              for reason in ("new_account", "annual_sample")}  # fmt: skip
    assert counts == {"new_account": 4, "annual_sample": 1}
    assert set(generate_due_callbacks().values()) == {0}  # as after a clean run
    duplicates = (
        Callback.objects.values("client", "reason", "period")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()


def test_two_workers_run_a_nightly_job_in_chunks_one_killed_midway(
    org, broker, workers, table_lock, monkeypatch
):
    """The nightly callbacks in chunks by branch (crm/chunks.py) on two workers: the pool
    process of the first is killed in the middle of a chunk; the chunk runs again, the run
    is finished once every chunk is done, and nothing is made twice."""
    from crm import chunks
    from crm.models import JobRun

    today = timezone.localdate()
    for i in range(3):
        make_client(org.am, client_no=f"110000010{i}", opened_on=today - timedelta(days=10))
        make_client(org.am_sh, client_no=f"310000010{i}", opened_on=today - timedelta(days=10))
    # the chunks go to this test's queue instead of "analytics"
    monkeypatch.setattr(chunks, "enqueue_on_commit", lambda task, pk: transaction.on_commit(
        lambda: app.tasks[task].apply_async(args=(pk,), queue=QUEUE)))  # fmt: skip
    lock = table_lock("callcenter_callbackpolicy", "ACCESS EXCLUSIVE")
    first = workers("faults-w4", pool="prefork")
    assert chunks.job_start("callbacks", today) == 3  # HQ, BJ01, SH01
    run = JobRun.objects.get(job="callbacks", day=today)
    kill_mid_task(first, lock, first.pool_process, blocked_in="callcenter_callbackpolicy")
    workers("faults-w5")
    finished = JobRun.objects.filter(pk=run.pk, finished_at__isnull=False)
    assert wait_for(finished.exists, 60), first.output()
    assert "WorkerLostError" in first.output()
    assert not run.chunks.filter(done_at__isnull=True).exists()
    assert Callback.objects.filter(reason="new_account").count() == 6
    assert set(generate_due_callbacks().values()) == {0}  # as after a clean run
    twice = Callback.objects.values("client", "reason", "period").annotate(n=Count("id"))
    assert not twice.filter(n__gt=1).exists()
