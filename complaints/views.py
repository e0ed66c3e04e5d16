from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from clients.models import Client
from crm.dashboard import period_from
from crm.db import reads_from_replica
from crm.exports import export_filename, people_by_username, workbook_response
from crm.forms import add_service_errors, success_link
from crm.lookups import get_joined_or_404
from crm.models import Role
from crm.once import submit_once
from crm.paging import page_with_total
from crm.params import id_param, year_param
from crm.selectors import BranchScope
from crm.services import ConcurrentUpdate, TransitionNotAllowed
from crm.spreadsheets import Sheet
from crm.uploads import file_response
from crm.views import StaffRequiredMixin

from . import selectors, services
from .filters import ComplaintFilterSet
from .forms import AttachmentForm, IntakeForm
from .models import Attachment, Category, Channel, Complaint, Topic
from .tables import ComplaintTable
from .workflow import COMPLAINT_WORKFLOW

ANALYSTS = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})


class DeskView(StaffRequiredMixin, View):
    """The complaint desk: open complaints first, soonest deadline first."""

    def get(self, request):
        data = request.GET.copy()
        if not data:
            data["open"] = "true"
        qs = selectors.desk(request.user).order_by(*selectors.DESK_ORDER)
        filterset = ComplaintFilterSet(data, queryset=qs, request=request)
        page = page_with_total(request, filterset.qs, per_page=25)
        table = ComplaintTable(page, request=request, filterset=filterset, target="#desk-table")
        context = {"table": table, "page": page, "filter": filterset,
                   "can_intake": services.can_work(request.user)}  # fmt: skip
        template = "crm/partials/table.html" if request.htmx else "complaints/desk.html"
        return render(request, template, context)


class IntakeView(StaffRequiredMixin, View):
    def _check(self):
        if not services.can_work(self.request.user):
            raise PermissionDenied(_("Your role may not work on complaints."))

    def get(self, request):
        self._check()
        initial = {"channel": request.GET.get("channel", Channel.PHONE)}
        client = None
        if pk := id_param(request.GET.get("client")):
            client = Client.objects.visible_to(request.user).filter(pk=pk).first()
            if client:
                initial["client"] = client.pk
        if request.GET.get("description"):
            initial["description"] = request.GET["description"][:2000]
        return render(request, "complaints/intake.html", {
            "form": IntakeForm(user=request.user, initial=initial), "client": client,
        })  # fmt: skip

    @submit_once
    def post(self, request):
        self._check()
        form = IntakeForm(request.POST, user=request.user)
        client = None
        if form.is_valid():
            data = dict(form.cleaned_data)
            client = data["client"]
            try:
                complaint = services.complaint_receive(user=request.user, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("Complaint %(obj)s received."), complaint,
                             complaint.ticket_no)  # fmt: skip
                return redirect(complaint)
        return render(
            request, "complaints/intake.html", {"form": form, "client": client}, status=400
        )


def _action_forms(user, complaint, steps) -> dict:
    """The form of each step (complaints.workflow) as the detail page shows it."""
    return {
        step.name: step.form_class().for_step(complaint, user=user, action=step.name)
        for step in steps
    }


class ComplaintObjectMixin(StaffRequiredMixin):
    def get_complaint(self, pk) -> Complaint:
        return get_joined_or_404(
            selectors.desk(self.request.user).select_related(
                "reviewer", "compensation_approved_by"
            ),
            pk=pk,
        )


def render_detail(request, complaint, forms=None, status=200):
    steps = [s for s in COMPLAINT_WORKFLOW.allowed(request.user, complaint) if s.web]
    all_forms = {**_action_forms(request.user, complaint, steps), **(forms or {})}
    context = {
        "complaint": complaint,
        "events": complaint.events.select_related("by"),
        "attachments": complaint.attachments.all(),
        "actions": [(s.name, s.label, all_forms[s.name]) for s in steps],
        "attachment_form": AttachmentForm(),
        "clocks": [
            {
                "label": c.label,
                "due": getattr(complaint, c.due),
                "done": getattr(complaint, c.done),
                "met": getattr(complaint, c.met),
            }
            for c in services.CLOCKS
        ],
        "now": timezone.now(),
        "can_work": services.can_work(request.user)
        and complaint.status not in ("closed", "refused"),
    }
    return render(request, "complaints/detail.html", context, status=status)


