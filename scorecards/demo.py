"""Demo scorecards (idempotent): the branch managers' weights (Beijing puts volume even
more first), then the last six months and two quarters computed from the demo's facts."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from crm import rollups
from crm.models import Branch

from . import services
from .measures import DEFAULT_WEIGHTS
from .models import PeriodKind, ScorecardWeights


def seed(users, stdout) -> None:
    today = timezone.localdate()
    bj = Branch.objects.filter(code="BJ01").first()
    if bj is not None and "bm_bj" in users and not ScorecardWeights.objects.filter(branch=bj):
        weights = dict(DEFAULT_WEIGHTS, volume=40, net_inflow=0)
        services.weights_save(user=users["bm_bj"], branch=bj, weights=weights,
                              targets={"csi": "90", "quota_met": "80"})  # fmt: skip
    first = today.replace(day=1) - relativedelta(months=5)
    rollups.refresh(first, today, ["client_months", "callbacks"])
    month = first
    while month <= today:
        end = month + relativedelta(months=1) - timedelta(days=1)
        services.scorecards_compute(kind=PeriodKind.MONTH, start=month, as_of=min(end, today))
        month += relativedelta(months=1)
    for back in (3, 0):
        day = today - relativedelta(months=back)
        start, end = services.period_bounds(PeriodKind.QUARTER, day)
        services.scorecards_compute(kind=PeriodKind.QUARTER, start=start, as_of=min(end, today))
