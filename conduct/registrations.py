"""What staff conduct and investor education plug into the kernel: the self-check SLA
clock (the person reminded, then the branch's compliance officer), three workbench
sections, the dashboard measures, the demo and the permissions."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.demo import register_seeder
from crm.models import Role
from crm.roles import grant
from crm.sla import Clock, declare_policy, register_clock
from crm.workbench import Section, register_section

from . import selectors
from .models import CONDUCT_ROLES, SelfCheck, SelfCheckStatus

DAY = 24 * 60
POLICY = "conduct.selfcheck"
ACCOUNT_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.BRANCH_MANAGER, Role.HQ})
STAFF_ROLES = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.SERVICE_AGENT,
                         Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ})  # fmt: skip


def _recipients(checks):
    """The person who has to sign (the escalation goes to the branch's compliance)."""
    return {c.pk: {c.staff_id} for c in checks}


def _seed(users, stdout):
    from .demo import seed_conduct

    seed_conduct(users, stdout)


def register() -> None:
    # the deadline is the form's date; warned 3 days before; overdue: the person, and
    # the branch's compliance officer is told
    declare_policy(POLICY, name="员工执业行为自查", target_value=30, target_unit="days",
                   warn_before_minutes=3 * DAY, escalation_roles=[Role.COMPLIANCE],
                   escalation_interval_minutes=DAY)  # fmt: skip
    register_clock(
        Clock(
            name="conduct.selfcheck",
            model=SelfCheck,
            due_field="due_at",
            policy_code=POLICY,
            open_filter=Q(status=SelfCheckStatus.PENDING),
            recipients=_recipients,
            describe=lambda c: str(_("Conduct self-check %(year)s") % {"year": c.form.year}),
            url=lambda c: reverse("conduct:my-selfcheck"),
            select_related=("form",),
        )
    )
    register_section(Section(
        key="my_selfcheck", title=_("My conduct self-check"),
        template="conduct/workbench/mine.html", queryset=selectors.my_pending_queue,
        due_field="due_at", roles=STAFF_ROLES, url_name="conduct:my-selfcheck", order=2,
        empty=_("No conduct self-check to sign."),
    ))  # fmt: skip
    register_section(Section(
        key="selfchecks_overdue", title=_("Overdue conduct self-checks"),
        template="conduct/workbench/overdue.html", queryset=selectors.overdue_queue,
        due_field="due_at", roles=CONDUCT_ROLES, url_name="conduct:selfchecks",
        url_query="status=pending&overdue=true&ordering=due_at", order=5,
        empty=_("Every conduct self-check due is signed."),
    ))  # fmt: skip
    register_section(Section(
        key="education_suggested", title=_("Clients suggested for investor education"),
        template="conduct/workbench/suggestions.html", queryset=selectors.suggestion_queue,
        roles=ACCOUNT_ROLES, url_name="conduct:suggestions", url_query="open=true",
        order=40, empty=_("No client is suggested for investor education."),
    ))  # fmt: skip
    from . import measures

    measures.register()
    register_seeder(85, "conduct", _seed)
    grant(CONDUCT_ROLES, "conduct.view_selfcheckform", "conduct.add_selfcheckform",
          "conduct.view_selfcheck", "conduct.view_misconductentry",
          "conduct.add_misconductentry")  # fmt: skip
    grant(ACCOUNT_ROLES | {Role.SERVICE_AGENT, Role.COMPLIANCE},
          "conduct.view_educationrecord", "conduct.view_educationsuggestion")  # fmt: skip
    grant(ACCOUNT_ROLES | {Role.SERVICE_AGENT}, "conduct.add_educationrecord")
