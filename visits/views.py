from __future__ import annotations

import re
from datetime import timedelta

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from clients.masking import display
from clients.models import Client
from clients.selectors import latest_holdings, latest_snapshot
from clients.timeline import client_timeline
from crm.filters import start_of_day
from crm.forms import add_service_errors, success_link
from crm.models import Role
from crm.once import submit_once
from crm.paging import page_with_total, page_without_count
from crm.params import date_param, id_param, int_param
from crm.selectors import BranchScope
from crm.services import TransitionNotAllowed
from crm.views import StaffRequiredMixin, TableListView

from . import selectors, services
from .filters import (
    AdvisedProductFilterSet,
    ConsultationFilterSet,
    EventFilterSet,
    VisitPlanFilterSet,
)
from .forms import (
    AnswerForm,
    ConsultationForm,
    DeliverForm,
    EventForm,
    InvitationStatusForm,
    InviteClientForm,
    InviteForm,
    InviteSavedListForm,
    ProductFormSet,
    QuotaLogForm,
    QuotaSetForm,
    ResearchAnswerForm,
    VisitPlanForm,
)
from .models import (
    AdvisedProduct,
    Consultation,
    Event,
    Invitation,
    QuotaLog,
    ResearchRequest,
    VisitPlan,
    VisitRecord,
)
from .tables import (
    AdvisedProductTable,
    ConsultationTable,
    EventTable,
    RecheckTable,
    VisitPlanTable,
)
from .workflow import VISIT_PLAN_WORKFLOW

MANAGERS = frozenset({Role.BRANCH_MANAGER, Role.HQ})
INVITERS = frozenset({*MANAGERS, Role.ACCOUNT_MANAGER})
PRODUCT_KEY = re.compile(r"products\[(\d+)\]")


def _name(request, client) -> str:
    """The client's name as the user may see it (masked for the roles that see masks)."""
    return display(request.user, "name", client.name)


def _client_initial(request) -> dict:
    """Prefill the client when coming from a client's page (`?client=<id>`)."""
    pk = id_param(request.GET.get("client"))
    client = Client.objects.visible_to(request.user).filter(pk=pk).first() if pk else None
    return {"client": client} if client else {}


# --- Visit plans -------------------------------------------------------------------------
class VisitListView(StaffRequiredMixin, View):
    """My visits as a list and a week calendar."""

    def get(self, request):
        day = date_param(request.GET.get("week"), timezone.localdate())
        days = selectors.week_of(day)
        if self.staff.role == Role.ACCOUNT_MANAGER:
            qs = VisitPlan.objects.naming(request.user, "owner")
        else:
            qs = VisitPlan.objects.visible_to(request.user)
        qs = qs.select_related("client", "owner")
        week = list(qs.filter(planned_at__gte=start_of_day(days[0]),
                              planned_at__lt=start_of_day(days[-1] + timedelta(days=1)))
                    .order_by("planned_at"))  # fmt: skip
        calendar = [(d, [p for p in week if timezone.localtime(p.planned_at).date() == d])
                    for d in days]  # fmt: skip
        status = request.GET.get("status", "")
        filterset = VisitPlanFilterSet(request.GET, queryset=qs.order_by("-planned_at", "-id"))
        page = page_with_total(request, filterset.qs, per_page=25)
        return render(request, "visits/list.html", {
            "calendar": calendar, "page": page, "status": status,
            "table": VisitPlanTable(page, request=request, filterset=filterset),
            "prev_week": days[0] - timedelta(days=7), "next_week": days[0] + timedelta(days=7),
            "statuses": VisitPlan.Status.choices,
        })  # fmt: skip


class ApprovalQueueView(StaffRequiredMixin, View):
    roles = MANAGERS

    def get(self, request):
        qs = (VisitPlan.objects.visible_to(request.user).filter(status="submitted")
              .select_related("client", "owner").order_by("planned_at"))  # fmt: skip
        return render(
            request, "visits/approvals.html", {"page": page_without_count(request, qs, per_page=50)}
        )


