"""The scorecard pages: the ranking (branch manager, compliance, HQ; HQ compares the
branches), my scorecard (every member of staff), the weights (branch manager, HQ)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from crm import formats
from crm.exports import export_filename, table_response
from crm.forms import add_service_errors
from crm.models import Role
from crm.paging import page_with_total
from crm.views import StaffRequiredMixin

from . import selectors, services
from .filters import ScorecardFilterSet
from .forms import WeightsForm
from .measures import BY_KEY, MEASURES
from .models import BRANCH_ROLES, Level, PeriodKind, period_label
from .tables import ScorecardTable, line_name

EXPORT_LIMIT = 10_000


def with_defaults(request, user, staff) -> dict:
    """The query with its defaults: this kind's newest period, people (HQ: branches)."""
    params = request.GET.copy()
    kind = params.get("kind") or PeriodKind.MONTH
    params["kind"] = kind
    if not params.get("level"):
        params["level"] = Level.BRANCH if staff.sees_all_branches else Level.PERSON
    if not params.get("period"):
        latest = selectors.latest_start(user, kind)
        if latest is not None:
            params["period"] = latest.isoformat()
    return params


def value_text(key: str, value) -> str:
    unit = BY_KEY[key].unit if key in BY_KEY else "count"
    if unit == "yuan":
        return formats.yuan(value)
    if unit == "percent":
        return formats.percent(value)
    if unit in ("times", "per_mille"):
        return formats.number(value, 2)
    return formats.number(value)


class RankingView(StaffRequiredMixin, View):
    """The ranking of one period: sortable, paged, each line's trend; Excel or CSV with
    `?export=xlsx|csv`. The branch manager and compliance: their branch; HQ: every
    branch, comparing the branches by default."""

    roles = BRANCH_ROLES

    def get(self, request):
        params = with_defaults(request, request.user, self.staff)
        qs = selectors.lines(request.user).order_by("rank", "id")
        filterset = ScorecardFilterSet(params, queryset=qs, request=request)
        fmt = request.GET.get("export")
        if fmt in ("xlsx", "csv"):
            return self.export(filterset, fmt, params)
        page = page_with_total(request, filterset.qs, per_page=25)
        table = ScorecardTable(page, request=request, filterset=filterset,
                               target="#scorecard-table")  # fmt: skip
        if not self.staff.sees_all_branches:
            table.columns.hide("branch")
        context = {"table": table, "page": page, "filter": filterset,
                   "query": params.urlencode(), "can_set_weights": self.staff.role in (
                       Role.BRANCH_MANAGER, Role.HQ),
                   "title_period": _period_title(params)}  # fmt: skip
        template = "crm/partials/table.html" if request.htmx else "scorecards/ranking.html"
        return render(request, template, context)

    def export(self, filterset, fmt, params):
        headers = [_("Period"), _("Level"), _("Branch"), _("Team"), _("Name"), _("Rank"),
                   _("Score"), *[m.label for m in MEASURES]]  # fmt: skip
        qs = filterset.qs[:EXPORT_LIMIT]

        def rows():
            for line in qs:
                yield [line.period_label, line.get_level_display(), line.branch.name, line.team,
                       line_name(line), line.rank, line.score,
                       *[getattr(line, m.key) for m in MEASURES]]  # fmt: skip

        name = export_filename(_("Scorecards"), params.get("kind", ""), params.get("period", ""))
        return table_response(name, headers, rows(), fmt)


def _period_title(params) -> str:
    from datetime import date

    try:
        start = date.fromisoformat(params.get("period", ""))
    except ValueError:
        return ""
    return period_label(params.get("kind") or PeriodKind.MONTH, start)


class MineView(StaffRequiredMixin, View):
    """My scorecard: this month's and this quarter's lines with the points of each
    measure and the rank, and my last periods (every member of staff; someone without a
    scorecard is told so)."""

    def get(self, request):
        mine = selectors.lines(request.user).filter(person=request.user, level=Level.PERSON)
        latest = list(mine.select_related("period").order_by("kind", "-start").distinct("kind"))
        cards = []
        for line in sorted(latest, key=lambda ln: ln.kind != PeriodKind.MONTH):
            measures = [(m, value_text(m.key, getattr(line, m.key)),
                         line.period.weights.get(m.key, 0), line.points.get(m.key, 0))
                        for m in MEASURES]  # fmt: skip
            cards.append({"line": line, "measures": measures})
        history = list(mine.filter(kind=PeriodKind.MONTH).order_by("-start")[:12])
        context = {"cards": cards, "history": history,
                   "can_rank": self.staff.role in BRANCH_ROLES}  # fmt: skip
        return render(request, "scorecards/mine.html", context)


class WeightsView(StaffRequiredMixin, View):
    """The weights and targets: the branch manager's branch, or HQ's default."""

    roles = frozenset({Role.BRANCH_MANAGER, Role.HQ})

    def branch(self):
        return None if self.staff.role == Role.HQ else self.staff.branch

    def form(self, data=None):
        branch = self.branch()
        weights, targets = services.weights_for(branch.pk if branch else None)
        return WeightsForm(data, weights=weights, targets=targets)

    def get(self, request):
        return render(
            request, "scorecards/weights.html", {"form": self.form(), "branch": self.branch()}
        )

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.weights_save(user=request.user, branch=self.branch(),
                                      weights=form.cleaned_data["weights"],
                                      targets=form.cleaned_data["targets"])  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Scorecard weights saved: tonight's scores use "
                        "them; finished periods keep theirs."
                    ),
                )
                return redirect("scorecards:weights")
        return render(request, "scorecards/weights.html", {"form": form, "branch": self.branch()},
                      status=400)  # fmt: skip
