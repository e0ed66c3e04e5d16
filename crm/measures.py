"""Service measures (服务绩效) for the manager dashboards and `GET /api/v1/metrics/`.

Each app registers a *source*: one function that computes several measures for the
current and the previous period in a fixed number of grouped queries (FILTER clauses per
period, GROUP BY branch), returning numerator and denominator per (period, branch). The
dashboard turns them into values, the change against the previous period, the branch
comparison for HQ, exports and the printable report. Dates are Asia/Shanghai dates, so a
month starts at midnight Shanghai time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.cache import cache
from django.db.models import DateField, DateTimeField, F, Func, IntegerField, Q, Value
from django.utils import timezone

from crm.workdays import SHANGHAI


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str = "custom"

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls(start, start + relativedelta(months=1) - timedelta(days=1), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * quarter - 2, 1)
        return cls(start, start + relativedelta(months=3) - timedelta(days=1), "quarter")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @property
    def number(self) -> int | None:
        """The month (1-12) or quarter (1-4) number of a month or quarter period."""
        if self.kind == "month":
            return self.start.month
        if self.kind == "quarter":
            return (self.start.month - 1) // 3 + 1
        return None

    def previous(self) -> Period:
        if self.kind in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
            start = self.start - relativedelta(months=months)
            return Period(start, self.start - timedelta(days=1), self.kind)
        length = (self.end - self.start).days + 1
        return Period(self.start - timedelta(days=length), self.start - timedelta(days=1))


@dataclass(frozen=True)
class Filters:
    branch_ids: tuple[int, ...] | None  # None: every branch
    person_ids: tuple[int, ...] | None  # None: everybody
    current: Period
    previous: Period
    branch_code: str | None = None  # the one branch HQ chose, for drill links to lists

    @property
    def periods(self) -> tuple[Period, Period]:
        return (self.current, self.previous)

    def scope(self, qs, branch: str = "branch_id", person: str | tuple[str, ...] = "owner_id"):
        """`qs` limited to the chosen branches and people; `person` names the field (or
        fields, any of which may match) that ties a row to a member of staff."""
        if self.branch_ids is not None:
            qs = qs.filter(**{f"{branch}__in": self.branch_ids})
        if self.person_ids is not None:
            fields = (person,) if isinstance(person, str) else person
            match = Q()
            for name in fields:
                match |= Q(**{f"{name}__in": self.person_ids})
            qs = qs.filter(match)
        return qs


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # lazily translated
    group: str  # lazily translated
    unit: str  # "count", "percent", "days", "hours", "minutes", "score", "yuan"
    higher_is_better: bool = True
    target: float | None = None
    drill: Callable[[Filters], str] | None = None


# source(filters) -> {measure key: {(period index, branch id): (numerator, denominator)}}
Compute = Callable[[Filters], dict[str, dict[tuple[int, int], tuple[float, float | None]]]]


@dataclass
class _Source:
    key: str
    compute: Compute
    measures: list[Measure] = field(default_factory=list)
    rollup: bool = False
    live: Callable[[Filters], dict] | None = None
    sparse: tuple[str, ...] = ()
    scale: dict[str, int] = field(default_factory=dict)


_sources: dict[str, _Source] = {}


def register_source(
    key: str,
    compute: Compute,
    measures: list[Measure],
    *,
    rollup: bool = False,
    live: Callable[[Filters], dict] | None = None,
    sparse: tuple[str, ...] = (),
    scale: dict[str, int] | None = None,
) -> None:
    """`rollup`: the source's figures are additive over months and rolled up under the
    same key (crm/rollups.py: `figure_rollup`), so closed months are read from the rollup
    and only the rest of a period is computed by `compute`; `live`, with a rollup: what is
    not additive (e.g. a top-ten list), always computed from the facts; `sparse`: keys
    whose `compute` gives a cell only where its denominator is not zero; `scale`: keys
    whose rollup holds the numerator times this (seconds for minutes: 60), divided once
    the months are added up, as `compute` divides its one sum."""
    _sources[key] = _Source(key, compute, measures, rollup, live, sparse, scale or {})


def measures() -> list[Measure]:
    return [m for s in _sources.values() for m in s.measures]


def value_of(measure: Measure, num: float | None, den: float | None) -> float | None:
    if num is None:
        return None
    if measure.unit == "percent":
        return round(100 * num / den, 1) if den else None
    if measure.unit in ("days", "hours", "minutes", "score"):
        return round(num / den, 2) if den else None
    return round(num, 2)


@dataclass
class Row:
    measure: Measure
    current: float | None
    previous: float | None
    by_branch: dict[int, float | None]

    @property
    def change(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return round(self.current - self.previous, 2)

    @property
    def improved(self) -> bool | None:
        if not self.change:
            return None
        return (self.change > 0) == self.measure.higher_is_better

    def as_dict(self) -> dict:
        return {
            "key": self.measure.key, "label": str(self.measure.label),
            "group": str(self.measure.group), "unit": self.measure.unit,
            "current": self.current, "previous": self.previous, "change": self.change,
            "target": self.measure.target,
            "by_branch": {str(k): v for k, v in self.by_branch.items()},
        }  # fmt: skip


def _computed(source_key: str, filters: Filters) -> dict:
    """A source's raw figures for these filters, kept `CRM_DASHBOARD_CACHE_SECONDS` (60 s):
    managers reopening a dashboard, or many looking at the same branch and month, do not
    rerun its grouped queries; a figure is at most that much older than the data."""
    seconds = settings.CRM_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return _compute(_sources[source_key], filters)
    key = "measures:" + hashlib.sha256(f"{source_key}|{filters!r}".encode()).hexdigest()
    raw = cache.get(key)
    if raw is None:
        raw = _compute(_sources[source_key], filters)
        cache.set(key, raw, seconds)
    return raw


def split_period(period: Period, rolled: set[date], today: date) -> tuple[list[date], list]:
    """The closed whole months of `period` that are rolled up, and the rest of it as
    periods (runs of days) to compute from the facts. The current month is never read
    from a rollup: it changes all day, and one month of rows is cheap (a (branch, date)
    index walk)."""
    this_month = today.replace(day=1)
    months: list[date] = []
    rest: list[Period] = []
    run: list[date] = []  # the first and last day of the run being collected
    day = period.start
    while day <= period.end:
        next_month = day.replace(day=1) + relativedelta(months=1)
        chunk_end = min(next_month - timedelta(days=1), period.end)
        whole = day.day == 1 and chunk_end == next_month - timedelta(days=1)
        if whole and day < this_month and day in rolled:
            if run:
                rest.append(Period(run[0], run[1]))
                run = []
            months.append(day)
        else:
            run = [run[0] if run else day, chunk_end]
        day = next_month
    if run:
        rest.append(Period(run[0], run[1]))
    return months, rest


def _add(cells: dict, index: int, branch, num, den) -> None:
    had = cells.get((index, branch))
    if had is None:
        cells[(index, branch)] = (num, den)
        return
    dens = None if had[1] is None and den is None else (had[1] or 0) + (den or 0)
    cells[(index, branch)] = ((had[0] or 0) + (num or 0), dens)


def _compute(source: _Source, filters: Filters) -> dict:
    """A source's raw figures: from its rollup for the closed months recorded as rolled
    up, from the facts for the rest (crm/rollups.py)."""
    out = _from_rollup(source, filters)
    if out is None:
        out = source.compute(filters)
    if source.live is not None:
        out.update(source.live(filters))
    return out


def _from_rollup(source: _Source, filters: Filters) -> dict | None:
    if not source.rollup or not settings.CRM_ROLLUPS:
        return None
    from . import rollups

    rolled = rollups.rolled_months([source.key])[source.key]
    today = timezone.localdate()
    plans = [split_period(p, rolled, today) for p in filters.periods]
    if not any(months for months, _rest in plans):
        return None
    out: dict = rollups.figure_cells(
        source.key, [months for months, _rest in plans], filters.branch_ids, filters.person_ids
    )
    for key, factor in source.scale.items():
        out[key] = {k: (num / factor, den) for k, (num, den) in out.get(key, {}).items()}
    rests = [rest for _months, rest in plans]
    for j in range(max(len(r) for r in rests)):
        current = rests[0][j] if j < len(rests[0]) else None
        previous = rests[1][j] if j < len(rests[1]) else None
        first = current or previous
        assert first is not None  # one of them at least
        # the other period's rest, or none: an empty period (its figures are not used), so
        # the source counts the one month once (this month beside a year of rollups)
        second = previous if current is not None and previous is not None else Period(
            first.start, first.start - timedelta(days=1))  # fmt: skip
        sub = Filters(filters.branch_ids, filters.person_ids, first, second, filters.branch_code)
        raw = source.compute(sub)
        for key, cells in raw.items():
            if not isinstance(cells, dict):
                continue
            target = out.setdefault(key, {})
            for (index, branch), (num, den) in cells.items():
                if current is None:  # the previous period's rest alone, as `current`
                    if index == 0:
                        _add(target, 1, branch, num, den)
                elif index == 0 or previous is not None:
                    _add(target, index, branch, num, den)
    for cells in out.values():  # a branch counted in either period has a cell in both
        if isinstance(cells, dict):
            for index, branch in list(cells):
                den = cells[(index, branch)][1]
                cells.setdefault((1 - index, branch), (0, None if den is None else 0))
    for key in source.sparse:
        cells = out.get(key, {})
        for cell in [k for k, (_num, den) in cells.items() if not den]:
            del cells[cell]
    return out


def compute_rows(
    filters: Filters, keys: set[str] | None = None, raws: dict | None = None
) -> list[Row]:
    """Every measure (or those in `keys`); `raws`, when given, receives each source's raw
    output so that breakdowns reuse it instead of querying again."""
    rows = []
    for source in _sources.values():
        wanted = [m for m in source.measures if keys is None or m.key in keys]
        if not wanted:
            continue
        raw = _computed(source.key, filters)
        if raws is not None:
            raws[source.key] = raw
        for measure in wanted:
            cells = raw.get(measure.key, {})
            totals: dict[int, list] = defaultdict(lambda: [0.0, None])
            by_branch: dict[int, float | None] = {}
            for (period, branch), (num, den) in cells.items():
                total = totals[period]
                total[0] += float(num or 0)
                if den is not None:
                    total[1] = (total[1] or 0) + float(den)
                if period == 0:
                    by_branch[branch] = value_of(measure, num, den)
            values = [value_of(measure, *totals[i]) if i in totals else None for i in (0, 1)]
            if measure.unit == "count":  # nothing counted is a zero, not a missing figure
                values = [0 if v is None else v for v in values]
            rows.append(Row(measure, values[0], values[1], by_branch))
    return rows


@dataclass(frozen=True)
class Breakdown:
    """A distribution shown as a table and a chart beside the measures (e.g. by tier)."""

    key: str
    source: str  # the measure source whose raw output it reads
    title: str  # lazily translated
    columns: list  # lazily translated headings; the first is the category
    units: list[str]  # one per value column
    compute: Callable[[dict], list[list]]  # raw -> rows: [category label, value, value, ...]
    chart: str = "bar"  # "bar": horizontal shares per category; "pareto": a cumulative curve
    summary: Callable[[list[list]], str] | None = None  # the chart told in one sentence

    @property
    def dom_data(self) -> str:
        """The id of the JSON script element the dashboard's chart reads."""
        return f"data-{self.key}"


