from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm import spreadsheets
from crm.db import reads_from_replica
from crm.exports import as_attachment, export_filename, table_response
from crm.forms import add_service_errors, success_link
from crm.models import Role
from crm.once import submit_once
from crm.paging import page_with_total
from crm.params import id_param
from crm.redirects import next_url
from crm.services import TransitionNotAllowed
from crm.views import StaffRequiredMixin

from . import imports, selectors, services
from .exports import client_table
from .filters import NOT_FILTERS, ChurnFilterSet, ClientFilterSet, RetentionCaseFilterSet
from .forms import (
    SNAPSHOT_FILE_UPLOAD,
    ClientForm,
    IdentityChangeForm,
    ImportForm,
    OpenAccountForm,
    ReassignForm,
    RiskAssessmentForm,
    SavedClientFilterForm,
)
from .history import ledger
from .models import Client, ImportJob, SavedClientFilter, Stage, Tier
from .tables import ChurnTable, ClientTable, ImportJobTable, RetentionTable
from .timeline import client_timeline

MANAGERS = frozenset({Role.BRANCH_MANAGER, Role.HQ})


class ClientObjectMixin(StaffRequiredMixin):
    def get_client(self, pk, *, for_update=False) -> Client:
        client = get_object_or_404(
            Client.objects.visible_to(self.request.user).select_related(
                "owner", "advisor", "branch"
            ),
            pk=pk,
        )
        if for_update and not services.can_edit(self.request.user, client):
            raise PermissionDenied(_("Your role may not change client profiles."))
        return client


class ClientListView(StaffRequiredMixin, View):
    def get(self, request):
        qs = selectors.client_list(request.user).order_by("-id")
        filterset = ClientFilterSet(request.GET, queryset=qs, user=request.user)
        page = page_with_total(request, filterset.qs, per_page=25)
        can_reassign = self.staff.role in MANAGERS
        table = ClientTable(
            page, request=request, filterset=filterset, target="#client-table",
            can_reassign=can_reassign,
        )  # fmt: skip
        context = {
            "table": table,
            "page": page,
            "filter": filterset,
            "can_reassign": can_reassign,
            "can_create": services.can_edit(request.user),
        }
        if context["can_reassign"]:
            context["reassign_form"] = ReassignForm(user=request.user)
        if not request.htmx:
            context.update(saved_lists_context(request))
        template = "crm/partials/table.html" if request.htmx else "clients/list.html"
        return render(request, template, context)


def saved_lists_context(request) -> dict:
    """The saved lists the user may use (one query) and the form saving the filters shown
    (an empty query: the service asks for a filter first)."""
    params = request.GET.copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    query = params.urlencode()
    return {
        "saved_lists": list(
            SavedClientFilter.objects.visible_to(request.user).order_by("name", "id")[:50]
        ),
        # always there: the filter bar changes the filters over HTMX after the page loaded,
        # and the form takes those of the address bar when sent (static/crm/app.js)
        "saved_list_form": SavedClientFilterForm(initial={"query": query}),
    }


class SavedListsView(StaffRequiredMixin, View):
    """The saved client lists (客户名单): one's own and those shared in the branch, each
    opened on the list, exported, used for events and campaigns; POST saves one."""

    def get(self, request):
        lists = SavedClientFilter.objects.visible_to(request.user).select_related(
            "owner__staff__branch"
        )
        return render(request, "clients/saved_lists.html", {
            "page": page_with_total(request, lists.order_by("name", "id"), per_page=50),
        })  # fmt: skip

    def post(self, request):
        form = SavedClientFilterForm(request.POST)
        back = next_url(request, "clients:list")
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect(back)
        try:
            saved = services.saved_filter_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        messages.success(request, _("Client list “%(name)s” saved.") % {"name": saved.name})
        return redirect(saved.get_absolute_url())


class SavedListDeleteView(StaffRequiredMixin, View):
    def post(self, request, pk):
        saved = get_object_or_404(SavedClientFilter.objects.visible_to(request.user), pk=pk)
        try:
            services.saved_filter_delete(user=request.user, saved=saved)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Client list deleted."))
        return redirect("clients:saved-lists")


@reads_from_replica
class ClientExportView(StaffRequiredMixin, View):
    """CSV of the filtered list, sensitive values masked (at most 50,000 rows); unmasked
    only through an approved request (`/exports/`)."""

    def get(self, request):
        headers, rows = client_table(request.user, request.GET)
        return table_response(export_filename(_("Client list")), headers, rows, "csv")


