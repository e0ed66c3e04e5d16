"""What the scorecards plug into: the demo data (`seed_demo`)."""

from __future__ import annotations

from crm.demo import register_seeder
from crm.models import Role
from crm.roles import grant


def _seed(users, stdout) -> None:
    from .demo import seed

    seed(users, stdout)


def register() -> None:
    register_seeder(95, "scorecards", _seed)
    grant({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ}, "scorecards.view_scorecardline",
          "scorecards.view_scorecardperiod", "scorecards.view_scorecardweights")  # fmt: skip
