"""Nightly jobs split by branch into chunks that several workers run in parallel.

An app registers a job once (`register_job(ChunkedJob(...))`, in its registrations):
`run_chunk(day, branch_ids)` does the job's work for those branches, set-based and
idempotent; `branch_ids=None` is the part of the job not split by branch (a job whose
`whole_part` is set gets one such chunk). `finish(day)` runs once, when the last chunk is
done (e.g. recording the rolled-up months).

`job_start(name)` (beat: `crm.tasks.job_start`, settings.CELERY_BEAT_SCHEDULE) records the
day's `JobRun` with one `JobChunk` per CRM_JOB_BRANCHES_PER_CHUNK branches and sends a
`crm.tasks.job_chunk` per chunk to the analytics queue. A chunk locks its row, does its
work and marks itself done in one transaction: a chunk sent twice (a redelivery, a second
start, the sweep) runs once, and one killed mid-way is rolled back whole and runs again.
The chunk that finds every other chunk done (under the run's row lock) finishes the run.
Starting a finished run again does nothing; `job_resume()` (beat, every 10 minutes) sends
again the chunks of unfinished runs whose message is older than CRM_JOB_RESEND_MINUTES
(the broker lost it) and finishes runs whose last chunk died before finishing them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .jobs import enqueue_on_commit
from .models import Branch, JobChunk, JobRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChunkedJob:
    name: str
    run_chunk: Callable[[date, list[int] | None], dict]
    finish: Callable[[date], object] | None = None
    whole_part: bool = False


_jobs: dict[str, ChunkedJob] = {}


def register_job(job: ChunkedJob) -> None:
    _jobs[job.name] = job


def registered_jobs() -> list[str]:
    return list(_jobs)


def branch_chunks(size: int | None = None) -> list[list[int]]:
    """Every branch's id, in id order, `size` (CRM_JOB_BRANCHES_PER_CHUNK) to a chunk."""
    size = size or settings.CRM_JOB_BRANCHES_PER_CHUNK
    ids = list(Branch.objects.order_by("pk").values_list("pk", flat=True))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def job_start(name: str, day: date | None = None) -> int:
    """Record the day's run of `name` (once) and send its chunks not done; returns how many
    were sent. Idempotent: a finished run sends nothing."""
    job = _jobs[name]
    day = day or timezone.localdate()
    with transaction.atomic():
        run, created = JobRun.objects.get_or_create(job=name, day=day)
        if created:
            parts: list[list[int] | None] = list(branch_chunks())
            if job.whole_part:
                parts.append(None)
            JobChunk.objects.bulk_create(
                [JobChunk(run=run, number=i, branch_ids=ids) for i, ids in enumerate(parts)]
            )
        if run.finished_at is not None:
            return 0
        pending = list(run.chunks.filter(done_at__isnull=True).values_list("pk", flat=True))
        JobChunk.objects.filter(pk__in=pending).update(sent_at=timezone.now())
        for pk in pending:
            enqueue_on_commit("crm.tasks.job_chunk", pk)
    if not pending:
        job_finish_if_done(run.pk)
    logger.info("job %s %s: %d chunks sent", name, day, len(pending))
    return len(pending)


def job_chunk_run(chunk_id: int) -> dict | None:
    """Do one chunk, unless it is done or another worker is doing it (None)."""
    started = time.perf_counter()
    with transaction.atomic():
        chunk = (
            JobChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("run")
            .filter(pk=chunk_id, done_at__isnull=True)
            .first()
        )
        if chunk is None:
            return None
        job = _jobs[chunk.run.job]
        result = job.run_chunk(chunk.run.day, chunk.branch_ids)
        chunk.result = {k: v for k, v in (result or {}).items() if isinstance(v, int | float)}
        chunk.done_at = timezone.now()
        chunk.seconds = round(time.perf_counter() - started, 3)
        chunk.save(update_fields=["result", "done_at", "seconds"])
    job_finish_if_done(chunk.run_id)
    return chunk.result


def job_finish_if_done(run_id: int) -> bool:
    """Finish the run when every chunk is done: once, whoever asks (the run's row lock
    orders the last chunks; each sees the others' committed marks)."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(pk=run_id)
        if run.finished_at is not None or run.chunks.filter(done_at__isnull=True).exists():
            return False
        job = _jobs.get(run.job)
        if job is not None and job.finish is not None:
            job.finish(run.day)
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    logger.info("job %s %s finished", run.job, run.day)
    return True


def job_resume() -> int:
    """Send again the chunks whose message is older than CRM_JOB_RESEND_MINUTES in the
    unfinished runs of the last two days; finish the runs whose chunks are all done."""
    now = timezone.now()
    sent = 0
    runs = JobRun.objects.filter(finished_at__isnull=True, day__gte=now.date() - timedelta(days=2))
    for run in runs:
        if run.job not in _jobs:
            continue
        with transaction.atomic():
            stale = list(
                run.chunks.filter(done_at__isnull=True)
                .filter(sent_at__lt=now - timedelta(minutes=settings.CRM_JOB_RESEND_MINUTES))
                .values_list("pk", flat=True)
            )
            JobChunk.objects.filter(pk__in=stale).update(sent_at=now)
            for pk in stale:
                enqueue_on_commit("crm.tasks.job_chunk", pk)
        sent += len(stale)
        job_finish_if_done(run.pk)
    return sent
