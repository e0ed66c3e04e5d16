"""`make bench` / `make bench SIZE=small`: build a large data set in its own database and
report latency and query counts of the main pages, compared with the bare SQL they need.

Results are printed and written to bench-results.txt (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

SIZES = {"small": (10_000, 12), "large": (100_000, 12)}


def setup_django(db_name: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ["DATABASE_URL"]
    parts = urlsplit(url)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{db_name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    from config.devstack import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()


def measure(client, url, n=30, **kwargs):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client.get(url, **kwargs)  # warm up
    times = []
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, **kwargs)
    queries = len(ctx.captured_queries)
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    reset_queries()
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1],
            "queries": queries}  # fmt: skip


def bare_sql(sql, params, n=30):
    import psycopg2
    from django.db import connection

    conn = psycopg2.connect(**connection.get_connection_params())
    times = []
    with conn.cursor() as cur:
        cur.execute(sql, params)
        for _ in range(n):
            start = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            times.append((time.perf_counter() - start) * 1000)
    conn.close()
    times.sort()
    return times[int(len(times) * 0.95) - 1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default="large")
    parser.add_argument("--db", default="crm_bench")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    n_clients, months = SIZES[args.size]
    db_name = f"{args.db}_{args.size}"
    setup_django(db_name)

    from django.core.management import call_command
    from django.test import Client as HttpClient

    from clients.models import AccountSnapshot, Client
    from complaints.models import Complaint
    from crm.management.commands.seed_demo import Command as Seed
    from tests.bench.generate import generate, generate_complaints

    report: dict = {}
    call_command("migrate", verbosity=0)
    if args.rebuild or Client.objects.count() < n_clients:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE clients_client, clients_accountsnapshot, clients_holding, "
                "clients_historicalclient, clients_riskassessment CASCADE"
            )
        Seed().seed_kernel()
        generate(n_clients, months, report)
    if args.rebuild or not Complaint.objects.filter(ticket_no__startswith="BENCH-").exists():
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("TRUNCATE complaints_complaint, crm_reminder, crm_notification CASCADE")
        generate_complaints(20_000, report)
    from django.contrib.auth import get_user_model

    bm = get_user_model().objects.get(username="bm_bj")
    am = get_user_model().objects.get(username="am_bj")
    web = HttpClient()
    web.force_login(bm)
    am_web = HttpClient()
    am_web.force_login(am)
    agent_web = HttpClient()
    agent_web.force_login(get_user_model().objects.get(username="agent_bj"))
    some = Client.objects.filter(owner=am).order_by("id")[100]
    rows = []

    def row(name, result, sql=None, params=()):
        bare = bare_sql(sql, params) if sql else None
        rows.append((name, result["p50"], result["p95"], result["queries"], bare))

    branch_sql = ("SELECT * FROM clients_client WHERE branch_id = %s AND stage = 'active' "
                  "ORDER BY id DESC LIMIT 26")  # fmt: skip
    row(
        "client list (branch, stage=active)",
        measure(web, "/clients/?stage=active"),
        branch_sql,
        [bm.staff.branch_id],
    )
    row(
        "client list (search last 4 digits)",
        measure(web, "/clients/?q=5678"),
        "SELECT * FROM clients_client WHERE branch_id = %s AND right(phone, 4) = '5678' "
        "ORDER BY id DESC LIMIT 26",
        [bm.staff.branch_id],
    )
    row(
        "client list (search name prefix)",
        measure(web, "/clients/?q=王"),
        "SELECT * FROM clients_client WHERE branch_id = %s AND name LIKE '王%%' "
        "ORDER BY id DESC LIMIT 26",
        [bm.staff.branch_id],
    )
    row(
        "client list (account manager, page 40)",
        measure(am_web, "/clients/?page=40"),
        "SELECT * FROM clients_client WHERE owner_id = %s ORDER BY id DESC LIMIT 26 OFFSET 975",
        [am.pk],
    )
    row(
        "client 360 page",
        measure(am_web, f"/clients/{some.pk}/"),
        "SELECT * FROM clients_accountsnapshot WHERE client_id = %s ORDER BY date",
        [some.pk],
    )
    row("client timeline API", measure(am_web, f"/api/v1/clients/{some.pk}/timeline/"))
    row(
        "clients API (cursor page)",
        measure(web, "/api/v1/clients/?stage=active"),
        branch_sql,
        [bm.staff.branch_id],
    )

    # bulk snapshot throughput, through the API as the trading system would call it
    from rest_framework.test import APIClient

    from crm.services import integration_token_issue

    sys_user = get_user_model().objects.get(username="sys_trading")
    _token, key = integration_token_issue(name="bench", user=sys_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    numbers = list(Client.objects.order_by("id").values_list("client_no", flat=True)[:5000])
    AccountSnapshot.objects.filter(date__lt="2020-06-01").delete()
    best = None
    for day in ("2020-01-31", "2020-02-29", "2020-03-31"):  # fresh rows each time
        payload = [{"client_no": no, "date": day, "total_assets": "12345.67",
                    "cash": "100", "commission": "1.5"} for no in numbers]  # fmt: skip
        start = time.perf_counter()
        response = api.post("/api/v1/account-snapshots/bulk/", payload, format="json")
        elapsed = time.perf_counter() - start
        assert response.json()["stored"] == len(payload), response.json()
        best = elapsed if best is None else min(best, elapsed)
    throughput = len(payload) / best

    # the nightly segmentation and churn job over every client, twice (idempotent)
    from clients.segmentation import run as segmentation_run

    segmentation_runs = [segmentation_run() for _ in range(2)]

    # the nightly callback generation over every client, twice (idempotent)
    from callcenter.models import CallbackPolicy
    from callcenter.services import generate_due_callbacks

    if not CallbackPolicy.objects.exists():
        CallbackPolicy.objects.bulk_create([
            CallbackPolicy(tier="ultra", interval_days=30, assignee="owner"),
            CallbackPolicy(tier="hnw", interval_days=60, assignee="owner"),
            CallbackPolicy(tier="vip", interval_days=90),
            CallbackPolicy(tier="potential", interval_days=180),
            CallbackPolicy(tier="mass", interval_days=365, channel="sms"),
        ])  # fmt: skip
    from django.db import connection

    with connection.cursor() as cur:  # callbacks are regulated: DELETE is refused
        cur.execute("TRUNCATE callcenter_callback CASCADE")
    callback_runs = []
    for _ in range(2):
        start = time.perf_counter()
        made = generate_due_callbacks()
        callback_runs.append((time.perf_counter() - start, sum(made.values())))

    # the SLA scan over 20,000 open complaints: first run (sends) and second run (nothing)
    from crm import sla
    from crm.models import Reminder

    Reminder.objects.all().delete()
    scans = []
    for _ in range(2):
        start = time.perf_counter()
        sent = sla.scan()
        scans.append((time.perf_counter() - start, sent))

    # dashboards and work queues over the full data set (complaints, callbacks, clients)
    hq_web = HttpClient()
    hq_web.force_login(get_user_model().objects.get(username="hq_admin"))
    row("branch dashboard (this month)", measure(web, "/dashboard/", n=20))
    row("branch dashboard (this year)", measure(web, "/dashboard/?period=year", n=20))
    row("HQ dashboard (all branches)", measure(hq_web, "/dashboard/", n=20))
    row("metrics API (branch)", measure(web, "/api/v1/metrics/", n=20))
    row("personal dashboard (account manager)", measure(am_web, "/dashboard/me/", n=20))
    row("complaint desk", measure(web, "/complaints/", n=20))
    row("callback queue (agent)", measure(agent_web, "/callcenter/", n=20))

    lines = [
        f"Benchmark ({args.size}: {Client.objects.count():,} clients, "
        f"{months} monthly snapshots each), {time.strftime('%Y-%m-%d %H:%M')}",
        "",
    ]
    for label, seconds in report.items():
        lines.append(f"{label:<45} {seconds:8.1f} s")
    lines += ["", f"{'page':<45} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'bare SQL p95':>13}"]
    for name, p50, p95, queries, bare in rows:
        bare_text = f"{bare:10.1f} ms" if bare is not None else "           -"
        lines.append(f"{name:<45} {p50:8.1f} {p95:8.1f} {queries:8d} {bare_text}")
    lines += ["", f"{'account-snapshots/bulk/ (5,000 rows a call)':<45} "
              f"{throughput:8.0f} rows/s"]  # fmt: skip
    for i, r in enumerate(segmentation_runs, start=1):
        lines.append(
            f"{'nightly segmentation and churn, run ' + str(i):<45} {r.seconds:8.2f} s  "
            f"({r.clients:,} clients, {r.tier_changes:,} tier changes, "
            f"{r.cases_opened:,} cases opened)"
        )
    for i, (seconds, made) in enumerate(callback_runs, start=1):
        lines.append(
            f"{'nightly callback generation, run ' + str(i):<45} {seconds:8.2f} s  "
            f"({made:,} callbacks created)"
        )
    open_n = Complaint.objects.filter(status__in=["received", "acknowledged", "investigating"])
    lines.append(
        f"{'SLA scan, first run':<45} {scans[0][0]:8.2f} s  ({scans[0][1]} reminders, "
        f"{open_n.count():,} open complaints)"
    )
    lines.append(
        f"{'SLA scan, second run (nothing new)':<45} {scans[1][0]:8.2f} s  "
        f"({scans[1][1]} reminders)"
    )
    text = "\n".join(lines)
    print(text)
    Path("bench-results.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
