"""What the complaints app plugs into the kernel and the client file."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.timeline import Entry, register_provider
from crm.demo import register_seeder
from crm.models import Role
from crm.roles import ALL, grant
from crm.sla import Clock, declare_policy, register_clock
from crm.workbench import Section, register_section

from . import selectors
from .models import OPEN_STATUSES, Complaint, Status
from .services import CLOCKS, policy_for, recompute_open_deadlines
from .workflow import COMPENSATION_APPROVERS

DAY = 24 * 60
DEFAULTS = {  # DOMAIN.md: first response 30 office minutes, acknowledgement 24 hours,
    # initial handling 72 hours, resolution 7 working days
    "first_response": ("首次响应", 30, "office_minutes", 10),
    "acknowledge": ("受理确认", 24, "hours", 4 * 60),
    "initial_handling": ("初步处理", 72, "hours", 12 * 60),
    "resolution": ("办结", 7, "workdays", DAY),
}


def _recipients(complaints):
    return {c.pk: {c.handler_id, c.first_responder_id} for c in complaints}


def _open_clock_filter(clock):
    return Q(status__in=[s for s in OPEN_STATUSES if s != Status.WAITING]) & Q(
        **{f"{clock.done}__isnull": True}
    )


def _timeline(client, limit):
    rows = Complaint.objects.filter(client=client).order_by("-received_at")[:limit]
    return [
        Entry(at=c.received_at, kind="complaint",
              title=_("Complaint %(no)s: %(topic)s (%(status)s)")
              % {"no": c.ticket_no, "topic": c.get_topic_display(),
                 "status": c.get_status_display()},
              detail=c.description[:80], url=c.get_absolute_url())
        for c in rows
    ]  # fmt: skip


def _agenda_counts(today):
    rows = (
        Complaint.objects.open()
        .filter(resolution_due_at__date__lte=today)
        .values("handler_id")
        .annotate(n=Count("id"))
    )
    return {r["handler_id"]: r["n"] for r in rows}


def _seed(users, stdout):
    from .demo import seed_complaints

    seed_complaints(users, stdout)


def register() -> None:
    from . import measures

    measures.register()
    for name, (label, target, unit, warn) in DEFAULTS.items():
        declare_policy(f"complaint.{name}", name=f"投诉{label}", target_value=target,
                       target_unit=unit, warn_before_minutes=warn,
                       escalation_roles=[Role.BRANCH_MANAGER, Role.HQ],
                       escalation_interval_minutes=DAY)  # fmt: skip
    for clock in CLOCKS:
        register_clock(
            Clock(
                name=f"complaint.{clock.name}",
                model=Complaint,
                due_field=clock.due,
                policy_code=f"complaint.{clock.name}",
                open_filter=_open_clock_filter(clock),
                recipients=_recipients,
                describe=lambda c, label=clock.label: f"{c.ticket_no} {label}",
                url=lambda c: reverse("complaints:detail", args=[c.pk]),
                policy_for=lambda c, policies, name=clock.name: policy_for(
                    name, c.category, c.severity, policies
                ),
                policy_fields=("category", "severity"),
                # one recomputation for all four clocks (pauses included)
                recompute=recompute_open_deadlines if clock.name == "resolution" else None,
            )
        )
    register_section(Section(
        key="complaints", title=_("My complaints"), template="complaints/workbench/mine.html",
        queryset=selectors.my_complaint_queue, due_field="resolution_due_at",
        roles=frozenset({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR,
                         Role.BRANCH_MANAGER}),
        agenda_counts=_agenda_counts, url_name="complaints:desk",
        url_query=selectors.my_complaint_query, order=15,
        empty=_("No open complaint is handled by you."),
    ))  # fmt: skip
    register_section(Section(
        key="complaints_overdue", title=_("Overdue complaints of the branch"),
        template="complaints/workbench/mine.html", queryset=selectors.overdue_complaint_queue,
        due_field="resolution_due_at",
        roles=frozenset({Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ}),
        url_name="complaints:desk", url_query="overdue=true", order=16,
        empty=_("No complaint is past its resolution deadline."),
    ))  # fmt: skip
    register_section(Section(
        key="compensation", title=_("Compensation to approve"),
        template="complaints/workbench/mine.html", queryset=selectors.compensation_queue,
        due_field="resolution_due_at", roles=frozenset(COMPENSATION_APPROVERS),
        url_name="complaints:desk", url_query=selectors.COMPENSATION_QUERY, order=17,
        empty=_("No major economic complaint is waiting for a compensation decision."),
    ))  # fmt: skip
    register_section(Section(
        key="complaints_review", title=_("Complaints to review"),
        template="complaints/workbench/mine.html", queryset=selectors.review_queue,
        roles=frozenset({Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER, Role.COMPLIANCE, Role.HQ}),
        url_name="complaints:desk", url_query="status=resolved", order=18,
        empty=_("No resolved complaint is waiting for its review."),
    ))  # fmt: skip
    register_provider("complaint", _timeline)
    from clients.segmentation import register_churn_source

    register_churn_source(
        "complaint",
        "SELECT client_id FROM complaints_complaint WHERE client_id IS NOT NULL "
        "AND received_at >= now() - interval '90 days'",
    )
    register_seeder(30, "complaints", _seed)
    grant(ALL - {Role.INTEGRATION}, "complaints.view_complaint")
    grant({Role.SERVICE_AGENT, Role.ACCOUNT_MANAGER, Role.ADVISOR, Role.BRANCH_MANAGER,
           Role.HQ}, "complaints.add_complaint", "complaints.change_complaint")  # fmt: skip
