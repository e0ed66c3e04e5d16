from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from clients.timeline import client_timeline
from complaints.models import Complaint
from crm.dashboard import period_from
from crm.db import reads_from_replica
from crm.forms import add_service_errors, success_link
from crm.models import Branch, Role
from crm.once import submit_once
from crm.paging import page_with_total
from crm.params import int_param
from crm.redirects import next_url
from crm.selectors import BranchScope
from crm.services import TransitionNotAllowed
from crm.views import StaffRequiredMixin

from . import selectors, services
from .filters import CallbackFilterSet, CallFilterSet, InspectionRoundFilterSet
from .forms import (
    CallLogForm,
    FailForm,
    InspectionForm,
    PolicyForm,
    RegistrationFormForm,
    ScriptForm,
    WrapUpForm,
)
from .models import Call, Callback, CallbackPolicy, InspectionItem, InspectionRound, Script
from .tables import CallbackTable, CallTable, InspectionRoundTable

MANAGERS = frozenset({Role.BRANCH_MANAGER, Role.HQ})
CALLERS = frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.HQ})


class QueueView(StaffRequiredMixin, View):
    def get(self, request):
        tab = request.GET.get("tab", "due")
        if tab not in selectors.TABS:
            tab = "due"
        queue = selectors.queue(request.user, tab, timezone.now())
        filterset = CallbackFilterSet(request.GET, queryset=queue)
        page = page_with_total(request, filterset.qs, per_page=25)
        return render(request, "callcenter/queue.html", {
            "page": page, "tab": tab, "tabs": selectors.TABS, "now": timezone.now(),
            "table": CallbackTable(page, request=request, filterset=filterset),
        })  # fmt: skip