_breakdowns: dict[str, Breakdown] = {}


def register_breakdown(breakdown: Breakdown) -> None:
    _breakdowns[breakdown.key] = breakdown


def compute_breakdowns(filters: Filters, raws: dict) -> list[tuple[Breakdown, list[list]]]:
    out = []
    for b in _breakdowns.values():
        if b.source not in raws:
            raws[b.source] = _computed(b.source, filters)
        out.append((b, b.compute(raws[b.source])))
    return out


def during(field: str, start: date, end: date) -> Q:
    """`field` (a timestamp) falls on a day from start to end, Shanghai time; a plain range
    on the column, so its index serves it (unlike `field__date`)."""
    first = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    after = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    return Q(**{f"{field}__gte": first, f"{field}__lt": after})


def grouped(
    qs,
    period_field: str,
    filters: Filters,
    branch_field: str = "branch_id",
    fields: dict[str, str] | None = None,
    **aggregates,
) -> dict:
    """One grouped query: each aggregate for each period, per branch.

    `aggregates` maps a name to a function (period Q) -> aggregate expression; the period
    is on `period_field`, or on `fields[name]` for an aggregate counted by another date.
    The result is {(period index, branch id): {name: value}}."""
    fields = fields or {}
    annotations = {}
    for index, period in enumerate(filters.periods):
        for name, make in aggregates.items():
            in_period = during(fields.get(name, period_field), period.start, period.end)
            annotations[f"{name}__{index}"] = make(in_period)
    rows = qs.values(branch_field).annotate(**annotations).order_by()
    out: dict = {}
    for row in rows:
        for index in (0, 1):
            out[(index, row[branch_field])] = {name: row[f"{name}__{index}"] for name in aggregates}
    return out


