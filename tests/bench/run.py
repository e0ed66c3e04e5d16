"""`make bench` / `make bench SIZE=small`: build a large data set in its own database and
report latency and query counts of the main pages, each compared with the bare SQL the
page runs, replayed through psycopg2 (the ratio is the framework's overhead), plus the
nightly jobs' times, the bulk snapshot endpoint's throughput and the client master load
(100,000 clients through clients/bulk/, then the same rows again) and a campaign to
every client (tests/bench/campaigns.py).

Results are printed and written to bench-results-<size>.txt (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Size:
    clients: int
    months: int
    complaints_open: int
    complaints_closed: int
    callbacks: int
    calls: int
    visits: int
    samples: int  # requests timed per page
    service_requests: int
    days: int = 0  # trading days of daily facts (after the month ends)
    branches: int = 5
    brokerage_staff: bool = False  # 25 staff a branch instead of 20


SIZES = {
    "small": Size(10_000, 12, 2_000, 1_000, 30_000, 30_000, 5_000, 10, 10_000),
    "large": Size(100_000, 12, 20_000, 10_000, 300_000, 300_000, 50_000, 30, 100_000),
    # issue #22: a brokerage of 60 branches and 1,500 staff, 60 trading days of daily facts
    # (60 M rows) after 24 month ends, 300,000 complaints and service requests, 3 M
    # callbacks and calls; `--days 10` builds a proportional part of the facts
    "brokerage": Size(
        1_000_000,
        24,
        10_000,
        90_000,
        1_500_000,
        1_500_000,
        200_000,
        20,
        200_000,
        days=60,
        branches=60,
        brokerage_staff=True,
    ),
}
SKIP_REPLAY = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")
# p95 targets in ms at the large size (issue #16): the client page's first response 20,
# the event page with 500 invitees 80, dashboards computed 200, other lists and details 40
TARGETS = {"client 360 page, first response": 20, "event page (500 invitees)": 80}
KNOWLEDGE_TARGET = 100  # issue #18: search under 100 ms over 10,000 articles
DASHBOARD_TARGET = 200
PAGE_TARGET = 40


def target_of(name: str) -> int:
    if name in TARGETS:
        return TARGETS[name]
    from tests.bench.scorecards import PAGES as SCORECARD_PAGES

    if name in SCORECARD_PAGES:  # issue #21: the ranking page under 100 ms p95
        return SCORECARD_PAGES[name]
    if name.startswith("knowledge search"):
        return KNOWLEDGE_TARGET
    return DASHBOARD_TARGET if ("dashboard" in name or "metrics" in name) else PAGE_TARGET


def setup_django(db_name: str, cache_dashboards: bool = False) -> None:
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ["DATABASE_URL"]
    parts = urlsplit(url)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{db_name}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    if not cache_dashboards:  # the dashboards are timed as computed, not as cached 60 s
        os.environ.setdefault("CRM_DASHBOARD_CACHE_SECONDS", "0")
    from config.devstack import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()


def p95(times: list[float]) -> float:
    times = sorted(times)
    return times[max(0, int(len(times) * 0.95) - 1)]


@dataclass
class PageResult:
    name: str
    p50: float
    p95: float
    queries: int
    bare_p95: float | None


def measure(name, client, url, n=30, **kwargs) -> PageResult:
    """Time `n` requests of a page; capture the SQL of one of them and time that SQL alone
    (replayed through psycopg2 on its own connection) the same number of times."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, **kwargs)  # warm up (caches, connection)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    statements = [q["sql"] for q in ctx.captured_queries]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return PageResult(name, statistics.median(times), p95(times), len(statements),
                      bare_sql(statements, n))  # fmt: skip


def bare_sql(statements: list[str], n: int) -> float:
    """p95 in ms of running a page's read statements back to back through psycopg2."""
    import psycopg2
    from django.db import connection

    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    conn = psycopg2.connect(**connection.get_connection_params())
    conn.autocommit = True
    times = []
    with conn.cursor() as cur:
        for i in range(n + 1):
            start = time.perf_counter()
            for sql in reads:
                cur.execute(sql)
                cur.fetchall()
            if i:  # the first round warms the connection
                times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return p95(times)


