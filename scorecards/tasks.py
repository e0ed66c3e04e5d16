from celery import shared_task

from . import services


@shared_task(name="scorecards.nightly", acks_late=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=3)  # fmt: skip
def nightly() -> dict:
    """Every night after the rollups (settings.CELERY_BEAT_SCHEDULE): the scorecards of
    the month and the quarter holding yesterday. Idempotent (a period's lines replaced)."""
    return services.nightly()
