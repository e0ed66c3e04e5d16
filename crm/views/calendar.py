"""The working-day calendar: read by all, the official schedule entered by HQ."""

from __future__ import annotations

import calendar as pycalendar
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views import View

from ..bounds import year_in_range
from ..forms import ScheduleForm, add_service_errors
from ..models import Holiday, Role
from ..params import int_param, year_param
from ..services.calendar import holidays_enter_schedule
from .base import StaffRequiredMixin

WEEKDAYS = [pgettext_lazy("calendar grid", day) for day in
            ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]  # fmt: skip


def month_grid(weeks: list[list[date]], month: int, days, today: date) -> list[list[dict]]:
    """The weeks (Monday first) of `month`, each day with its kind: a public holiday, a
    make-up working day (调休), a weekend or an ordinary working day."""
    by_date = {d.date: d for d in days}
    grid = []
    for week in weeks:
        cells = []
        for day in week:
            entry = by_date.get(day)
            if entry is not None:
                kind = entry.kind
            else:
                kind = "weekend" if day.weekday() >= 5 else "normal"
            cells.append({
                "date": day, "in_month": day.month == month, "kind": kind,
                "name": entry.name if entry else "", "today": day == today,
                "off": kind in ("holiday", "weekend"),
            })  # fmt: skip
        grid.append(cells)
    return grid


def _shift(year: int, month: int, by: int) -> tuple[int, int] | None:
    index = year * 12 + (month - 1) + by
    shifted = (index // 12, index % 12 + 1)
    return shifted if year_in_range(shifted[0]) else None


class CalendarView(StaffRequiredMixin, View):
    def get(self, request):
        today = timezone.localdate()
        year = year_param(request.GET.get("year"), today.year)
        default_month = today.month if year == today.year else 1
        month = int_param(request.GET.get("month"), default_month, low=1, high=12)
        days = list(Holiday.objects.filter(date__year=year).order_by("date"))
        can_edit = request.user.is_superuser or self.staff.role == Role.HQ
        prev_month, next_month = _shift(year, month, -1), _shift(year, month, 1)
        weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        grid_days = Holiday.objects.filter(date__range=(weeks[0][0], weeks[-1][-1]))
        return render(
            request,
            "crm/calendar.html",
            {
                "year": year,
                "month": month,
                "days": days,
                "weeks": month_grid(weeks, month, grid_days, today),
                "weekdays": WEEKDAYS,
                "prev_month": prev_month,
                "next_month": next_month,
                "months": range(1, 13),
                "can_edit": can_edit,
                "years": sorted({*range(today.year - 2, today.year + 3), year}),
            },
        )


class CalendarEditView(StaffRequiredMixin, View):
    roles = frozenset({Role.HQ})

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_superuser:
            self.roles = None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        year = year_param(request.GET.get("year"), timezone.localdate().year + 1)
        lines = [
            f"{h.date} {h.kind} {h.name}".strip()
            for h in Holiday.objects.filter(date__year=year).order_by("date")
        ]
        form = ScheduleForm(initial={"year": year, "schedule": "\n".join(lines)})
        return render(request, "crm/calendar_edit.html", {"form": form})

    def post(self, request):
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                count = holidays_enter_schedule(
                    year=form.cleaned_data["year"], text=form.cleaned_data["schedule"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(count)d days saved for %(year)d; open deadlines are being recomputed.")
                    % {"count": count, "year": form.cleaned_data["year"]},
                )
                return redirect(reverse("crm:calendar") + f"?year={form.cleaned_data['year']}")
        return render(request, "crm/calendar_edit.html", {"form": form}, status=400)
