"""The morning agenda: what each member of staff has due today, once a morning."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Notification
from ..notifications import notifications_deliver
from ..sla import claim_reminders
from ..workbench import all_sections
from ..workdays import SHANGHAI

User = get_user_model()


def morning_agenda_send(today: date | None = None) -> int:
    """One notification per member of staff with what is due today or overdue.

    Each workbench section counts for all users in one grouped query; the reminder key
    (user, day) makes a second run that morning send nothing.
    """
    today = today or timezone.localdate()
    lines: dict[int, list[str]] = defaultdict(list)
    for section in all_sections():
        if section.agenda_counts is None:
            continue
        for user_id, count in section.agenda_counts(today).items():
            if count:
                lines[user_id].append(f"{section.title}: {count}")
    if not lines:
        return 0
    content_type_id = ContentType.objects.get_for_model(User).pk
    moment = datetime.combine(today, time(8, 0), tzinfo=SHANGHAI)
    keys = [(content_type_id, uid, "agenda", "morning", moment) for uid in sorted(lines)]
    with transaction.atomic():
        sent = claim_reminders(keys)
        url = reverse("crm:workbench")
        notifications_deliver(
            [
                Notification(
                    recipient_id=uid,
                    title=_("Your agenda for %(day)s") % {"day": today.isoformat()},
                    body="\n".join(lines[uid]),
                    url=url,
                )
                for uid, _kind, _deadline in sorted(sent)
            ]
        )
    return len(sent)
