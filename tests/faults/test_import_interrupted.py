"""A snapshot import interrupted halfway: whole batches only, the job says what was
stored, and running it again finishes the rest without duplicates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse

from clients import imports, services
from clients.models import AccountSnapshot, ImportJob
from clients.tasks import import_snapshots_file
from tests.factories import make_client
from tests.faults.conftest import backend_pid, terminate_backend

BATCH = 10
DAYS = [date(2025, 10, 27) + timedelta(days=i) for i in range(5)]


@pytest.fixture
def job(org, settings, tmp_path, monkeypatch):
    """27 rows in batches of 10: 5 clients x 5 days, and a bad row in batches 1 and 3."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setitem(imports.KINDS, "snapshots", replace(imports.SNAPSHOTS, batch=BATCH))
    numbers = [f"110000000{i}" for i in range(1, 6)]
    for number in numbers:
        make_client(org.am, client_no=number)
    lines = [f"{n},{d},{1000 + i}" for i, (d, n) in enumerate((d, n) for d in DAYS
                                                               for n in numbers)]  # fmt: skip
    lines.insert(3, "9999999999,2025-10-27,1")  # no such client
    lines.insert(24, "1100000001,not-a-date,1")
    content = "client_no,date,total_assets\n" + "\n".join(lines) + "\n"
    return ImportJob.objects.create(
        branch=org.bj, original_name="snapshots.csv", created_by=org.bm,
        file=SimpleUploadedFile("snapshots.csv", content.encode()),
    )  # fmt: skip


def interrupt_batch(monkeypatch, number: int, fault):
    """The batch `number` (1-based) writes its rows, then `fault()` strikes before the
    batch commits; later batches run normally. Returns the sizes of the batches run."""
    real = services.snapshots_upsert
    seen: list[int] = []

    def upsert(*, user, rows):
        result = real(user=user, rows=rows)
        seen.append(len(rows))
        if len(seen) == number:
            fault()
        return result

    monkeypatch.setattr(services, "snapshots_upsert", upsert)  # the kind's dotted path
    return seen


def assert_interrupted_after_first_batch(job):
    job.refresh_from_db()
    # batch 1 (9 good rows, 1 bad) is stored and counted; batch 2 left nothing behind
    assert AccountSnapshot.objects.count() == 9
    assert (job.status, job.total_rows, job.processed_rows) == ("failed", 27, 10)
    assert (job.stored_rows, job.error_rows) == (9, 1)
    assert "10" in job.message and "27" in job.message and "9" in job.message
    assert "9999999999" in job.error_report and "not-a-date" not in job.error_report


def assert_finished(job):
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.processed_rows, job.stored_rows, job.error_rows) == (27, 25, 2)
    assert AccountSnapshot.objects.count() == 25  # one per (client, day): no duplicate
    assert job.error_report.count("9999999999") == 1
    assert job.error_report.count("1100000001,") == 1  # the bad date row, reported once


def test_a_failing_batch_is_rolled_back_and_the_retry_resumes(job, org, client, monkeypatch):
    def bug():
        raise RuntimeError("a bug in the middle of batch 2")

    seen = interrupt_batch(monkeypatch, 2, bug)
    with pytest.raises(RuntimeError):
        imports.run_import(job.pk)
    assert_interrupted_after_first_batch(job)
    client.force_login(org.bm)
    page = client.get(reverse("clients:import-status", args=[job.pk])).content.decode()
    assert job.message in page

    # the retry of the task resumes at batch 2
    assert import_snapshots_file.apply(args=[job.pk]).get() == 25
    assert_finished(job)
    assert seen == [10, 10, 10, 7]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_database_connection_killed_mid_batch(job, monkeypatch):
    """The worker's connection dies after the batch's rows were written, before the
    batch commits: PostgreSQL rolls them back, the job records the stored batches."""
    seen = interrupt_batch(monkeypatch, 2, lambda: terminate_backend(backend_pid()))
    with pytest.raises(OperationalError):
        imports.run_import(job.pk)
    assert_interrupted_after_first_batch(job)

    # The task's retry (or a redelivered message) resumes at batch 2.
    import_snapshots_file.apply(args=[job.pk]).get()
    assert_finished(job)
    assert seen == [10, 10, 10, 7]  # batch 2 twice (killed, then again), never batch 1


def test_a_job_run_again_after_it_finished_does_nothing(job, monkeypatch):
    assert imports.run_import(job.pk) == 25
    seen = interrupt_batch(monkeypatch, 99, lambda: None)
    assert imports.run_import(job.pk) == 25
    assert seen == []
    assert_finished(job)
