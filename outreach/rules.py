"""The rules of reaching a client, as querysets and plain functions (no writes): who may
get marketing by a channel, who has an address for it, when an SMS may go out (quiet
hours) and who has had the month's marketing messages already (the frequency cap).

`outreach.services.messages` applies them to one message and to a bulk queue; the
campaigns app counts its recipients with the same functions, so that the numbers a
campaign shows are the numbers it sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import Channel, Message, Purpose

# A message counts against the cap unless it never went out.
CAP_COUNTED = (
    Message.Status.QUEUED, Message.Status.SENDING, Message.Status.SENT, Message.Status.DELIVERED,
)  # fmt: skip


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)  # Asia/Shanghai


def _check_channel(channel: str) -> str:
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    return channel


def marketing_allowed_q(channel: str) -> Q:
    """Clients who agreed to marketing by `channel` and have not opted out of it (an
    opt-out clears the consent too; the date is checked as well, belt and braces)."""
    if _check_channel(channel) == Channel.SMS:
        return Q(consent_sms=True, sms_opted_out_at__isnull=True)
    return Q(consent_email=True, email_opted_out_at__isnull=True)


def address_q(channel: str) -> Q:
    """Clients with somewhere to send to: a mobile for SMS, an e-mail address for e-mail."""
    if _check_channel(channel) == Channel.SMS:
        return Q(phone__regex=r"^1[0-9]{10}$")
    return Q(email__contains="@")


def has_address(client, channel: str) -> bool:
    if _check_channel(channel) == Channel.SMS:
        phone = client.phone or ""
        return len(phone) == 11 and phone.isdigit() and phone.startswith("1")
    return "@" in (client.email or "")


def marketing_allowed(client, channel: str) -> bool:
    if _check_channel(channel) == Channel.SMS:
        return bool(client.consent_sms) and client.sms_opted_out_at is None
    return bool(client.consent_email) and client.email_opted_out_at is None


def recipient_of(client, channel: str) -> str:
    return client.phone if channel == Channel.SMS else client.email


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_hours() -> tuple[time, time]:
    return _clock(settings.OUTREACH_SMS_QUIET_START), _clock(settings.OUTREACH_SMS_QUIET_END)


def in_quiet_hours(at: datetime) -> bool:
    start, end = quiet_hours()
    t = at.astimezone(local_zone()).time()
    if start == end:
        return False
    if start > end:  # over midnight: 21:00–08:00
        return t >= start or t < end
    return start <= t < end


def not_before(channel: str, at: datetime | None = None) -> datetime:
    """When a message of `channel` made at `at` may go out: at once, but an SMS in quiet
    hours (21:00–08:00 Asia/Shanghai by default) waits for their end."""
    at = at or timezone.now()
    if _check_channel(channel) != Channel.SMS or not in_quiet_hours(at):
        return at
    start, end = quiet_hours()
    local = at.astimezone(local_zone())
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=local_zone())


def month_bounds(at: datetime) -> tuple[datetime, datetime]:
    """The calendar month (Asia/Shanghai) holding `at`, as [start, end)."""
    local = at.astimezone(local_zone())
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def capped_client_ids(client_ids: Iterable[int] | QuerySet, at: datetime | None = None) -> set[int]:
    """The clients among `client_ids` (ids, or a queryset of ids / clients) who already
    have the month's marketing messages (settings.OUTREACH_MARKETING_MONTHLY_CAP, every
    channel together; a withheld or failed message does not count)."""
    start, end = month_bounds(at or timezone.now())
    ids_filter: Any
    if isinstance(client_ids, QuerySet):
        ids_filter = client_ids.values("pk")
    else:
        ids_filter = list(client_ids)
        if not ids_filter:
            return set()
    rows = (
        Message.objects.filter(
            client_id__in=ids_filter,
            purpose=Purpose.MARKETING,
            status__in=CAP_COUNTED,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("client_id")
        .annotate(n=Count("id"))
        .filter(n__gte=settings.OUTREACH_MARKETING_MONTHLY_CAP)
        .values_list("client_id", flat=True)
    )
    return set(rows)
