"""Reads of the scorecards: the lines a user may see, the latest period, trends."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from dateutil.relativedelta import relativedelta

from .models import Level, PeriodKind, ScorecardLine

TREND_PERIODS = 6


def lines(user):
    """The scorecard lines `user` may see (crm.scoping: own / branch / every branch)."""
    return ScorecardLine.objects.visible_to(user).select_related("branch", "person")


def latest_start(user, kind: str = PeriodKind.MONTH) -> date | None:
    """The first day of the newest period of `kind` the user has a line in."""
    return (ScorecardLine.objects.visible_to(user).filter(kind=kind)
            .order_by("-start").values_list("start", flat=True).first())  # fmt: skip


def trends(user, records, kind: str, upto: date, n: int = TREND_PERIODS) -> dict:
    """{(level, branch id, team, person id): [(start, score, rank), …]}: the last `n`
    periods up to `upto` of the lines shown, in one query."""
    people = {r.person_id for r in records if r.person_id}
    teams = {(r.branch_id, r.team) for r in records if r.level == Level.TEAM}
    branches = {r.branch_id for r in records if r.level == Level.BRANCH}
    if not (people or teams or branches):
        return {}
    back = relativedelta(months=(3 if kind == PeriodKind.QUARTER else 1) * (n - 1))
    qs = (lines(user).filter(kind=kind, start__lte=upto, start__gte=upto - back)
          .filter(level__in={r.level for r in records}))  # fmt: skip
    from django.db.models import Q

    match = Q(pk__in=[])
    if people:
        match |= Q(person_id__in=people, level=Level.PERSON)
    if teams:
        match |= Q(level=Level.TEAM, branch_id__in={b for b, _t in teams},
                   team__in={t for _b, t in teams})  # fmt: skip
    if branches:
        match |= Q(level=Level.BRANCH, branch_id__in=branches)
    out: dict = defaultdict(list)
    rows = (
        qs.filter(match)
        .order_by("start")
        .values_list("level", "branch_id", "team", "person_id", "start", "score", "rank")
    )
    for level, branch_id, team, person_id, start, score, rank in rows:
        out[(level, branch_id, team, person_id)].append((start, score, rank))
    return {k: v[-n:] for k, v in out.items()}


def key_of(record) -> tuple:
    return (record.level, record.branch_id, record.team, record.person_id)
