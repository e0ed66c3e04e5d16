"""Every write of the scorecards: the weights a branch manager (or HQ) sets, and the
nightly computation of the scores and ranks.

The computation is set-based: one grouped query per kind of fact for every account
manager of every branch at once (the monthly rollups `clients.ClientMonth` and
`crm.MonthlyFigure`, and the small monthly tables of quota logs, visit plans, complaints
and retention cases), then the scoring of those few hundred rows in memory and one bulk
insert of the lines. Nothing runs one query per person or per client.

Scoring: each measure gives `weight × achievement` points, the achievement being the
figure against its target (lower-is-better measures: the target against the figure),
or, without a target, against the best figure among those compared (the branch's people,
its teams, or HQ's branches); capped at 120 %. A measure without a figure (no callback
rated) gives no points. The score is the sum; ranks are by score, ties sharing a rank
(1, 1, 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Branch, Role, StaffProfile, staff_of
from crm.workdays import SHANGHAI, get_calendar

from .measures import BY_KEY, CAP, DEFAULT_WEIGHTS, KEYS
from .models import (
    Level,
    PeriodKind,
    ScorecardLine,
    ScorecardPeriod,
    ScorecardWeights,
    validate_weights,
)

# --- weights ---------------------------------------------------------------------------


def weights_for(branch_id: int | None, saved: dict | None = None) -> tuple[dict, dict]:
    """The weights and targets in force for a branch: its own, else HQ's saved default,
    else the built-in default. `saved`: {branch id or None: ScorecardWeights}, when the
    caller read them already."""
    if saved is None:
        saved = {w.branch_id: w for w in ScorecardWeights.objects.all()}
    found = saved.get(branch_id) or saved.get(None)
    if found is None:
        return dict(DEFAULT_WEIGHTS), {}
    weights = {k: int(found.weights.get(k, 0)) for k in KEYS}
    return weights, dict(found.targets or {})


def weights_save(*, user, branch: Branch | None, weights: dict, targets: dict) -> ScorecardWeights:
    """A branch manager sets their branch's weights and targets; HQ sets the default
    (`branch=None`) or any branch's. Weights are whole numbers summing to 100."""
    staff = staff_of(user)
    if staff is None or staff.role not in (Role.BRANCH_MANAGER, Role.HQ):
        raise PermissionDenied(_("Only the branch manager or HQ sets the scorecard's weights."))
    if staff.role == Role.BRANCH_MANAGER and (branch is None or branch.pk != staff.branch_id):
        raise PermissionDenied(_("A branch manager sets the weights of their own branch."))
    targets = {k: v for k, v in targets.items() if v not in (None, "")}
    validate_weights(weights, targets)
    targets = {k: str(Decimal(str(v))) for k, v in targets.items()}
    with transaction.atomic():
        row = ScorecardWeights.objects.select_for_update().filter(branch=branch).first()
        if row is None:
            row = ScorecardWeights(branch=branch)
        row.weights = {k: int(weights.get(k, 0)) for k in KEYS}
        row.targets = targets
        row.updated_by = user
        row.updated_at = timezone.now()
        row.save()
    return row


# --- periods ---------------------------------------------------------------------------


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """The first and last day of the month or quarter holding `day`."""
    if kind == PeriodKind.QUARTER:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return start, start + relativedelta(months=3) - timedelta(days=1)
    start = day.replace(day=1)
    return start, start + relativedelta(months=1) - timedelta(days=1)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


# --- facts -----------------------------------------------------------------------------

RAW = ("clients", "volume", "commission", "assets", "net_inflow", "new_clients", "converted",
       "csi_n", "csi_d", "cb_n", "cb_d", "quota_n", "quota_d", "vis_n", "vis_d",
       "complaints", "retention_won")  # fmt: skip