# --- 12-month trends -------------------------------------------------------------------

# compute(filters) -> {trend key: {month start date: (numerator, denominator)}}; `filters`
# spans the twelve months (its `current` period), so `filters.scope` applies as for a source
TrendCompute = Callable[[Filters], dict[str, dict[date, tuple[float, float | None]]]]


@dataclass(frozen=True)
class Trend:
    key: str
    label: str  # lazily translated
    unit: str  # "count" or "percent"


_trend_sources: dict[str, tuple[TrendCompute, list[Trend], str | None]] = {}


def register_trends(
    key: str, compute: TrendCompute, trends: list[Trend], *, rollup: str | None = None
) -> None:
    """An app's monthly lines: `compute` gives them all in one grouped query; `rollup`:
    the measure source whose rollup holds the same keys, read for the closed months."""
    _trend_sources[key] = (compute, trends, rollup)


def _trend_raw(compute, rollup, spanned: Filters, months: list[date]) -> dict:
    if rollup is None or not settings.CRM_ROLLUPS:
        return compute(spanned)
    from . import rollups

    this_month = timezone.localdate().replace(day=1)
    rolled = rollups.rolled_months([rollup])[rollup]
    from_rollup = [m for m in months if m < this_month and m in rolled]
    if not from_rollup:
        return compute(spanned)
    out = rollups.trend_cells(rollup, from_rollup, spanned.branch_ids, spanned.person_ids)
    rest = [m for m in months if m not in from_rollup]
    if rest:
        span = Period(rest[0], rest[-1] + relativedelta(months=1) - timedelta(days=1))
        live = compute(Filters(spanned.branch_ids, spanned.person_ids, span, span.previous(),
                               spanned.branch_code))  # fmt: skip
        for key, cells in live.items():
            for month, cell in cells.items():
                if month in rest:
                    out.setdefault(key, {})[month] = cell
    return out


