"""`make loadtest`: gunicorn with the production settings on loopback, driven by locust's
simulated users of every role (tests/bench/locustfile.py), at 20, 50 and 100 concurrent users.

Uses the data set `make bench` built (crm_bench_<size>); builds it first when missing.
Prints requests per second, p50/p95 and errors per user count, and writes them to
bench-load-<size>.txt.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.run import SIZES, build, setup_django

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ROLES = ["account_manager", "branch_manager", "service_agent", "compliance", "hq"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixture(path: Path) -> None:
    """Sessions for up to 10 users of each role with what they open, and an API token."""
    from django.contrib.auth import get_user_model
    from django.test import Client as HttpClient

    from callcenter.models import Callback
    from clients.models import Client
    from complaints.models import Complaint
    from crm.models import StaffProfile
    from crm.services import integration_token_issue

    sessions: dict[str, list] = {}
    for role in ROLES:
        sessions[role] = []
        for staff in StaffProfile.objects.filter(role=role).select_related("user")[:10]:
            web = HttpClient()
            web.force_login(staff.user)
            branch_complaints = Complaint.objects.filter(branch_id=staff.branch_id)
            sessions[role].append({
                "sessionid": web.cookies["sessionid"].value,
                "clients": list(Client.objects.filter(owner=staff.user)
                                .values_list("id", flat=True)[:50]),
                "complaints": list(branch_complaints.values_list("id", flat=True)[:50]),
                "callbacks": list(Callback.objects.filter(branch_id=staff.branch_id,
                                                          status="open")
                                  .values_list("id", flat=True)[:50]),
            })  # fmt: skip
    user = get_user_model().objects.get(username="sys_telephony")
    _token, key = integration_token_issue(name="load test", user=user)
    branch_clients = Client.objects.filter(branch_id=user.staff.branch_id).order_by("id")
    path.write_text(json.dumps({
        "sessions": sessions,
        "token": key,
        "phones": list(branch_clients.values_list("phone", flat=True)[:500]),
    }))  # fmt: skip


def wait_until_serving(host: str, timeout: float = 120) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{host}/healthz", timeout=5).close()
            return
        except urllib.error.HTTPError:
            return  # serving (503 when no Celery worker runs, which is the case here)
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def run_locust(host: str, users: int, seconds: int, fixture_path: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "stats"
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(BASE_DIR / "tests/bench/locustfile.py"),
             "--headless", "--only-summary", "-u", str(users), "-r", str(max(1, users // 5)),
             "-t", f"{seconds}s", "--host", host, "--csv", str(prefix), "--loglevel", "WARNING",
             "--stop-timeout", "5"],
            env={**os.environ, "LOAD_FIXTURE": str(fixture_path)}, check=False, cwd=BASE_DIR,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        with open(f"{prefix}_stats.csv") as f:
            rows = list(csv.DictReader(f))
        failures = Path(f"{prefix}_failures.csv").read_text()
    return {"rows": rows, "failures": failures}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default="large")
    parser.add_argument("--users", default="20,50,100")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args(argv)
    # one key for this process and gunicorn, so the sessions made here are valid there
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(60)
    setup_django(f"crm_bench_{args.size}", cache_dashboards=True)  # as in production

    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build(SIZES[args.size], False, {})
    fixture_path = Path(tempfile.mkstemp(suffix=".json")[1])
    fixture(fixture_path)
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CRM_DATA_KEYS": ",".join(settings.CRM_DATA_KEYS),
        "CRM_LOOKUP_KEY": settings.CRM_LOOKUP_KEY,
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_LOG_LEVEL": "warning",
    }
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    newest = max(p.stat().st_mtime for p in (BASE_DIR / "static").rglob("*") if p.is_file())
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        subprocess.run(  # the production storage's manifest, which the templates need
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env, cwd=BASE_DIR, check=True,
        )  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "--preload",
         "config.wsgi"],
        env=env, cwd=BASE_DIR, start_new_session=True,
    )  # fmt: skip
    host = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(host)
        lines = [
            f"Load test, size {args.size}: gunicorn (config.settings_production, "
            f"{args.workers} workers x {os.environ.get('WEB_THREADS', '4')} threads) on "
            f"loopback, {os.cpu_count()} cores shared with "
            f"locust; think time 1-3 s; {args.seconds} s per run; "
            f"{time.strftime('%Y-%m-%d %H:%M')}",
            "",
            f"{'users':>5} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>7} "
            f"{'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}",
        ]
        details = []
        for users in [int(u) for u in args.users.split(",")]:
            result = run_locust(host, users, args.seconds, fixture_path)
            total = next(r for r in result["rows"] if r["Name"] == "Aggregated")
            lines.append(
                f"{users:>5} {total['Request Count']:>9} {total['Failure Count']:>7} "
                f"{float(total['Requests/s']):7.1f} {total['50%']:>7} {total['95%']:>7} "
                f"{total['99%']:>7} {float(total['Max Response Time']):7.0f}"
            )
            details.append(f"\n{users} users, per request (p95 ms):")
            for r in result["rows"]:
                if r["Name"] != "Aggregated":
                    details.append(f"  {r['Type']:<5} {r['Name']:<48} {r['Request Count']:>6} "
                                   f"{r['95%']:>6} {r['Failure Count']:>4} errors")  # fmt: skip
            if int(total["Failure Count"]):
                details.append(result["failures"])
        text = "\n".join(lines + details)
        print(text)
        Path(f"bench-load-{args.size}.txt").write_text(text + "\n")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        fixture_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
