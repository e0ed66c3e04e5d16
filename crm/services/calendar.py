"""The working-day calendar: the official schedule, typed in by an administrator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..jobs import enqueue_on_commit
from ..models import Holiday
from ..workdays import invalidate_calendar

_LINE = re.compile(
    r"^\s*(?P<start>\d{4}-\d{2}-\d{2})\s*(?:[~至]\s*(?P<end>\d{4}-\d{2}-\d{2}))?\s+"
    r"(?P<kind>holiday|workday|休|班|假|上班)\s*(?P<name>.*)$"
)
_KIND_WORDS = {
    "holiday": Holiday.Kind.HOLIDAY,
    "休": Holiday.Kind.HOLIDAY,
    "假": Holiday.Kind.HOLIDAY,
    "workday": Holiday.Kind.WORKDAY,
    "班": Holiday.Kind.WORKDAY,
    "上班": Holiday.Kind.WORKDAY,
}


@dataclass
class ScheduleLine:
    day: date
    kind: str
    name: str


def parse_schedule(text: str) -> list[ScheduleLine]:
    """Parse an official schedule typed by an administrator, one line per day or range:

    2027-01-01 holiday 元旦
    2027-02-06~2027-02-14 休 春节
    2027-02-15 班 春节调休
    """
    lines: list[ScheduleLine] = []
    errors = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.strip().startswith("#"):
            continue
        match = _LINE.match(raw)
        if not match:
            errors.append(
                _("Line %(n)d is not 'date[~date] holiday|workday name'.") % {"n": number}
            )
            continue
        try:
            start = date.fromisoformat(match["start"])
            end = date.fromisoformat(match["end"]) if match["end"] else start
        except ValueError:
            errors.append(_("Line %(n)d has a date that does not exist.") % {"n": number})
            continue
        if end < start or (end - start).days > 31:
            errors.append(
                _("Line %(n)d has a range that is reversed or longer than 31 days.") % {"n": number}
            )
            continue
        for i in range((end - start).days + 1):
            lines.append(
                ScheduleLine(start + timedelta(i), _KIND_WORDS[match["kind"]], match["name"][:50])
            )
    if errors:
        raise ValidationError({"schedule": errors})
    if not lines:
        raise ValidationError({"schedule": [_("Enter at least one day.")]})
    return lines


def holidays_enter_schedule(*, year: int, text: str, replace: bool = True) -> int:
    """Store a year's official schedule; open deadlines are recomputed after commit."""
    lines = parse_schedule(text)
    wrong_year = sorted({str(line.day) for line in lines if line.day.year != year})
    if wrong_year:
        raise ValidationError(
            {
                "schedule": [
                    _("These days are not in %(year)d: %(days)s")
                    % {"year": year, "days": ", ".join(wrong_year[:5])}
                ]
            }
        )
    with transaction.atomic():
        if replace:
            Holiday.objects.filter(date__year=year).delete()
        for line in lines:
            Holiday.objects.update_or_create(
                date=line.day, defaults={"kind": line.kind, "name": line.name}
            )
        calendar_changed()
    return len(lines)


def calendar_changed() -> None:
    """Called after any change of the Holiday table (also from the admin, via signals)."""
    invalidate_calendar()
    enqueue_on_commit("crm.tasks.sla_recompute_deadlines")
