"""Parallel bulk snapshot posts with overlapping rows in different orders (issue #14,
finding 7): every one succeeds, none deadlocks, and no stored row mixes two posts."""

from __future__ import annotations

import random
import threading
import time
from datetime import date, timedelta

import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from clients import rollups as client_months
from clients import services
from clients.models import AccountSnapshot, ClientMonth, Holding
from tests.factories import make_client

POSTS = 20
CLIENTS = 20
DAYS = [date(2025, 10, 1) + timedelta(days=i) for i in range(5)]


def post_rows(n: int, numbers: list[str]) -> list[dict]:
    """Post `n`: 60 of the 100 (client, day) keys, in its own order; each row's figures
    and holding carry `n`, so a row stored half from one post and half from another
    would show."""
    rng = random.Random(n)
    keys = rng.sample([(c, d) for c in numbers for d in DAYS], 60)
    return [
        {"client_no": c, "date": d.isoformat(), "total_assets": str(1000 + n),
         "holdings": [{"security_code": "600519", "quantity": str(n + 1), "price": "1"}]}
        for c, d in keys
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_overlapping_bulk_posts_all_succeed(org):
    numbers = [make_client(org.am, client_no=f"11000001{i:02d}").client_no
               for i in range(CLIENTS)]  # fmt: skip
    payloads = [post_rows(n, numbers) for n in range(POSTS)]
    barrier = threading.Barrier(POSTS)
    statuses: dict[int, int] = {}

    def post(n: int):
        api = APIClient()
        api.force_authenticate(org.integration)
        try:
            barrier.wait()
            response = api.post("/api/v1/account-snapshots/bulk/", payloads[n], format="json")
            statuses[n] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(POSTS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    print(f"{POSTS} parallel overlapping bulk posts: {sorted(statuses.values())} "
          f"in {elapsed:.2f} s")  # fmt: skip
    assert statuses == dict.fromkeys(range(POSTS), 200)
    keys = {(r["client_no"], r["date"]) for rows in payloads for r in rows}
    assert AccountSnapshot.objects.count() == len(keys)
    holdings = {(h.client_id, h.date): h.quantity for h in Holding.objects.all()}
    for s in AccountSnapshot.objects.all():
        assert holdings[(s.client_id, s.date)] == s.total_assets - 1000 + 1  # one post's
    # each post moved the months by its differences from the facts the others committed
    months = _months()
    client_months.refresh(DAYS[0].replace(day=1), DAYS[-1].replace(day=1))
    assert _months() == months


def _months() -> list[tuple]:
    fields = [f.name for f in ClientMonth._meta.concrete_fields if f.name != "id"]
    return list(ClientMonth.objects.order_by("client", "month").values_list(*fields))


def test_a_deadlock_anywhere_in_the_api_answers_409_with_a_retry_hint(org, monkeypatch):
    """If PostgreSQL still picks a request as a deadlock victim (or a serialization
    failure), the integration gets a JSON 409 with Retry-After, never a 500."""
    import psycopg2.errors

    make_client(org.am, client_no="1100000001")
    for cause in (psycopg2.errors.DeadlockDetected, psycopg2.errors.SerializationFailure):

        def upsert(*, user, rows, cause=cause):
            try:
                raise cause("deadlock detected")
            except cause as exc:
                raise OperationalError("deadlock detected") from exc

        monkeypatch.setattr(services, "snapshots_upsert", upsert)
        api = APIClient()
        api.force_authenticate(org.integration)
        rows = [{"client_no": "1100000001", "date": "2025-10-31", "total_assets": "1"}]
        response = api.post("/api/v1/account-snapshots/bulk/", rows, format="json")
        assert response.status_code == 409
        assert response["Retry-After"] == "1"
        assert "重试" in response.json()["detail"]
