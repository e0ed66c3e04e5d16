"""In-app notifications and their e-mails: how the kernel tells a member of staff something.

`notifications_deliver` stores a batch in one statement and has it e-mailed after commit
by the task `crm.tasks.send_notification_emails`, enqueued by its name: this module stands
below the SLA clock and the services that notify, and the tasks stand above them all. An
e-mail lost with the broker is sent by the sweep (`notification_emails_catch_up`).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Case, CharField, Count, F, Max, Q, When
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .jobs import enqueue_on_commit
from .models import Notification, person_name


def notifications_deliver(notifications: list[Notification]) -> list[Notification]:
    """Store in-app notifications and send their e-mails after commit."""
    if not notifications:
        return []
    created = Notification.objects.bulk_create(notifications)
    enqueue_on_commit("crm.tasks.send_notification_emails", [n.pk for n in created])
    return created


def notify(
    *,
    users,
    title: str,
    body: str = "",
    url: str = "",
    level: str = Notification.Level.INFO,
    kind: str = "",
) -> list[Notification]:
    now = timezone.now()
    return notifications_deliver(
        [
            Notification(recipient=u, title=title, body=body, url=url, level=level,
                         created_at=now, kind=kind)
            for u in users
        ]
    )  # fmt: skip


# A notification's group: its kind ("client.risk_reassessment:escalation"), or its title
# when it has none, so that the same message to the same person is one line too.
GROUP_KEY = Case(When(kind="", then=F("title")), default=F("kind"), output_field=CharField())


def notification_groups(user, *, unread_only: bool = True):
    """The user's notifications grouped, newest group first, in one grouped query: per
    group its key, size, unread count, newest time and worst level, and one title and
    link (the newest's) to show for a group of one."""
    qs = Notification.objects.visible_to(user)
    if unread_only:
        qs = qs.unread()
    return (
        qs.annotate(group=GROUP_KEY)
        .values("group")
        .annotate(
            n=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
            latest=Max("created_at"),
            danger=Count("id", filter=Q(level=Notification.Level.DANGER)),
            warning=Count("id", filter=Q(level=Notification.Level.WARNING)),
            kind=Max("kind"),
            title=Max("title"),
            url=Max("url"),
        )
        .order_by("-latest", "group")
    )


def in_group(group: str) -> Q:
    return Q(kind=group) | Q(kind="", title=group)


def notifications_in_group(user, group: str, *, unread_only: bool = True):
    qs = Notification.objects.visible_to(user).filter(in_group(group))
    return qs.unread() if unread_only else qs


def notification_mark_read(
    *, user, notification_id: int | None = None, group: str | None = None
) -> int:
    """Mark one notification, one group (by its key), or every unread notification of
    the user read; return how many."""
    qs = Notification.objects.visible_to(user).unread()
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    if group is not None:
        qs = qs.filter(in_group(group))
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
    link = urljoin(settings.CRM_SITE_URL, notification.url) if notification.url else ""
    context = {
        "notification": notification,
        "name": person_name(notification.recipient),
        "link": link,
    }
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
