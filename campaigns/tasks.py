from celery import shared_task

from . import services


@shared_task(name="campaigns.run_due", acks_late=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=3)  # fmt: skip
def run_due() -> dict:
    """Every few minutes (settings.CELERY_BEAT_SCHEDULE): the campaigns whose time came,
    the day's birthdays, the holidays' greetings. Idempotent (the messages' keys)."""
    return services.run_due()
