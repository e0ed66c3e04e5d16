from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from . import selectors, services, workbench
from .api import is_api_request
from .exports import (
    FORMATS,
    access_log_table,
    export_kind,
    export_kinds,
    params_querydict,
    table_response,
)
from .filters import AccessLogFilterSet, NotificationFilterSet, TodoFilterSet
from .forms import ExportRequestForm, ScheduleForm, TodoForm, add_service_errors
from .models import (
    ACCESS_LOG_ROLES,
    EXPORT_APPROVER_ROLES,
    EXPORT_PAGE_ROLES,
    AccessLog,
    Branch,
    ExportRequest,
    Holiday,
    Notification,
    Role,
    Todo,
    staff_of,
)
from .once import submit_once
from .paging import page_without_count
from .params import year_param
from .redirects import next_url
from .services import TransitionNotAllowed

logger = logging.getLogger(__name__)


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


# --- Workbench and dashboard -------------------------------------------------------
class WorkbenchView(StaffRequiredMixin, TemplateView):
    template_name = "crm/workbench.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        sections = [
            {"section": s, "items": s.items(self.request.user, today)}
            for s in workbench.sections_for(self.staff.role)
        ]
        return super().get_context_data(
            sections=sections, today=today, now=timezone.now(), **kwargs
        )


class DashboardView(StaffRequiredMixin, View):
    """Branch dashboard (branch managers, compliance), HQ dashboard comparing branches,
    and each member of staff's personal page (`/dashboard/me/`)."""

    roles = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})
    personal = False
    template = "crm/dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        if self.personal:
            self.roles = None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        from . import dashboard
        from .measures import compute_breakdowns, compute_rows

        params = request.GET
        filters = dashboard.filters_from(
            request, params, person=request.user if self.personal else None
        )
        raws: dict = {}
        rows = compute_rows(filters, raws=raws)
        compare = (
            self.staff.sees_all_branches and filters.branch_ids is None and (not self.personal)
        )
        all_branches = (
            list(Branch.objects.filter(kind=Branch.Kind.BRANCH))
            if self.staff.sees_all_branches and not self.personal
            else []
        )
        branches = all_branches if compare else []
        fmt = params.get("export")
        if fmt in ("csv", "xlsx"):
            group = params.get("group")
            chosen = [r for r in rows if not group or str(r.measure.group) == group]
            return dashboard.export_response(
                chosen, fmt, f"measures-{filters.current.start}", branches
            )
        groups: dict = {}
        for row in rows:
            groups.setdefault(str(row.measure.group), []).append(row)
        teams, people = dashboard.teams_and_people(filters) if not self.personal else ([], [])
        return render(request, self.template, {
            "groups": groups, "filters": filters, "params": params, "compare": compare,
            "branches": branches, "all_branches": all_branches,
            "teams": teams, "people": people, "personal": self.personal,
            "breakdowns": compute_breakdowns(filters, raws),
            "chart": [{"label": str(r.measure.label), "current": r.current,
                       "previous": r.previous}
                      for r in rows if r.measure.unit == "percent"],
        })  # fmt: skip


class PersonalDashboardView(DashboardView):
    personal = True


class MonthlyReportView(DashboardView):
    template = "crm/report.html"


# --- Notifications ------------------------------------------------------------------
class NotificationListView(StaffRequiredMixin, View):
    def get(self, request):
        qs = Notification.objects.visible_to(request.user)
        filterset = NotificationFilterSet(request.GET, queryset=qs)
        page = paginate(request, filterset.qs)
        return render(request, "crm/notifications.html", {"page": page, "filter": filterset})


class NotificationReadView(StaffRequiredMixin, View):
    def post(self, request, pk=None):
        notification = None
        if pk is not None:  # someone else's notification: 404, as for any object
            notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
        services.notification_mark_read(user=request.user, notification_id=pk)
        if request.htmx:
            return render(
                request,
                "crm/partials/unread_badge.html",
                {"unread": selectors.unread_count(request.user), "oob": True},
            )
        default = (notification.url if notification else "") or "crm:notifications"
        return redirect(next_url(request, default))


class UnreadBadgeView(StaffRequiredMixin, View):
    def get(self, request):
        return render(
            request,
            "crm/partials/unread_badge.html",
            {"unread": selectors.unread_count(request.user)},
        )


# --- To-dos --------------------------------------------------------------------------
class TodoListView(StaffRequiredMixin, View):
    def get(self, request):
        qs = Todo.objects.visible_to(request.user).select_related("assignee", "branch")
        data = request.GET.copy()
        if "status" not in data:
            data["status"] = Todo.Status.OPEN
        filterset = TodoFilterSet(data, queryset=qs)
        page = paginate(request, filterset.qs)
        template = "crm/partials/todo_table.html" if request.htmx else "crm/todo_list.html"
        return render(request, template, {"page": page, "filter": filterset})


