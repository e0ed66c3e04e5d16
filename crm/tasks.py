"""Thin Celery wrappers around kernel services. Every task is idempotent."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail

from . import sla
from .models import Notification


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def sla_scan() -> int:
    return sla.scan()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def sla_recompute_deadlines() -> int:
    return sla.recompute_open_deadlines()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail each notification once; `emailed_at` makes a retry skip what went out."""
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=notification_ids, emailed_at__isnull=True)
            .exclude(recipient__email="")
            .select_related("recipient")
        )
        messages = [
            (
                n.title,
                f"{n.body}\n\n{n.url}".strip(),
                settings.DEFAULT_FROM_EMAIL,
                [n.recipient.email],
            )
            for n in rows
        ]
        if messages:
            send_mass_mail(messages, fail_silently=False)
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=timezone.now())
    return len(messages)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def send_pending_emails() -> int:
    """Sweep for notifications whose e-mail was never sent (e.g. the broker was down)."""
    from datetime import timedelta

    from django.utils import timezone

    ids = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=timezone.now() - timedelta(days=2),
            created_at__lte=timezone.now() - timedelta(minutes=5),
        )
        .exclude(recipient__email="")
        .values_list("pk", flat=True)[:5000]
    )
    return send_notification_emails(ids) if ids else 0


@shared_task
def send_morning_agenda() -> int:
    from .services import morning_agenda_send

    return morning_agenda_send()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def purge_expired_data() -> dict[str, int]:
    """Nightly: purge what the retention rules allow (crm/retention.py); idempotent."""
    from .retention import purge

    return purge()
