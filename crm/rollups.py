"""Monthly rollups: the dashboards read whole closed months from small tables instead of
scanning a year of callbacks, complaints, calls or service requests across every branch.

Apps plug in (the kernel imports none of them):

- `register_rollup(key, refresh)`: `refresh(first_month, last_month)` recomputes those
  months of the app's rollup from its facts, set-based and idempotent (the per-client
  monthly account facts of `clients.ClientMonth` are one).
- `figure_rollup(source, queries)` builds such a `refresh` for a measure source
  (crm.measures): each `FigureQuery` is one grouped `INSERT … SELECT` into
  `crm.MonthlyFigure`, a numerator and a denominator per measure key, month, branch and
  the people the rows name; `register_source(…, rollup=True)` then lets the dashboards
  read the closed months of that source from it (`crm.measures`).

A refresh that takes `branch_ids` can be run a branch at a time (the nightly job runs in
chunks by branch, crm/chunks.py: `nightly_chunk`, then `nightly_finish` records the months
once every chunk is done); one that does not runs whole, in the job's last chunk.

Every refresh records its months in `crm.RollupMonth`; a month not recorded there is
computed live from the facts, so a rollup never shows less than the facts it was made
from. Maintained: nightly (chunked job "rollups", last and this month), as facts
arrive where the app does it (account snapshots: `clients.services.snapshots_upsert`),
and for any range by `manage.py rebuild_rollups --from 2025-01 --to 2026-11`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import DateField, F, Func, Q
from django.utils import timezone

from .models import MonthlyFigure, RollupMonth
from .workdays import SHANGHAI

Refresh = Callable[..., int]  # (first_month, last_month[, branch_ids=None]) -> rows

_rollups: dict[str, Refresh] = {}


def register_rollup(key: str, refresh: Refresh) -> None:
    _rollups[key] = refresh


def rollup_keys() -> list[str]:
    return list(_rollups)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s, both included."""
    month, out = first.replace(day=1), []
    while month <= last:
        out.append(month)
        month += relativedelta(months=1)
    return out


def month_end(month: date) -> date:
    return month + relativedelta(months=1) - timedelta(days=1)


def splits_by_branch(key: str) -> bool:
    """Whether the rollup's refresh takes `branch_ids` (can run a branch at a time)."""
    return "branch_ids" in inspect.signature(_rollups[key]).parameters


def _record(keys: list[str], first: date, last: date) -> None:
    months = months_between(first, last)
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO crm_rollupmonth (source, month, refreshed_at) "
            "SELECT k, m, %s FROM unnest(%s::varchar[]) AS k, unnest(%s::date[]) AS m "
            "ON CONFLICT (source, month) "
            "DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at",
            [now, keys, months],
        )
    cache.delete(MONTHS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(MONTHS_CACHE_KEY))


def refresh(first: date, last: date, keys: list[str] | None = None) -> dict[str, int]:
    """Recompute the months from `first`'s to `last`'s of every rollup (or of `keys`),
    each in one transaction, and record them as rolled up. Returns rows written per key."""
    first, last = first.replace(day=1), last.replace(day=1)
    done = {}
    for key in keys or list(_rollups):
        with transaction.atomic():
            done[key] = _rollups[key](first, last)
            _record([key], first, last)
    return done


def _nightly_months(day: date) -> tuple[date, date]:
    """Last month and this month (late facts of last month, this month so far)."""
    return day.replace(day=1) - relativedelta(months=1), day.replace(day=1)


def nightly() -> dict[str, int]:
    return refresh(*_nightly_months(timezone.localdate()))


def nightly_chunk(day: date, branch_ids: list[int] | None) -> dict[str, int]:
    """A chunk of the nightly job: every rollup that splits by branch for these branches,
    or (`None`) every one that does not, whole. The months are recorded by the finish."""
    first, last = _nightly_months(day)
    done = {}
    for key in _rollups:
        if branch_ids is None and not splits_by_branch(key):
            done[key] = _rollups[key](first, last)
        elif branch_ids is not None and splits_by_branch(key):
            done[key] = _rollups[key](first, last, branch_ids=branch_ids)
    return done


def nightly_finish(day: date) -> None:
    """Every chunk done: the months are rolled up for every source."""
    _record(list(_rollups), *_nightly_months(day))


MONTHS_CACHE_KEY = "rollups:months"


def rolled_months(keys) -> dict[str, set[date]]:
    """The months recorded as rolled up, per source: one query for every source, kept a
    minute (a refresh forgets it; until then a newly rolled month is computed live)."""
    every = cache.get(MONTHS_CACHE_KEY)
    if every is None:
        every = {}
        for source, month in RollupMonth.objects.values_list("source", "month"):
            every.setdefault(source, set()).add(month)
        cache.set(MONTHS_CACHE_KEY, every, 60)
    return {k: every.get(k, set()) for k in keys}


# --- measure figures -------------------------------------------------------------------


class _MonthOf(Func):
    """The first day of the Shanghai month of a timestamp (or of a date)."""

    output_field = DateField()

    def __init__(self, expression, timestamp: bool = True):
        self.template = (
            "(date_trunc('month', %(expressions)s AT TIME ZONE 'Asia/Shanghai'))::date"
            if timestamp
            else "(date_trunc('month', %(expressions)s))::date"
        )
        super().__init__(expression)


