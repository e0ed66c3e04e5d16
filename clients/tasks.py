"""Thin Celery wrappers around client services."""

from celery import shared_task

from . import imports


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def import_snapshots_file(job_id: int) -> int:
    """Any kind of file import or dry run (the name is older than kinds). Interrupted,
    it records what was stored and a retry resumes after that batch."""
    return imports.run_import(job_id)


@shared_task
def resume_stalled_imports() -> int:
    """Enqueue again the imports still waiting long after upload: their message was lost
    (the broker was down at upload time, or was flushed). A job that is merely waiting
    behind others runs once all the same (see clients.imports)."""
    from datetime import timedelta

    from django.utils import timezone

    from crm.jobs import publish

    from .models import ImportJob

    stalled = ImportJob.objects.filter(
        status=ImportJob.Status.QUEUED,
        created_at__lt=timezone.now() - timedelta(minutes=imports.STALLED_AFTER_MINUTES),
    ).values_list("pk", flat=True)
    return sum(publish(import_snapshots_file, pk) for pk in stalled)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def nightly_segmentation() -> dict:
    from dataclasses import asdict

    from .segmentation import run

    return asdict(run())


@shared_task
def ensure_partitions() -> list[str]:
    """The fact tables' monthly partitions, made ahead (clients/partitions.py): this
    month and the next few, and any month found in the default partition. Idempotent."""
    from .partitions import ensure_ahead

    return ensure_ahead()
