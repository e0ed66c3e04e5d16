from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from crm.forms import add_service_errors, success_link
from crm.models import Branch
from crm.once import submit_once
from crm.services import ConcurrentUpdate, TransitionNotAllowed
from crm.views import StaffRequiredMixin, TableListView

from . import selectors, services
from .filters import CaseFilterSet
from .forms import CaseForm
from .models import CASE_ROLES, SourceKind
from .tables import CaseTable
from .workflow import CASE_WORKFLOW, EVENT_LABELS


class CaseRoleMixin(StaffRequiredMixin):
    """Compliance officers and HQ only; a case out of scope (or about the user) is 404."""

    roles = CASE_ROLES

    def get_case(self, pk):
        return get_object_or_404(selectors.cases(self.request.user), pk=pk)


class ListView(CaseRoleMixin, TableListView):
    """The cases, newest first unless sorted; the filters are the API's."""

    filterset_class = CaseFilterSet
    table_class = CaseTable
    template_name = "compliance/list.html"
    table_target = "#case-table"

    def get_queryset(self):
        return selectors.cases(self.request.user).order_by("-opened_at", "-id")


class CreateView(CaseRoleMixin, View):
    """A case opened by hand; `?source=complaint&source_id=12` fills in the source (the
    button on a complaint's, a call's or a visit record's page)."""

    def get(self, request):
        initial = {}
        if request.GET.get("source") in SourceKind.values:
            initial = {"source_kind": request.GET["source"],
                       "source_id": request.GET.get("source_id", "")[:40]}  # fmt: skip
        form = CaseForm(user=request.user, initial=initial)
        return render(request, "compliance/form.html", {"form": form})

    @submit_once
    def post(self, request):
        form = CaseForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                case = services.case_open(user=request.user, data=dict(form.cleaned_data))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("Compliance case %(obj)s opened."), case, case.reference)
                return redirect(case)
        return render(request, "compliance/form.html", {"form": form}, status=400)


def render_detail(request, case, forms=None, status=200):
    steps = [s for s in CASE_WORKFLOW.allowed(request.user, case) if s.web]
    all_forms = {
        s.name: s.form_class().for_step(case, user=request.user, action=s.name) for s in steps
    }
    all_forms.update(forms or {})
    flags = [(services.QUESTION_LABELS.get(f["question"], f["question"]), f["answer"])
             for f in case.red_flags]  # fmt: skip
    context = {
        "case": case,
        "flags": flags,
        "events": [(e, EVENT_LABELS.get(e.action, e.action))
                   for e in case.events.select_related("by")],
        "actions": [(s.name, s.label, all_forms[s.name]) for s in steps],
    }  # fmt: skip
    return render(request, "compliance/detail.html", context, status=status)


class DetailView(CaseRoleMixin, View):
    def get(self, request, pk):
        return render_detail(request, self.get_case(pk))


class ActionView(CaseRoleMixin, View):
    """POST /compliance/<pk>/<action>/ — one workflow step; refused (a message, nothing
    applied) when the state does not allow it or someone else acted meanwhile."""

    def post(self, request, pk, action):
        case = self.get_case(pk)
        step = CASE_WORKFLOW[action]
        form_class = step.form_class()
        form = form_class.for_step(case, user=request.user, action=action, data=request.POST)
        if not form.is_valid():
            return render_detail(request, case, forms={action: form}, status=400)
        data = dict(form.cleaned_data)
        try:
            CASE_WORKFLOW.service(action)(user=request.user, case=case, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render_detail(request, case, forms={action: form}, status=400)
        except ConcurrentUpdate as exc:
            messages.error(request, str(exc))
            return redirect(case)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(case)
        messages.success(request, step.done_message)
        return redirect(case)


class TrendView(CaseRoleMixin, View):
    """Cases per month (the last 12) by source and by finding, and per branch: HQ sees
    every branch (and may pick one), a compliance officer their own."""

    def get(self, request):
        branch = None
        code = request.GET.get("branch") or ""
        if code and self.staff.sees_all_branches:
            branch = Branch.objects.filter(code=code[:20]).first()
        data = selectors.trend(request.user, branch=branch)
        months = [m.strftime("%Y-%m") for m in data["months"]]
        datasets = [{"label": str(label), "data": numbers}
                    for _v, label, numbers, total in data["by_source"] if total]  # fmt: skip
        chart = {"labels": months, "datasets": datasets}

        def rows(lines):
            return [(v, label, list(zip(months, numbers, strict=True)), total)
                    for v, label, numbers, total in lines]  # fmt: skip

        return render(request, "compliance/trend.html", {
            "months": months, "by_source": rows(data["by_source"]),
            "by_finding": rows(data["by_finding"]), "by_branch": data["by_branch"],
            "total": data["total"], "chart": chart, "branch": branch,
            "branches": Branch.objects.filter(kind="branch").order_by("code")
            if self.staff.sees_all_branches else [],
        })  # fmt: skip