@dataclass
class Entity:
    level: str
    branch_id: int
    team: str = ""
    person_id: int | None = None
    raw: dict = field(default_factory=lambda: dict.fromkeys(RAW, Decimal(0)))
    values: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    score: Decimal = Decimal(0)
    rank: int = 0
    ranked: int = 0

    def add(self, raw: dict) -> None:
        for k in RAW:
            self.raw[k] += raw[k]


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _facts(start: date, end: date, as_of: date, people: list[int]) -> dict[int, dict]:
    """{person id: raw figures} for the period, in eight grouped queries."""
    out = {p: dict.fromkeys(RAW, Decimal(0)) for p in people}
    last = min(end, as_of)
    first_at, after_at = _instant(start), _instant(last + timedelta(days=1))
    months = max(1, (last.year - start.year) * 12 + last.month - start.month + 1)

    def put(pid, key, value):
        if pid in out and value is not None:
            out[pid][key] += Decimal(value)

    # clients served, new, converted (potential clients recorded before their opening)
    for pid, served, new, converted in _rows(
        "SELECT owner_id, count(*) FILTER (WHERE client_no IS NOT NULL "
        "  AND account_status <> 'closed'), "
        "count(*) FILTER (WHERE opened_on BETWEEN %s AND %s), "
        "count(*) FILTER (WHERE opened_on BETWEEN %s AND %s "
        "  AND (created_at AT TIME ZONE 'Asia/Shanghai')::date < opened_on) "
        "FROM clients_client WHERE owner_id = ANY(%s) GROUP BY 1",
        [start, last, start, last, people],
    ):
        put(pid, "clients", served)
        put(pid, "new_clients", new)
        put(pid, "converted", converted)
    # the monthly account facts (clients.ClientMonth): volume, commission, assets, inflow
    for pid, volume, commission, assets, inflow in _rows(
        "SELECT c.owner_id, sum(m.trading_volume), sum(m.commission), sum(m.avg_assets), "
        "sum(m.net_inflow) FROM clients_clientmonth m JOIN clients_client c "
        "ON c.id = m.client_id WHERE m.month >= %s AND m.month <= %s "
        "AND c.owner_id = ANY(%s) GROUP BY 1",
        [start, last, people],
    ):
        put(pid, "volume", volume)
        put(pid, "commission", commission)
        put(pid, "assets", (assets or 0) / Decimal(months))  # the period's daily average
        put(pid, "net_inflow", inflow)
    # CSI and callback completion from the dashboards' rollup (crm.MonthlyFigure), by the
    # people its rows name (assignee or completer, as the dashboard's person filter)
    for pid, key, num, den in _rows(
        "SELECT p, key, sum(num), sum(den) FROM ("
        " SELECT person_id AS p, key, num, den FROM crm_monthlyfigure WHERE source = 'callbacks'"
        "  AND key IN ('csi', 'callback_completion') AND month >= %s AND month <= %s"
        "  AND person_id = ANY(%s)"
        " UNION ALL SELECT other_person_id, key, num, den FROM crm_monthlyfigure"
        "  WHERE source = 'callbacks' AND key IN ('csi', 'callback_completion')"
        "  AND month >= %s AND month <= %s AND other_person_id = ANY(%s)"
        "  AND other_person_id IS DISTINCT FROM person_id"
        ") f GROUP BY 1, 2",
        [start, last, people, start, last, people],
    ):
        prefix = "csi" if key == "csi" else "cb"
        put(pid, f"{prefix}_n", num)
        put(pid, f"{prefix}_d", den)
    # daily quota: working days up to `as_of` on which both targets were met
    calendar = get_calendar()
    workdays, day = [], start
    while day <= last:
        if calendar.is_workday(day):
            workdays.append(day)
        day += timedelta(days=1)
    for pid, met in _rows(
        "SELECT q.user_id, count(*) FILTER (WHERE q.c >= coalesce(d.contacts_target, 5) "
        "  AND q.p >= coalesce(d.patrols_target, 2)) "
        "FROM (SELECT user_id, day, count(*) FILTER (WHERE kind = 'contact') AS c, "
        "      count(*) FILTER (WHERE kind = 'patrol') AS p FROM visits_quotalog "
        "      WHERE day = ANY(%s::date[]) AND user_id = ANY(%s) GROUP BY 1, 2) q "
        "LEFT JOIN visits_dailyquota d ON d.user_id = q.user_id GROUP BY 1",
        [workdays, people],
    ):
        put(pid, "quota_n", met)
    for pid in out:
        out[pid]["quota_d"] = Decimal(len(workdays))
    # visits recorded in time: approved visits whose record fell due in the period
    for pid, due, in_time in _rows(
        "SELECT p.owner_id, count(*), count(r.id) FILTER (WHERE r.recorded_at <= p.record_due_at) "
        "FROM visits_visitplan p LEFT JOIN visits_visitrecord r ON r.plan_id = p.id "
        "WHERE p.status IN ('approved', 'completed') AND p.record_due_at >= %s "
        "AND p.record_due_at < %s AND p.owner_id = ANY(%s) GROUP BY 1",
        [first_at, min(after_at, timezone.now()), people],
    ):
        put(pid, "vis_d", due)
        put(pid, "vis_n", in_time)
    # complaints received about the person's clients
    for pid, n in _rows(
        "SELECT c.owner_id, count(*) FROM complaints_complaint k JOIN clients_client c "
        "ON c.id = k.client_id WHERE k.received_at >= %s AND k.received_at < %s "
        "AND c.owner_id = ANY(%s) GROUP BY 1",
        [first_at, after_at, people],
    ):
        put(pid, "complaints", n)
    # retention cases closed as retained
    for pid, n in _rows(
        "SELECT owner_id, count(*) FROM clients_retentioncase WHERE outcome = 'retained' "
        "AND closed_at >= %s AND closed_at < %s AND owner_id = ANY(%s) GROUP BY 1",
        [first_at, after_at, people],
    ):
        put(pid, "retention_won", n)
    return out


