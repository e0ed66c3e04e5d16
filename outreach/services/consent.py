"""A client's consent to marketing by SMS or e-mail, and its withdrawal (opt-out).

An opt-out clears the channel's consent at once, keeps its date and source on the client
(the SMS reply "TD"/"退订", the e-mail's unsubscribe link, staff told, an import) and
withholds the marketing messages of that channel still waiting to go out. Service notices
(risk-assessment expiry, complaint progress, callbacks) still reach the client.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from clients.services.profiles import can_edit

from ..models import Channel, Message, Purpose

SOURCES = ("sms_reply", "email_link", "staff", "import")


def _fields(channel: str) -> tuple[str, str, str]:
    if channel == Channel.SMS:
        return "consent_sms", "sms_opted_out_at", "sms_opt_out_source"
    if channel == Channel.EMAIL:
        return "consent_email", "email_opted_out_at", "email_opt_out_source"
    raise ValueError(f"unknown channel {channel!r}")


def _save(client: Client, fields: list[str], by, reason: str) -> None:
    client._history_user = by  # type: ignore[attr-defined]  # read by simple_history
    client._change_reason = reason[:100]  # type: ignore[attr-defined]
    client.save(update_fields=fields)


def _withhold_waiting(client_id: int, channel: str) -> int:
    return Message.objects.filter(
        client_id=client_id, channel=channel, purpose=Purpose.MARKETING,
        status=Message.Status.QUEUED,
    ).update(status=Message.Status.WITHHELD, error=_("The client opted out."))  # fmt: skip


@transaction.atomic
def client_opt_out(*, client: Client, channel: str, source: str, at: datetime | None = None,
                   by=None) -> bool:  # fmt: skip
    """Record the client's opt-out of marketing by `channel`; False if already opted out
    (the first opt-out's date and source stay)."""
    if source not in SOURCES:
        raise ValueError(f"unknown opt-out source {source!r}")
    consent, opted_at, opted_source = _fields(channel)
    client = Client.objects.select_for_update().get(pk=client.pk)
    _withhold_waiting(client.pk, channel)
    if getattr(client, opted_at) is not None and not getattr(client, consent):
        return False
    setattr(client, consent, False)
    setattr(client, opted_at, at or timezone.now())
    setattr(client, opted_source, source)
    _save(client, [consent, opted_at, opted_source], by, f"opt-out {channel} ({source})")
    return True


@transaction.atomic
def client_consent_set(*, client: Client, channel: str, consent: bool, by) -> Client:
    """Staff record the client's consent (clearing an earlier opt-out) or its withdrawal
    (an opt-out with source "staff")."""
    if not can_edit(by, client):
        raise PermissionDenied(_("Your role may not change client profiles."))
    if not consent:
        client_opt_out(client=client, channel=channel, source="staff", by=by)
        client.refresh_from_db()
        return client
    consent_field, opted_at, opted_source = _fields(channel)
    client = Client.objects.select_for_update().get(pk=client.pk)
    setattr(client, consent_field, True)
    setattr(client, opted_at, None)
    setattr(client, opted_source, "")
    _save(client, [consent_field, opted_at, opted_source], by, f"consent {channel}")
    return client