class TodoDetailView(StaffRequiredMixin, View):
    def get(self, request, pk):
        todo = get_object_or_404(
            Todo.objects.visible_to(request.user).select_related(
                "assignee", "created_by", "branch", "policy"
            ),
            pk=pk,
        )
        return render(request, "crm/todo_detail.html", {"todo": todo})


class TodoCreateView(StaffRequiredMixin, View):
    def get(self, request):
        if self.staff.is_read_only:
            raise PermissionDenied(_("Your role may not create to-dos."))
        return render(request, "crm/todo_form.html", {"form": TodoForm(user=request.user)})

    @submit_once
    def post(self, request):
        form = TodoForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                todo = services.todo_create(
                    created_by=request.user,
                    assignee=data.get("assignee") or request.user,
                    title=data["title"],
                    description=data["description"],
                    due_at=data["due_at"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("To-do created."))
                return redirect(todo)
        return render(request, "crm/todo_form.html", {"form": form}, status=400)


class TodoEditView(StaffRequiredMixin, View):
    def get_todo(self, pk):
        return get_object_or_404(Todo.objects.visible_to(self.request.user), pk=pk)

    def get(self, request, pk):
        todo = self.get_todo(pk)
        form = TodoForm(
            user=request.user,
            editing=True,
            initial={
                "title": todo.title,
                "description": todo.description,
                "due_at": timezone.localtime(todo.due_at),
            },
        )
        return render(request, "crm/todo_form.html", {"form": form, "todo": todo})

    def post(self, request, pk):
        todo = self.get_todo(pk)
        form = TodoForm(request.POST, user=request.user, editing=True)
        if form.is_valid():
            try:
                services.todo_update(user=request.user, todo=todo, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("To-do saved."))
                return redirect(todo)
        return render(request, "crm/todo_form.html", {"form": form, "todo": todo}, status=400)


class TodoActionView(StaffRequiredMixin, View):
    actions = {"complete": services.todo_complete, "cancel": services.todo_cancel}

    def post(self, request, pk, action):
        todo = get_object_or_404(Todo.objects.visible_to(request.user), pk=pk)
        try:
            self.actions[action](user=request.user, todo=todo)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            status = 409
        else:
            messages.success(request, _("To-do updated."))
            status = 200
        if request.htmx:
            todo.refresh_from_db()
            return render(request, "crm/partials/todo_row.html", {"todo": todo}, status=status)
        return redirect(next_url(request, todo.get_absolute_url()))


# --- Calendar ---------------------------------------------------------------------
class CalendarView(StaffRequiredMixin, View):
    def get(self, request):
        today = timezone.localdate()
        year = year_param(request.GET.get("year"), today.year)
        days = Holiday.objects.filter(date__year=year).order_by("date")
        can_edit = request.user.is_superuser or self.staff.role == Role.HQ
        return render(
            request,
            "crm/calendar.html",
            {
                "year": year,
                "days": days,
                "can_edit": can_edit,
                "years": range(today.year - 2, today.year + 3),
            },
        )


class CalendarEditView(StaffRequiredMixin, View):
    roles = frozenset({Role.HQ})

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_superuser:
            self.roles = None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        year = year_param(request.GET.get("year"), timezone.localdate().year + 1)
        lines = [
            f"{h.date} {h.kind} {h.name}".strip()
            for h in Holiday.objects.filter(date__year=year).order_by("date")
        ]
        form = ScheduleForm(initial={"year": year, "schedule": "\n".join(lines)})
        return render(request, "crm/calendar_edit.html", {"form": form})

    def post(self, request):
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                count = services.holidays_enter_schedule(
                    year=form.cleaned_data["year"], text=form.cleaned_data["schedule"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(count)d days saved for %(year)d; open deadlines are being recomputed.")
                    % {"count": count, "year": form.cleaned_data["year"]},
                )
                return redirect(reverse("crm:calendar") + f"?year={form.cleaned_data['year']}")
        return render(request, "crm/calendar_edit.html", {"form": form}, status=400)


# --- Access log ---------------------------------------------------------------------
class AccessLogView(StaffRequiredMixin, View):
    """Compliance, branch managers (their branch) and HQ (all): filter, search, page
    through without a count, export to CSV or Excel (the export is logged too)."""

    roles = ACCESS_LOG_ROLES
    EXPORT_MAX_ROWS = 50_000

    def get(self, request):
        qs = AccessLog.objects.visible_to(request.user).order_by("-occurred_at", "-id")
        filterset = AccessLogFilterSet(request.GET, queryset=qs, user=request.user)
        fmt = request.GET.get("export")
        if fmt in FORMATS:
            services.access_log_export_record(
                user=request.user, fmt=fmt, filters=filterset.describe(), request=request
            )
            headers, rows = access_log_table(filterset.qs[: self.EXPORT_MAX_ROWS])
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            return table_response(f"access-log-{stamp}", headers, rows, fmt)
        page = page_without_count(
            request, filterset.qs.select_related("user", "content_type", "branch"), per_page=50
        )
        return render(request, "crm/access_log.html", {"page": page, "filter": filterset})


# --- Health -------------------------------------------------------------------------
@never_cache
def healthz(request):
    """200 when the database, Redis and at least one Celery worker answer; else 503."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        _ping_redis()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
    if checks["redis"] == "ok":
        try:
            from config.celery import app

            replies = app.control.ping(timeout=1.0)
            checks["worker"] = "ok" if replies else "error: no worker answered"
        except Exception as exc:
            checks["worker"] = f"error: {exc.__class__.__name__}"
    else:
        checks["worker"] = "error: broker unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def _database_unavailable(exc: BaseException | None) -> bool:
    """The error, or one it was raised from, says the database cannot be used right now:
    connection lost or refused, server shutting down, statement cancelled, serialization
    failure (psycopg's OperationalError), or a connection already closed."""
    for _depth in range(5):
        if exc is None:
            return False
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request, *args, **kwargs):
    """handler500. A database that is down or unreachable answers 503 with a retry hint
    (DESIGN: never a 500 for a fault the user can wait out), JSON under /api/. The page
    is rendered without the request, so no context processor or query runs. The
    transaction of the failed request was rolled back: nothing of it was stored."""
    unavailable = _database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if is_api_request(request):
        detail = (
            _("The database is temporarily unavailable. Try again in a minute.")
            if unavailable
            else _("Server error. Try again; if it keeps happening, tell the IT desk.")
        )
        response = JsonResponse({"detail": detail}, status=status)
    else:
        retry_url = request.get_full_path() if request.method == "GET" else request.path
        try:
            template = loader.get_template("503.html" if unavailable else "500.html")
            body = template.render({"retry_url": retry_url})
        except Exception:  # the error page itself must not fail
            logger.exception("could not render the error page")
            body = "<h1>Service Unavailable (503)</h1>" if unavailable else "<h1>Server Error</h1>"
        response = HttpResponse(body, status=status)
    if unavailable:
        response["Retry-After"] = "30"
    return response


def _ping_redis() -> None:
    from django.core.cache import cache

    cache._cache.get_client(write=True).ping()


# --- Unmasked exports, after approval ----------------------------------------------
def _export_rows(user, requests):
    kinds = {k.key: k for k in export_kinds()}
    for r in requests:
        kind = kinds.get(r.kind)
        r.kind_label = kind.label if kind else r.kind
        r.filters_text = " · ".join(
            f"{k}={','.join(map(str, v))}" for k, v in (r.params or {}).items() if v
        )
        r.can_decide = r.status == ExportRequest.Status.PENDING and (
            services.export_request_can_decide(user, r)
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
        page = page_without_count(request, qs, per_page=25)
        page.object_list = _export_rows(request.user, page.object_list)
        return render(request, "crm/exports.html", {
            "page": page, "to_decide": to_decide, "hours": settings.CRM_UNMASKED_EXPORT_HOURS,
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
        return render(request, "crm/export_request_form.html", {
            "form": form, "kind": kind,
            "filters": [(k, ", ".join(v)) for k, v in query.lists() if any(v)],
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
                services.export_request_create(
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
            services.export_request_decide(
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
            services.export_request_download(
                user=request.user, export_request=export_request, request=request
            )
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("crm:exports")
        headers, rows = kind.table(
            request.user, params_querydict(export_request.params), unmasked=True
        )
        return table_response(f"{kind.key}-unmasked-{export_request.pk}", headers, rows, fmt)


# --- Errors -------------------------------------------------------------------------
def page_not_found(request, exception):
    """An address no route matches: JSON under /api/ (like every API error), else the page."""
    if is_api_request(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found as default

    return default(request, exception)


def bad_request(request, exception):
    """handler400. A body over DATA_UPLOAD_MAX_MEMORY_SIZE (a request without a declared
    length, which RequestSizeLimitMiddleware cannot refuse up front) answers 413; any
    other bad request JSON under /api/, else Django's page."""
    from django.core.exceptions import RequestDataTooBig

    from .uploads import too_large_response

    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if is_api_request(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    from django.views.defaults import bad_request as default

    return default(request, exception)
