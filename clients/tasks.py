"""Thin Celery wrappers around client services."""

from celery import shared_task

from . import imports


@shared_task(acks_late=True)
def import_snapshots_file(job_id: int) -> int:
    return imports.run_import(job_id)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def nightly_segmentation() -> dict:
    from dataclasses import asdict

    from .segmentation import run

    return asdict(run())
