"""The snapshot import's peak memory on a large file, in a worker-like process (issue #14,
finding 8: 1,000,000 rows must stay under 300 MB). Slow, so not part of `make test`:

    CRM_BENCH_IMPORT=1 make test ARGS="tests/bench/test_import_memory.py -q -s"

(`CRM_BENCH_IMPORT_ROWS` changes the size; the fast check that memory does not grow with
the rows is tests/clients/test_imports.py::test_memory_does_not_grow_with_the_rows.)"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.files import File
from django.utils import timezone

from clients import partitions
from clients.models import AccountSnapshot, ImportJob
from tests.clients.test_imports import peak_rss_mb
from tests.factories import make_client

pytestmark = [
    pytest.mark.skipif(not os.environ.get("CRM_BENCH_IMPORT"), reason="set CRM_BENCH_IMPORT=1"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ROWS = int(os.environ.get("CRM_BENCH_IMPORT_ROWS", "1000000"))
CLIENTS = 2000


def import_file(org, path, name):
    with open(path, "rb") as f:
        job = ImportJob.objects.create(branch=org.bj, file=File(f, name=name),
                                       original_name=name, created_by=org.bm)  # fmt: skip
    started = time.monotonic()
    peak = peak_rss_mb(job)
    elapsed = time.monotonic() - started
    job.refresh_from_db()
    size = os.path.getsize(path) / 1024 / 1024
    print(f"\n{name}: {job.total_rows:,} rows ({size:.0f} MB), {job.stored_rows:,} stored, "
          f"{job.error_rows:,} errors, {elapsed:.1f} s ({job.total_rows / elapsed:,.0f} rows/s, "
          f"worker start included), peak RSS {peak:.0f} MB")  # fmt: skip
    return job, peak


def test_a_million_valid_rows(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    numbers = [make_client(org.am, client_no=f"12{i:08d}").client_no for i in range(CLIENTS)]
    first = timezone.localdate() - timedelta(days=ROWS // CLIENTS + 1)
    partitions.ensure(first, timezone.localdate())  # as the nightly job keeps them
    path = tmp_path / "snapshots.csv"
    with open(path, "w") as out:
        out.write("client_no,date,total_assets,cash,commission\n")
        for i in range(ROWS):
            day = first + timedelta(days=i // CLIENTS)
            out.write(f"{numbers[i % CLIENTS]},{day},{100000 + i}.50,{i % 997}.25,{i % 13}\n")
    job, peak = import_file(org, path, "snapshots.csv")
    assert (job.status, job.stored_rows) == ("done", ROWS)
    assert AccountSnapshot.objects.count() == ROWS
    assert peak < 300


def test_300_000_error_rows(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "errors.csv"
    with open(path, "w") as out:
        out.write("client_no,date,total_assets\n")
        for i in range(300_000):
            out.write(f"99{i:08d},2025-10-01,1\n")
    job, peak = import_file(org, path, "errors.csv")
    assert (job.status, job.error_rows) == ("done", 300_000)
    assert peak < 300