class VisitPlanCreateView(StaffRequiredMixin, View):
    def get(self, request):
        initial = _client_initial(request)
        return render(
            request,
            "visits/plan_form.html",
            {"form": VisitPlanForm(user=request.user, initial=initial)},
        )

    @submit_once
    def post(self, request):
        form = VisitPlanForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                plan = services.visit_plan_create(user=request.user, **data)
                if "submit" in request.POST:
                    services.visit_plan_submit(user=request.user, plan=plan)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("Visit plan %(obj)s saved."), plan, plan.client.name)
                return redirect(plan)
        return render(request, "visits/plan_form.html", {"form": form}, status=400)


def _record_of(plan: VisitPlan) -> VisitRecord | None:
    """The visit's record with its follow-through (next-step to-do, research request and
    its answer), in the one query the record took alone."""
    return (
        VisitRecord.objects.filter(plan=plan)
        .select_related("next_step_todo", "research__answered_by")
        .first()
    )


class VisitPlanDetailView(StaffRequiredMixin, View):
    def get_plan(self, pk) -> VisitPlan:
        return get_object_or_404(
            VisitPlan.objects.visible_to(self.request.user).select_related(
                "client", "owner", "decided_by", "branch"
            ),
            pk=pk,
        )

    def render_plan(self, request, plan, forms=None, status=200):
        """The plan, with a button (or form) for each step of visits.workflow the user may
        take now; `forms` are the posted forms to show again with their errors."""
        client = plan.client
        holdings_day, holdings = latest_holdings(client)
        steps = [s for s in VISIT_PLAN_WORKFLOW.allowed(request.user, plan) if s.web]
        step_forms = {s.name: s.form_class()() for s in VISIT_PLAN_WORKFLOW.web_actions if s.form}
        return render(request, "visits/plan_detail.html", {
            "plan": plan, "client": client, "snapshot": latest_snapshot(client),
            "holdings": holdings, "holdings_day": holdings_day,
            "last_contacts": client_timeline(client, limit=8),
            "record": _record_of(plan) if plan.status == "completed" else None,
            "actions": {s.name: s for s in steps}, "forms": {**step_forms, **(forms or {})},
        }, status=status)  # fmt: skip

    def get(self, request, pk):
        return self.render_plan(request, self.get_plan(pk))


class VisitPlanActionView(VisitPlanDetailView):
    http_method_names = ["post", "options"]  # a GET of an action URL is 405, not the page

    def post(self, request, pk, action):
        plan = self.get_plan(pk)
        step = VISIT_PLAN_WORKFLOW[action]
        form, data = None, {}
        if step.form:
            form = step.form_class()(request.POST)
            if not form.is_valid():
                return self.render_plan(request, plan, forms={action: form}, status=400)
            data = form.cleaned_data
        try:
            VISIT_PLAN_WORKFLOW.service(action)(user=request.user, plan=plan, **data)
        except ValidationError as exc:
            if form is None:
                raise
            add_service_errors(form, exc)
            return self.render_plan(request, plan, forms={action: form}, status=400)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(plan)
        messages.success(request, step.done_message)
        return redirect(plan)


