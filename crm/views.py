from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from . import selectors, services, workbench
from .filters import AccessLogFilterSet, NotificationFilterSet, TodoFilterSet
from .forms import ScheduleForm, TodoForm
from .models import AccessLog, Branch, Holiday, Notification, Role, Todo, staff_of
from .params import year_param
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
            content, content_type, ext = dashboard.export(chosen, fmt, branches)
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = (
                f'attachment; filename="measures-{filters.current.start}.{ext}"'
            )
            return response
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
        services.notification_mark_read(user=request.user, notification_id=pk)
        if request.htmx:
            return render(
                request,
                "crm/partials/unread_badge.html",
                {"unread": selectors.unread_count(request.user), "oob": True},
            )
        target = request.POST.get("next")
        if pk is not None and not target:
            notification = Notification.objects.visible_to(request.user).filter(pk=pk).first()
            target = notification.url if notification and notification.url else None
        return redirect(target if target and target.startswith("/") else "crm:notifications")


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
                form.add_error(None, exc)
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
            except (ValidationError, TransitionNotAllowed) as exc:
                form.add_error(None, exc if isinstance(exc, ValidationError) else str(exc))
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
        return redirect(request.POST.get("next") or todo.get_absolute_url())


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
                form.add_error(None, exc.message_dict.get("schedule", exc.messages))
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
    roles = frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})

    def get(self, request):
        qs = AccessLog.objects.visible_to(request.user).select_related("user", "content_type")
        filterset = AccessLogFilterSet(request.GET, queryset=qs)
        users = filterset.filters["user"].queryset
        if not self.staff.sees_all_branches:
            filterset.form.fields["user"].queryset = users.filter(
                staff__branch_id=self.staff.branch_id
            )
        page = paginate(request, filterset.qs, per_page=50)
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


def _ping_redis() -> None:
    from django.core.cache import cache

    cache._cache.get_client(write=True).ping()


# --- Errors -------------------------------------------------------------------------
def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    """An address no route matches: JSON under /api/ (like every API error), else the page."""
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found as default

    return default(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": _("A server error occurred.")}, status=500)
    from django.views.defaults import server_error as default

    return default(request)
