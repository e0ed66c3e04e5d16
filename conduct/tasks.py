from celery import shared_task

from . import services


@shared_task(name="conduct.nightly", acks_late=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=3)  # fmt: skip
def nightly() -> dict:
    """Nightly (settings.CELERY_BEAT_SCHEDULE): the misconduct register from cases and
    complaints, education from attended events, the clients suggested for education.
    Set-based and idempotent."""
    return services.nightly()
