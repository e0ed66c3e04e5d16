"""The manager dashboards: filters from the request, measures, exports."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import spreadsheets
from .exports import as_attachment, workbook_response
from .measures import Filters, Period
from .models import Branch, Role, StaffProfile, staff_of
from .params import date_param, int_param, year_param


def period_from(params, *, default: str = "month") -> Period:
    """The period a dashboard, analysis page or export shows, read from its query string:
    `period=month|quarter|year&year=2025&value=11`, or `period=custom&start=&end=` (the
    call-centre statistics spell the range `from=&to=`). A missing month or quarter number
    is today's; a range is at most ten years. Anything else gives the `default` kind:
    this month (`month`), the chosen year (`year`) or this month so far (`custom`)."""
    today = timezone.localdate()
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
    if staff.sees_all_branches:
        code = params.get("branch")
        branch = Branch.objects.filter(code=code).first() if code else None
        branch_ids = (branch.pk,) if branch else None
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
    current = period_from(params)
    return Filters(
        branch_ids=branch_ids, person_ids=person_ids, current=current, previous=current.previous()
    )


UNIT_LABELS = {"count": gettext_lazy("count"), "percent": "%", "days": gettext_lazy("days"),
               "score": gettext_lazy("score"), "yuan": gettext_lazy("yuan")}  # fmt: skip


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