class DetailView(ComplaintObjectMixin, View):
    def get(self, request, pk):
        return render_detail(request, self.get_complaint(pk))


class ActionView(ComplaintObjectMixin, View):
    """POST /complaints/<pk>/<action>/ — one workflow step; refused (a message, nothing
    applied) when not allowed now or when someone else acted since the page was shown."""

    def post(self, request, pk, action):
        complaint = self.get_complaint(pk)
        step = COMPLAINT_WORKFLOW[action]
        form_class = step.form_class()
        form = form_class.for_step(complaint, user=request.user, action=action, data=request.POST)
        if not form.is_valid():
            return render_detail(request, complaint, forms={action: form}, status=400)
        data = dict(form.cleaned_data)
        kwargs = {"user": request.user, "complaint": complaint}
        try:
            COMPLAINT_WORKFLOW.service(action)(**kwargs, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render_detail(request, complaint, forms={action: form}, status=400)
        except ConcurrentUpdate as exc:
            # Someone else acted since this page was shown: nothing was applied. Show the
            # complaint as it is now, with what was typed kept and the current version, so
            # that sending again is a decision taken on the current state.
            complaint = self.get_complaint(pk)
            posted = request.POST.copy()
            posted[f"{action}-version"] = complaint.version
            form = form_class.for_step(complaint, user=request.user, action=action, data=posted)
            form.is_valid()
            form.add_error(None, str(exc))
            if not COMPLAINT_WORKFLOW.may(request.user, action, complaint):
                messages.error(request, str(exc))
            return render_detail(request, complaint, forms={action: form}, status=409)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(complaint)
        messages.success(request, step.done_message)
        return redirect(complaint)


class AttachmentView(ComplaintObjectMixin, View):
    upload_rule = services.ATTACHMENT_UPLOAD  # the size limit applied while it streams in

    def post(self, request, pk):
        complaint = self.get_complaint(pk)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        else:
            try:
                services.attachment_add(
                    user=request.user,
                    complaint=complaint,
                    upload=form.cleaned_data["file"],
                    recording_ref=form.cleaned_data["recording_ref"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            except TransitionNotAllowed as exc:
                messages.error(request, str(exc))
        return redirect(complaint)


class AttachmentDownloadView(ComplaintObjectMixin, View):
    """Files are served only to those who may see the complaint (never from MEDIA_URL)."""

    def get(self, request, pk, attachment_id):
        complaint = self.get_complaint(pk)
        attachment = get_object_or_404(Attachment, pk=attachment_id, complaint=complaint)
        if not attachment.file:
            raise Http404
        return file_response(attachment.file, attachment.original_name)


@reads_from_replica
class AnalysisView(StaffRequiredMixin, View):
    roles = ANALYSTS

    def get(self, request):
        period = period_from(request.GET, default="year")
        start, end, kind = period.start, period.end, period.kind
        branch_id = request.GET.get("branch")
        scope = BranchScope.for_user(request.user, id_param(branch_id))
        data = selectors.analysis(scope=scope, start=start, end=end)
        if request.GET.get("export") == "xlsx":
            return _analysis_workbook(data, start, end)
        months = sorted({m for per in data["topics"].values() for m in per})
        topic_rows = [
            (Topic(t).label, [data["topics"][t].get(m, 0) for m in months])
            for t in Topic.values
            if t in data["topics"]
        ]
        return render(request, "complaints/analysis.html", {
            "data": data, "start": start, "end": end, "period": kind, "months": months,
            "topic_rows": topic_rows, "clock_labels": {c.name: c.label for c in services.CLOCKS},
            "year": start.year, "categories": dict(Category.choices),
        })  # fmt: skip


def _analysis_workbook(data, start, end) -> HttpResponse:
    handlers = people_by_username(row["handler__username"] for row in data["by_handler"])
    sla = Sheet(_("SLA compliance"), [_("Time limit"), _("Met"), _("Breached"), _("Rate %")], [
        [str(clock.label), data["sla"][clock.name]["met"], data["sla"][clock.name]["breached"],
         data["sla"][clock.name]["rate"]]
        for clock in services.CLOCKS
    ])  # fmt: skip
    by_category = Sheet(_("By category"), [
        _("Category"), _("Complaints"), _("Open"), _("Resolved in time"), _("Breached"),
        _("Average satisfaction"), _("Compensation"),
    ], [
        [str(Category(row["category"]).label), row["n"], row["open"], row["resolved_in_time"],
         row["breached"], row["avg_satisfaction"], row["compensation"]]
        for row in data["by_category"]
    ])  # fmt: skip
    by_handler = Sheet(_("By handler"), [
        _("Handler"), _("Complaints"), _("Open"), _("Resolved in time"), _("Breached"),
    ], [
        [handlers.get(row["handler__username"], _("Unassigned")), row["n"], row["open"],
         row["resolved_in_time"],
         row["breached"]]
        for row in data["by_handler"]
    ])  # fmt: skip
    topics = Sheet(_("Hot topics"), [_("Topic"), _("Month"), _("Complaints")], [
        [str(Topic(topic).label), month, n]
        for topic, per_month in data["topics"].items()
        for month, n in sorted(per_month.items())
    ])  # fmt: skip
    name = export_filename(_("Complaint analysis"), start, end)
    return workbook_response([sla, by_category, by_handler, topics], f"{name}.xlsx")


class RegulatorSummaryView(StaffRequiredMixin, View):
    """The annual summary of the previous year, as an Excel workbook."""

    roles = ANALYSTS

    def get(self, request):
        year = year_param(request.GET.get("year"), timezone.localdate().year - 1)
        summary = selectors.regulator_summary(scope=BranchScope.for_user(request.user), year=year)
        totals = summary["totals"]
        overview = Sheet(_("Overview"), [_("Measure"), _("Value")], [
            [_("Complaints received"), totals["total"]],
            [_("Group complaints"), totals["group"]],
            [pgettext("complaint status", "Closed"), totals["closed"]],
            [_("Not accepted"), totals["refused"]],
            [_("Resolved within the time limit"), totals["in_time"]],
            [_("Compensation paid (yuan)"), totals["compensation"] or 0],
            [_("Satisfied (4 or 5) of rated"), f"{totals['satisfied']}/{totals['rated']}"],
        ])  # fmt: skip
        sheets = [overview]
        for key, title, choices in [("by_category", _("By category"), Category),
                                    ("by_channel", _("By channel"), Channel),
                                    ("by_topic", _("By topic"), Topic)]:  # fmt: skip
            field = key.removeprefix("by_")
            sheets.append(Sheet(title, [title, _("Complaints")], [
                [str(choices(row[field]).label), row["n"]] for row in summary[key]
            ]))  # fmt: skip
        name = export_filename(_("Annual complaint report"), year)
        return workbook_response(sheets, f"{name}.xlsx")


class SendProgressView(ComplaintObjectMixin, View):
    """向投诉人发送进展: a service notice of the current status, once per status."""

    def post(self, request, pk):
        complaint = self.get_complaint(pk)
        try:
            message = services.complaint_send_progress(user=request.user, complaint=complaint)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(complaint)
        if message.status == message.Status.WITHHELD:
            messages.warning(request, _("The message was not sent: %(reason)s")
                             % {"reason": message.error})  # fmt: skip
        else:
            messages.success(request, _("The progress was sent to the complainant."))
        return redirect(complaint)
