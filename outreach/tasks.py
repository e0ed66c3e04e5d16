"""The messages queue's tasks (routed by name, "outreach.*" → queue "messages").

`outreach.send_message` / `outreach.send_email` send one message each, rate-limited per
worker process to the provider's limit (settings.OUTREACH_SMS_RATE_LIMIT /
OUTREACH_EMAIL_RATE_LIMIT); they are idempotent (outreach/services/sending.py: a row no
longer QUEUED is left alone). `outreach.dispatch_due` (beat, every minute, and after a
bulk queue) hands on what is due and not in the queue.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .services import sending


@shared_task(bind=True, name="outreach.send_message", rate_limit=settings.OUTREACH_SMS_RATE_LIMIT,
             max_retries=sending.MAX_ATTEMPTS, acks_late=True)  # fmt: skip
def send_message(self, message_id: int) -> str:
    outcome = sending.message_deliver(message_id)
    if outcome.status == "retry" and not self.app.conf.task_always_eager:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(bind=True, name="outreach.send_email",
             rate_limit=settings.OUTREACH_EMAIL_RATE_LIMIT, max_retries=sending.MAX_ATTEMPTS,
             acks_late=True)  # fmt: skip
def send_email(self, message_id: int) -> str:
    outcome = sending.message_deliver(message_id)
    if outcome.status == "retry" and not self.app.conf.task_always_eager:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


def _publish_all(task, ids: list[int]) -> None:
    if not ids:
        return
    if task.app.conf.task_always_eager:
        for pk in ids:
            task.apply(args=(pk,))
        return
    with task.app.producer_or_acquire() as producer:
        for pk in ids:
            task.apply_async(args=(pk,), producer=producer)


@shared_task(name="outreach.dispatch_due")
def dispatch_due() -> dict[str, int]:
    """Hand on the due messages not in the queue (quiet hours over, a bulk queue, lost by
    the broker); fail those stuck SENDING ("result unknown"). Runs again at once while
    there is more."""
    batch = sending.messages_take_due()
    _publish_all(send_message, batch.sms)
    _publish_all(send_email, batch.email)
    handed = len(batch.sms) + len(batch.email)
    if handed >= sending.DISPATCH_LIMIT:
        dispatch_due.apply_async()
    return {"sms": len(batch.sms), "email": len(batch.email), "stuck_failed": batch.stuck_failed}


@shared_task(name="outreach.duty_notices")
def duty_notices() -> dict:
    """Daily: tell the clients of their duties due soon (outreach/duties.py); idempotent."""
    from .duties import duty_notices_send

    return duty_notices_send()
