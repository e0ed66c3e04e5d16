"""The web server of `make run` (gunicorn from the Procfile, config/gunicorn.conf.py) holds
at most WEB_CONCURRENCY x WEB_THREADS database connections however many requests come
at once, and answers every one of them (#14, finding 9: the threaded development server
left a connection behind per request until PostgreSQL refused more)."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
WORKERS, THREADS = 2, 3
APP_NAME = "crm-connection-test"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _procfile_web() -> list[str]:
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    return shlex.split(line.split(":", 1)[1])


@pytest.fixture(scope="module")
def web_server(django_db_setup):
    port = _free_port()
    parts = urlsplit(os.environ["DATABASE_URL"])  # the same server, the test database
    url = urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    env = {**os.environ, "DATABASE_URL": url, "GUNICORN_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": str(WORKERS), "WEB_THREADS": str(THREADS),
           "DB_APPLICATION_NAME": APP_NAME, "WEB_LOG_LEVEL": "warning",
           "DJANGO_DEBUG": "0"}  # fmt: skip
    command = _procfile_web()
    assert command[0] == "gunicorn"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *command[1:]], cwd=ROOT, env=env,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=10)
                break
            except OSError:  # refused, reset or not answered yet
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _session_cookie(user) -> str:
    browser = Client()
    browser.force_login(user)
    assert browser.session[SESSION_KEY]
    return f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


def _server_connections() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
        return cur.fetchone()[0]


def test_many_requests_at_once_stay_within_the_connection_budget(org, web_server):
    cookie = _session_cookie(org.bm)
    paths = ["/", "/clients/", "/complaints/", "/todos/", "/notifications/", "/accounts/login/"]

    def fetch(i: int) -> int:
        request = urllib.request.Request(web_server + paths[i % len(paths)])
        request.add_header("Cookie", cookie)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    peak = 0
    with ThreadPoolExecutor(max_workers=12) as pool:
        for _round in range(4):
            statuses = list(pool.map(fetch, range(60)))
            assert set(statuses) == {200}, statuses
            peak = max(peak, _server_connections())
    assert 1 <= peak <= WORKERS * THREADS


def test_the_make_run_server_shows_no_debug_page(web_server):
    """`make run` is what a new user sees: no traceback or URL list, the Chinese page."""
    request = urllib.request.Request(
        web_server + "/no-such-page/", headers={"Accept-Language": "zh-hans"}
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=10)
    body = answer.value.read().decode()
    assert answer.value.code == 404
    assert "URLconf" not in body and "Traceback" not in body and "DEBUG = True" not in body
    assert "页面不存在" in body or "找不到" in body or "未找到" in body, body[:500]
