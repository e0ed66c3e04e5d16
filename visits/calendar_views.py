"""The visit calendar's pages: the month / week / list calendar and its JSON feed (kept
apart from visits/views.py, the lists and forms)."""

from __future__ import annotations

from csp.constants import NONCE
from csp.decorators import csp_update
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View

from crm.params import date_param
from crm.views import StaffRequiredMixin

from .calendar import calendar_items, calendar_range
from .models import VisitPlan


def range_error(exc: ValidationError) -> JsonResponse:
    errors = exc.message_dict
    detail = " ".join(m for messages in errors.values() for m in messages)
    return JsonResponse({"detail": detail, "errors": errors}, status=400)


# FullCalendar 6 injects its stylesheet (allowed by the page's nonce, which it reads from
# the `csp-nonce` meta tag: no 'unsafe-inline') and that stylesheet embeds its arrow icons
# as a data: font. Both relaxations are for this page only.
CALENDAR_CSP = {"style-src": [NONCE], "font-src": ["data:"]}


@method_decorator(csp_update(CALENDAR_CSP), name="get")
class VisitCalendarView(StaffRequiredMixin, View):
    """FullCalendar reads `visits:calendar-feed` (month, week, and a list on phones)."""

    def get(self, request):
        return render(request, "visits/calendar.html", {
            "statuses": VisitPlan.Status.choices,
            "initial": date_param(request.GET.get("date"), timezone.localdate()),
        })  # fmt: skip


class VisitCalendarFeedView(StaffRequiredMixin, View):
    """GET ?start=&end= (at most 62 days): the items of the user's scope as JSON; bad
    dates answer 400 with the reason."""

    def get(self, request):
        try:
            span = calendar_range(request.GET.get("start"), request.GET.get("end"))
        except ValidationError as exc:
            return range_error(exc)
        return JsonResponse(calendar_items(request.user, span), safe=False)
