"""Logs with a request id (crm/logs.py) and /metrics (crm/metrics.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery import Celery, current_app
from celery.worker.request import Request
from django.http import HttpResponse
from django.test import RequestFactory

from crm import metrics
from crm.logs import JsonFormatter, RequestIdMiddleware, request_id_var, task_id_var

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def json_console():
    """The configured console handler (settings.LOGGING, its request-id filter) writing
    JSON into a buffer, as LOG_FORMAT=json does."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream, formatter = handler.stream, handler.formatter
    buffer = io.StringIO()
    handler.setStream(buffer)
    handler.setFormatter(JsonFormatter())
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        handler.setStream(stream)
        handler.setFormatter(formatter)


# --- Request id -----------------------------------------------------------------------
def test_a_request_logs_json_with_the_request_id_it_answers(client, db):
    with json_console() as lines:
        response = client.get("/no-such-page-of-the-test")
    assert response.status_code == 404
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    [line] = [r for r in lines() if r["logger"] == "django.request"]
    assert line["request_id"] == rid and line["level"] == "WARNING"
    assert "no-such-page-of-the-test" in line["message"] and "time" in line
    assert "request" not in line  # the HttpRequest object is not dumped


def test_every_line_inside_the_request_carries_its_id_and_none_after():
    logger = logging.getLogger("crm.test")

    def view(request):
        logger.warning("inside the view", extra={"client_no": "1100000001"})
        return HttpResponse("ok")

    with json_console() as lines:
        response = RequestIdMiddleware(view)(
            RequestFactory().get("/", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
        )
        logger.warning("after the request")
    inside, after = lines()
    assert response["X-Request-ID"] == inside["request_id"] == "0123456789abcdef0123456789abcdef"
    assert inside["client_no"] == "1100000001" and inside["message"] == "inside the view"
    assert after["request_id"] is None and request_id_var.get() is None


@pytest.mark.parametrize("given", ["", "short", "a b c d e f g h", "x" * 65, "<script>123456"])
def test_a_missing_or_malformed_request_id_is_replaced(client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] != given and len(response["X-Request-ID"]) == 32


def test_a_task_enqueued_by_a_request_logs_with_its_request_id():
    """Published through a real broker transport (memory), run by a worker's Request."""
    app = Celery("observability-test", broker="memory://localhost/", set_as_current=False)
    seen = {}

    @app.task(name="tests.observability.echo", bind=True)
    def echo(self):
        seen.update(request_id=request_id_var.get(), task_id=task_id_var.get())
        logging.getLogger("crm.test").warning("in the task")

    token = request_id_var.set("feedfacefeedface")
    try:
        result = echo.apply_async()
    finally:
        request_id_var.reset(token)
    with app.connection_for_read() as conn, json_console() as lines:
        message = conn.SimpleQueue("celery").get(timeout=2)
        assert message.headers["request_id"] == "feedfacefeedface"
        Request(message, app=app, task=echo).execute()
    assert seen == {"request_id": "feedfacefeedface", "task_id": result.id}
    [line] = [r for r in lines() if r["message"] == "in the task"]
    assert (line["request_id"], line["task_id"]) == ("feedfacefeedface", result.id)
    assert request_id_var.get() is None and task_id_var.get() is None  # reset after the task


# --- /metrics -------------------------------------------------------------------------
@pytest.fixture
def broker():
    """The test broker's Redis client; the queue's list emptied before and after."""
    with current_app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete("celery")
        yield client
        client.delete("celery")


def sample(text: str, series: str) -> float:
    """The value of one series of the text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_from_loopback_show_requests_sql_and_queue_lengths(client, db, broker, monkeypatch):
    monkeypatch.setattr(current_app.control, "ping", lambda timeout: [{"w@host": {"ok": "pong"}}])
    healthz_ok = (
        "django_http_responses_total_by_status_view_method_total"
        '{method="GET",status="200",view="healthz"}'
    )
    queries = 'django_db_execute_total{alias="default",vendor="postgresql"}'
    before = client.get("/metrics").content.decode()
    broker.rpush("celery", "a", "b", "c")
    client.get("/healthz")  # a request and a query between the two scrapes
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'django_http_requests_total_by_method_total{method="GET"}' in text
    assert sample(text, healthz_ok) == sample(before, healthz_ok) + 1
    assert sample(text, queries) >= sample(before, queries) + 1  # SELECT 1 of /healthz
    assert sample(before, 'crm_celery_queue_length{queue="celery"}') == 0
    assert sample(text, 'crm_celery_queue_length{queue="celery"}') == 3
    assert sample(text, "crm_celery_broker_up") == 1


def test_metrics_are_404_to_other_addresses_and_200_with_the_token(client, db, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    settings.METRICS_TOKEN = "metrics-token-of-the-test"
    ok = {"REMOTE_ADDR": "203.0.113.7", "HTTP_AUTHORIZATION": "Bearer metrics-token-of-the-test"}
    assert client.get("/metrics", **ok).status_code == 200
    wrong = {**ok, "HTTP_AUTHORIZATION": "Bearer metrics-token-of-the-tesT"}
    assert client.get("/metrics", **wrong).status_code == 404
    settings.METRICS_ALLOWED_NETS = ["10.20.30.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_behind_nginx_the_forwarded_address_decides(client, db, settings):
    """Every request nginx passes on comes from 127.0.0.1; its X-Forwarded-For entry is
    the client (CRM_TRUSTED_PROXIES=1 in deploy/crm.env.example)."""
    settings.CRM_TRUSTED_PROXIES = 1
    outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert outside.status_code == 404
    forged = client.get("/metrics", REMOTE_ADDR="127.0.0.1",
                        HTTP_X_FORWARDED_FOR="127.0.0.1, 198.51.100.4")  # fmt: skip
    assert forged.status_code == 404
    local = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert local.status_code == 200


def test_metrics_still_answer_when_the_broker_does_not(client, db, monkeypatch):
    def down():
        raise ConnectionError("broker down")

    monkeypatch.setattr(metrics, "queue_lengths", down)
    response = client.get("/metrics")
    text = response.content.decode()
    assert response.status_code == 200 and "crm_celery_broker_up 0.0" in text
    assert 'crm_celery_queue_length{queue="celery"}' not in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_processes_add_up_in_multiprocess_mode(tmp_path):
    """Two gunicorn workers with PROMETHEUS_MULTIPROC_DIR (as crm-web.service runs them):
    /metrics counts the requests of both, whichever worker answers the scrape. gunicorn's
    own lines are JSON too, its access line with the request id the app answered."""
    port = _free_port()
    metrics_dir = tmp_path / "prometheus"
    (metrics_dir).mkdir()
    (metrics_dir / "counter_stale.db").write_bytes(b"left by an old run")
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "1",
        "WEB_KEEPALIVE": "0",
        "LOG_FORMAT": "json",
        "WEB_ACCESS_LOG": "-",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "config/gunicorn.conf.py",
         "config.wsgi"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/metrics", timeout=5).read()  # up yet?
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no gunicorn"
                time.sleep(0.5)
        ids = set()
        for _ in range(20):
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=10) as response:
                response.read()
                ids.add(response.headers["X-Request-ID"])
        text = urllib.request.urlopen(f"{url}/metrics", timeout=10).read().decode()
        pids = {p.name for p in metrics_dir.glob("*.db")}
        assert not (metrics_dir / "counter_stale.db").exists()  # emptied at start
        assert len([p for p in pids if p.startswith("counter_")]) == 2  # both workers wrote
        line = next(
            ln for ln in text.splitlines()
            if ln.startswith("django_http_responses_total_by_status_view_method_total{")
            and 'view="login"' in ln and 'status="200"' in ln
        )  # fmt: skip
        assert float(line.rsplit(" ", 1)[1]) == 20.0
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    lines = [json.loads(ln) for ln in (tmp_path / "gunicorn.log").read_text().splitlines()
             if ln.startswith("{")]  # fmt: skip
    assert any(r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in lines)
    access = [r["message"] for r in lines if r["logger"] == "gunicorn.access"]
    assert {m.rsplit(" ", 1)[1] for m in access if "/accounts/login/" in m} == ids


def test_metrics_count_the_open_snapshot_imports(client, org):
    from clients.models import ImportJob

    gauge = 'crm_import_jobs_open{status="%s"}'
    before = client.get("/metrics").content.decode()
    assert sample(before, gauge % "queued") == 0 and gauge % "running" in before
    for status in ("queued", "queued", "running", "done", "failed"):
        ImportJob.objects.create(
            branch=org.bj, file="imports/x.csv", original_name="x.csv", status=status,
            created_by=org.bm,
        )  # fmt: skip
    text = client.get("/metrics").content.decode()
    assert (sample(text, gauge % "queued"), sample(text, gauge % "running")) == (2, 1)
    assert gauge % "done" not in text