class CallbackView(StaffRequiredMixin, View):
    def get_callback(self, pk) -> Callback:
        return get_object_or_404(
            Callback.objects.visible_to(self.request.user).select_related(
                "client", "assignee", "claimed_by", "client__owner"
            ),
            pk=pk,
        )

    def render_callback(self, request, callback, form=None, fail_form=None, status=200):
        holder = callback.claimed_by_id or callback.assignee_id
        return render(request, "callcenter/callback.html", {
            "callback": callback, "client": callback.client,
            "script": Script.objects.filter(reason=callback.reason).first(),
            "attempts": callback.attempt_log.select_related("by"),
            "registration": getattr(callback, "form", None)
            if callback.status == "completed" else None,
            "timeline": client_timeline(callback.client, limit=6),
            "holding": holder == request.user.pk and callback.status == "open",
            "can_claim": callback.status == "open" and self.staff.role in CALLERS
            and holder != request.user.pk,
            "form": form or RegistrationFormForm(), "fail_form": fail_form or FailForm(),
        }, status=status)  # fmt: skip

    def get(self, request, pk):
        return self.render_callback(request, self.get_callback(pk))

    def post(self, request, pk):
        callback = self.get_callback(pk)
        action = request.POST.get("action")
        try:
            if action == "claim":
                services.callback_claim(user=request.user, callback=callback)
                return redirect(callback)
            if action == "fail":
                form = FailForm(request.POST)
                if not form.is_valid():
                    return self.render_callback(request, callback, fail_form=form, status=400)
                services.callback_fail(user=request.user, callback=callback, **form.cleaned_data)
                messages.info(request, _("Attempt recorded."))
                return redirect("callcenter:queue")
            form = RegistrationFormForm(request.POST)
            if form.is_valid():
                try:
                    result = services.callback_complete(
                        user=request.user, callback=callback, **form.cleaned_data
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    if result.complaint_id:
                        success_link(
                            request,
                            _("Callback completed; complaint %(obj)s registered."),
                            result.complaint,
                            result.complaint.ticket_no,
                        )
                    else:
                        messages.success(request, _("Callback completed."))
                    return redirect("callcenter:queue")
            return self.render_callback(request, callback, form=form, status=400)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(callback)


class CallLogView(StaffRequiredMixin, View):
    def get(self, request):
        qs = Call.objects.visible_to(request.user).select_related("client", "agent", "wrap_up")
        filterset = CallFilterSet(request.GET, queryset=qs.order_by("-started_at", "-id"))
        page = page_with_total(request, filterset.qs, per_page=50)
        return render(request, "callcenter/calls.html", {
            "page": page,
            "table": CallTable(page, request=request, filterset=filterset),
            "direction": request.GET.get("direction"),
            "phone": request.GET.get("phone", "").strip(),
            "repeat": request.GET.get("repeat_contact", ""),
        })  # fmt: skip


class ScreenPopView(StaffRequiredMixin, View):
    """Opened by the telephony system with the caller's number."""

    def get(self, request):
        phone = request.GET.get("phone", "")
        clients = list(services.match_clients(request.user, phone).select_related("owner")[:5])
        cards = []
        since = timezone.now() - timedelta(days=services.REPEAT_DAYS)
        recent = (
            set(
                Call.objects.filter(client__in=clients, started_at__gte=since)
                .values_list("client_id", flat=True)
                .distinct()
            )
            if clients
            else set()
        )
        for client in clients:
            cards.append({
                "client": client, "repeat": client.pk in recent,
                "complaints": list(Complaint.objects.filter(
                    client=client, status__in=["received", "acknowledged", "investigating",
                                               "waiting"])[:5]),
                "callbacks": list(Callback.objects.filter(client=client, status="open")[:5]),
                "timeline": client_timeline(client, limit=5),
            })  # fmt: skip
        initial = {"phone": phone[:20], "direction": "inbound"}
        if len(clients) == 1:
            initial["client"] = clients[0].pk
        return render(request, "callcenter/pop.html", {
            "phone": phone, "cards": cards, **wrap_up_context(request),
            "log_form": CallLogForm(user=request.user, initial=initial)
            if self.staff.role in CALLERS else None,
        })  # fmt: skip


def wrap_up_context(request) -> dict:
    """The agent's calls waiting for a wrap-up code: they block the next call."""
    waiting = list(services.waiting_for_wrap_up(request.user).select_related("client")[:5])
    return {"waiting": waiting, "wrap_form": WrapUpForm() if waiting else None}


class CallNewView(StaffRequiredMixin, View):
    """Log a call by hand (the screen pop, the client page): the call and its follow-up."""

    roles = CALLERS

    def render_form(self, request, form, status=200):
        return render(request, "callcenter/call_form.html", {
            "form": form, **wrap_up_context(request),
        }, status=status)  # fmt: skip

    def get(self, request):
        initial = {"phone": request.GET.get("phone", "")[:20], "direction": "inbound"}
        if request.GET.get("direction") == "outbound":
            initial["direction"] = "outbound"
        client_pk = int_param(request.GET.get("client"), 0)
        if client_pk:
            initial["client"] = client_pk
        return self.render_form(request, CallLogForm(user=request.user, initial=initial))

    @submit_once
    def post(self, request):
        form = CallLogForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                _call, made = services.call_log(user=request.user, data=form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if made is not None:
                    success_link(request, _("Call logged; %(obj)s opened."), made)
                    return redirect(made)
                messages.success(request, _("Call logged."))
                return redirect("callcenter:calls")
        return self.render_form(request, form, status=400)


class CallWrapUpView(StaffRequiredMixin, View):
    """Set the wrap-up code of a call waiting for it; back to where the agent was."""

    roles = CALLERS

    def post(self, request, pk):
        call = get_object_or_404(Call.objects.visible_to(request.user), pk=pk)
        form = WrapUpForm(request.POST)
        target = next_url(request, "callcenter:calls")
        if not form.is_valid():
            messages.error(request, _("Choose the wrap-up code."))
            return redirect(target)
        try:
            services.call_wrap_up(user=request.user, call=call, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Wrap-up code saved."))
        return redirect(target)


class PolicyView(StaffRequiredMixin, View):
    roles = MANAGERS

    def get(self, request, form=None, script_form=None, status=200):
        return render(request, "callcenter/policies.html", {
            "policies": CallbackPolicy.objects.all(), "scripts": Script.objects.all(),
            "form": form or PolicyForm(), "script_form": script_form or ScriptForm(),
        }, status=status)  # fmt: skip

    def post(self, request):
        if "body" in request.POST:
            instance = Script.objects.filter(reason=request.POST.get("reason")).first()
            form = ScriptForm(request.POST, instance=instance)
            if form.is_valid():
                form.save()
                messages.success(request, _("Script saved."))
                return redirect("callcenter:policies")
            return self.get(request, script_form=form, status=400)
        instance = CallbackPolicy.objects.filter(
            tier=request.POST.get("tier", ""), stage=request.POST.get("stage", "")
        ).first()
        form = PolicyForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                services.callback_policy_save(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Policy saved."))
                return redirect("callcenter:policies")
        return self.get(request, form=form, status=400)


@reads_from_replica
class StatsView(StaffRequiredMixin, View):
    roles = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ, Role.SERVICE_AGENT})

    def get(self, request):
        period = period_from(request.GET, default="custom")
        start, end = period.start, period.end
        scope = BranchScope.for_user(request.user)
        by = request.GET.get("by", "branch")
        if by not in ("branch", "person", "month"):
            by = "branch"
        from django.conf import settings

        return render(request, "callcenter/stats.html", {
            "start": start, "end": end, "agents": selectors.agent_stats(scope, start, end),
            "csi": selectors.csi_table(scope, start, end, by), "by": by,
            "target": settings.CRM_CSI_TARGET,
        })  # fmt: skip


class InspectionListView(StaffRequiredMixin, View):
    def get(self, request, form=None, status=200):
        rounds = InspectionRound.objects.select_related("branch", "created_by")
        if self.staff.role != Role.HQ:
            rounds = rounds.filter(branch_id=self.staff.branch_id)
        filterset = InspectionRoundFilterSet(
            request.GET, queryset=rounds.order_by("-created_at", "-id")
        )
        page = page_with_total(request, filterset.qs, per_page=50)
        return render(request, "callcenter/inspections.html", {
            "page": page, "form": form or InspectionForm(),
            "table": InspectionRoundTable(page, request=request, filterset=filterset),
            "branches": Branch.objects.filter(kind="branch") if self.staff.role == Role.HQ
            else [],
        }, status=status)  # fmt: skip

    def post(self, request):
        if self.staff.role != Role.HQ:
            raise PermissionDenied(_("Inspection is done by headquarters."))
        form = InspectionForm(request.POST)
        branch = Branch.objects.filter(pk=int_param(request.POST.get("branch"), 0)).first()
        if form.is_valid() and branch is not None:
            try:
                inspection = services.inspection_draw(
                    user=request.user, branch=branch, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(inspection)
        elif branch is None:
            form.add_error(None, _("Choose the branch."))
        return self.get(request, form=form, status=400)


class InspectionView(StaffRequiredMixin, View):
    def get_round(self, pk):
        qs = InspectionRound.objects.select_related("branch")
        if self.staff.role != Role.HQ:
            qs = qs.filter(branch_id=self.staff.branch_id)
        return get_object_or_404(qs, pk=pk)

    def get(self, request, pk):
        inspection = self.get_round(pk)
        # The items of callbacks the user may see: an account manager sees those of their
        # own clients (and their own calls), not the names of a colleague's clients.
        items = inspection.items.filter(
            callback__in=Callback.objects.visible_to(request.user)
        ).select_related("callback__client", "callback__completed_by", "callback__form")
        scored = [i.score for i in items if i.score is not None]
        return render(request, "callcenter/inspection.html", {
            "round": inspection, "items": items, "checklist": InspectionItem.CHECKLIST,
            "average": round(sum(scored) / len(scored)) if scored else None,
            "can_score": self.staff.role == Role.HQ,
        })  # fmt: skip

    def post(self, request, pk):
        inspection = self.get_round(pk)
        item = get_object_or_404(
            InspectionItem, pk=int_param(request.POST.get("item"), 0), round=inspection
        )
        services.inspection_score(
            user=request.user, item=item,
            checks={k: request.POST.get(k) == "on" for k, _l in InspectionItem.CHECKLIST},
            comment=request.POST.get("comment", "")[:1000],
        )  # fmt: skip
        return redirect(inspection)
