"""The nightly scorecards over the bench's data set (100 staff, 100,000 clients at the
large size): the last full month and this quarter computed twice each (the second run
replaces the first's lines), target under 10 s each (issue #21); then the ranking page
for a branch manager and for HQ, target 100 ms p95, and an account manager's scorecard.

`make bench` runs it (tests/bench/run.py) after the rollups are filled."""

from __future__ import annotations

import time
from datetime import timedelta

TARGET_SECONDS = 10
PAGES = {"scorecard ranking (branch)": 100, "scorecard ranking (HQ, branches)": 100,
         "my scorecard (account manager)": 100}  # fmt: skip


def compute_lines() -> list[str]:
    from django.utils import timezone

    from crm.models import StaffProfile
    from scorecards import services
    from scorecards.models import ScorecardLine

    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    lines = []
    staff = StaffProfile.objects.filter(role="account_manager").count()
    for kind, day, as_of in (("month", last_month, last_month), ("quarter", today, today)):
        for run in (1, 2):
            start = time.perf_counter()
            done = services.scorecards_compute(kind=kind, start=day, as_of=as_of)
            seconds = time.perf_counter() - start
            verdict = "ok" if seconds < TARGET_SECONDS else "OVER"
            label = f"nightly scorecards, {kind}, run {run}"
            lines.append(
                f"{label:<45} {seconds:8.2f} s  ({done['lines']:,} lines, "
                f"{staff:,} account managers; target {TARGET_SECONDS} s: {verdict})"
            )
    lines.append(f"{'scorecard lines stored':<45} {ScorecardLine.objects.count():>8,}")
    return lines


def rows(measure, bm, hq, am, n) -> list:
    return [
        measure("scorecard ranking (branch)", bm, "/scorecards/?level=person", n),
        measure("scorecard ranking (HQ, branches)", hq, "/scorecards/", n),
        measure("my scorecard (account manager)", am, "/scorecards/mine/", n),
    ]
