"""The dashboards: branch, HQ comparing branches, personal, and the monthly report."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from .. import dashboard
from ..db import reads_from_replica
from ..measures import compute_breakdowns, compute_rows, compute_trends
from ..models import Branch, Role
from .base import StaffRequiredMixin


@reads_from_replica
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
        context = {
            "groups": groups, "filters": filters, "params": params, "compare": compare,
            "branches": branches, "all_branches": all_branches,
            "teams": teams, "people": people, "personal": self.personal,
        }  # fmt: skip
        if self.template == "crm/dashboard.html":
            months, trends = compute_trends(filters)
            breakdowns = compute_breakdowns(filters, raws)
            rank_rows, rank_key, rank_lines = dashboard.ranking(rows, branches, params.get("rank"))
            context.update({
                "tiles": dashboard.tiles(rows, filters),
                "trends": trends, "months": months,
                "trend_chart": dashboard.trend_chart(months, trends),
                "breakdowns": [
                    (b, lines, b.summary(lines) if b.summary else "",
                     {"title": str(b.title), "columns": [str(c) for c in b.columns],
                      "lines": lines},
                     # a source read from a summary rebuilt nightly says as of when
                     raws.get(b.source, {}).get("as_of"))
                    for b, lines in breakdowns
                ],
                "rank_rows": rank_rows, "rank_key": rank_key, "rank_lines": rank_lines,
            })  # fmt: skip
        return render(request, self.template, context)


class PersonalDashboardView(DashboardView):
    personal = True


class MonthlyReportView(DashboardView):
    template = "crm/report.html"