class ClientCreateView(StaffRequiredMixin, View):
    def _check(self, request):
        if not services.can_edit(request.user):
            raise PermissionDenied(_("Your role may not change client profiles."))

    def get(self, request):
        self._check(request)
        initial = {
            "client_type": request.GET.get("client_type", "individual"),
            "phone": request.GET.get("phone", "")[-11:],
        }
        return render(
            request, "clients/form.html", {"form": ClientForm(user=request.user, initial=initial)}
        )

    @submit_once
    def post(self, request):
        self._check(request)
        form = ClientForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.service_data()
            try:
                client = services.client_create(user=request.user, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("Client %(obj)s created."), client, client.name)
                return redirect(client)
        return render(request, "clients/form.html", {"form": form}, status=400)


class ClientDetailView(ClientObjectMixin, View):
    """The client 360 page's first response: the frame, the header, the profile cards and
    the key figures of the latest snapshot. The assets chart with the holdings, the
    timeline and the change history load after it, each in its own request
    (`ClientPartView`), so the page staff open most answers without waiting for them."""

    def get(self, request, pk):
        client = self.get_client(pk)
        context = {
            "client": client,
            "snapshot": selectors.latest_snapshot(client),
            "can_edit": services.can_edit(request.user, client),
            "can_reveal": services.can_reveal(request.user, client),
            "can_reassign": self.staff.role in MANAGERS,
            "today": timezone.localdate(),
        }
        if context["can_reassign"]:
            context["reassign_form"] = ReassignForm(user=request.user, branch=client.branch_id)
        return render(request, "clients/detail.html", context)


class ClientPartView(ClientObjectMixin, View):
    """One part of the client 360 page, scoped like the page (404 out of scope). Asked by
    HTMX it answers the partial alone; opened as a link (no JavaScript) the partial inside
    the layout, with the way back to the client. Viewing writes no access log entry, as
    the page itself does not: only revealing a masked value does (`ClientRevealView`)."""

    part = ""
    title = ""

    def part_context(self, client) -> dict:
        raise NotImplementedError

    def get(self, request, pk):
        client = self.get_client(pk)
        context = {"client": client, "part": self.part, "part_title": self.title,
                   **self.part_context(client)}  # fmt: skip
        template = f"clients/partials/detail_{self.part}.html"
        if not request.htmx:
            context["part_template"] = template
            template = "clients/detail_part.html"
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response


class ClientAssetsView(ClientPartView):
    part = "assets"
    title = gettext_lazy("Assets and commission")

    def part_context(self, client) -> dict:
        series, snapshot = selectors.asset_series(client)
        holdings_date, holdings = selectors.latest_holdings(client)
        return {"series": series, "snapshot": snapshot, "holdings": holdings,
                "holdings_date": holdings_date}  # fmt: skip


class ClientTimelineView(ClientPartView):
    part = "timeline"
    title = gettext_lazy("Timeline")

    def part_context(self, client) -> dict:
        return {"timeline": client_timeline(client, limit=30)}


class ClientHistoryView(ClientPartView):
    part = "history"
    title = gettext_lazy("Change history")

    def part_context(self, client) -> dict:
        return {"ledger": ledger(client, limit=30)}


class ClientEditView(ClientObjectMixin, View):
    def get(self, request, pk):
        client = self.get_client(pk, for_update=True)
        form = ClientForm(user=request.user, instance=client)
        return render(request, "clients/form.html", {"form": form, "client": client})

    def post(self, request, pk):
        client = self.get_client(pk, for_update=True)
        form = ClientForm(request.POST, user=request.user, instance=client)
        if form.is_valid():
            try:
                services.client_update(
                    user=request.user, client=client, data=form.service_data(),
                    reason=form.cleaned_data.get("reason", ""),
                    version=form.cleaned_data.get("version"),
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, str(exc))
                return render(
                    request, "clients/form.html", {"form": form, "client": client}, status=409
                )
            else:
                messages.success(request, _("Client saved."))
                return redirect(client)
        return render(request, "clients/form.html", {"form": form, "client": client}, status=400)


