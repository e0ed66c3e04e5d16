"""Thin Celery wrappers around client services."""

from celery import shared_task

from . import imports


@shared_task(acks_late=True)
def import_snapshots_file(job_id: int) -> int:
    return imports.run_import(job_id)