@dataclass(frozen=True)
class FigureQuery:
    """One grouped query of a measure rollup: rows of `queryset()` by the month of
    `date_field`, the branch and the person fields, with `values[key] = (numerator,
    denominator or None)` aggregates (e.g. `(Count("id", filter=Q(done=True)),
    Count("id"))`). `persons`: the fields the dashboard's person filter matches on
    (at most two), as the live source scopes them."""

    queryset: Callable
    date_field: str
    values: dict = field(default_factory=dict)
    branch: str = "branch_id"
    persons: tuple[str, ...] = ()
    timestamp: bool = True


def figure_rollup(source: str, queries: Callable[[], list[FigureQuery]]) -> Refresh:
    """A `refresh` for a measure source: replaces the source's figures of those months
    with one `INSERT … SELECT` per query (nothing per row)."""

    def run(first: date, last: date, branch_ids: list[int] | None = None) -> int:
        end = month_end(last)
        old = MonthlyFigure.objects.filter(source=source, month__gte=first, month__lte=end)
        if branch_ids is not None:
            old = old.filter(branch_id__in=branch_ids)
        old.delete()
        written = 0
        for q in queries():
            written += _insert(source, q, first, end, branch_ids)
        return written

    return run


def _insert(
    source: str, q: FigureQuery, first: date, end: date, branch_ids: list[int] | None = None
) -> int:
    qs = q.queryset()
    if branch_ids is not None:
        qs = qs.filter(**{f"{q.branch}__in": branch_ids})
    if q.timestamp:
        start_at = datetime.combine(first, time.min, tzinfo=SHANGHAI)
        end_at = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
        qs = qs.filter(Q(**{f"{q.date_field}__gte": start_at, f"{q.date_field}__lt": end_at}))
    else:
        qs = qs.filter(**{f"{q.date_field}__gte": first, f"{q.date_field}__lte": end})
    group = {"r_month": _MonthOf(F(q.date_field), q.timestamp), "r_branch": F(q.branch)}
    for i, name in enumerate(q.persons[:2]):
        group[f"r_p{i}"] = F(name)
    aggregates, lateral, key_params = {}, [], []
    for i, (key, (num, den)) in enumerate(q.values.items()):
        aggregates[f"r_n{i}"] = num
        if den is not None:
            aggregates[f"r_d{i}"] = den
        lateral.append(f"(%s, g.r_n{i}::numeric, " + (f"g.r_d{i}::numeric)" if den is not None
                                                     else "NULL::numeric)"))  # fmt: skip
        key_params.append(key)
    inner = qs.values(**group).annotate(**aggregates).order_by()
    inner_sql, inner_params = inner.query.sql_with_params()
    p0 = "g.r_p0" if len(q.persons) > 0 else "NULL"
    p1 = "g.r_p1" if len(q.persons) > 1 else "NULL"
    sql = (
        "INSERT INTO crm_monthlyfigure (source, key, month, branch_id, person_id, "
        "other_person_id, num, den) "
        f"SELECT %s, v.key, g.r_month, g.r_branch, {p0}, {p1}, coalesce(v.num, 0), v.den "
        f"FROM ({inner_sql}) g CROSS JOIN LATERAL (VALUES {', '.join(lateral)}) "
        "AS v(key, num, den)"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [source, *inner_params, *key_params])
        return cur.rowcount


def _number(value) -> int | float:
    """A stored sum as the live query gives it: a count as an int, a fraction as a float."""
    if not value:
        return 0
    return int(value) if value == value.to_integral_value() else float(value)


def figure_cells(source: str, months: list[list[date]], branch_ids, person_ids) -> dict:
    """The rollup's cells for each period's months: {key: {(period index, branch id):
    (numerator, denominator)}} — one grouped query. A branch with rows of a key in either
    period has a cell in both (zero when nothing was counted), as the live grouped query
    gives it."""
    wanted = sorted({m for ms in months for m in ms})
    if not wanted:
        return {}
    qs = MonthlyFigure.objects.filter(source=source, month__in=wanted)
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    if person_ids is not None:
        qs = qs.filter(Q(person_id__in=person_ids) | Q(other_person_id__in=person_ids))
    from django.db.models import Count, Sum

    rows = qs.values("key", "month", "branch_id").annotate(
        n=Sum("num"), d=Sum("den"), dens=Count("den")
    ).order_by()  # fmt: skip
    out: dict = {}
    has_den: dict = {}
    for row in rows:
        for index, ms in enumerate(months):
            if row["month"] not in ms:
                continue
            cells = out.setdefault(row["key"], {})
            for i in range(len(months)):  # a cell in both periods
                cells.setdefault((i, row["branch_id"]), [0, None])
            cell = cells[(index, row["branch_id"])]
            cell[0] += row["n"] or 0  # Decimal sums: exact until the end
            if row["dens"]:
                has_den[row["key"]] = True
                cell[1] = (cell[1] or 0) + (row["d"] or 0)
    for key, cells in out.items():
        for k, (num, den) in cells.items():
            cells[k] = (_number(num), _number(den) if has_den.get(key) else None)
    return out


def trend_cells(source: str, months: list[date], branch_ids, person_ids) -> dict:
    """{key: {month: (numerator, denominator)}} from the rollup, summed over branches."""
    qs = MonthlyFigure.objects.filter(source=source, month__in=months)
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    if person_ids is not None:
        qs = qs.filter(Q(person_id__in=person_ids) | Q(other_person_id__in=person_ids))
    from django.db.models import Count, Sum

    out: dict = {}
    for row in qs.values("key", "month").annotate(n=Sum("num"), d=Sum("den"), dens=Count("den")):
        out.setdefault(row["key"], {})[row["month"]] = (
            _number(row["n"]), _number(row["d"]) if row["dens"] else None
        )  # fmt: skip
    return out
