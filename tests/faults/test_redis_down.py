"""Redis stopped: pages still serve, /healthz says so, nothing is lost.

Redis is both the cache (sessions are `cached_db`, so every page reads it) and the Celery
broker. These tests stop a private redis-server of their own (it saves its data and
loads it again on restart, like a production Redis with persistence), or point the cache
at a server that accepts connections and never answers.
"""

from __future__ import annotations

import socket
import time
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clients.models import AccountSnapshot, ImportJob
from clients.tasks import resume_stalled_imports
from crm.jobs import publish
from crm.models import Notification, Reminder, Todo
from crm.tasks import sla_scan
from tests.factories import PASSWORD, make_client
from tests.faults.conftest import cache_settings, celery_broker

PAGES = ["crm:workbench", "crm:todo-list", "crm:notifications", "clients:list",
         "complaints:desk", "callcenter:queue"]  # fmt: skip


def log_in(client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"


def test_pages_serve_while_redis_is_stopped(client, org, settings, private_redis):
    settings.CACHES = cache_settings(private_redis.cache_url())
    log_in(client, "am")  # the session is in the cache and in the database
    private_redis.stop()

    started = time.monotonic()
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get("/api/v1/clients/").status_code == 200
    elapsed = time.monotonic() - started
    # logging in and out work too: sessions come from the database meanwhile
    bm = Client()
    log_in(bm, "bm")
    assert bm.get(reverse("crm:dashboard")).status_code == 200
    assert bm.post(reverse("logout")).status_code == 302
    assert bm.get(reverse("crm:workbench")).status_code == 302  # logged out: to the login page
    assert elapsed < 5, f"{len(PAGES) + 1} requests took {elapsed:.1f}s without Redis"


def test_a_black_holed_redis_costs_one_timeout_not_one_per_call(client, org, settings):
    """A server that accepts the connection and never answers (a hung Redis, a dropped
    route): the first cache call waits for the socket timeout, the following ones skip
    Redis until RETRY_AFTER has passed."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)  # never accepted, never answered
        port = hole.getsockname()[1]
        client.force_login(org.am)  # the session is in the database only
        settings.CACHES = cache_settings(
            f"redis://127.0.0.1:{port}/1", socket_timeout=1.5, RETRY_AFTER=60
        )
        timings = []
        for name in PAGES[:4]:
            started = time.monotonic()
            assert client.get(reverse(name)).status_code == 200
            timings.append(time.monotonic() - started)
    assert timings[0] >= 1.5
    assert all(t < 1.0 for t in timings[1:]), timings


def test_healthz_reports_redis_stopped_then_back(org, settings, private_redis, monkeypatch):
    from config.celery import app

    settings.CACHES = cache_settings(private_redis.cache_url())
    monkeypatch.setattr(app.control, "ping", lambda timeout: [{"w@host": {"ok": "pong"}}])
    probe = Client()
    assert probe.get("/healthz").status_code == 200
    private_redis.stop()
    response = probe.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "error: ConnectionError",
        "worker": "error: broker unavailable",
    }
    private_redis.start()
    assert probe.get("/healthz").status_code == 200


def test_a_session_ended_during_the_outage_stays_ended(org, settings, private_redis):
    """Logging out while Redis is stopped deletes the session from the database but not
    from Redis; when Redis comes back with its saved data the old session would log the
    user in again. The cache is emptied at the first contact after lost writes."""
    from django.core.cache import cache

    settings.CACHES = cache_settings(private_redis.cache_url())
    browser = Client()
    log_in(browser, "am")
    cookie = browser.cookies["sessionid"].value
    cache.set("dashboard-figures", "computed before the outage")
    private_redis.stop()
    assert browser.post(reverse("logout")).status_code == 302
    cache.set("dashboard-figures", "lost")  # a write skipped, e.g. a version bump
    private_redis.start()  # with the data saved at the stop, the old session included

    stolen = Client()
    stolen.cookies["sessionid"] = cookie
    assert stolen.get(reverse("crm:workbench")).status_code == 302  # to the login page
    assert cache.get("dashboard-figures") is None  # stale entries are gone too


def test_work_queued_while_the_broker_is_down_catches_up(
    client, org, settings, private_redis, tmp_path, caplog, django_capture_on_commit_callbacks
):
    """A page whose work goes to Celery answers at once while the broker is stopped; the
    message is lost, and the periodic jobs do the work once it is back."""
    settings.MEDIA_ROOT = tmp_path
    settings.CACHES = cache_settings(private_redis.cache_url())
    make_client(org.am, client_no="1100000001")
    Todo.objects.create(
        branch=org.bj, title="逾期的待办", assignee=org.am, created_by=org.bm,
        due_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    client.force_login(org.bm)
    private_redis.stop()
    with celery_broker(private_redis.broker_url()):
        # beat cannot hand the SLA scan to the workers
        assert publish(sla_scan) is False
        # an upload: the job is stored, its message cannot be sent, the page answers
        upload = SimpleUploadedFile("s.csv", b"client_no,date,total_assets\n"
                                    b"1100000001,2025-10-31,100\n")  # fmt: skip
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("clients:import"), {"file": upload})
        assert response.status_code == 302
        assert time.monotonic() - started < 2
    assert "could not enqueue clients.tasks.import_snapshots_file" in caplog.text
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED
    assert Reminder.objects.count() == 0

    private_redis.start()
    # The next scan (every 5 minutes) sends the reminders the missed one would have:
    # the breach to the assignee and the first escalation to the branch manager.
    assert sla_scan.apply().get() == 2
    assert Notification.objects.filter(recipient=org.am, title__contains="逾期的待办").count() == 1
    assert Notification.objects.filter(recipient=org.bm).count() == 1
    assert sla_scan.apply().get() == 0
    # The import sweep (every 10 minutes) enqueues the jobs still queued after 10 minutes.
    assert resume_stalled_imports.apply().get() == 0  # too recent: maybe just waiting
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    assert resume_stalled_imports.apply().get() == 1
    job.refresh_from_db()
    assert (job.status, job.stored_rows) == (ImportJob.Status.DONE, 1)
    assert AccountSnapshot.objects.count() == 1


# Every task a page enqueues, and the periodic job that does its work when the message was
# lost because the broker was down. A new enqueue_on_commit(...) needs a line here.
CATCH_UP = {
    "send_notification_emails": "crm.tasks.send_pending_emails",
    "sla_recompute_deadlines": "crm.tasks.sla_recompute_deadlines",
    "import_snapshots_file": "clients.tasks.resume_stalled_imports",
    # "run now" in the admin: the nightly chunked run does it all the same
    "nightly_segmentation": "crm.tasks.job_start",
    "job_chunk": "crm.tasks.job_resume",  # a chunk of a nightly job (crm/chunks.py)
}


def test_every_enqueued_task_has_a_periodic_catch_up(settings):
    import re
    from pathlib import Path

    # the task, or its name: enqueue_on_commit(sla_scan) or ("crm.tasks.sla_scan")
    call = r"(?<!def )enqueue_on_commit\(\s*[\"']?(?:\w+\.)*(\w+)"
    enqueued = set()
    for app in ("crm", "clients", "visits", "complaints", "callcenter", "knowledge"):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            enqueued |= set(re.findall(call, path.read_text()))
    assert enqueued, "no enqueue_on_commit call found"
    assert enqueued <= set(CATCH_UP), f"no catch-up declared for {enqueued - set(CATCH_UP)}"
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {CATCH_UP[name] for name in enqueued} <= scheduled
