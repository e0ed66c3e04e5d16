"""The dashboards: branch, HQ comparing branches, personal, and the monthly report."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from .. import dashboard
from ..measures import compute_breakdowns, compute_rows
from ..models import Branch, Role
from .base import StaffRequiredMixin


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
