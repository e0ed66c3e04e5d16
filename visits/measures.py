"""Visit, quota and consultation measures for the dashboards."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.measures import Measure, during, grouped, register_source
from crm.models import Role, StaffProfile
from crm.rollups import FigureQuery, figure_rollup, register_rollup
from crm.workdays import get_calendar

from .models import Consultation, Event, Invitation, QuotaLog, VisitPlan

GROUP = _("Visits and consultations")


def _visits():
    return VisitPlan.objects.filter(status__in=["approved", "completed"])


_CAME = Q(status=Invitation.Status.ATTENDED)
_ANSWERED = Q(status__in=[Invitation.Status.ATTENDED, Invitation.Status.NO_SHOW,
                          Invitation.Status.ACCEPTED])  # fmt: skip


def compute(filters):
    """Visits, consultations and events, counted by month, branch and person: closed
    months are read from their rollup (`_figures`). The quota is `quota`, always live."""
    start, end = filters.previous.start, filters.current.end
    plans = filters.scope(_visits().filter(during("planned_at", start, end)))
    sheets = filters.scope(
        Consultation.objects.filter(during("answered_at", start, end)), person="advisor_id"
    )
    visits = grouped(
        plans,
        "planned_at",
        filters,
        n=lambda p: Count("id", filter=p),
        done=lambda p: Count("id", filter=p & Q(status="completed")),
    )
    answered = grouped(
        sheets,
        "answered_at",
        filters,
        n=lambda p: Count("id", filter=p),
        in_time=lambda p: Count("id", filter=p & Q(answered_in_time=True)),
    )
    # Events: attendance of the events held in the period, investor education apart
    invitations = filters.scope(
        Invitation.objects.filter(during("event__starts_at", start, end)),
        branch="event__branch_id", person="client__owner_id",
    )  # fmt: skip
    events = grouped(
        invitations, "event__starts_at", filters, branch_field="event__branch_id",
        education=lambda p: Count("id", filter=p & _CAME & Q(event__kind=Event.Kind.EDUCATION)),
        attended=lambda p: Count("id", filter=p & _CAME),
        answered=lambda p: Count("id", filter=p & _ANSWERED),
    )  # fmt: skip
    return {
        "visits_completed": {k: (v["done"], v["n"]) for k, v in visits.items()},
        "consultations_on_time": {k: (v["in_time"], v["n"]) for k, v in answered.items()},
        "education_attended": {k: (v["education"], None) for k, v in events.items()},
        "event_turnout": {k: (v["attended"], v["answered"]) for k, v in events.items()},
    }


def _figures():
    """`compute`'s counts for the monthly rollup (crm/rollups.py), on the same fields."""
    return [
        FigureQuery(_visits, "planned_at", {
            "visits_completed": (Count("id", filter=Q(status="completed")), Count("id")),
        }, persons=("owner_id",)),
        FigureQuery(Consultation.objects.all, "answered_at", {
            "consultations_on_time": (Count("id", filter=Q(answered_in_time=True)),
                                      Count("id")),
        }, persons=("advisor_id",)),
        FigureQuery(Invitation.objects.all, "event__starts_at", {
            "education_attended": (
                Count("id", filter=_CAME & Q(event__kind=Event.Kind.EDUCATION)), None),
            "event_turnout": (Count("id", filter=_CAME), Count("id", filter=_ANSWERED)),
        }, branch="event__branch_id", persons=("client__owner_id",)),
    ]  # fmt: skip


def quota(filters):
    """The daily quota met, in person-days: each account manager of the scope on each
    working day of the periods up to today, from the logs. Not rolled up: the people
    and their targets are today's."""
    start, end = filters.previous.start, filters.current.end
    logs = filters.scope(QuotaLog.objects.filter(day__gte=start, day__lte=end), person="user_id")
    staff = filters.scope(StaffProfile.objects.filter(role=Role.ACCOUNT_MANAGER), person="user_id")
    from django.db.models import Value
    from django.db.models.functions import Coalesce

    people, targets = {}, {}
    for s in staff.annotate(
        ct=Coalesce("user__daily_quota__contacts_target", Value(5)),
        pt=Coalesce("user__daily_quota__patrols_target", Value(2)),
    ):
        people[s.user_id] = s.branch_id
        targets[s.user_id] = (s.ct, s.pt)
    # the days each person met both targets: only days with logs can (unless both targets
    # are 0), so the logs are walked, not every working day times every person
    met_days: dict = {}
    for row in logs.values("user_id", "day").annotate(
        contacts=Count("id", filter=Q(kind="contact")), patrols=Count("id", filter=Q(kind="patrol"))
    ):
        if row["user_id"] not in targets:  # not an account manager of the scope
            continue
        contacts_target, patrols_target = targets[row["user_id"]]
        if row["contacts"] >= contacts_target and row["patrols"] >= patrols_target:
            met_days.setdefault(row["user_id"], []).append(row["day"])
    calendar, today = get_calendar(), timezone.localdate()
    cells: dict = {}
    for index, period in enumerate(filters.periods):
        workdays = set()
        day = period.start
        while day <= min(period.end, today):
            if calendar.is_workday(day):
                workdays.add(day)
            day += timedelta(days=1)
        if not workdays:
            continue
        for user_id, branch_id in people.items():
            if targets[user_id] == (0, 0):  # met on every working day, logs or not
                met = len(workdays)
            else:
                met = sum(1 for d in met_days.get(user_id, ()) if d in workdays)
            cell = cells.setdefault((index, branch_id), [0, 0])
            cell[0] += met
            cell[1] += len(workdays)
    return {"quota_compliance": {k: (v[0], v[1]) for k, v in cells.items()}}


def register():
    register_rollup("visits", figure_rollup("visits", _figures))
    register_source("visits", compute, rollup=True, live=quota, measures=[
        Measure("visits_completed", _("Approved visit plans completed"), GROUP, "percent",
                drill=lambda f: reverse("visits:list") + "?status=completed"),
        Measure("quota_compliance", _("Daily quota met (person-days)"), GROUP, "percent",
                drill=lambda f: reverse("visits:quota")),
        Measure("consultations_on_time", _("Consultations answered in time"), GROUP,
                "percent", drill=lambda f: reverse("visits:consultations") + "?status=answered"),
        Measure("education_attended", _("Investor education attendances"), GROUP, "count",
                drill=lambda f: reverse("visits:events") + "?kind=education"),
        Measure("event_turnout", _("Event turnout (checked in of those accepted)"), GROUP,
                "percent", drill=lambda f: reverse("visits:events")),
    ])  # fmt: skip
