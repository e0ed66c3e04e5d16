"""The access log page and its export."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ..exports import (
    FORMATS,
    access_log_table,
    export_filename,
    filter_names,
    filters_in_words,
    table_response,
)
from ..filters import AccessLogFilterSet
from ..models import ACCESS_LOG_ROLES, AccessLog
from ..paging import page_with_total
from ..services.access_log import access_log_export_record
from ..tables import AccessLogTable
from .base import StaffRequiredMixin


class AccessLogView(StaffRequiredMixin, View):
    """Compliance, branch managers (their branch) and HQ (all): filter, search, sort by
    time, page with a cheap total (crm.paging), export to CSV or Excel (the export is
    logged too)."""

    roles = ACCESS_LOG_ROLES
    EXPORT_MAX_ROWS = 50_000

    def get(self, request):
        qs = AccessLog.objects.visible_to(request.user).order_by("-occurred_at", "-id")
        filterset = AccessLogFilterSet(request.GET, queryset=qs, user=request.user)
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            params = dict(request.GET.lists())
            words = filters_in_words(
                AccessLogFilterSet, params, filter_names(AccessLogFilterSet, [params])
            )
            access_log_export_record(user=request.user, fmt=fmt, filters=words, request=request)
            headers, rows = access_log_table(filterset.qs[: self.EXPORT_MAX_ROWS])
            stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
            return table_response(export_filename(_("Access log"), stamp), headers, rows, fmt)
        page = page_with_total(
            request,
            filterset.qs.select_related("user__staff__branch", "content_type"),
            per_page=50,
        )
        table = AccessLogTable(page, request=request, filterset=filterset, target="#access-log")
        template = "crm/partials/table.html" if request.htmx else "crm/access_log.html"
        return render(request, template, {"table": table, "page": page, "filter": filterset})
