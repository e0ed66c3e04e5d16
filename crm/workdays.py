"""Chinese working days (调休 included) and office hours, in Asia/Shanghai time.

`get_calendar()` gives a `WorkCalendar` built from the Holiday table. A year without any
Holiday rows has no official schedule yet: it counts Monday to Friday, never raises, and
`missing_years()` tells the administrators' banner about it.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Func, IntegerField
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
_CACHE_SECONDS = 60


def _parse_office_hours(spec: list[str]) -> tuple[tuple[time, time], ...]:
    intervals = []
    for item in spec:
        start, end = item.split("-")
        intervals.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return tuple(sorted(intervals))


@dataclass(frozen=True)
class WorkCalendar:
    days_off: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    scheduled_years: frozenset[int] = frozenset()
    office_hours: tuple[tuple[time, time], ...] = field(
        default_factory=lambda: _parse_office_hours(settings.CRM_OFFICE_HOURS)
    )

    # --- days -----------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5

    def add_workdays(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n >= 0; n == 0 gives `day` itself)."""
        if n < 0:
            raise ValueError("n must not be negative")
        current = day
        while n > 0:
            current += timedelta(days=1)
            if self.is_workday(current):
                n -= 1
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.workdays_between(end, start)
        return sum(
            1 for i in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(i))
        )

    def is_scheduled(self, year: int) -> bool:
        return year in self.scheduled_years

    def missing_years(self, years) -> list[int]:
        return [y for y in years if y not in self.scheduled_years]

    # --- office hours ---------------------------------------------------------
    def _office_intervals(self, day: date):
        if not self.is_workday(day):
            return
        for start, end in self.office_hours:
            yield (
                datetime.combine(day, start, tzinfo=SHANGHAI),
                datetime.combine(day, end, tzinfo=SHANGHAI),
            )

    def add_office_minutes(self, moment: datetime, minutes: int) -> datetime:
        """The moment `minutes` of office time after `moment` (counting starts at once
        inside office hours, otherwise at the next opening)."""
        local = timezone.localtime(moment, SHANGHAI)
        remaining = timedelta(minutes=minutes)
        day = local.date()
        for _ in range(3660):  # ten years of days is a hard stop, never reached in practice
            for start, end in self._office_intervals(day):
                if end <= local:
                    continue
                begin = max(start, local)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("office minutes could not be placed")  # pragma: no cover

    def office_minutes_between(self, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        start_l = timezone.localtime(start, SHANGHAI)
        end_l = timezone.localtime(end, SHANGHAI)
        total = timedelta()
        day = start_l.date()
        while day <= end_l.date():
            for a, b in self._office_intervals(day):
                lo, hi = max(a, start_l), min(b, end_l)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return int(total.total_seconds() // 60)

    def closing_on_or_after(self, day: date) -> datetime:
        """The end of office hours on `day`, or on the first working day after it."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return datetime.combine(day, self.office_hours[-1][1], tzinfo=SHANGHAI)

    def add_workdays_to_moment(self, moment: datetime, n: int) -> datetime:
        """The same clock time on the n-th working day after `moment`'s day."""
        local = timezone.localtime(moment, SHANGHAI)
        day = self.add_workdays(local.date(), n)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=SHANGHAI)


_cached: tuple[float, WorkCalendar] | None = None


def load_calendar() -> WorkCalendar:
    from .models import Holiday

    rows = list(Holiday.objects.values_list("date", "kind"))
    return WorkCalendar(
        days_off=frozenset(d for d, k in rows if k == Holiday.Kind.HOLIDAY),
        extra_workdays=frozenset(d for d, k in rows if k == Holiday.Kind.WORKDAY),
        scheduled_years=frozenset(d.year for d, _k in rows),
    )


def get_calendar(*, fresh: bool = False) -> WorkCalendar:
    """The calendar, cached in this process for a minute; `fresh=True` reloads it."""
    global _cached
    now = _time.monotonic()
    if fresh or _cached is None or now - _cached[0] > _CACHE_SECONDS:
        _cached = (now, load_calendar())
    return _cached[1]


def invalidate_calendar() -> None:
    global _cached
    _cached = None


def is_workday(day: date) -> bool:
    return get_calendar().is_workday(day)


def add_workdays(day: date, n: int) -> date:
    return get_calendar().add_workdays(day, n)


def workdays_between(start: date, end: date) -> int:
    return get_calendar().workdays_between(start, end)


def add_office_minutes(moment: datetime, minutes: int) -> datetime:
    return get_calendar().add_office_minutes(moment, minutes)


def closing_on_or_after(day: date) -> datetime:
    return get_calendar().closing_on_or_after(day)


class WorkdaysBetween(Func):
    """`workdays_between` in SQL, for aggregates over many rows: the working days in
    (start, end] between the Shanghai dates of two timestamps, by the Holiday table (a
    Holiday row decides its day, otherwise Monday to Friday); negative when end is before
    start. Usage: `Avg(WorkdaysBetween("received_at", "resolved_at"))`."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        from .models import Holiday

        (start, start_params), (end, end_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        holidays = connection.ops.quote_name(Holiday._meta.db_table)
        sql = (
            "(SELECT SIGN(w.b - w.a)::integer * (SELECT COUNT(*)::integer"
            " FROM generate_series((LEAST(w.a, w.b) + 1)::timestamp, GREATEST(w.a, w.b)::timestamp,"
            " interval '1 day')"
            f" AS d(day) LEFT JOIN {holidays} AS h ON h.date = d.day::date"
            " WHERE COALESCE(h.kind = %s, EXTRACT(ISODOW FROM d.day) < 6))"
            f" FROM (SELECT ({start} AT TIME ZONE %s)::date AS a,"
            f" ({end} AT TIME ZONE %s)::date AS b) AS w)"
        )
        tz = str(SHANGHAI)
        return sql, (Holiday.Kind.WORKDAY.value, *start_params, tz, *end_params, tz)