def build(size: Size, rebuild: bool, report: dict) -> None:
    """Generate the data set unless a complete one of this size is already there."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from callcenter.models import Call
    from clients.models import Client
    from crm.management.commands.seed_demo import Command as Seed
    from crm.models import RollupMonth
    from servicedesk.models import ServiceRequest
    from tests.bench import generate
    from visits.models import VisitPlan

    requests_made = ServiceRequest.objects.filter(number__startswith="SR-BENCH-").count()
    from clients.models import AccountSnapshot

    complete = (
        Client.objects.count() == size.clients
        and AccountSnapshot.objects.filter(date__gte=timezone.localdate() - timedelta(days=120))
        .values("date")
        .distinct()
        .count()
        >= size.days
        and Call.objects.filter(call_id__startswith="BENCH-").count() == size.calls
        and VisitPlan.objects.count() >= size.visits
    )
    if complete and not rebuild:
        if requests_made != size.service_requests:  # a data set made before the desk
            ServiceRequest.objects.filter(number__startswith="SR-BENCH-").delete()
            generate.generate_service_requests(size.service_requests, report)
        if not RollupMonth.objects.filter(month=timezone.localdate().replace(day=1)).exists():
            generate.fill_rollups(report)  # a data set made before the rollups, or last month
        from clients.models import ClientSummaryBuilt

        if not ClientSummaryBuilt.objects.exists():  # a data set made before the summary
            generate.fill_client_summary(report)
        return
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE servicedesk_servicerequest, servicedesk_servicerequestevent, "
            "clients_client, complaints_complaint, callcenter_callback, "
            "callcenter_call, crm_reminder, crm_notification CASCADE"
        )
    Seed().seed_kernel()
    per_branch = generate.BROKERAGE_STAFF_PER_BRANCH if size.brokerage_staff else None
    with generate.timed("branches and staff", report):
        generate.ensure_staff(size.branches, per_branch)
    generate.generate(size.clients, size.months, report, days=size.days)
    generate.generate_complaints(size.complaints_open, size.complaints_closed, report)
    generate.generate_callcenter(size.callbacks, size.calls, report)
    generate.generate_visits(size.visits, report)
    generate.generate_service_requests(size.service_requests, report)
    generate.fill_rollups(report)


def settle(report: dict, wait_seconds: int = 600) -> None:
    """Vacuum the tables a build or the last run's ingest left with dead rows or never
    vacuumed, then wait for autovacuum workers to finish: pages timed beside a vacuum of a
    million-row table (one of the two cores) measured up to half again as slow. A running
    system is in this state: autovacuum has long caught up with yesterday's load."""
    from django.db import connection

    from tests.bench import generate

    with generate.timed("vacuum before timing", report), connection.cursor() as cur:
        cur.execute(
            "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables "
            "WHERE n_dead_tup > 1000 OR (n_live_tup > 10000 AND last_vacuum IS NULL "
            "AND last_autovacuum IS NULL)"
        )
        for (table,) in cur.fetchall():
            cur.execute(f"VACUUM (ANALYZE) {table}")
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            cur.execute("SELECT count(*) FROM pg_stat_activity "
                        "WHERE backend_type = 'autovacuum worker'")  # fmt: skip
            if not cur.fetchone()[0]:
                break
            time.sleep(1)


EVENT_TITLE = "BENCH 投资者交流会（500 位受邀客户）"
EVENT_INVITEES = 500


