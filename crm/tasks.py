"""Thin Celery wrappers around kernel services. Every task is idempotent.

The top of the kernel: tasks import what they run, and what runs never imports the tasks
(it enqueues them by name, see crm.jobs).
"""

from celery import shared_task

from . import chunks, notifications, retention, rollups, sla
from .services.agenda import morning_agenda_send


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def sla_scan() -> int:
    return sla.scan()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def sla_recompute_deadlines() -> int:
    return sla.recompute_open_deadlines()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_notification_emails(notification_ids: list[int]) -> int:
    return notifications.notification_emails_send(notification_ids)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_pending_emails() -> int:
    return notifications.notification_emails_catch_up()


@shared_task
def send_morning_agenda() -> int:
    return morning_agenda_send()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def purge_expired_data() -> dict[str, int]:
    """Nightly: purge what the retention rules allow (crm/retention.py); idempotent."""
    return retention.purge()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_rollups() -> dict[str, int]:
    """Nightly: recompute last and this month of every rollup (crm/rollups.py), set-based;
    running it twice gives the same tables."""
    return rollups.nightly()


# --- nightly jobs in chunks by branch (crm/chunks.py), on the analytics queue ----------
@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def job_start(name: str) -> int:
    """Beat: the day's run of a chunked job; sends its chunks (again: those not done)."""
    return chunks.job_start(name)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def job_chunk(chunk_id: int) -> dict | None:
    """One chunk: its work and its done mark in one transaction; a second copy is a no-op."""
    return chunks.job_chunk_run(chunk_id)


@shared_task(acks_late=True)
def job_resume() -> int:
    """Every 10 minutes: chunks whose message was lost are sent again."""
    return chunks.job_resume()
