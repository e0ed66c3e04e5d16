"""What every page of the CRM stands on: a member of staff logged in, lists in pages."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from ..models import Role, staff_of
from ..paging import page_with_total


class StaffRequiredMixin(LoginRequiredMixin):
    """Logged in with a staff profile; `roles` narrows the page to some roles."""

    roles: frozenset[str] | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.staff = staff_of(request.user)
        if self.staff is None or self.staff.role == Role.INTEGRATION:
            raise PermissionDenied(_("This account has no staff profile."))
        if self.roles is not None and self.staff.role not in self.roles:
            raise PermissionDenied(_("Your role may not open this page."))
        return super().dispatch(request, *args, **kwargs)


def paginate(request, queryset, per_page: int = 25):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


class TableListView(StaffRequiredMixin, View):
    """A list page: the API's filter set over `get_queryset()`, a page with its total, a
    sortable django-tables2 table; the whole page, or only the table when HTMX asks
    (sorting, paging and filtering in place swap `table_target`)."""

    filterset_class: type
    table_class: type
    template_name: str
    table_target: str  # the table's frame, "#message-table"
    per_page = 25

    def get_queryset(self):  # pragma: no cover - each page says
        raise NotImplementedError

    def get_context(self) -> dict:
        """What the page shows beside its table (the buttons the user may press)."""
        return {}

    def get(self, request):
        filterset = self.filterset_class(request.GET, queryset=self.get_queryset(),
                                         request=request)  # fmt: skip
        page = page_with_total(request, filterset.qs, per_page=self.per_page)
        table = self.table_class(page, request=request, filterset=filterset,
                                 target=self.table_target)  # fmt: skip
        context = {"table": table, "page": page, "filter": filterset, **self.get_context()}
        template = "crm/partials/table.html" if request.htmx else self.template_name
        return render(request, template, context)
