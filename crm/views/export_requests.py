"""Unmasked exports: ask, decide, and the one download of an approved request."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from ..exports import (
    FORMATS,
    export_filename,
    export_kind,
    export_kinds,
    filter_names,
    filter_words,
    filters_in_words,
    params_querydict,
    table_response,
)
from ..filters import ExportRequestFilterSet
from ..forms import ExportRequestForm, add_service_errors
from ..models import EXPORT_APPROVER_ROLES, EXPORT_PAGE_ROLES, ExportRequest, Role
from ..once import submit_once
from ..paging import page_with_total
from ..services.errors import TransitionNotAllowed
from ..services.export_requests import (
    export_request_can_decide,
    export_request_create,
    export_request_decide,
    export_request_download,
)
from ..tables import ExportRequestTable
from .base import StaffRequiredMixin


def _export_rows(user, requests):
    """The requests with their export's name and their filters in words ("阶段：活跃"),
    the people of the filters named in one query per kind of filter."""
    kinds = {k.key: k for k in export_kinds()}
    requests = list(requests)
    names = {
        kind.key: filter_names(kind.filterset, [r.params for r in requests if r.kind == kind.key])
        for kind in kinds.values()
    }
    for r in requests:
        kind = kinds.get(r.kind)
        r.kind_label = kind.label if kind else r.kind
        r.filters_text = filters_in_words(
            kind.filterset if kind else None, r.params, names.get(r.kind)
        )
        r.can_decide = r.status == ExportRequest.Status.PENDING and (
            export_request_can_decide(user, r)
        )
        r.can_download = r.requested_by_id == user.pk and r.is_downloadable
    return requests


class ExportRequestListView(StaffRequiredMixin, View):
    """My requests and their downloads; for approvers, the branch's requests to decide."""

    roles = EXPORT_PAGE_ROLES

    def get(self, request):
        qs = ExportRequest.objects.visible_to(request.user).select_related(
            "requested_by", "decided_by", "branch"
        )
        to_decide = []
        if self.staff.role in (*EXPORT_APPROVER_ROLES, Role.HQ):
            pending = qs.filter(status=ExportRequest.Status.PENDING).exclude(
                requested_by=request.user
            )
            to_decide = [r for r in _export_rows(request.user, pending[:100]) if r.can_decide]
        filterset = ExportRequestFilterSet(request.GET, queryset=qs)
        page = page_with_total(request, filterset.qs, per_page=25)
        page.object_list = _export_rows(request.user, page.object_list)
        table = ExportRequestTable(page, request=request, filterset=filterset, target="#exports")
        if request.htmx:
            return render(request, "crm/partials/table.html", {"table": table, "page": page})
        return render(request, "crm/exports.html", {
            "table": table, "page": page, "filter": filterset, "to_decide": to_decide,
            "hours": settings.CRM_UNMASKED_EXPORT_HOURS,
        })  # fmt: skip


class ExportRequestCreateView(StaffRequiredMixin, View):
    """`?kind=clients&<the list's filters>`: ask for that list without masking."""

    roles = EXPORT_PAGE_ROLES

    def _kind(self, key):
        kind = export_kind(key or "")
        if kind is None:
            raise Http404
        if self.staff.role not in kind.roles:
            raise PermissionDenied(_("Your role may not request this export unmasked."))
        return kind

    def _render(self, request, form, kind, status=200):
        query = QueryDict(form["query"].value() or "")
        params = dict(query.lists())
        names = filter_names(kind.filterset, [params])
        return render(request, "crm/export_request_form.html", {
            "form": form, "kind": kind, "filters": filter_words(kind.filterset, params, names),
            "list_url": reverse(kind.list_url_name) + (f"?{query.urlencode()}" if query else ""),
        }, status=status)  # fmt: skip

    def get(self, request):
        kind = self._kind(request.GET.get("kind"))
        params = request.GET.copy()
        for key in ("kind", "page", "export"):
            params.pop(key, None)
        form = ExportRequestForm(initial={"kind": kind.key, "query": params.urlencode()})
        return self._render(request, form, kind)

    @submit_once
    def post(self, request):
        form = ExportRequestForm(request.POST)
        kind = self._kind(request.POST.get("kind"))
        if form.is_valid():
            try:
                export_request_create(
                    user=request.user, kind=kind.key, reason=form.cleaned_data["reason"],
                    params=dict(QueryDict(form.cleaned_data["query"]).lists()), request=request,
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Request sent; you will be notified of the decision."))
                return redirect("crm:exports")
        return self._render(request, form, kind, status=400)


class ExportRequestDecideView(StaffRequiredMixin, View):
    roles = frozenset({*EXPORT_APPROVER_ROLES, Role.HQ})

    def post(self, request, pk, decision):
        export_request = get_object_or_404(ExportRequest.objects.visible_to(request.user), pk=pk)
        try:
            export_request_decide(
                user=request.user, export_request=export_request,
                approve=decision == "approve", note=request.POST.get("note", ""), request=request,
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Decision saved; the requester is notified."))
        return redirect("crm:exports")


class ExportRequestDownloadView(StaffRequiredMixin, View):
    """The one unmasked download of an approved request (POST: it uses the approval up)."""

    roles = EXPORT_PAGE_ROLES

    def post(self, request, pk):
        export_request = get_object_or_404(ExportRequest.objects.visible_to(request.user), pk=pk)
        kind = export_kind(export_request.kind)
        fmt = request.POST.get("format", "csv")
        if kind is None or fmt not in FORMATS:
            raise Http404
        try:
            export_request_download(
                user=request.user, export_request=export_request, request=request
            )
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("crm:exports")
        headers, rows = kind.table(
            request.user, params_querydict(export_request.params), unmasked=True
        )
        name = export_filename(kind.label, _("unmasked"), export_request.pk)
        return table_response(name, headers, rows, fmt)
