from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def generate_callbacks() -> dict:
    return services.generate_due_callbacks()
