"""The visit calendar's feed: the visit plans and client events a user may see in a
bounded range of time, as the items FullCalendar draws (web page and REST API alike).

Two queries whatever the range holds: one for the plans (with their clients), one for
the events; each capped at `ITEM_LIMIT` so a busy branch's month stays a fixed cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import masking
from crm.bounds import year_in_range

from .models import Event, VisitPlan

MAX_RANGE = timedelta(days=62)  # a month grid is six weeks; two months at most
ITEM_LIMIT = 500  # per kind and request
STATUS_CLASSES = {s: f"cal-visit-{s}" for s in VisitPlan.Status.values}


@dataclass(frozen=True)
class Range:
    start: datetime
    end: datetime


def _moment(raw: str | None, name: str) -> datetime:
    """`2026-12-01`, `2026-12-01T00:00:00` (Asia/Shanghai) or with an offset."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError({name: [_("This parameter is required.")]})
    try:
        value = datetime.fromisoformat(text.replace(" ", "+"))  # '+08:00' arrives as ' 08:00'
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(text), time())
        except ValueError:
            raise ValidationError(
                {name: [_("Enter a date such as 2026-12-01 or 2026-12-01T08:00:00.")]}
            ) from None
    if not year_in_range(value.year):
        raise ValidationError({name: [_("The date is out of range.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def calendar_range(start: str | None, end: str | None) -> Range:
    """The `start`/`end` query parameters, checked: end after start, at most 62 days."""
    begin, finish = _moment(start, "start"), _moment(end, "end")
    if finish <= begin:
        raise ValidationError({"end": [_("The end must be after the start.")]})
    if finish - begin > MAX_RANGE:
        raise ValidationError({"end": [_("Ask for at most 62 days at a time.")]})
    return Range(begin, finish)


def _local(moment: datetime) -> str:
    """Wall-clock time in Asia/Shanghai without an offset (the calendar's time zone)."""
    return timezone.localtime(moment).replace(tzinfo=None).isoformat(timespec="minutes")


def calendar_items(user, span: Range) -> list[dict]:
    """The visit plans and events of `user`'s scope that start within `span`, sorted."""
    plans = (
        VisitPlan.objects.visible_to(user)
        .filter(planned_at__gte=span.start, planned_at__lt=span.end)
        .select_related("client")
        .only("id", "kind", "status", "planned_at", "place", "client__name")
        .order_by("planned_at", "id")[:ITEM_LIMIT]
    )
    events = (
        Event.objects.visible_to(user)
        .filter(starts_at__gte=span.start, starts_at__lt=span.end)
        .only("id", "kind", "title", "starts_at", "place")
        .order_by("starts_at", "id")[:ITEM_LIMIT]
    )
    items: list[dict] = []
    for plan in plans:
        name = masking.display(user, "name", plan.client.name)
        status = plan.get_status_display()
        items.append({
            "id": f"visit-{plan.pk}", "type": "visit",
            "title": f"{name} · {plan.get_kind_display()} · {status}",
            "start": _local(plan.planned_at), "url": plan.get_absolute_url(),
            "status": plan.status, "status_label": str(status), "place": plan.place,
            "classNames": ["cal-visit", STATUS_CLASSES[plan.status]],
        })  # fmt: skip
    for event in events:
        items.append({
            "id": f"event-{event.pk}", "type": "event",
            "title": f"{_('Client event')} · {event.title}",
            "start": _local(event.starts_at), "url": event.get_absolute_url(),
            "status": "", "status_label": str(event.get_kind_display()), "place": event.place,
            "classNames": ["cal-event"],
        })  # fmt: skip
    items.sort(key=lambda item: str(item["start"]))
    return items
