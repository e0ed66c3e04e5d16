"""Average resolution time in working days: one computation (complaints.selectors.
resolution_workdays, in SQL) for the analysis page and the dashboards' measure, on
Shanghai dates and the Holiday calendar."""

from datetime import date, datetime

import time_machine

from complaints import selectors
from complaints import services as complaint_services
from complaints.models import Complaint
from crm.measures import Filters, Period, compute_rows
from crm.models import Holiday
from crm.selectors import BranchScope
from crm.workdays import SHANGHAI, get_calendar, invalidate_calendar
from tests.factories import make_client


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def resolved(org, received, resolved_at, client_no):
    client = make_client(org.am, client_no=client_no)
    with time_machine.travel(received, tick=False):
        complaint = complaint_services.complaint_receive(user=org.agent, data={
            "client": client, "channel": "phone", "topic": "fees", "description": "x",
            "received_at": received})  # fmt: skip
    with time_machine.travel(resolved_at, tick=False):
        complaint = complaint_services.complaint_acknowledge(user=org.agent, complaint=complaint)
        return complaint_services.complaint_resolve(
            user=org.agent, complaint=complaint, resolution="r", feedback="f"
        )


def test_both_callers_count_working_days_between_shanghai_dates(org):
    # Saturday 8 November an adjusted working day, Monday 10 November a day off
    Holiday.objects.update_or_create(date=date(2025, 11, 8), defaults={"kind": "workday"})
    Holiday.objects.update_or_create(date=date(2025, 11, 10), defaults={"kind": "holiday"})
    invalidate_calendar()
    # received Tuesday 4 November 01:00 in Shanghai (Monday 17:00 UTC), resolved that
    # Tuesday: 0 working days (counted on UTC dates it would be 1)
    night = resolved(org, at(2025, 11, 4, 1), at(2025, 11, 4, 10), "1100000091")
    # Friday 7 to Wednesday 12 November: Saturday 8, Tuesday 11, Wednesday 12
    holiday = resolved(org, at(2025, 11, 7, 9), at(2025, 11, 12, 10), "1100000092")
    calendar = get_calendar(fresh=True)
    assert [calendar.workdays_between(c.received_at.astimezone(SHANGHAI).date(),
                                      c.resolved_at.astimezone(SHANGHAI).date())
            for c in (night, holiday)] == [0, 3]  # fmt: skip
    in_sql = dict(
        Complaint.objects.annotate(days=selectors.resolution_workdays()).values_list("pk", "days")
    )
    assert (in_sql[night.pk], in_sql[holiday.pk]) == (0, 3)

    data = selectors.analysis(
        scope=BranchScope.for_user(org.bm), start=date(2025, 11, 1), end=date(2025, 11, 30)
    )
    assert data["avg_resolution_workdays"] == 1.5  # the UTC-date count gave 2.0
    current = Period.month(2025, 11)
    measures = compute_rows(Filters((org.bj.pk,), None, current, current.previous()))
    row = next(r for r in measures if r.measure.key == "complaint_resolution_days")
    assert row.current == 1.5
    assert row.by_branch == {org.bj.pk: 1.5}


def test_a_resolution_before_receipt_counts_negative_like_the_calendar(org):
    complaint = resolved(org, at(2025, 11, 3, 9), at(2025, 11, 3, 10), "1100000093")
    Complaint.objects.filter(pk=complaint.pk).update(received_at=at(2025, 11, 5, 9))
    days = Complaint.objects.annotate(days=selectors.resolution_workdays()).get().days
    assert days == get_calendar().workdays_between(date(2025, 11, 5), date(2025, 11, 3)) == -2
