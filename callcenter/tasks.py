from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def generate_callbacks() -> dict:
    counts = services.generate_due_callbacks()
    counts.update(services.callbacks_send_messages())
    return counts


@shared_task(acks_late=True)
def send_message_callbacks() -> dict:
    """Callbacks by SMS or e-mail that fell due: their messages go out (idempotent)."""
    return services.callbacks_send_messages()