def _ratio(num, den, scale=100, places="0.1"):
    if not den:
        return None
    return (Decimal(num) * scale / Decimal(den)).quantize(Decimal(places), ROUND_HALF_UP)


def derive(raw: dict) -> dict:
    """The measures of one entity from its raw sums."""
    cents = Decimal("0.01")
    return {
        "volume": raw["volume"].quantize(cents, ROUND_HALF_UP),
        "commission": raw["commission"].quantize(cents, ROUND_HALF_UP),
        "assets": raw["assets"].quantize(cents, ROUND_HALF_UP),
        "net_inflow": raw["net_inflow"].quantize(cents, ROUND_HALF_UP),
        "new_clients": int(raw["new_clients"]),
        "converted": int(raw["converted"]),
        "turnover": _ratio(raw["volume"], raw["assets"], 1, "0.0001"),
        "csi": _ratio(raw["csi_n"], raw["csi_d"]),
        "callback_completion": _ratio(raw["cb_n"], raw["cb_d"]),
        "quota_met": _ratio(raw["quota_n"], raw["quota_d"]),
        "visits_in_time": _ratio(raw["vis_n"], raw["vis_d"]),
        "complaints_per_1000": _ratio(raw["complaints"], raw["clients"], 1000, "0.01"),
        "retention_won": int(raw["retention_won"]),
        "clients": int(raw["clients"]),
    }


def _achievement(key: str, value, target, best) -> Decimal:
    cap = Decimal(str(CAP))
    value = Decimal(value)
    if BY_KEY[key].higher_is_better:
        base = target if target else best
        if not base or base <= 0:
            return Decimal(0)
        return max(Decimal(0), min(cap, value / base))
    if target:  # lower is better: the target against the figure
        return cap if value == 0 else min(cap, target / value)
    if value <= (best or 0):
        return Decimal(1)
    return min(cap, (best or Decimal(0)) / value)