def trend_months(filters: Filters, count: int = 12) -> list[date]:
    """The first days of the `count` months ending with the month the period ends in."""
    last = filters.current.end.replace(day=1)
    return [last - relativedelta(months=count - 1 - i) for i in range(count)]


def compute_trends(filters: Filters, count: int = 12) -> tuple[list[date], list[tuple]]:
    """Each registered trend over the `count` months up to the end of the current period:
    one grouped query per app (by month, Shanghai time), cached like the measures.
    Returns the months and, per trend, (trend, [value per month])."""
    months = trend_months(filters, count)
    span = Period(months[0], months[-1] + relativedelta(months=1) - timedelta(days=1))
    spanned = Filters(filters.branch_ids, filters.person_ids, span, span.previous(),
                      filters.branch_code)  # fmt: skip
    seconds = settings.CRM_DASHBOARD_CACHE_SECONDS
    out = []
    for source, (compute, trends, rollup) in _trend_sources.items():
        key = "trend:" + hashlib.sha256(f"{source}|{spanned!r}".encode()).hexdigest()
        raw = cache.get(key) if seconds else None
        if raw is None:
            raw = _trend_raw(compute, rollup, spanned, months)
            if seconds:
                cache.set(key, raw, seconds)
        for trend in trends:
            measure = Measure(trend.key, trend.label, "", trend.unit)
            cells = raw.get(trend.key, {})
            values = []
            for month in months:
                value = value_of(measure, *cells.get(month, (None, None)))
                values.append(0 if value is None and trend.unit == "count" else value)
            out.append((trend, values))
    return months, out


class _WidthBucket(Func):
    function = "width_bucket"
    output_field = IntegerField()


def by_month(qs, field: str, span: Period, *, timestamp: bool = True, **aggregates) -> dict:
    """One grouped query: `aggregates` per month of `span` by `field` (a timestamp, in
    Shanghai months; `timestamp=False` for a date). Returns {month start date: {name:
    value}}. Rows go to their month by `width_bucket` over the months' first instants (a
    binary search per row, cheaper than truncating each timestamp in a time zone)."""
    months = []
    month = span.start.replace(day=1)
    while month <= span.end:
        months.append(month)
        month += relativedelta(months=1)
    edges: list = [*months, month]
    if timestamp:
        edges = [datetime.combine(d, time.min, tzinfo=SHANGHAI) for d in edges]
        array = ArrayField(DateTimeField())
    else:
        array = ArrayField(DateField())
    bucket = _WidthBucket(F(field), Value(edges, output_field=array))
    rows = qs.annotate(_bucket=bucket).values("_bucket").annotate(**aggregates).order_by()
    out = {}
    for row in rows:
        index = row.pop("_bucket")
        if 1 <= index <= len(months):
            out[months[index - 1]] = row
    return out
