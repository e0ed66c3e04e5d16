"""Daily facts ingest throughput (issue #22: at least 100,000 rows/s): the upsert service
(COPY into a staging table, one upsert), the bulk endpoint (JSON and DRF around it) and
the file import (CSV, 10,000-row batches), on 10,000 generated clients and fresh days.
Slow, so not part of `make test`:

    CRM_BENCH_INGEST=1 make test ARGS="tests/bench/test_ingest_throughput.py -q -s"
"""

from __future__ import annotations

import json
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from clients import partitions, services
from clients.imports import run_import
from clients.models import AccountSnapshot, Client, ImportJob
from crm.services import integration_token_issue
from tests.bench import generate

pytestmark = pytest.mark.skipif(
    not os.environ.get("CRM_BENCH_INGEST"), reason="set CRM_BENCH_INGEST=1"
)
CLIENTS = int(os.environ.get("CRM_BENCH_INGEST_CLIENTS", "10000"))
DAYS = 3  # fresh days per path


def rows_of(numbers, day) -> list[dict]:
    return [{"client_no": no, "date": day.isoformat(), "total_assets": f"{20000 + i % 977}.50",
             "cash": "1000", "market_value": f"{19000 + i % 977}.50",
             "trading_volume": "5000" if i % 4 == 0 else "0",
             "trade_count": 1 if i % 4 == 0 else 0, "commission": "1.20"}
            for i, no in enumerate(numbers)]  # fmt: skip


def test_ingest_throughput(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    generate.generate(CLIENTS, 0, {})
    numbers = list(Client.objects.order_by("id").values_list("client_no", flat=True))
    days = generate.trading_days(3 * DAYS)
    partitions.ensure(days[0], days[-1])
    lines = []

    elapsed = 0.0
    for day in days[:DAYS]:
        rows = rows_of(numbers, day)
        for at in range(0, len(rows), 10_000):
            start = time.perf_counter()
            result = services.snapshots_upsert(user=org.hq, rows=rows[at : at + 10_000])
            elapsed += time.perf_counter() - start
            assert result.created == len(rows[at : at + 10_000]), result.errors[:3]
    total = DAYS * len(numbers)
    if os.environ.get("CRM_BENCH_INGEST_PROFILE"):  # each statement of one more call
        from django.db import connection

        spent = []

        def timer(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append((time.perf_counter() - start, sql[:150]))

        rows = rows_of(numbers[:10_000], days[-1])
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            services.snapshots_upsert(user=org.hq, rows=rows)
            whole = time.perf_counter() - start
        lines += [f"one call {whole:.3f} s"] + [f"  {t:.3f} s {q}" for t, q in spent]
        AccountSnapshot.objects.filter(date=days[-1]).delete()
    rate = total / elapsed
    lines.append(f"upsert service: {total:,} rows in {elapsed:.2f} s = {rate:,.0f} rows/s")

    _token, key = integration_token_issue(name="bench", user=org.integration)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    elapsed = 0.0
    for day in days[DAYS : 2 * DAYS]:
        rows = rows_of(numbers, day)
        for at in range(0, len(rows), 10_000):
            body = json.dumps(rows[at : at + 10_000])  # the sender's work, not the server's
            start = time.perf_counter()
            response = api.post("/api/v1/account-snapshots/bulk/", body,
                                content_type="application/json")  # fmt: skip
            elapsed += time.perf_counter() - start
            assert response.status_code == 200 and not response.json()["errors"]
    rate = total / elapsed
    lines.append(f"bulk endpoint: {total:,} rows in {elapsed:.2f} s = {rate:,.0f} rows/s")

    header = "client_no,date,total_assets,cash,market_value,trading_volume,trade_count,commission"
    csv = [header] + [
        f"{r['client_no']},{r['date']},{r['total_assets']},{r['cash']},{r['market_value']},"
        f"{r['trading_volume']},{r['trade_count']},{r['commission']}"
        for day in days[2 * DAYS :]
        for r in rows_of(numbers, day)
    ]
    job = ImportJob.objects.create(
        branch=org.bj, original_name="facts.csv", created_by=org.hq,
        file=SimpleUploadedFile("facts.csv", ("\n".join(csv) + "\n").encode()),
    )  # fmt: skip
    start = time.perf_counter()
    run_import(job.pk)
    elapsed = time.perf_counter() - start
    job.refresh_from_db()
    assert (job.status, job.stored_rows) == ("done", total), job.message
    lines.append(f"file import: {total:,} rows in {elapsed:.2f} s = {total / elapsed:,.0f} rows/s")
    assert AccountSnapshot.objects.count() == 3 * total
    print("\n" + "\n".join(lines))
