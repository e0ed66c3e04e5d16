"""The column menu of every list: which columns this person sees (crm.tables)."""

from __future__ import annotations

from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View

from ..redirects import next_url
from ..services.preferences import table_columns_save
from ..tables import TABLES
from .base import StaffRequiredMixin


class TableColumnsView(StaffRequiredMixin, View):
    def post(self, request, key):
        table = TABLES.get(key)
        if table is None:
            raise Http404(_("No such list."))
        if request.POST.get("reset"):
            table_columns_save(user=request.user, table=key, columns=None)
        else:
            try:
                columns = table.clean_columns(request.POST.getlist("column"))
            except ValueError:
                return HttpResponseBadRequest(_("This list has no such column."))
            table_columns_save(user=request.user, table=key, columns=columns)
        return redirect(next_url(request, "crm:workbench"))
