"""The working-day calendar: read by all, the official schedule entered by HQ."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ..forms import ScheduleForm, add_service_errors
from ..models import Holiday, Role
from ..params import year_param
from ..services.calendar import holidays_enter_schedule
from .base import StaffRequiredMixin


class CalendarView(StaffRequiredMixin, View):
    def get(self, request):
        today = timezone.localdate()
        year = year_param(request.GET.get("year"), today.year)
        days = Holiday.objects.filter(date__year=year).order_by("date")
        can_edit = request.user.is_superuser or self.staff.role == Role.HQ
        return render(
            request,
            "crm/calendar.html",
            {
                "year": year,
                "days": days,
                "can_edit": can_edit,
                "years": range(today.year - 2, today.year + 3),
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
