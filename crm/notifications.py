"""In-app notifications and their e-mails: how the kernel tells a member of staff something.

`notifications_deliver` stores a batch in one statement and has it e-mailed after commit
by the task `crm.tasks.send_notification_emails`, enqueued by its name: this module stands
below the SLA clock and the services that notify, and the tasks stand above them all. An
e-mail lost with the broker is sent by the sweep (`notification_emails_catch_up`).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .jobs import enqueue_on_commit
from .models import Notification, person_name
from .sms import get_sms_backend


def notifications_deliver(notifications: list[Notification]) -> list[Notification]:
    """Store in-app notifications and send their e-mails after commit."""
    if not notifications:
        return []
    created = Notification.objects.bulk_create(notifications)
    enqueue_on_commit("crm.tasks.send_notification_emails", [n.pk for n in created])
    return created


def notify(
    *, users, title: str, body: str = "", url: str = "", level: str = Notification.Level.INFO
) -> list[Notification]:
    now = timezone.now()
    return notifications_deliver(
        [
            Notification(recipient=u, title=title, body=body, url=url, level=level, created_at=now)
            for u in users
        ]
    )


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of the user read."""
    qs = Notification.objects.visible_to(user).unread()
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def notification_emails_send(notification_ids: list[int]) -> int:
    """E-mail each notification once; `emailed_at` makes a retry skip what went out."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk__in=notification_ids, emailed_at__isnull=True)
            .exclude(recipient__email="")
            .select_related("recipient")
        )
        messages = [
            (*notification_email(n), settings.DEFAULT_FROM_EMAIL, [n.recipient.email]) for n in rows
        ]
        if messages:
            send_mass_mail(messages, fail_silently=False)
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=timezone.now())
    return len(messages)


def notification_email(notification) -> tuple[str, str]:
    """The e-mail of a notification, (subject, body), from the templates
    crm/email/notification_{subject,body}.txt in the site's language (the worker has no
    request to take one from)."""
    context = {"notification": notification, "name": person_name(notification.recipient)}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("crm/email/notification_subject.txt", context)
        body = render_to_string("crm/email/notification_body.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


def notification_emails_catch_up() -> int:
    """Sweep for notifications whose e-mail was never sent (e.g. the broker was down)."""
    ids = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=timezone.now() - timedelta(days=2),
            created_at__lte=timezone.now() - timedelta(minutes=5),
        )
        .exclude(recipient__email="")
        .values_list("pk", flat=True)[:5000]
    )
    return notification_emails_send(ids) if ids else 0


def send_sms(*, phone: str, text: str) -> None:
    get_sms_backend().send(phone, text)
