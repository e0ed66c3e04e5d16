from datetime import date, datetime

import pytest

from crm import services
from crm.models import Holiday
from crm.workdays import SHANGHAI, WorkCalendar, get_calendar


@pytest.fixture
def cal(db):
    return get_calendar(fresh=True)


def test_seeded_from_chinese_calendar_2004_to_2026(cal):
    assert cal.scheduled_years >= set(range(2004, 2027))
    assert not cal.is_workday(date(2025, 10, 1))
    assert cal.is_workday(date(2025, 9, 28))  # a Sunday worked (调休)
    assert cal.is_workday(date(2025, 10, 11))  # a Saturday worked
    assert Holiday.objects.get(date=date(2025, 10, 1)).name == "国庆节"


def test_seven_working_days_after_national_day_eve(cal):
    assert cal.add_workdays(date(2025, 9, 30), 7) == date(2025, 10, 16)


def test_add_workdays_zero_and_negative(cal):
    assert cal.add_workdays(date(2025, 10, 1), 0) == date(2025, 10, 1)
    with pytest.raises(ValueError):
        cal.add_workdays(date(2025, 10, 1), -1)


def test_workdays_between(cal):
    assert cal.workdays_between(date(2025, 9, 30), date(2025, 10, 16)) == 7
    assert cal.workdays_between(date(2025, 10, 16), date(2025, 9, 30)) == -7
    assert cal.workdays_between(date(2025, 10, 1), date(2025, 10, 1)) == 0


def test_unscheduled_year_counts_monday_to_friday_without_raising(cal):
    assert not cal.is_scheduled(2027)
    assert cal.missing_years([2026, 2027]) == [2027]
    # 2027-01-01 is a Friday: with no schedule it is a working day, 2027-01-02 (Sat) is not.
    assert cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 1, 2))
    assert cal.add_workdays(date(2026, 12, 30), 5) == date(2027, 1, 6)


def test_office_minutes_skip_lunch_nights_and_holidays(cal):
    start = datetime(2025, 9, 30, 16, 50, tzinfo=SHANGHAI)  # 10 minutes before closing
    # 30 office minutes: 10 today, then the holiday week, then 20 after 9:00 on 10-09
    assert cal.add_office_minutes(start, 30) == datetime(2025, 10, 9, 9, 20, tzinfo=SHANGHAI)
    lunch = datetime(2025, 10, 9, 11, 20, tzinfo=SHANGHAI)
    assert cal.add_office_minutes(lunch, 30) == datetime(2025, 10, 9, 13, 20, tzinfo=SHANGHAI)
    night = datetime(2025, 10, 9, 22, 0, tzinfo=SHANGHAI)
    assert cal.add_office_minutes(night, 30) == datetime(2025, 10, 10, 9, 30, tzinfo=SHANGHAI)
    assert cal.office_minutes_between(start, datetime(2025, 10, 9, 9, 20, tzinfo=SHANGHAI)) == 30


def test_office_hours_are_configurable(settings):
    settings.CRM_OFFICE_HOURS = ["08:30-12:00"]
    cal = WorkCalendar()
    moment = datetime(2025, 10, 9, 11, 50, tzinfo=SHANGHAI)
    assert cal.add_office_minutes(moment, 20) == datetime(2025, 10, 10, 8, 40, tzinfo=SHANGHAI)


def test_enter_schedule_for_new_year(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        count = services.holidays_enter_schedule(
            year=2027,
            text="2027-01-01~2027-01-03 休 元旦\n# comment\n2027-01-04 holiday 元旦补休\n"
            "2027-01-09 workday 元旦调休\n",
        )
    assert count == 5
    assert len(callbacks) == 1  # the deadline recomputation is enqueued once, after commit
    cal = get_calendar(fresh=True)
    assert cal.is_scheduled(2027)
    assert not cal.is_workday(date(2027, 1, 4))
    assert cal.is_workday(date(2027, 1, 9))


@pytest.mark.parametrize(
    "text",
    ["2027-13-01 holiday x", "01/01/2027 holiday", "2027-01-05~2027-01-01 holiday", "", "   "],
)
def test_bad_schedule_is_refused_and_changes_nothing(db, text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.holidays_enter_schedule(year=2027, text=text)
    assert not Holiday.objects.filter(date__year=2027).exists()


def test_schedule_lines_must_be_in_the_year(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.holidays_enter_schedule(year=2027, text="2028-01-01 holiday 元旦")
