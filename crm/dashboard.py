"""The manager dashboards: filters from the request, measures, exports."""

from __future__ import annotations

from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import spreadsheets
from .exports import as_attachment, workbook_response
from .measures import Filters, Period, Row
from .models import Branch, Role, StaffProfile, staff_of
from .params import date_param, int_param, year_param


def period_from(params, *, default: str = "month") -> Period:
    """The period a dashboard, analysis page or export shows, read from its query string:
    `period=month|quarter|year&year=2025&value=11`, or `period=custom&start=&end=` (the
    call-centre statistics spell the range `from=&to=`). A missing month or quarter number
    is today's; a range is at most ten years. Anything else gives the `default` kind:
    this month (`month`), the last full month (`last_month`: what the dashboards open on,
    so that on 1 December they show November, not a day of December), the chosen year
    (`year`) or this month so far (`custom`)."""
    today = timezone.localdate()
    if default == "last_month":
        last = today.replace(day=1) - relativedelta(months=1)
        if not params.get("period"):
            return Period.month(last.year, last.month)
        default = "month"
    kind = params.get("period") or default
    year = year_param(params.get("year"), today.year)
    number = today.month if kind == "month" else (today.month - 1) // 3 + 1
    value = int_param(params.get("value") or number, 0)
    if kind == "month" and 1 <= value <= 12:
        return Period.month(year, value)
    if kind == "quarter" and 1 <= value <= 4:
        return Period.quarter(year, value)
    if kind == "year":
        return Period.year(year)
    so_far = Period(today.replace(day=1), today)
    if kind == "custom":
        start = date_param(params.get("start") or params.get("from"), so_far.start)
        end = date_param(params.get("end") or params.get("to"), so_far.end)
        if start <= end and (end - start).days <= 3660:
            return Period(start, end)
    if default == "year":
        return Period.year(year)
    return so_far if default == "custom" else Period.month(today.year, today.month)


def filters_from(request, params, *, person=None) -> Filters:
    """Scope (a branch manager never sees another branch), optional branch for HQ,
    team and person; `person` forces the personal page."""
    staff = staff_of(request.user)
    branch_ids: tuple[int, ...] | None = (staff.branch_id,)
    branch_code = None
    if staff.sees_all_branches:
        code = params.get("branch")
        branch = Branch.objects.filter(code=code).first() if code else None
        branch_ids = (branch.pk,) if branch else None
        branch_code = branch.code if branch else None
    person_ids = None
    if person is not None:
        person_ids = (person.pk,)
    else:
        people = StaffProfile.objects.exclude(role=Role.INTEGRATION)
        if branch_ids is not None:
            people = people.filter(branch_id__in=branch_ids)
        if params.get("person"):
            person_ids = tuple(people.filter(user__username=params["person"])
                               .values_list("user_id", flat=True)) or (0,)  # fmt: skip
        elif params.get("team"):
            person_ids = tuple(people.filter(team=params["team"])
                               .values_list("user_id", flat=True)) or (0,)  # fmt: skip
    current = period_from(params, default="last_month")
    return Filters(
        branch_ids=branch_ids, person_ids=person_ids, current=current,
        previous=current.previous(), branch_code=branch_code,
    )  # fmt: skip


UNIT_LABELS = {"count": gettext_lazy("count"), "percent": "%", "days": gettext_lazy("days"),
               "hours": gettext_lazy("hours"), "minutes": gettext_lazy("minutes"),
               "score": gettext_lazy("score"),
               "yuan": gettext_lazy("yuan")}  # fmt: skip


def rows_as_table(rows, branches=()) -> tuple[list[str], list[list]]:
    """The measures as a table for people (Chinese headers and units; branches by name)."""
    headers = [_("Measure"), _("Group"), _("Unit"), _("This period"), _("Previous period"),
               _("Change vs previous"), _("Target")]  # fmt: skip
    headers += [b.name for b in branches]
    table = []
    for r in rows:
        line = [str(r.measure.label), str(r.measure.group),
                str(UNIT_LABELS.get(r.measure.unit, r.measure.unit)), r.current, r.previous,
                r.change, r.measure.target]  # fmt: skip
        line += [r.by_branch.get(b.pk) for b in branches]
        table.append(line)
    return headers, table


def export_response(rows, fmt: str, filename: str, branches=()) -> HttpResponse:
    """The table as a CSV or Excel download named `filename` (without extension)."""
    headers, table = rows_as_table(rows, branches)
    if fmt == "xlsx":
        sheet = spreadsheets.Sheet(_("Measures"), headers, table)
        return workbook_response([sheet], f"{filename}.xlsx")
    response = HttpResponse(
        spreadsheets.csv_text(headers, table), content_type="text/csv; charset=utf-8"
    )
    return as_attachment(response, f"{filename}.csv")


def teams_and_people(filters):
    people = StaffProfile.objects.exclude(role=Role.INTEGRATION).select_related("user")
    if filters.branch_ids is not None:
        people = people.filter(branch_id__in=filters.branch_ids)
    people = list(people.order_by("user__username"))
    return sorted({p.team for p in people if p.team}), people


# The tiles a manager reads first (in this order; a measure no app registered is skipped)
# and the measures HQ ranks branches on (the first is the default order).
KPI_KEYS = ("new_clients", "assets", "commission", "csi", "callback_completion",
            "complaints_received", "complaint_sla_resolution", "visits_completed")  # fmt: skip
RANK_KEYS = ("commission", "assets", "new_clients", "csi", "callback_completion",
             "complaint_sla_resolution", "complaints_received")  # fmt: skip


@dataclass
class Tile:
    """One KPI tile: the row of a measure and where it drills to."""

    row: Row
    url: str

    @property
    def met(self) -> bool | None:
        """Whether the target is met (None: no target or no value)."""
        target, value = self.row.measure.target, self.row.current
        if target is None or value is None:
            return None
        return value >= target if self.row.measure.higher_is_better else value <= target


def tiles(rows: list[Row], filters: Filters) -> list[Tile]:
    by_key = {r.measure.key: r for r in rows}
    return [
        Tile(by_key[k], by_key[k].measure.drill(filters) if by_key[k].measure.drill else "")
        for k in KPI_KEYS
        if k in by_key
    ]


@dataclass
class RankLine:
    rank: int
    branch: Branch
    values: list  # [(row, value)] in the order of the measures


def ranking(rows: list[Row], branches: list, order: str | None) -> tuple[list[Row], str, list]:
    """HQ's ranking of branches on the main measures, best first by `order` (a measure key;
    a missing value ranks last). Returns the measures, the key ranked by and the lines."""
    by_key = {r.measure.key: r for r in rows}
    chosen = [by_key[k] for k in RANK_KEYS if k in by_key]
    if not chosen:
        return [], "", []
    key = order if order in by_key and by_key[order] in chosen else chosen[0].measure.key
    ranked = by_key[key]
    sign = 1 if ranked.measure.higher_is_better else -1

    def sort_key(branch):
        value = ranked.by_branch.get(branch.pk)
        return (value is None, -sign * (value or 0), branch.code)

    lines = [
        RankLine(i, b, [(r, r.by_branch.get(b.pk)) for r in chosen])
        for i, b in enumerate(sorted(branches, key=sort_key), start=1)
    ]
    return chosen, key, lines


def trend_chart(months, trends) -> dict:
    """The 12-month trends as the chart script reads them: counts and rates apart (one
    axis each), each line with its label and values."""
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "series": [
            {"key": t.key, "label": str(t.label), "unit": t.unit, "values": values}
            for t, values in trends
        ],
    }
