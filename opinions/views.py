from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from crm import exports
from crm.db import reads_from_replica
from crm.forms import add_service_errors, success_link
from crm.once import submit_once
from crm.services import TransitionNotAllowed
from crm.views import StaffRequiredMixin, TableListView

from . import selectors, services
from .filters import OpinionFilterSet
from .forms import OpinionForm
from .tables import OpinionTable
from .workflow import OPINION_WORKFLOW


class RegisterView(TableListView):
    """The register: newest first unless sorted; the filters are the API's."""

    filterset_class = OpinionFilterSet
    table_class = OpinionTable
    template_name = "opinions/register.html"
    table_target = "#opinion-table"

    def get_queryset(self):
        return selectors.register(self.request.user).order_by("-received_at", "-id")

    def get_context(self) -> dict:
        return {"can_record": services.can_record(self.request.user)}


class CreateView(StaffRequiredMixin, View):
    def _check(self):
        if not services.can_record(self.request.user):
            raise PermissionDenied(_("Your role may not record client opinions."))

    def get(self, request):
        self._check()
        return render(request, "opinions/form.html", {"form": OpinionForm(user=request.user)})

    @submit_once
    def post(self, request):
        self._check()
        form = OpinionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                opinion = services.opinion_create(user=request.user, data=dict(form.cleaned_data))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("Opinion recorded."), opinion, _("Open it"))
                return redirect(opinion)
        return render(request, "opinions/form.html", {"form": form}, status=400)


def _object(request, pk):
    return get_object_or_404(selectors.register(request.user), pk=pk)


def render_detail(request, opinion, forms=None, status=200):
    steps = [s for s in OPINION_WORKFLOW.allowed(request.user, opinion) if s.web]
    all_forms = {
        s.name: s.form_class().for_step(opinion, user=request.user, action=s.name) for s in steps
    }
    all_forms.update(forms or {})
    context = {"opinion": opinion,
               "actions": [(s.name, s.label, all_forms[s.name]) for s in steps]}  # fmt: skip
    return render(request, "opinions/detail.html", context, status=status)


class DetailView(StaffRequiredMixin, View):
    def get(self, request, pk):
        return render_detail(request, _object(request, pk))


class ActionView(StaffRequiredMixin, View):
    """POST /opinions/<pk>/<action>/ — one workflow step; a step the state does not
    allow now is refused with a message, nothing applied."""

    def post(self, request, pk, action):
        opinion = _object(request, pk)
        step = OPINION_WORKFLOW[action]
        form = step.form_class().for_step(opinion, user=request.user, action=action,
                                          data=request.POST)  # fmt: skip
        if not form.is_valid():
            return render_detail(request, opinion, forms={action: form}, status=400)
        try:
            OPINION_WORKFLOW.service(action)(user=request.user, opinion=opinion,
                                             **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render_detail(request, opinion, forms={action: form}, status=400)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(opinion)
        messages.success(request, step.done_message)
        return redirect(opinion)


@reads_from_replica
class AnalysisView(StaffRequiredMixin, View):
    """Counts by category and month (the last 12 months), a table and a bar chart;
    `?format=xlsx` downloads the table."""

    def get(self, request):
        data = selectors.analysis(request.user)
        months = [m.strftime("%Y-%m") for m in data["months"]]
        if request.GET.get("format") == "xlsx":
            headers = [_("Category"), *months, _("Total")]
            rows = [[str(label), *numbers, total] for _v, label, numbers, total in data["rows"]]
            rows.append([_("Total"), *data["totals"], data["total"]])
            name = exports.export_filename(_("Client opinions by month"), timezone.localdate())
            return exports.table_response(name, headers, rows, "xlsx")
        chart = {"labels": months,
                 "datasets": [{"label": str(label), "data": numbers}
                              for _v, label, numbers, total in data["rows"] if total]}  # fmt: skip
        rows = [(value, label, list(zip(months, numbers, strict=True)), total)
                for value, label, numbers, total in data["rows"]]  # fmt: skip
        return render(request, "opinions/analysis.html", {
            "months": months, "rows": rows, "totals": data["totals"], "total": data["total"],
            "chart": chart,
        })  # fmt: skip
