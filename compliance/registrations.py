"""What compliance plugs into the kernel and the call center: the red-flag handler of
completed callbacks, the SLA clock (escalated to HQ when overdue), two workbench
sections, the demo's cases and the permissions."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from callcenter.hooks import on_callback_completed
from crm.demo import register_seeder
from crm.models import Role
from crm.record_actions import RecordAction, register_record_action
from crm.roles import grant
from crm.sla import Clock, declare_policy, register_clock
from crm.workbench import Section, register_section

from . import selectors
from .models import OPEN_STATUSES, ComplianceCase
from .services import POLICY, case_from_callback

DAY = 24 * 60
COMPLIANCE_ROLES = frozenset({Role.COMPLIANCE, Role.HQ})


def _recipients(cases):
    """The compliance officer of each case (never the person concerned)."""
    return {c.pk: {c.assignee_id} - {None, c.staff_concerned_id} for c in cases}


def _on_callback_completed(*, form, user):
    case_from_callback(form=form, user=user)


def _open_from(kind):
    def url(obj):
        return f"{reverse('compliance:create')}?source={kind}&source_id={obj.pk}"

    return url


def _seed(users, stdout):
    from .demo import seed_cases

    seed_cases(users, stdout)


def register() -> None:
    on_callback_completed(_on_callback_completed)
    # 10 working days to conclude; overdue: HQ (compliance at headquarters) is told
    declare_policy(POLICY, name="合规事项办结", target_value=10, target_unit="workdays",
                   warn_before_minutes=DAY, escalation_roles=[Role.HQ],
                   escalation_interval_minutes=DAY)  # fmt: skip
    register_clock(
        Clock(
            name="compliance.case",
            model=ComplianceCase,
            due_field="due_at",
            policy_code=POLICY,
            open_filter=Q(status__in=OPEN_STATUSES),
            recipients=_recipients,
            describe=lambda c: f"{c.reference} {c.get_source_kind_display()}",
            url=lambda c: reverse("compliance:detail", args=[c.pk]),
            start_field="opened_at",
        )
    )
    register_section(Section(
        key="compliance_open", title=_("Open compliance cases by age"),
        template="compliance/workbench/cases.html", queryset=selectors.open_by_age_queue,
        due_field="due_at", roles=COMPLIANCE_ROLES,
        url_name="compliance:list", url_query="open=true&ordering=opened_at", order=3,
        empty=_("No compliance case is open."),
    ))  # fmt: skip
    register_section(Section(
        key="compliance_red_flags", title=_("Callbacks with red flags"),
        template="compliance/workbench/cases.html", queryset=selectors.red_flag_queue,
        due_field="due_at", roles=COMPLIANCE_ROLES,
        url_name="compliance:list", url_query="source=callback&status=opened&ordering=opened_at",
        order=4, empty=_("No callback red flag is waiting for an investigation."),
    ))  # fmt: skip
    # "Open a compliance case" on the pages of the records a case may come from
    for kind, when in (("complaint", None),
                       ("callback", lambda cb: cb.status == "completed"),
                       ("visit_record", lambda plan: plan.status == "completed")):  # fmt: skip
        register_record_action(RecordAction(
            kind=kind, key="compliance-case", label=_("Open a compliance case"),
            roles=COMPLIANCE_ROLES, url=_open_from(kind), icon="bi-shield-exclamation",
            when=when,
        ))  # fmt: skip
    register_seeder(80, "compliance", _seed)
    grant(COMPLIANCE_ROLES, "compliance.view_compliancecase", "compliance.add_compliancecase",
          "compliance.change_compliancecase")  # fmt: skip