# --- Daily quota -------------------------------------------------------------------------
class QuotaBoardView(StaffRequiredMixin, View):
    def get(self, request, log_form=None, set_form=None, status=200):
        day = date_param(request.GET.get("day"), timezone.localdate())
        scope = BranchScope.for_user(request.user)
        rows = selectors.quota_board(branch_ids=scope.branch_ids, day=day)
        if self.staff.role == Role.ACCOUNT_MANAGER:
            rows = [r for r in rows if r["user"].pk == request.user.pk]
        logs = (QuotaLog.objects.visible_to(request.user).filter(day=day)
                .select_related("user", "client")[:50])  # fmt: skip
        return render(request, "visits/quota.html", {
            "rows": rows, "day": day, "logs": logs,
            "log_form": log_form or QuotaLogForm(user=request.user),
            "set_form": set_form or (QuotaSetForm(user=request.user)
                                     if self.staff.role in MANAGERS else None),
        }, status=status)  # fmt: skip

    def post(self, request):
        if "contacts_target" in request.POST:
            form = QuotaSetForm(request.POST, user=request.user)
            if form.is_valid():
                try:
                    services.quota_set(user=request.user, **form.cleaned_data)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("Targets saved."))
                    return redirect("visits:quota")
            return self.get(request, set_form=form, status=400)
        form = QuotaLogForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.quota_log(user=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Logged."))
                return redirect("visits:quota")
        return self.get(request, log_form=form, status=400)


# --- Research requests from visits (the advisory side's queue) ---------------------------
def research_queue(user, status: str):
    """The requests of one status the user may see: open oldest first, answered newest."""
    qs = ResearchRequest.objects.visible_to(user).filter(status=status).select_related(
        "client", "asked_by", "answered_by", "record__plan"
    )  # fmt: skip
    if status == ResearchRequest.Status.OPEN:
        return qs.order_by("created_at", "id")
    return qs.order_by("-created_at", "-id")


class ResearchQueueView(StaffRequiredMixin, View):
    def get(self, request):
        status = request.GET.get("status")
        if status not in ResearchRequest.Status.values:
            status = ResearchRequest.Status.OPEN
        return render(request, "visits/research_queue.html", {
            "page": page_with_total(request, research_queue(request.user, status), per_page=25),
            "status": status, "statuses": ResearchRequest.Status.choices,
        })  # fmt: skip


class ResearchDetailView(StaffRequiredMixin, View):
    def get_request(self, pk) -> ResearchRequest:
        return get_object_or_404(
            ResearchRequest.objects.visible_to(self.request.user).select_related(
                "client", "asked_by", "answered_by", "record__plan"
            ),
            pk=pk,
        )

    def get(self, request, pk, form=None, status=200):
        research = self.get_request(pk)
        can_answer = (services.can_answer_research(request.user)
                      and research.status == ResearchRequest.Status.OPEN)  # fmt: skip
        return render(request, "visits/research_detail.html", {
            "research": research, "plan": research.record.plan,
            "form": (form or ResearchAnswerForm()) if can_answer else None,
        }, status=status)  # fmt: skip

    def post(self, request, pk):
        research = self.get_request(pk)
        form = ResearchAnswerForm(request.POST)
        if form.is_valid():
            try:
                services.research_answer(
                    user=request.user, request=research, answer=form.cleaned_data["answer"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                messages.error(request, str(exc))
                return redirect(research)
            else:
                messages.success(request, _("Answer saved; the account manager is told."))
                return redirect(research)
        return self.get(request, pk, form=form, status=400)


# --- Consultation sheets -----------------------------------------------------------------
class ConsultationListView(StaffRequiredMixin, View):
    def get(self, request):
        qs = Consultation.objects.visible_to(request.user).select_related("client", "advisor")
        data = request.GET.copy()
        status = data.setdefault("status", "open")
        filterset = ConsultationFilterSet(data, queryset=qs.order_by("due_at", "id"))
        page = page_with_total(request, filterset.qs, per_page=25)
        return render(request, "visits/consultations.html", {
            "page": page, "status": status, "now": timezone.now(),
            "table": ConsultationTable(page, request=request, filterset=filterset),
            "statuses": Consultation.Status.choices,
        })  # fmt: skip


class ConsultationCreateView(StaffRequiredMixin, View):
    def get(self, request):
        initial = _client_initial(request)
        return render(
            request,
            "visits/consultation_form.html",
            {"form": ConsultationForm(user=request.user, initial=initial)},
        )

    @submit_once
    def post(self, request):
        form = ConsultationForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                sheet = services.consultation_file(user=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                raise
            else:
                success_link(
                    request, _("Consultation sheet %(obj)s filed."), sheet, sheet.client.name
                )
                return redirect(sheet)
        return render(request, "visits/consultation_form.html", {"form": form}, status=400)


def add_product_errors(form, rows, exc: ValidationError) -> None:
    """The service's errors of the answer: `products[i]` on the i-th product row sent,
    the others on the answer form."""
    if not hasattr(exc, "error_dict"):
        add_service_errors(form, exc)
        return
    for key, errors in exc.message_dict.items():
        match = PRODUCT_KEY.fullmatch(key)
        if match and int(match[1]) < len(rows):
            rows[int(match[1])].add_error(None, errors)
        else:
            form.add_error(key if key in form.fields else None, errors)


class ConsultationDetailView(StaffRequiredMixin, View):
    def get_sheet(self, pk):
        return get_object_or_404(
            Consultation.objects.visible_to(self.request.user).select_related(
                "client", "advisor", "filed_by"
            ),
            pk=pk,
        )

    def render_sheet(self, request, sheet, answer=None, products=None, deliver=None, status=200):
        return render(request, "visits/consultation_detail.html", {
            "sheet": sheet, "products_done": sheet.products.all(),
            "answer_form": answer or AnswerForm(), "product_forms": products or ProductFormSet(
                prefix="products"),
            "deliver_form": deliver or DeliverForm(), "now": timezone.now(),
            "can_answer": sheet.status == "open" and (
                sheet.advisor_id == request.user.pk or self.staff.role in MANAGERS),
        }, status=status)  # fmt: skip

    def get(self, request, pk):
        return self.render_sheet(request, self.get_sheet(pk))

    def post(self, request, pk):
        sheet = self.get_sheet(pk)
        if "analysis" not in request.POST:
            form = DeliverForm(request.POST)
            if form.is_valid():
                try:
                    services.consultation_deliver(
                        user=request.user, consultation=sheet, **form.cleaned_data
                    )
                except TransitionNotAllowed as exc:
                    messages.error(request, str(exc))
                return redirect(sheet)
            return self.render_sheet(request, sheet, deliver=form, status=400)
        form = AnswerForm(request.POST)
        products = ProductFormSet(request.POST, prefix="products")
        valid = form.is_valid()
        if products.is_valid() and valid:  # both checked: every error in one round
            named = [f for f in products if f.cleaned_data.get("product")]
            try:
                services.consultation_answer(
                    user=request.user, consultation=sheet,
                    products=[f.cleaned_data for f in named], **form.cleaned_data,
                )  # fmt: skip
            except ValidationError as exc:
                add_product_errors(form, named, exc)
            except TransitionNotAllowed as exc:
                messages.error(request, str(exc))
                return redirect(sheet)
            else:
                messages.success(request, _("Advice saved."))
                return redirect(sheet)
        elif products.is_valid():  # the answer has errors: the rows' rule says its own too
            named = [f for f in products if f.cleaned_data.get("product")]
            _rows, errors = services.product_verdicts(sheet.client, [f.cleaned_data for f in named])
            if errors:
                add_product_errors(form, named, ValidationError(errors))
        return self.render_sheet(request, sheet, answer=form, products=products, status=400)


# --- Events ------------------------------------------------------------------------------
class EventListView(StaffRequiredMixin, View):
    def events(self, request) -> dict:
        qs = Event.objects.visible_to(request.user).order_by("-starts_at", "-id")
        filterset = EventFilterSet(request.GET, queryset=qs)
        page = page_with_total(request, filterset.qs, per_page=25)
        return {"page": page, "table": EventTable(page, request=request, filterset=filterset)}

    def get(self, request):
        return render(request, "visits/events.html", {
            **self.events(request),
            "form": EventForm() if self.staff.role in (*MANAGERS, Role.ACCOUNT_MANAGER) else None,
        })  # fmt: skip

    @submit_once
    def post(self, request):
        form = EventForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            product = data.pop("product", None)
            try:
                event = services.event_create(user=request.user, products=[product] if product
                                              else (), **data)  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(event)
        return render(request, "visits/events.html", {
            **self.events(request), "form": form,
        }, status=400)  # fmt: skip


class EventDetailView(StaffRequiredMixin, View):
    def get_event(self, pk):
        return get_object_or_404(
            Event.objects.visible_to(self.request.user).select_related("series"), pk=pk
        )

    def get(self, request, pk, invite_form=None, client_form=None, status=200, saved_form=None):
        event = self.get_event(pk)
        invitations = selectors.invitations_of(event, request.user).order_by("client__name", "id")
        shown_status = request.GET.get("status")
        if shown_status in Invitation.Status.values:
            invitations = invitations.filter(status=shown_status)
        counts = selectors.invitation_counts(event, request.user)
        may_invite = self.staff.role in INVITERS
        return render(request, "visits/event_detail.html", {
            "event": event, "page": page_without_count(request, invitations, per_page=50),
            "counts": counts, "total": sum(counts.values()), "shown_status": shown_status,
            "invite_form": invite_form or InviteForm(), "statuses": Invitation.Status.choices,
            "client_form": (client_form or InviteClientForm(user=request.user,
                                                            prefix="invite"))
            if may_invite else None,
            "seats": selectors.seats_of(event), "occurrences": selectors.occurrences_of(event),
            "saved_form": saved_form or InviteSavedListForm(user=request.user),
        }, status=status)  # fmt: skip

    def post(self, request, pk):
        event = self.get_event(pk)
        if "invitation" in request.POST:
            invitation = get_object_or_404(
                selectors.invitations_of(event, request.user),
                pk=int_param(request.POST["invitation"], 0),
            )
            form = InvitationStatusForm(request.POST)
            wanted = form.cleaned_data["status"] if form.is_valid() else None
            error = ""
            if wanted:
                try:
                    services.invitation_update(
                        user=request.user, invitation=invitation, **form.cleaned_data
                    )
                except ValidationError as exc:
                    error = " ".join(exc.messages)
                    invitation.refresh_from_db()
            if wanted == "accepted" and invitation.status == Invitation.Status.WAITING:
                note = _("The event is full: %(client)s is on the waiting list.") % {
                    "client": _name(request, invitation.client)}  # fmt: skip
            else:
                note = ""
            if request.htmx:
                response = render(request, "visits/partials/invitation_row.html", {
                    "inv": invitation, "statuses": Invitation.Status.choices,
                    "row_error": error, "row_note": note,
                })  # fmt: skip
                if getattr(invitation, "promoted", None):  # other rows changed: show them
                    response["HX-Refresh"] = "true"
                return response
            if error:
                messages.error(request, error)
            elif note:
                messages.warning(request, note)
            return redirect(event)
        if "invite-client" in request.POST:  # one client or potential client, by the picker
            if self.staff.role not in INVITERS:
                raise PermissionDenied
            client_form = InviteClientForm(request.POST, user=request.user, prefix="invite")
            if client_form.is_valid():
                data = client_form.cleaned_data
                try:
                    n = services.event_invite_clients(
                        user=request.user, event=event, clients=[data["client"]],
                        whole_series=data["whole_series"],
                    )  # fmt: skip
                except ValidationError as exc:
                    add_service_errors(client_form, exc)
                else:
                    names = {"client": _name(request, data["client"]), "n": n}
                    messages.success(request, _("%(client)s invited (%(n)d invitations).") % names)
                    return redirect(event)
            return self.get(request, pk, client_form=client_form, status=400)
        if "send_invitations" in request.POST:
            counts = services.event_send_invitations(user=request.user, event=event)
            messages.success(request, _(
                "Invitations: %(queued)d on their way, %(withheld)d not sent (no consent, "
                "monthly limit or no address), %(already)d sent before."
            ) % counts)  # fmt: skip
            if counts["no_template"]:
                messages.warning(request, _(
                    "%(n)d invitees were not sent anything: create the message template "
                    "event-invitation-sms / event-invitation-email first."
                ) % {"n": counts["no_template"]})  # fmt: skip
            return redirect(event)
        if "invite_saved" in request.POST:
            saved_form = InviteSavedListForm(request.POST, user=request.user)
            if saved_form.is_valid():
                try:
                    n = services.event_invite_saved_list(
                        user=request.user, event=event, saved=saved_form.cleaned_data["saved"]
                    )
                except ValidationError as exc:
                    add_service_errors(saved_form, exc)
                else:
                    messages.success(request, _("%(n)d clients invited.") % {"n": n})
                    return redirect(event)
            return self.get(request, pk, status=400, saved_form=saved_form)
        form = InviteForm(request.POST)
        if form.is_valid():
            try:
                n = services.event_invite_segment(
                    user=request.user, event=event, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                return self.get(request, pk, invite_form=form, status=400)
            messages.success(request, _("%(n)d clients invited.") % {"n": n})
            return redirect(event)
        return self.get(request, pk, invite_form=form, status=400)


class InvitationPassView(StaffRequiredMixin, View):
    """入场码: the invitation's QR code, to send to the invitee or print; scanned at the
    door it opens the check-in page."""

    def get(self, request, pk):
        invitation = get_object_or_404(
            Invitation.objects.visible_to(request.user).select_related("event", "client"), pk=pk
        )
        url = request.build_absolute_uri(
            reverse("visits:check-in", args=[services.checkin_token(invitation)])
        )
        return render(request, "visits/invitation_pass.html", {
            "inv": invitation, "event": invitation.event, "check_in_url": url,
            "qr": segno.make(url, error="m").svg_inline(scale=5, border=2),
        })  # fmt: skip


class CheckInView(StaffRequiredMixin, View):
    """签到: the page a pass's QR code opens at the door; a bad token, or the pass of an
    invitation the user may not see (another branch's), is a 404."""

    def get_invitation(self, token) -> Invitation:
        invitation = services.invitation_for_token(self.request.user, token)
        if invitation is None:
            raise Http404
        return invitation

    def get(self, request, token):
        invitation = self.get_invitation(token)
        return render(request, "visits/check_in.html", {
            "inv": invitation, "event": invitation.event,
            "today": timezone.localtime(invitation.event.starts_at).date()
            == timezone.localdate(),
        })  # fmt: skip

    def post(self, request, token):
        invitation = self.get_invitation(token)
        try:
            invitation, before = services.invitation_check_in(
                user=request.user, invitation=invitation
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if before:
                messages.info(request, _("%(client)s was already checked in.")
                              % {"client": _name(request, invitation.client)})  # fmt: skip
            else:
                messages.success(request, _("%(client)s checked in.")
                                 % {"client": _name(request, invitation.client)})  # fmt: skip
        return redirect("visits:check-in", token=token)


# --- Inspection: recorded sales (双录) and advice to re-check ---------------------------
INSPECTORS = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})


def _advised(request):
    return AdvisedProduct.objects.visible_to(request.user).select_related(
        "consultation__client", "consultation__advisor", "product"
    )


class RecordingsView(TableListView):
    """The recorded sales (双录) for inspection, by client and product: newest first."""

    roles = INSPECTORS
    filterset_class = AdvisedProductFilterSet
    table_class = AdvisedProductTable
    template_name = "visits/recordings.html"
    table_target = "#recording-table"

    def get_queryset(self):
        return _advised(self.request).exclude(recording_ref="").order_by("-recorded_at", "-id")


class AffectedAdviceView(TableListView):
    """The open advice a level change of the catalogue flagged, with the clients
    affected: newest flags first; `?product=` narrows to one product."""

    roles = INSPECTORS
    filterset_class = AdvisedProductFilterSet
    table_class = RecheckTable
    template_name = "visits/affected_advice.html"
    table_target = "#recheck-table"

    def get_queryset(self):
        return (
            _advised(self.request)
            .filter(recheck_needed=True)
            .order_by("-recheck_flagged_at", "-id")
        )