def ensure_event() -> int:
    """One event of branch BJ01 with 500 invited clients of the branch (made once, kept:
    the issue's event page with 345-500 invitees); returns its id."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from clients.models import Client
    from crm.models import Branch
    from visits.models import Event, Invitation

    branch = Branch.objects.get(code="BJ01")
    event, _created = Event.objects.get_or_create(
        branch=branch,
        title=EVENT_TITLE,
        defaults={
            "kind": Event.Kind.EXCHANGE_MEETING,
            "starts_at": timezone.now() + timedelta(days=7),
            "place": "营业部三楼报告厅",
            "capacity": 600,
            "created_by": get_user_model().objects.get(username="bm_bj"),
        },
    )
    have = Invitation.objects.filter(event=event).count()
    if have < EVENT_INVITEES:
        taken = Invitation.objects.filter(event=event).values("client_id")
        statuses = Invitation.Status.values
        clients = (
            Client.objects.filter(branch=branch, stage="active")
            .exclude(pk__in=taken)
            .order_by("id")
            .values_list("pk", flat=True)[: EVENT_INVITEES - have]
        )
        now = timezone.now()
        Invitation.objects.bulk_create(
            Invitation(event=event, client_id=pk, status=statuses[i % len(statuses)],
                       waiting_since=now if statuses[i % len(statuses)] == "waiting" else None)
            for i, pk in enumerate(clients)
        )  # fmt: skip
    return event.pk


CLIENT_MASTER_ROWS = 100_000  # the issue's target: under 60 s, again under 30 s
CLIENT_MASTER_CALL = 10_000  # rows per call (CRM_CLIENT_BULK_MAX_ROWS)


def client_master_rows(n: int) -> list[dict]:
    """`n` client master rows across the branches and their account managers, each with
    a valid ID card number, a mobile number and a risk level (client numbers BULK...)."""
    from datetime import date, timedelta

    from clients.validators import id_check_character
    from crm.models import StaffProfile

    managers = list(
        StaffProfile.objects.filter(role="account_manager", branch__kind="branch")
        .order_by("branch__code", "user__username")
        .values_list("branch__code", "user__username")
    )
    rows = []
    for i in range(n):
        born = date(1950, 1, 1) + timedelta(days=i // 1000)
        body = f"310115{born:%Y%m%d}{i % 1000:03d}"
        branch, owner = managers[i % len(managers)]
        rows.append({
            "client_no": f"BULK{i:08d}", "name": f"批量客户{i}", "branch": branch,
            "owner": owner, "client_type": "individual", "id_type": "id_card",
            "id_number": body + id_check_character(body), "phone": f"135{i:08d}",
            "opened_on": "2024-03-01", "account_status": "normal", "investor_class": "ordinary",
            "risk_level": f"C{i % 5 + 1}", "risk_assessed_on": "2025-06-30",
        })  # fmt: skip
    return rows


def client_master_load(api) -> list[tuple[float, dict]]:
    """100,000 clients through clients/bulk/ in 10,000-row calls, then the same rows again
    (nothing to write), inside a transaction rolled back afterwards: the change history is
    a regulated record that cannot be deleted, and the data set stays the one `build`
    checks. (The requests run in-process on the same connection, their own transactions
    as savepoints.)"""
    from django.db import transaction

    rows = client_master_rows(CLIENT_MASTER_ROWS)
    runs = []
    with transaction.atomic():
        for _run in range(2):
            totals = {"stored": 0, "created": 0, "updated": 0, "unchanged": 0}
            start = time.perf_counter()
            for at in range(0, len(rows), CLIENT_MASTER_CALL):
                response = api.post(
                    "/api/v1/clients/bulk/", rows[at : at + CLIENT_MASTER_CALL], format="json"
                )
                body = response.json()
                assert response.status_code == 200 and not body["errors"], body["errors"][:3]
                for key in totals:
                    totals[key] += body[key]
            runs.append((time.perf_counter() - start, totals))
        transaction.set_rollback(True)
    return runs


INGEST_CALL = 10_000  # rows per call (CRM_SNAPSHOT_BULK_MAX_ROWS)


def ingest_a_day(api) -> tuple[float, int, int, float, float]:
    """A trading day's facts for every client through account-snapshots/bulk/ in
    10,000-row calls (issue #22: 1,000,000 clients in under 60 s), for today (fresh rows:
    the data set's facts end yesterday), in a transaction rolled back afterwards so the
    data set stays the one `build` checks. The rows of a call are made and encoded as
    JSON (the sender's work) before its timer starts; the service's share of the time is
    timed apart (snapshots_upsert, the COPY into staging and the upsert, without JSON and
    DRF). Returns (seconds, calls, rows stored, rows/s, rows/s of the service alone)."""
    from django.db import transaction
    from django.utils import timezone

    from clients import services
    from clients.models import Client

    day = timezone.localdate().isoformat()
    numbers = list(Client.objects.order_by("id").values_list("client_no", flat=True))
    real = services.snapshots_upsert
    in_service = [0.0]

    def timed_upsert(**kwargs):
        start = time.perf_counter()
        try:
            return real(**kwargs)
        finally:
            in_service[0] += time.perf_counter() - start

    total, stored, calls = 0.0, 0, 0
    services.snapshots_upsert = timed_upsert
    try:
        with transaction.atomic():
            for at in range(0, len(numbers), INGEST_CALL):
                payload = [
                    {"client_no": no, "date": day, "total_assets": f"{20000 + i % 977}.50",
                     "cash": "1000", "market_value": f"{19000 + i % 977}.50",
                     "trading_volume": "5000" if i % 4 == 0 else "0",
                     "trade_count": 1 if i % 4 == 0 else 0, "commission": "1.20"}
                    for i, no in enumerate(numbers[at : at + INGEST_CALL], start=at)
                ]  # fmt: skip
                body = json.dumps(payload)  # encoding the request is the sender's work
                start = time.perf_counter()
                response = api.post(
                    "/api/v1/account-snapshots/bulk/", body, content_type="application/json"
                )
                total += time.perf_counter() - start
                body = response.json()
                assert response.status_code == 200 and not body["errors"], body["errors"][:3]
                stored += body["stored"]
                calls += 1
            transaction.set_rollback(True)
    finally:
        services.snapshots_upsert = real
    return total, calls, stored, stored / total, stored / in_service[0]


def counts() -> str:
    from callcenter.models import Call, Callback
    from clients.models import AccountSnapshot, Client
    from complaints.models import Complaint
    from crm.models import Branch, StaffProfile
    from servicedesk.models import ServiceRequest
    from visits.models import VisitPlan

    parts = [
        (Client, "clients"),
        (AccountSnapshot, "snapshots"),
        (Complaint, "complaints"),
        (Callback, "callbacks"),
        (Call, "calls"),
        (VisitPlan, "visits"),
        (ServiceRequest, "service requests"),
    ]
    text = ", ".join(f"{model.objects.count():,} {label}" for model, label in parts)
    branches = Branch.objects.filter(kind=Branch.Kind.BRANCH).count()
    return f"{text}; {branches} branches, {StaffProfile.objects.count()} staff"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default="large")
    parser.add_argument("--db", default="crm_bench")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--days",
        type=int,
        help="trading days of daily facts (a part of "
        "the size's, to build and measure a proportional data set)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts not measured: "
        "pages,knowledge,master,segmentation,callbacks,sla,campaigns",
    )
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    if args.days is not None:
        size = replace(size, days=args.days)
    skip = set(filter(None, args.skip.split(",")))
    setup_django(f"{args.db}_{args.size}")

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client as HttpClient

    from clients.models import AccountSnapshot, Client
    from complaints.models import Complaint
    from servicedesk.models import ServiceRequest

    report: dict = {}
    call_command("migrate", verbosity=0)
    build(size, args.rebuild, report)
    settle(report)
    n = size.samples

    def web_as(username):
        web = HttpClient()
        web.force_login(get_user_model().objects.get(username=username))
        return web

    bm, am, agent, hq = (web_as(u) for u in ("bm_bj", "am_bj", "agent_bj", "hq_admin"))
    am_user = get_user_model().objects.get(username="am_bj")
    some = Client.objects.filter(owner=am_user).order_by("id")[100]
    complaint = Complaint.objects.filter(branch__code="BJ01", status="investigating").first()
    service_request = ServiceRequest.objects.filter(branch__code="BJ01", status="in_progress")[0]
    event_id = ensure_event()
    hx = {"HTTP_HX_REQUEST": "true"}  # the parts of the client page, as HTMX asks for them
    rows: list[PageResult] = []
    if "pages" not in skip:
        rows += [
            measure("client list (branch, stage=active)", bm, "/clients/?stage=active", n),
            measure("client list (search last 4 digits)", bm, "/clients/?q=5678", n),
            measure("client list (search name prefix)", bm, "/clients/?q=王", n),
            measure("client list (ordered by name)", bm, "/clients/?ordering=name", n),
            measure("client list (account manager, page 40)", am, "/clients/?page=40", n),
            measure("client 360 page, first response", am, f"/clients/{some.pk}/", n),
            measure("client 360: assets and holdings", am, f"/clients/{some.pk}/assets/", n, **hx),
            measure("client 360: timeline", am, f"/clients/{some.pk}/timeline/", n, **hx),
            measure("client 360: change history", am, f"/clients/{some.pk}/history/", n, **hx),
            measure("client timeline API", am, f"/api/v1/clients/{some.pk}/timeline/", n),
            measure("clients API (cursor page)", bm, "/api/v1/clients/?stage=active", n),
            measure("complaint desk", bm, "/complaints/", n),
            measure("complaint detail", bm, f"/complaints/{complaint.pk}/", n),
            measure("service request desk", bm, "/service-requests/", n),
            measure(
                "service request desk (overdue, by priority)",
                bm,
                "/service-requests/?overdue=true&ordering=-priority",
                n,
            ),
            measure(
                "service request desk (search by number)",
                bm,
                "/service-requests/?q=SR-BENCH-4711",
                n,
            ),
            measure("service request detail", bm, f"/service-requests/{service_request.pk}/", n),
            measure("callback queue (agent)", agent, "/callcenter/", n),
            measure("visit list (account manager)", am, "/visits/", n),
            measure("event page (500 invitees)", bm, f"/visits/events/{event_id}/", n),
            measure("branch dashboard (last full month)", bm, "/dashboard/", n),
            measure("branch dashboard (this year)", bm, "/dashboard/?period=year", n),
            measure("HQ dashboard (all branches)", hq, "/dashboard/", n),
            measure("metrics API (branch)", bm, "/api/v1/metrics/", n),
            measure("personal dashboard (account manager)", am, "/dashboard/me/", n),
        ]
    # the knowledge-base search over 10,000 articles (built once, kept)
    from tests.bench import knowledge

    if "knowledge" not in skip:
        knowledge.ensure_articles()
        rows += knowledge.rows(measure, agent, agent, n)

    # the nightly scorecards over every account manager, then the ranking pages
    from tests.bench import scorecards as scorecard_bench

    scorecard_lines = scorecard_bench.compute_lines()
    rows += scorecard_bench.rows(measure, bm, hq, am, n)

    # bulk snapshot throughput, through the API as the trading system would call it
    from rest_framework.test import APIClient

    from crm.services import integration_token_issue

    sys_user = get_user_model().objects.get(username="sys_trading")
    _token, key = integration_token_issue(name="bench", user=sys_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    numbers = list(Client.objects.order_by("id").values_list("client_no", flat=True)[:5000])
    AccountSnapshot.objects.filter(date__lt="2020-06-01").delete()
    from clients import partitions

    partitions.ensure(date(2020, 1, 1), date(2020, 3, 1))  # the months of the fresh rows
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

    day_ingest = ingest_a_day(api)

    master = client_master_load(api) if "master" not in skip else []

    # the nightly segmentation and churn job over every client, twice (idempotent)
    from clients.segmentation import run as segmentation_run

    segmentation_runs = [segmentation_run() for _ in range(0 if "segmentation" in skip else 2)]

    # the nightly callback generation over every client, twice (idempotent), rolled back
    # afterwards: callbacks are regulated records, so the next run must find none to remove
    from django.db import transaction

    from callcenter.demo import ensure_default_policies
    from callcenter.services import generate_due_callbacks

    ensure_default_policies()
    callback_runs = []
    with transaction.atomic():
        for _ in range(0 if "callbacks" in skip else 2):
            start = time.perf_counter()
            made = generate_due_callbacks()
            callback_runs.append((time.perf_counter() - start, sum(made.values())))
        transaction.set_rollback(True)

    # the SLA scan over the open complaints and callbacks: first run (sends), second (none)
    from crm import sla
    from crm.models import Reminder

    Reminder.objects.all().delete()
    scans = []
    for only in ((), (), ("complaint.",)) if "sla" not in skip else ():  # all, twice; complaints
        start = time.perf_counter()
        sent = sla.scan(only=only)
        scans.append((time.perf_counter() - start, sent))

    # a campaign to every client: queued, run again, sent at the configured rate (rolled back)
    from tests.bench import campaigns as campaign_bench

    campaign_lines = campaign_bench.rows() if "campaigns" not in skip else []

    lines = [
        f"Benchmark, size {args.size}: {counts()}; {time.strftime('%Y-%m-%d %H:%M')}",
        f"machine: {os.cpu_count()} cores; {n} requests per page after one warm-up; "
        "bare SQL = the page's SELECTs replayed through psycopg2",
        "",
    ]
    for label, seconds in report.items():
        lines.append(f"{label:<45} {seconds:8.1f} s")
    lines += [
        "",
        f"{'page':<41} {'p50 ms':>7} {'p95 ms':>7} {'queries':>7} {'SQL p95':>8} {'ratio':>6}"
        f" {'target':>7}",
    ]
    for r in rows:
        ratio = r.p95 / r.bare_p95 if r.bare_p95 else 0
        target = target_of(r.name)
        verdict = f"{target:4d} {'ok' if r.p95 <= target else 'OVER'}"
        lines.append(f"{r.name:<41} {r.p50:7.1f} {r.p95:7.1f} {r.queries:7d} "
                     f"{r.bare_p95:8.1f} {ratio:6.1f} {verdict:>7}")  # fmt: skip
    lines += ["", f"{'account-snapshots/bulk/ (5,000 rows a call)':<45} "
              f"{throughput:8.0f} rows/s"]  # fmt: skip
    for label, (seconds, totals) in zip(
        ("first load", "same rows again")[: len(master)], master, strict=True
    ):  # fmt: skip (none: --skip master)
        lines.append(
            f"{'clients/bulk/ 100,000 clients, ' + label:<45} {seconds:8.2f} s  "
            f"({totals['created']:,} created, {totals['updated']:,} updated, "
            f"{totals['unchanged']:,} unchanged; 10,000-row calls)"
        )
    for i, r in enumerate(segmentation_runs, start=1):
        lines.append(
            f"{'nightly segmentation and churn, run ' + str(i):<45} {r.seconds:8.2f} s  "
            f"({r.clients:,} clients, {r.written:,} written, {r.tier_changes:,} tier changes, "
            f"{r.cases_opened:,} cases opened)"
        )
    for i, (seconds, made) in enumerate(callback_runs, start=1):
        lines.append(
            f"{'nightly callback generation, run ' + str(i):<45} {seconds:8.2f} s  "
            f"({made:,} callbacks created)"
        )
    seconds, calls, stored, rows_s, service_s = day_ingest
    lines.append(
        f"{'a day of facts for every client':<45} {seconds:8.2f} s  ({stored:,} rows, "
        f"{calls} calls of 10,000 to account-snapshots/bulk/: {rows_s:,.0f} rows/s; "
        f"the upsert service alone {service_s:,.0f} rows/s)"
    )
    open_n = Complaint.objects.filter(status__in=["received", "acknowledged", "investigating"])
    if scans:
        lines.append(
            f"{'SLA scan, first run':<45} {scans[0][0]:8.2f} s  ({scans[0][1]:,} reminders, "
            f"{open_n.count():,} open complaints)"
        )
        lines.append(
            f"{'SLA scan, second run (nothing new)':<45} {scans[1][0]:8.2f} s  "
            f"({scans[1][1]} reminders; every clock: complaints, callbacks, visits, clients)"
        )
        lines.append(
            f"{'SLA scan, complaint clocks only':<45} {scans[2][0]:8.2f} s  "
            f"({scans[2][1]} reminders, {open_n.count():,} open complaints)"
        )
    lines += campaign_lines
    lines += scorecard_lines
    text = "\n".join(lines)
    print(text)
    Path(f"bench-results-{args.size}.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