def score_group(entities: list[Entity], weights: dict, targets: dict) -> None:
    """Points, score and rank of each entity compared with the others of the group."""
    for e in entities:
        e.values = derive(e.raw)
    for key in KEYS:
        weight = weights.get(key, 0)
        present = [e.values[key] for e in entities if e.values[key] is not None]
        if BY_KEY[key].higher_is_better:
            best = max(present, default=None)
        else:
            best = min(present, default=None)
        target = targets.get(key)
        target = Decimal(str(target)) if target not in (None, "") else None
        for e in entities:
            value = e.values[key]
            if value is None or not weight:
                e.points[key] = 0.0
                continue
            got = Decimal(weight) * _achievement(
                key, value, target, Decimal(best) if best is not None else None
            )
            e.points[key] = float(got.quantize(Decimal("0.01"), ROUND_HALF_UP))
    for e in entities:
        e.score = sum((Decimal(str(p)) for p in e.points.values()), Decimal(0)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
    ordered = sorted(entities, key=lambda e: -e.score)
    for i, e in enumerate(ordered):
        e.rank = ordered[i - 1].rank if i and ordered[i - 1].score == e.score else i + 1
        e.ranked = len(entities)


# --- the computation -------------------------------------------------------------------


ADDITIVE = frozenset({"volume", "commission", "net_inflow", "new_clients", "converted",
                      "retention_won"})  # fmt: skip


def scaled(targets: dict, months: int) -> dict:
    """Targets are one month's: a quarter's additive figures count the months so far."""
    return {k: (Decimal(str(v)) * months if k in ADDITIVE else v) for k, v in targets.items()}


def scorecards_compute(*, kind: str, start: date, as_of: date | None = None) -> dict:
    """Compute one month's or quarter's scorecards of every branch, and HQ's comparison
    of the branches; idempotent (the period's lines are replaced). A period computed once
    it was over is final: its weights and targets are kept from then on, whatever the
    branch sets later."""
    as_of = as_of or timezone.localdate()
    start, end = period_bounds(kind, start)
    last = min(end, as_of)
    months = max(1, (last.year - start.year) * 12 + last.month - start.month + 1)
    profiles = list(
        StaffProfile.objects.filter(role=Role.ACCOUNT_MANAGER, branch__kind=Branch.Kind.BRANCH)
        .exclude(left_on__lt=start).values_list("user_id", "branch_id", "team")
    )  # fmt: skip
    facts = _facts(start, end, as_of, [p for p, _b, _t in profiles])
    saved = {w.branch_id: w for w in ScorecardWeights.objects.all()}
    existing = {p.branch_id: p for p in ScorecardPeriod.objects.filter(kind=kind, start=start)}
    branch_ids = sorted({b for _p, b, _t in profiles})
    final = as_of >= end
    now = timezone.now()
    periods: dict[int | None, ScorecardPeriod] = {}
    for branch_id in [*branch_ids, None]:
        period = existing.get(branch_id)
        if period is None:
            period = ScorecardPeriod(kind=kind, start=start, end=end, branch_id=branch_id)
        if not period.final:  # a final period keeps the weights it was scored with
            period.weights, period.targets = weights_for(branch_id, saved)
            if branch_id is None:
                period.targets = {}  # branches are compared with each other
            period.final = final
        period.computed_at = now
        periods[branch_id] = period
    lines: list[tuple[int | None, Entity]] = []
    branches: dict[int, Entity] = {}
    for branch_id in branch_ids:
        period = periods[branch_id]
        people = [Entity(Level.PERSON, b, t, p) for p, b, t in profiles if b == branch_id]
        teams: dict[str, Entity] = {}
        branch = branches[branch_id] = Entity(Level.BRANCH, branch_id)
        for e in people:
            e.raw = facts[e.person_id or 0]
            branch.add(e.raw)
            if e.team:
                teams.setdefault(e.team, Entity(Level.TEAM, branch_id, e.team)).add(e.raw)
        score_group(people, period.weights, scaled(period.targets, months))
        score_group(list(teams.values()), period.weights, {})
        lines += [(branch_id, e) for e in people] + [(branch_id, e) for e in teams.values()]
    score_group(list(branches.values()), periods[None].weights, {})
    lines += [(None, e) for e in branches.values()]
    with transaction.atomic():
        known = [p for p in periods.values() if p.pk is not None]
        ScorecardPeriod.objects.bulk_create([p for p in periods.values() if p.pk is None])
        ScorecardPeriod.objects.bulk_update(known, ["weights", "targets", "final", "computed_at"])
        ScorecardLine.objects.filter(kind=kind, start=start).delete()
        ScorecardLine.objects.bulk_create(
            [_line(periods[key], e) for key, e in lines], batch_size=1000
        )
    return {"periods": len(periods), "lines": len(lines)}


def _line(period: ScorecardPeriod, e: Entity) -> ScorecardLine:
    values = dict(e.values)
    return ScorecardLine(
        period=period, kind=period.kind, start=period.start, level=e.level,
        branch_id=e.branch_id, team=e.team, person_id=e.person_id, points=e.points,
        score=e.score, rank=e.rank, ranked=e.ranked, **values,
    )  # fmt: skip


def nightly(today: date | None = None) -> dict:
    """The month and the quarter holding yesterday, counted through yesterday: on the
    first of a month that closes last month (final, its weights kept from then on)."""
    yesterday = (today or timezone.localdate()) - timedelta(days=1)
    done = {}
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
        done[kind] = scorecards_compute(kind=kind, start=yesterday, as_of=yesterday)
    return done