class ClientRevealView(ClientObjectMixin, View):
    def post(self, request, pk, field):
        client = self.get_client(pk)
        try:
            value = services.client_reveal(
                user=request.user, client=client, field=field, request=request
            )
        except ValidationError as exc:
            return HttpResponse(exc.messages[0], status=400)
        return render(request, "clients/partials/revealed.html", {"value": value})


class RiskAssessmentCreateView(ClientObjectMixin, View):
    def get(self, request, pk):
        client = self.get_client(pk, for_update=True)
        return render(request, "clients/action_form.html", {
            "client": client, "form": RiskAssessmentForm(),
            "title": _("Record a risk assessment"),
        })  # fmt: skip

    @submit_once
    def post(self, request, pk):
        client = self.get_client(pk, for_update=True)
        form = RiskAssessmentForm(request.POST)
        if form.is_valid():
            try:
                services.risk_assessment_record(
                    user=request.user, client=client, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Risk assessment recorded."))
                return redirect(client)
        return render(request, "clients/action_form.html", {
            "client": client, "form": form, "title": _("Record a risk assessment"),
        }, status=400)  # fmt: skip


class OpenAccountView(ClientObjectMixin, View):
    def get(self, request, pk):
        client = self.get_client(pk, for_update=True)
        form = OpenAccountForm(initial={"opened_on": timezone.localdate()})
        return render(
            request,
            "clients/action_form.html",
            {"client": client, "form": form, "title": _("Open the account")},
        )

    def post(self, request, pk):
        client = self.get_client(pk, for_update=True)
        form = OpenAccountForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.client_open_account(user=request.user, client=client, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, str(exc))
                status = 409
            else:
                messages.success(request, _("Account opened."))
                return redirect(client)
        return render(
            request,
            "clients/action_form.html",
            {"client": client, "form": form, "title": _("Open the account")},
            status=status,
        )


class IdentityChangeView(ClientObjectMixin, View):
    def get(self, request, pk):
        client = self.get_client(pk, for_update=True)
        return render(request, "clients/action_form.html", {
            "client": client, "form": IdentityChangeForm(),
            "title": _("Report an identity change"),
        })  # fmt: skip

    def post(self, request, pk):
        client = self.get_client(pk, for_update=True)
        form = IdentityChangeForm(request.POST)
        if form.is_valid():
            services.client_report_identity_change(
                user=request.user, client=client, note=form.cleaned_data["note"]
            )
            messages.success(
                request,
                _("Identity change reported; record it before the deadline shown on the profile."),
            )
            return redirect(client)
        return render(request, "clients/action_form.html", {
            "client": client, "form": form, "title": _("Report an identity change"),
        }, status=400)  # fmt: skip


class MarkReviewedView(ClientObjectMixin, View):
    def post(self, request, pk):
        client = self.get_client(pk, for_update=True)
        services.client_mark_reviewed(user=request.user, client=client)
        messages.success(request, _("Yearly review recorded."))
        return redirect(client)


class ReassignView(StaffRequiredMixin, View):
    """Reassign one client (from its page) or many (ticked in the list)."""

    roles = MANAGERS

    def post(self, request):
        form = ReassignForm(request.POST, user=request.user)
        ids = [pk for raw in request.POST.getlist("client") if (pk := id_param(raw))]
        clients = list(Client.objects.visible_to(request.user).filter(pk__in=ids))
        back = next_url(request, "clients:list")
        if not clients:
            messages.error(request, _("Tick at least one client."))
            return redirect(back)
        if not form.is_valid():
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect(back)
        try:
            count = services.clients_reassign(
                user=request.user, clients=clients, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(count)d clients reassigned.") % {"count": count})
        return redirect(back)


def visible_jobs(user):
    """The imports of the user's branch (headquarters: all) of the kinds they may import."""
    keys = [kind.key for kind in imports.kinds_for(user)]
    return ImportJob.objects.visible_to(user).filter(kind__in=keys)


class LeaverClientsView(StaffRequiredMixin, View):
    """离职人员客户待分配: the clients whose account manager left, grouped by the former
    owner, each group with the reassignment form (clients_reassign). `?owner=<id>`
    shows one former owner; one outside the user's scope is a 404."""

    roles = MANAGERS
    per_owner = 200  # the first clients of a former owner; the rest follow once these go

    def get(self, request):
        qs = selectors.leaver_clients(request.user)
        owner_id = None
        if "owner" in request.GET:
            owner_id = id_param(request.GET["owner"])
            if owner_id is None or not qs.filter(owner_id=owner_id).exists():
                raise Http404
            qs = qs.filter(owner_id=owner_id)
        counts = dict(qs.order_by().values_list("owner_id").annotate(n=Count("id")))
        groups = []
        rank = Window(RowNumber(), partition_by=[F("owner_id")], order_by=F("id").asc())
        rows = qs.annotate(rank=rank).order_by("owner__staff__left_on", "owner_id", "id")
        by_owner: dict[int, list] = {}
        for client in rows.filter(rank__lte=self.per_owner) if counts else []:  # one query
            by_owner.setdefault(client.owner_id, []).append(client)
        for clients in by_owner.values():
            owner = clients[0].owner
            staff = getattr(owner, "staff", None)
            branch_id = staff.branch_id if staff is not None else clients[0].branch_id
            groups.append({
                "owner": owner,
                "left_on": staff.left_on if staff is not None else None,
                "count": counts[owner.pk],
                "clients": clients,
                "form": ReassignForm(user=request.user, branch=branch_id,
                                     auto_id=f"id_o{owner.pk}_%s"),
            })  # fmt: skip
        return render(request, "clients/leavers.html", {
            "groups": groups, "total": sum(counts.values()), "per_owner": self.per_owner,
        })  # fmt: skip


class ImportView(StaffRequiredMixin, View):
    """Choose the kind, upload the file, dry-run it or import it; the recent imports."""

    roles = imports.importer_roles()
    upload_rule = SNAPSHOT_FILE_UPLOAD  # the size limit applied while it streams in

    def page(self, request, form, status=200):
        jobs = visible_jobs(request.user).select_related("created_by").defer("error_report")
        page = page_with_total(request, jobs.order_by("-created_at", "-pk"), per_page=10)
        table = ImportJobTable(page, request=request, target="#import-jobs")
        template = "crm/partials/table.html" if request.htmx else "clients/import.html"
        kinds = imports.kinds_for(request.user)
        context = {"form": form, "table": table, "page": page, "kinds": kinds}
        return render(request, template, context, status=status)

    def get(self, request):
        return self.page(request, ImportForm(user=request.user))

    @submit_once
    def post(self, request):
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                job = imports.import_job_create(
                    user=request.user, upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"], dry_run=request.POST.get("dry_run") == "1",
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("clients:import-status", pk=job.pk)
        return self.page(request, form, status=400)


class ImportJobMixin(StaffRequiredMixin):
    roles = imports.importer_roles()

    def get_job(self, pk) -> ImportJob:
        return get_object_or_404(visible_jobs(self.request.user), pk=pk)


class ImportStatusView(ImportJobMixin, View):
    """The job's page; its progress part alone for HTMX (polled until the job ends)."""

    def get(self, request, pk):
        job = self.get_job(pk)
        waiting = (
            job.status == ImportJob.Status.QUEUED
            and (timezone.now() - job.created_at).total_seconds() > 30
        )
        template = (
            "clients/partials/import_progress.html"
            if request.htmx
            else ("clients/import_status.html")
        )
        kind = imports.KINDS[job.kind]
        return render(request, template, {"job": job, "kind": kind, "no_worker": waiting})


class ImportFromDryRunView(ImportJobMixin, View):
    """Import for real the file of a finished dry run: a new job, no second upload (once
    for a double click)."""

    @submit_once
    def post(self, request, pk):
        job = self.get_job(pk)
        try:
            new = imports.import_job_from_dry_run(user=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("clients:import-status", pk=job.pk)
        return redirect("clients:import-status", pk=new.pk)


class ImportErrorsView(ImportJobMixin, View):
    def get(self, request, pk):
        job = self.get_job(pk)
        report = "".join(spreadsheets.csv_rewritten(job.error_report))
        response = HttpResponse(report, content_type="text/csv; charset=utf-8")
        return as_attachment(response, f"{export_filename(_('Import errors'), job.pk)}.csv")


class ImportTemplateView(StaffRequiredMixin, View):
    """A kind's file to fill in (`?kind=`, snapshots by default): its Chinese headers and
    one example row, as Excel (default) or `?format=csv`."""

    roles = imports.importer_roles()

    def get(self, request):
        key = request.GET.get("kind") or "snapshots"
        kind = imports.KINDS.get(key)
        if kind is None:
            return HttpResponse(_("Choose a kind of import from the list."), status=400,
                                content_type="text/plain; charset=utf-8")  # fmt: skip
        if not kind.allows(request.user):
            raise PermissionDenied(_("Your role may not do this."))
        fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
        headers, rows = kind.template_rows()
        return table_response(kind.template_filename(), headers, rows, fmt)


# --- Segmentation, churn and retention ----------------------------------------------
@reads_from_replica
class SegmentsView(StaffRequiredMixin, View):
    """Segment overview, Pareto chart and RFM grid; every number links to the list."""

    def get(self, request):
        from crm.selectors import BranchScope

        scope = BranchScope.for_user(request.user)
        if self.staff.role in (Role.ACCOUNT_MANAGER, Role.ADVISOR):  # their own clients only
            raise PermissionDenied(_("Your role may not open this page."))
        overview = selectors.segment_overview(scope)
        return render(request, "clients/segments.html", {
            "overview": overview,
            "pareto": selectors.pareto(scope),
            "rfm": selectors.rfm_grid(scope),
            "tiers": dict(Tier.choices), "stages": dict(Stage.choices),
        })  # fmt: skip


class ChurnListView(StaffRequiredMixin, View):
    def get(self, request):
        qs = (
            Client.objects.visible_to(request.user).filter(churn_score__gt=0)
            .exclude(account_status="closed").select_related("owner")
            .order_by("-churn_score", "id")
        )  # fmt: skip
        filterset = ChurnFilterSet(request.GET, queryset=qs)
        page = page_with_total(request, filterset.qs, per_page=25)
        table = ChurnTable(page, request=request, filterset=filterset, target="#churn-table")
        template = "crm/partials/table.html" if request.htmx else "clients/churn.html"
        return render(request, template, {"table": table, "page": page, "filter": filterset})


class RetentionBoardView(StaffRequiredMixin, View):
    def get(self, request):
        from .models import RetentionCase

        qs = RetentionCase.objects.visible_to(request.user).select_related("client", "owner")
        if self.staff.role == Role.ACCOUNT_MANAGER:
            qs = qs.filter(owner=request.user)
        data = request.GET.copy()
        if "status" not in data:  # the open cases by default; another word: all of them
            data["status"] = RetentionCase.Status.OPEN
        filterset = RetentionCaseFilterSet(data, queryset=qs.order_by("-opened_at", "-id"))
        page = page_with_total(request, filterset.qs, per_page=25)
        table = RetentionTable(
            page, request=request, filterset=filterset, target="#retention-table"
        )
        template = "crm/partials/table.html" if request.htmx else "clients/retention_board.html"
        return render(request, template, {
            "table": table, "page": page, "filter": filterset, "status": data["status"],
        })  # fmt: skip


class RetentionCaseView(StaffRequiredMixin, View):
    def get_case(self, pk):
        from .models import RetentionCase

        return get_object_or_404(
            RetentionCase.objects.visible_to(self.request.user).select_related(
                "client", "owner", "loss_reason"
            ),
            pk=pk,
        )

    def render_case(self, request, case, action_form=None, close_form=None, status=200):
        from .forms import RetentionActionForm, RetentionCloseForm
        from .retention import held
        from .segmentation import reason_labels

        return render(request, "clients/retention_case.html", {
            "case": case, "actions": case.actions.select_related("by"),
            "reasons": reason_labels(case.reasons), "held": held(case),
            "action_form": action_form or RetentionActionForm(),
            "close_form": close_form or RetentionCloseForm(),
        }, status=status)  # fmt: skip

    def get(self, request, pk):
        return self.render_case(request, self.get_case(pk))

    def post(self, request, pk):
        from . import retention
        from .forms import RetentionActionForm, RetentionCloseForm

        case = self.get_case(pk)
        if "outcome" in request.POST:
            form = RetentionCloseForm(request.POST)
            call = retention.retention_case_close
            kwargs = {"close_form": form}
        else:
            form = RetentionActionForm(request.POST)
            call = retention.retention_action_add
            kwargs = {"action_form": form}
        if form.is_valid():
            try:
                call(user=request.user, case=case, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                messages.error(request, str(exc))
                return redirect(case)
            else:
                messages.success(request, _("Saved."))
                return redirect(case)
        return self.render_case(request, case, status=400, **kwargs)
